"""Registries filled lazily: a phase's registry named by where it lives, imported on first use.

:mod:`aaib_cp.wiring` lists each phase's migrations, facts, guards and effects as
``"module:ATTRIBUTE"`` with the names that registry holds, so that opening a database or
checking a case's status imports only the phases it needs. :func:`resolve` imports the
registry; :func:`check_names` makes sure the names the wiring lists are the registry's
own, so the two cannot drift apart unnoticed. These strings come from code, never from a
workflow file.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Any

__all__ = ["check_names", "resolve"]


def resolve(where: str) -> Any:
    """The object ``"package.module:ATTRIBUTE"`` names, importing the module."""
    module, _, attribute = where.partition(":")
    return getattr(importlib.import_module(module), attribute)


def check_names(where: str, listed: Iterable[str], registered: Iterable[str]) -> None:
    """ValueError unless ``where`` registers exactly the names the wiring lists for it."""
    if sorted(listed) != sorted(registered):
        raise ValueError(
            f"aaib_cp.wiring lists {sorted(listed)} for {where}, which registers"
            f" {sorted(registered)}; update the wiring"
        )
