"""Oversight across cases: every running clock, and the integrity of every case's records.

What ``aaib deadlines`` and ``aaib audit verify`` show, for a library user:

- :func:`open_clocks` merges the clocks of every open case (its state's deadline,
  transitions due to fire, the interim statement due) with the response and
  assessment clocks of issued safety recommendations, soonest first;
- :func:`verify` recomputes every case's audit hash chain (and replays it) and
  re-hashes every stored evidence file, and returns an :class:`Integrity` report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from aaib_cp.evidence.service import Casebook
from aaib_cp.recommendations.service import SafetyBook
from aaib_cp.workflow.audit import ChainBreak
from aaib_cp.workflow.clocks import CaseClock
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.model import Case

if TYPE_CHECKING:
    from aaib_cp.evidence.service import EvidenceCheck

__all__ = ["Integrity", "open_clocks", "verify"]


def open_clocks(
    engine: Engine,
    cases: Sequence[Case] | None = None,
    *,
    today: date | None = None,
    recommendations: bool = True,
    progress: Callable[[Sequence[Case]], Any] | None = None,
) -> list[CaseClock]:
    """Every open clock of ``cases`` (default: every case), soonest first.

    The clocks of the open cases (see :meth:`Engine.open_clocks`), and, unless
    ``recommendations`` is false, the response and assessment clocks of their issued
    safety recommendations (calendar days). Clocks stopped while a case is suspended
    (no due date) come last. ``progress`` wraps the cases while their clocks are
    computed (e.g. a progress bar).
    """
    cases = engine.store.list_cases() if cases is None else cases
    when = today or engine.clock().date()
    clocks: list[CaseClock] = engine.open_clocks(cases, today=when, progress=progress)
    if not recommendations:
        return clocks
    wanted = {c.id for c in cases}
    issued = SafetyBook(engine).clocks(today=when, cases=cases)
    merged = clocks + [c for c in issued if c.case_id in wanted]
    return sorted(merged, key=lambda c: (c.due is None, c.due or when, c.case_id, c.label))


@attrs.frozen
class Integrity:
    """What :func:`verify` found: the cases and evidence files checked, and what is broken."""

    cases: tuple[str, ...]
    broken: tuple[ChainBreak, ...]
    evidence: tuple[EvidenceCheck, ...]

    @property
    def bad_files(self) -> tuple[EvidenceCheck, ...]:
        """Evidence files that are missing or altered."""
        return tuple(c for c in self.evidence if not c.ok)

    @property
    def intact(self) -> bool:
        """True when every chain verifies and every evidence file is present and unchanged."""
        return not self.broken and not self.bad_files

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (what ``aaib audit verify --json`` prints)."""
        return {
            "checked": len(self.cases),
            "evidence_files_checked": len(self.evidence),
            "broken": [
                {"case": b.case_id, "event": b.n, "message": b.message} for b in self.broken
            ],
            "evidence": [c.to_json() for c in self.bad_files],
        }


def verify(engine: Engine, case_id: str | None = None) -> Integrity:
    """Check the audit trail and evidence files of one case, or of every case.

    Each case's hash chain is recomputed, its recorded head compared and its events
    replayed (:meth:`Engine.verify`: the first broken link of each case); every
    stored evidence file is re-hashed.
    """
    ids = [case_id] if case_id else [c.id for c in engine.store.list_cases()]
    broken = tuple(b for b in map(engine.verify, ids) if b is not None)
    checks = Casebook(engine).verify_evidence(case_id)
    return Integrity(tuple(ids), broken, tuple(checks))
