"""What every analysis command shares: who may act, and finding the records it names.

:class:`AnalysisBase` is the part of :class:`~aaib_cp.analysis.service.Analysis` that
checks the actor against the roles the case's workflow grants an action, and resolves
typed references (``E3``, ``A1``, a person's pseudonym) to the case's records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aaib_cp.analysis import sql as db
from aaib_cp.analysis.model import Act
from aaib_cp.db import Store, sql_store
from aaib_cp.evidence import sql as rdb
from aaib_cp.evidence.model import EvidenceItem, Person, find_person
from aaib_cp.exceptions import RecordNotFound
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.input_text import clean_line

__all__ = ["AnalysisBase", "refs"]


def refs(values: Sequence[str] | str | None) -> list[str]:
    """``"E1, E2"`` or ``["E1", "E2"]`` -> ``["E1", "E2"]``."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


class AnalysisBase:
    """The engine and store an analysis works on, and the lookups its commands share."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store: Store = sql_store(engine.store)

    def evidence_resolver(self, case_id: str) -> Callable[[str], EvidenceItem]:
        """A function from a typed reference (``E3``, ``e3``, ``E3v1``) to the evidence item.

        A bare reference means the current version. Raises :class:`ValueError` naming
        the reference when the case has no such item.
        """
        items = rdb.evidence_items(self.store, case_id, all_versions=True)

        def resolve(ref: str) -> EvidenceItem:
            wanted = str(ref).strip().upper()
            base, _, version = wanted.partition("V")
            matching = [i for i in items if i.ref == base]
            if version:
                matching = [i for i in matching if str(i.version) == version]
            else:
                matching = [i for i in matching if not i.superseded]
            if not matching:
                known = ", ".join(sorted({i.ref for i in items}, key=lambda r: int(r[1:])))
                raise ValueError(
                    f"no evidence item {ref!r} on {case_id} (items: {known or 'none yet'})"
                )
            return matching[-1]

        return resolve

    def _evidence(self, case_id: str, labels: Sequence[str]) -> list[EvidenceItem]:
        resolve = self.evidence_resolver(case_id)
        try:
            return [resolve(r) for r in labels]
        except ValueError as exc:
            raise RecordNotFound(f"evidence: {exc}") from None

    def _act(self, case_id: str, ref: str) -> Act:
        wanted = ref.strip().upper()
        found = db.acts(self.store, case_id)
        for act in found:
            if act.ref == wanted:
                return act
        listing = ", ".join(a.ref for a in found) or "none yet: add one with 'aaib act add'"
        raise RecordNotFound(f"no act {ref!r} on {case_id} (acts: {listing})")

    def _acts(self, case_id: str, labels: Sequence[str]) -> list[Act]:
        return [self._act(case_id, r) for r in labels]

    def _person(self, case_id: str, name: str) -> Person:
        everyone = rdb.people(self.store, case_id)
        try:
            return find_person(everyone, clean_line(name, "person"))
        except LookupError as exc:
            listing = ", ".join(p.pseudonym for p in everyone) or "none yet: 'aaib person add'"
            raise RecordNotFound(f"person: {exc} on {case_id} (people: {listing})") from None
