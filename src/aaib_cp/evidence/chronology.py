"""The integrated chronology: entries added one by one or imported from agencies' CSVs.

Adding, importing and tagging need the workflow's ``register_evidence`` permission.
An import is all or nothing: every row is checked first
(:mod:`aaib_cp.evidence.chronology_csv`).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from aaib_cp.evidence import sql as db
from aaib_cp.evidence.agencies import find_agency, person_resolver
from aaib_cp.evidence.base import RecordService
from aaib_cp.evidence.chronology_csv import (
    DraftEntry,
    ImportRejected,
    RowChecker,
    RowError,
    iter_csv,
    open_file,
    reject_invalid,
    row_validator,
)
from aaib_cp.evidence.model import Agency, ChronologyEntry, Gap, find_gaps
from aaib_cp.evidence.register import evidence_resolver
from aaib_cp.evidence.sql_chronology import iter_chronology
from aaib_cp.exceptions import InputError, RecordNotFound
from aaib_cp.workflow.acting import needs
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.model import Case, EventKind

__all__ = ["Chronology", "ChronologyService"]

#: Entries written per statement batch during an import.
_BATCH = 2_000


@attrs.frozen
class Chronology:
    """The integrated chronology of a case, with its gaps and unevidenced entries."""

    case_id: str
    agencies: tuple[str, ...]
    entries: tuple[ChronologyEntry, ...]
    gaps: tuple[Gap, ...]
    gap_days: int

    @property
    def without_evidence(self) -> list[ChronologyEntry]:
        """Entries that cite no evidence item."""
        return [e for e in self.entries if not e.cites_evidence]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (people by pseudonym only)."""
        return {
            "case": self.case_id,
            "agencies": list(self.agencies),
            "gap_days": self.gap_days,
            "entries": [e.to_json() for e in self.entries],
            "gaps": [g.to_json() for g in self.gaps],
            "without_evidence": [e.ref for e in self.without_evidence],
            "key_episodes": [e.ref for e in self.entries if e.key_episode],
        }


class ChronologyService(RecordService):
    """Add, import and tag chronology entries; merge them with gaps flagged."""

    @needs("register_evidence")
    def add_entry(
        self,
        case_id: str,
        *,
        when: str,
        agency: str,
        what: str,
        people: Sequence[str] = (),
        evidence: str | None = None,
        key_episode: bool = False,
        actor: Account | Actor,
        role: str,
    ) -> ChronologyEntry:
        """Add one chronology entry."""
        case, _, actor = self.engine.authorise(
            case_id,
            actor=actor,
            role=role,
            action="add to the chronology",
            permission="register_evidence",
        )
        row = {
            "when": when,
            "agency": agency,
            "what": what,
            "people": ";".join(people),
            "evidence": evidence or "",
            "key_episode": "yes" if key_episode else "no",
        }
        refs = self._import_rows(
            case, [(1, row)], filename="entry", source="manual", actor=actor, role=role
        )
        entry = db.find_entry(self.store, case.id, refs[0])
        assert entry is not None
        return entry

    @needs("register_evidence")
    def import_chronology(
        self,
        case_id: str,
        path: str | Path,
        *,
        agency: str | None = None,
        mapping: Mapping[str, str] | None = None,
        actor: Account | Actor,
        role: str,
        progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
    ) -> list[str]:
        """Import an agency's chronology CSV: all rows, or (if any row is invalid) none.

        ``mapping`` renames the file's columns (``{"date": "when"}``; see
        :func:`~aaib_cp.evidence.chronology_csv.parse_mapping`). Raises
        :class:`~aaib_cp.evidence.chronology_csv.ImportRejected` listing every row error.
        """
        filename = Path(path).name
        with open_file(path) as stream:
            case, actor = self._may_import(case_id, actor, role)
            sha = hashlib.sha256()
            rows = iter_csv(stream, filename=filename, mapping=mapping, sha=sha)
            default = find_agency(self.store, case.id, agency) if agency else None
            return self._import_rows(
                case,
                rows,
                filename=filename,
                source=f"import:{filename}",
                actor=actor,
                role=role,
                default_agency=default,
                progress=progress,
                file_sha=sha,
            )

    @needs("register_evidence")
    def check_chronology(
        self,
        case_id: str,
        data: bytes,
        *,
        filename: str,
        agency: str | None = None,
        mapping: Mapping[str, str] | None = None,
        actor: Account | Actor,
        role: str,
    ) -> tuple[list[DraftEntry], list[RowError]]:
        """Check a chronology CSV as :meth:`import_chronology` would, writing nothing: the
        rows it would add and every row error, in row order (a preview before importing).
        Every row is held, so this is for files of a size a person reads."""
        case, actor = self._may_import(case_id, actor, role)
        try:
            rows = iter_csv(data, filename=filename, mapping=mapping)
        except ImportRejected as rejected:  # the columns are wrong: no row can be read
            return [], rejected.errors
        default = find_agency(self.store, case.id, agency) if agency else None
        check = self._row_check(case, default)
        drafts: list[DraftEntry] = []
        errors: list[RowError] = []
        for number, row in rows:
            if isinstance(row, RowError):
                errors.append(row)
                continue
            checker = RowChecker(filename, number)
            draft = check(row, checker)
            errors.extend(checker.errors)
            if draft is not None and not checker.errors:
                drafts.append(draft)
        return drafts, sorted(errors, key=lambda e: e.row)

    def _may_import(self, case_id: str, actor: Account | Actor, role: str) -> tuple[Case, Actor]:
        case, _, who = self.engine.authorise(
            case_id,
            actor=actor,
            role=role,
            action="import a chronology",
            permission="register_evidence",
        )
        return case, who

    def _row_check(
        self, case: Case, default_agency: Agency | None
    ) -> Callable[[dict[str, str], RowChecker], DraftEntry | None]:
        """The check of one row against this case's agencies, people and evidence."""
        agencies: dict[str, Agency] = {}

        def agency(name: str) -> Agency:
            found = agencies.get(name) or db.find_agency(self.store, case.id, name)
            if found is None:
                raise ValueError(f"no agency {name!r} on {case.id}")
            return agencies.setdefault(name, found)

        return row_validator(
            today=self.engine.clock().date(),
            default_agency=default_agency,
            agency=agency,
            person=person_resolver(self.store, case.id),
            evidence=evidence_resolver(self.store, case.id),
        )

    def _import_rows(
        self,
        case: Case,
        rows: Iterable[tuple[int, dict[str, str] | RowError]],
        *,
        filename: str,
        source: str,
        actor: Actor,
        role: str,
        default_agency: Agency | None = None,
        progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
        file_sha: Any = None,
    ) -> list[str]:
        """Check every row and write the valid ones in batches, in one transaction.

        Once a row is found invalid nothing more is written, the remaining rows are
        still checked (so every error is reported), and the transaction is rolled back.
        Only one batch of rows is held at a time.
        """
        check = self._row_check(case, default_agency)
        wrap = progress or (lambda items: items)
        now, by = self.engine.clock(), actor.label
        refs: list[str] = []
        errors: list[RowError] = []
        batch: list[DraftEntry] = []
        named: set[str] = set()
        first: DraftEntry | None = None

        def flush() -> None:
            start = db.next_number(self.store, case.id, "chronology", len(batch))
            numbered = [(f"C{start + i}", d) for i, d in enumerate(batch)]
            db.insert_entries(self.store, case.id, numbered, source=source, at=now, by=by)
            refs.extend(ref for ref, _ in numbered)
            batch.clear()

        with self.store.transaction(), contextlib.ExitStack() as bulk:
            if source != "manual":
                bulk.enter_context(db.bulk_entries(self.store))
            for number, row in wrap(rows):
                if isinstance(row, RowError):
                    errors.append(row)
                    continue
                checker = RowChecker(filename, number)
                draft = check(row, checker)
                errors.extend(checker.errors)
                if draft is None or errors:
                    continue
                first = first or draft
                named.add(draft.agency.name)
                batch.append(draft)
                if len(batch) == _BATCH:
                    flush()
            if source == "manual" and errors:
                raise InputError("; ".join(f"{e.field}: {e.message}" for e in errors))
            reject_invalid(filename, range(len(refs) + len(batch)) if not errors else [], errors)
            if batch:
                flush()
            bulk.close()  # index the entries before the event that records them
            assert first is not None
            if source == "manual":
                detail: dict[str, Any] = {
                    "entry": refs[0],
                    "agency": first.agency.name,
                    "evidence": first.evidence.label if first.evidence is not None else None,
                    "key_episode": first.key_episode,
                }
                kind = EventKind.CHRONOLOGY_ADDED
            else:
                detail = {
                    "file": filename,
                    "sha256": (file_sha or hashlib.sha256()).hexdigest(),
                    "rows": len(refs),
                    "entries": [refs[0], refs[-1]],
                    "agencies": sorted(named),
                }
                kind = EventKind.CHRONOLOGY_IMPORTED
            self.engine.record_change(case, actor=actor, role=role, kind=kind, detail=detail)
        return refs

    @needs("register_evidence")
    def tag_entry(
        self, case_id: str, ref: str, *, key_episode: bool = True, actor: Account | Actor, role: str
    ) -> ChronologyEntry:
        """Tag (or untag) a chronology entry as a key practice episode."""
        case, _, actor = self.engine.authorise(
            case_id,
            actor=actor,
            role=role,
            action="tag a key practice episode",
            permission="register_evidence",
        )
        entry = db.find_entry(self.store, case.id, ref)
        if entry is None:
            raise RecordNotFound(f"no chronology entry {ref!r} on {case.id}")
        with self.store.transaction():
            db.set_key_episode(self.store, entry, key_episode)
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.CHRONOLOGY_TAGGED,
                detail={"entry": entry.ref, "key_episode": key_episode},
            )
        return attrs.evolve(entry, key_episode=key_episode)

    def timeline(
        self, case_id: str, *, gap_days: int | None = None
    ) -> tuple[int, Iterator[ChronologyEntry | Gap]]:
        """The gap setting used, and the entries in time order with each gap before the
        first entry at or after its end, read a page at a time (as :meth:`chronology`
        finds them, without holding them all)."""
        case = self.store.get_case(case_id)
        if gap_days is None:
            gap_days = int(self.engine.definition_for(case).setting("chronology_gap_days"))
        find_gaps([], gap_days=gap_days)  # the same check of the setting
        return gap_days, _with_gaps(iter_chronology(self.store, case.id), gap_days)

    def chronology(self, case_id: str, *, gap_days: int | None = None) -> Chronology:
        """The integrated chronology of every agency, with gaps longer than ``gap_days``.

        ``gap_days`` defaults to the workflow setting ``chronology_gap_days``.
        """
        case = self.store.get_case(case_id)
        if gap_days is None:
            gap_days = int(self.engine.definition_for(case).setting("chronology_gap_days"))
        entries = db.chronology(self.store, case.id)
        return Chronology(
            case_id=case.id,
            agencies=tuple(a.name for a in db.agencies(self.store, case.id)),
            entries=tuple(entries),
            gaps=tuple(find_gaps(entries, gap_days=gap_days)),
            gap_days=gap_days,
        )


def _with_gaps(
    entries: Iterable[ChronologyEntry], gap_days: int
) -> Iterator[ChronologyEntry | Gap]:
    """Entries in time order, each gap :func:`find_gaps` finds before the day it ends."""
    latest = None
    for _, day in itertools.groupby(entries, key=lambda e: e.when.earliest):
        group = list(day)
        for entry in (e for e in group if e.involves_child):
            if latest is not None and (entry.when.earliest - latest).days > gap_days:
                yield Gap(latest, entry.when.earliest)
            latest = entry.when.latest if latest is None else max(latest, entry.when.latest)
        yield from group
