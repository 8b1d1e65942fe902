"""Where the consultation finds the draft report's paragraph numbers.

The reports phase numbers the draft; the consultation (a representation cites a
paragraph) only reads the numbers. :mod:`aaib_cp.wiring` puts the reports phase's
function here, under ``"draft"``, without importing either phase. Re-exported as
:data:`aaib_cp.recommendations.consultation.PARAGRAPHS`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aaib_cp.workflow.engine import Engine

__all__ = ["PARAGRAPHS"]

#: The draft's paragraph numbers of a case, ``(engine, case_id) -> numbers``, under ``"draft"``.
PARAGRAPHS: dict[str, Callable[[Engine, str], Collection[str]]] = {}
