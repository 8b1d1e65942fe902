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
from collections.abc import Container, Iterable
from typing import Any

__all__ = ["Pending", "check_names", "resolve"]


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


class Pending(dict[str, str]):
    """A registry's names the wiring listed but that are not imported yet: name -> where
    their registry lives (``"module:ATTRIBUTE"``). Shared by the facts and the guards."""

    def __init__(self, kind: str, later: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(later)
        self.kind = kind

    def add(self, where: str, names: Iterable[str], known: Container[str]) -> None:
        """List ``names`` as living at ``where``; ValueError for a name ``known`` already or
        listed under another registry."""
        for name in names:
            if name in known or self.get(name, where) != where:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self[name] = where

    def take(self, where: str) -> Any:
        """The registry at ``where``, imported and checked against the names listed for it,
        which are no longer pending."""
        listed = [name for name, w in self.items() if w == where]
        loaded = resolve(where)
        check_names(where, listed, loaded.names())
        for name in listed:
            del self[name]
        return loaded
