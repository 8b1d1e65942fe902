"""The casebook: a case's agencies, people, evidence register and integrated chronology.

:class:`Casebook` orchestrates, as :class:`~aaib_cp.workflow.engine.Engine` does for
transitions: it checks who is acting (adding records needs an appointed
``lead_investigator`` or ``investigator``; refusals are audited), runs each
command in one transaction that also bumps the case version and appends an audit
event, and leaves every SQL statement to :mod:`aaib_cp.evidence.sql`.

Evidence files are copied into a content-addressed folder beside the database
(``<db stem>-evidence/<sha256>``) before the database write; if that write fails,
a newly copied file is removed again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from aaib_cp.db import Store
from aaib_cp.evidence import sql as db
from aaib_cp.evidence.chronology_csv import (
    ImportRejected,
    RowError,
    read_chronology_csv,
    validate_rows,
)
from aaib_cp.evidence.files import BlobStore, evidence_dir_for
from aaib_cp.evidence.model import (
    AGENCY_KINDS,
    EVIDENCE_KINDS,
    Agency,
    ChronologyEntry,
    EvidenceItem,
    Gap,
    Person,
    check_file_name,
    find_gaps,
    find_person,
    normalise_role,
    pseudonym,
)
from aaib_cp.exceptions import InputError, IntegrityError, RecordNotFound
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.input_text import clean_line, clean_text
from aaib_cp.workflow.model import Case, Event

__all__ = ["WRITE_ROLES", "Casebook", "Chronology", "EvidenceCheck"]

#: Case roles that may add agencies, people, evidence and chronology entries.
WRITE_ROLES = ("lead_investigator", "investigator")


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


@attrs.frozen
class EvidenceCheck:
    """The result of re-hashing one stored evidence file: ok, missing or altered."""

    case_id: str
    item: str
    sha256: str
    status: str

    @property
    def ok(self) -> bool:
        """True when the file is present and unchanged."""
        return self.status == "ok"

    def __str__(self) -> str:
        return f"{self.case_id} {self.item}: file {self.sha256[:12]} is {self.status}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return attrs.asdict(self)


def _clean(what: str, text: str | None, *, required: bool = True) -> str:
    value = clean_text(text or "", what).strip()
    if required and not value:
        raise InputError(f"{what}: must not be empty")
    return value


def _one_line(what: str, text: str) -> str:
    return clean_line(text, what, max_len=200)


def _choice(what: str, value: str, choices: dict[str, str]) -> str:
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in choices:
        raise InputError(f"{what}: {value!r} is not one of {', '.join(choices)}")
    return key


def _past_date(what: str, value: date | str, today: date) -> date:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise InputError(f"{what}: {value!r} is not a valid date (YYYY-MM-DD)") from None
    if value > today:
        raise InputError(f"{what}: {value.isoformat()} is in the future")
    return value


class Casebook:
    """Records of a case beside its workflow: agencies, people, evidence, chronology.

    >>> book = Casebook(engine)                                   # doctest: +SKIP
    >>> book.add_agency(case_id, "Northshire Police", "police", actor="Lee",
    ...                 role="lead_investigator")
    """

    def __init__(self, engine: Engine, *, evidence_dir: str | Path | None = None) -> None:
        self.engine = engine
        store = engine.store
        if not isinstance(store, Store):
            raise TypeError("a Casebook needs an engine over an aaib_cp Store")
        self.store: Store = store
        if evidence_dir is None and store.path is not None and str(store.path) != ":memory:":
            evidence_dir = evidence_dir_for(store.path)
        self.blobs = BlobStore(Path(evidence_dir)) if evidence_dir is not None else None

    # -- shared ------------------------------------------------------------------------
    def _authorise(self, case_id: str, *, actor: str, role: str | None, action: str) -> Case:
        """The case, if ``actor`` may change its records in ``role``; else audited refusal."""
        case, _, _ = self.engine.authorise(
            case_id, actor=actor, role=role, action=action, roles=WRITE_ROLES
        )
        return case

    def _record(
        self, case: Case, *, actor: str, role: str | None, kind: str, detail: dict[str, Any]
    ) -> None:
        """Bump the case version and append the audit event (inside the transaction)."""
        self.engine.record_change(case, actor=actor, role=role, kind=kind, detail=detail)

    def _agency(self, case_id: str, name: str) -> Agency:
        agency = db.find_agency(self.store, case_id, name)
        if agency is None:
            known = [a.name for a in db.agencies(self.store, case_id)]
            listing = ", ".join(known) if known else "none yet: add one with 'aaib agency add'"
            raise RecordNotFound(f"no agency {name!r} on {case_id} (agencies: {listing})")
        return agency

    def _reader(self, actor: str | None, role: str | None, case: Case) -> tuple[str, str | None]:
        definition = self.engine.definition_for(case)
        return self.engine.check_actor(definition, actor or "", role), role

    # -- agencies ------------------------------------------------------------------------
    def add_agency(self, case_id: str, name: str, kind: str, *, actor: str, role: str) -> Agency:
        """Register an agency involved in the case (name unique in the case)."""
        name = _one_line("agency name", name)
        kind = _choice("kind", kind, AGENCY_KINDS)
        case = self._authorise(case_id, actor=actor, role=role, action="add an agency")
        with self.store.transaction():
            agency = db.insert_agency(
                self.store, case.id, name, kind, at=self.engine.clock(), by=actor
            )
            if agency is None:
                raise InputError(f"{case.id} already has an agency called {name!r}")
            self._record(
                case,
                actor=actor,
                role=role,
                kind="agency_added",
                detail={"agency": name, "kind": kind},
            )
            conflicts = [c for c in self.store.conflicts(case.id) if c["agency"] == name]
            if conflicts:
                self.store.append_event(
                    case.id,
                    at=self.engine.clock(),
                    actor=actor,
                    role=role,
                    kind="independence_conflict",
                    detail={"agency": name, "members": conflicts},
                )
        return agency

    def conflicts(self, case_id: str) -> list[dict[str, str]]:
        """Serving independent team members affiliated with an agency on the case."""
        self.store.get_case(case_id)
        return self.store.conflicts(case_id)

    def agencies(self, case_id: str) -> list[Agency]:
        """The agencies involved in the case."""
        self.store.get_case(case_id)
        return db.agencies(self.store, case_id)

    def record_no_evidence(
        self, case_id: str, agency: str, reason: str, *, actor: str, role: str
    ) -> Agency:
        """Record why an agency supplies no evidence item (satisfies the evidence guard)."""
        reason = _clean("reason", reason)
        case = self._authorise(
            case_id, actor=actor, role=role, action="record a no-evidence reason"
        )
        found = self._agency(case.id, agency)
        with self.store.transaction():
            db.record_no_evidence(self.store, found, reason, at=self.engine.clock(), by=actor)
            self._record(
                case,
                actor=actor,
                role=role,
                kind="agency_no_evidence",
                detail={"agency": found.name, "reason": reason},
            )
        return attrs.evolve(found, no_evidence_reason=reason)

    # -- people --------------------------------------------------------------------------
    def add_person(
        self,
        case_id: str,
        real_name: str,
        person_role: str,
        *,
        agency: str | None = None,
        date_of_birth: date | str | None = None,
        address: str | None = None,
        actor: str,
        role: str,
    ) -> Person:
        """Register a person; they get the next pseudonym for their role (never reused)."""
        real_name = _one_line("name", real_name)
        key = normalise_role(person_role)
        today = self.engine.clock().date()
        dob = _past_date("date of birth", date_of_birth, today) if date_of_birth else None
        address = _clean("address", address, required=False) or None
        case = self._authorise(case_id, actor=actor, role=role, action="register a person")
        found = self._agency(case.id, agency) if agency else None
        with self.store.transaction():
            n = db.next_number(self.store, case.id, f"person:{key}")
            person = db.insert_person(
                self.store,
                case.id,
                pseudonym=pseudonym(key, n),
                role=key,
                real_name=real_name,
                date_of_birth=dob.isoformat() if dob else None,
                address=address,
                agency=found,
                at=self.engine.clock(),
                by=actor,
            )
            # restricted data (name, date of birth, address) never goes into the audit trail
            self._record(
                case,
                actor=actor,
                role=role,
                kind="person_added",
                detail={
                    "pseudonym": person.pseudonym,
                    "role": key,
                    "agency": found.name if found else None,
                },
            )
        return person

    def people(self, case_id: str) -> list[Person]:
        """The people registered on the case."""
        self.store.get_case(case_id)
        return db.people(self.store, case_id)

    def _person_resolver(self, case_id: str) -> Callable[[str], Person]:
        everyone = db.people(self.store, case_id)

        def resolve(name: str) -> Person:
            try:
                return find_person(everyone, name)
            except LookupError as exc:
                raise ValueError(f"{exc} on {case_id}") from None

        return resolve

    # -- evidence ------------------------------------------------------------------------
    def _put_file(self, file: str | Path | None, file_name: str | None) -> tuple[Any, ...]:
        if file is None:
            return None, None, None, False
        if self.blobs is None:
            raise InputError("file: an in-memory database has no evidence folder")
        source = Path(file)
        name = check_file_name(file_name if file_name is not None else source.name)
        sha, size, created = self.blobs.put(source)
        return sha, name, size, created

    def _evidence_resolver(self, case_id: str) -> Callable[[str], EvidenceItem]:
        items = db.evidence_items(self.store, case_id, all_versions=True)

        def resolve(ref: str) -> EvidenceItem:
            wanted = ref.strip().upper()
            base, _, version = wanted.partition("V")
            matching = [i for i in items if i.ref == base]
            if version:
                matching = [i for i in matching if str(i.version) == version]
            else:
                matching = [i for i in matching if not i.superseded]
            if not matching:
                raise ValueError(f"no evidence item {ref!r} on {case_id}")
            return matching[-1]

        return resolve

    def item(self, case_id: str, ref: str) -> EvidenceItem:
        """The current version of item ``ref`` (``E3``), or a given version (``E3v1``)."""
        self.store.get_case(case_id)
        try:
            return self._evidence_resolver(case_id)(ref)
        except ValueError as exc:
            raise RecordNotFound(str(exc)) from None

    def add_evidence(
        self,
        case_id: str,
        *,
        kind: str,
        description: str,
        obtained_how: str,
        obtained_on: date | str,
        agency: str | None = None,
        file: str | Path | None = None,
        file_name: str | None = None,
        actor: str,
        role: str,
    ) -> EvidenceItem:
        """Register an evidence item (and copy its file into the evidence store)."""
        return self._register(
            case_id,
            kind=kind,
            description=description,
            obtained_how=obtained_how,
            obtained_on=obtained_on,
            agency=agency,
            file=file,
            file_name=file_name,
            actor=actor,
            role=role,
        )

    def correct_evidence(
        self,
        case_id: str,
        ref: str,
        *,
        reason: str,
        kind: str | None = None,
        description: str | None = None,
        obtained_how: str | None = None,
        obtained_on: date | str | None = None,
        agency: str | None = None,
        file: str | Path | None = None,
        file_name: str | None = None,
        actor: str,
        role: str,
    ) -> EvidenceItem:
        """Register a corrected version of item ``ref``, linked to the one it replaces."""
        reason = _clean("reason", reason)
        old = self.item(case_id, ref)
        if old.superseded:
            raise InputError(f"{old.label} has already been corrected; correct {old.ref} instead")
        keep_file = file is None
        return self._register(
            case_id,
            kind=kind or old.kind,
            description=description if description is not None else old.description,
            obtained_how=obtained_how if obtained_how is not None else old.obtained_how,
            obtained_on=obtained_on if obtained_on is not None else old.obtained_on,
            agency=agency if agency is not None else old.agency,
            file=file,
            file_name=file_name,
            actor=actor,
            role=role,
            previous=old,
            reason=reason,
            kept_file=(old.sha256, old.file_name, old.file_size) if keep_file else None,
        )

    def _register(
        self,
        case_id: str,
        *,
        kind: str,
        description: str,
        obtained_how: str,
        obtained_on: date | str,
        agency: str | None,
        file: str | Path | None,
        file_name: str | None,
        actor: str,
        role: str,
        previous: EvidenceItem | None = None,
        reason: str | None = None,
        kept_file: tuple[Any, ...] | None = None,
    ) -> EvidenceItem:
        kind = _choice("kind", kind, EVIDENCE_KINDS)
        description = _clean("description", description)
        obtained_how = _clean("obtained how", obtained_how)
        obtained = _past_date("obtained on", obtained_on, self.engine.clock().date())
        action = "correct evidence" if previous else "register evidence"
        case = self._authorise(case_id, actor=actor, role=role, action=action)
        source = self._agency(case.id, agency) if agency else None
        if file is not None and file_name is not None:
            check_file_name(file_name)
        sha, name, size, created = self._put_file(file, file_name)
        if kept_file is not None:
            sha, name, size = kept_file
        try:
            with self.store.transaction():
                if previous is None:
                    ref, version = f"E{db.next_number(self.store, case.id, 'evidence')}", 1
                else:
                    ref, version = previous.ref, previous.version + 1
                item = db.insert_evidence(
                    self.store,
                    case.id,
                    ref=ref,
                    version=version,
                    supersedes=previous.id if previous else None,
                    kind=kind,
                    agency=source,
                    obtained_how=obtained_how,
                    obtained_on=obtained,
                    description=description,
                    sha256=sha,
                    file_name=name,
                    file_size=size,
                    at=self.engine.clock(),
                    by=actor,
                    correction_reason=reason,
                )
                detail: dict[str, Any] = {
                    "item": ref,
                    "version": version,
                    "kind": kind,
                    "agency": source.name if source else None,
                    "sha256": sha,
                }
                if previous is not None:
                    detail["reason"] = reason
                    detail["supersedes"] = previous.label
                self._record(
                    case,
                    actor=actor,
                    role=role,
                    kind="evidence_corrected" if previous else "evidence_added",
                    detail=detail,
                )
        except BaseException:
            if created and self.blobs is not None and sha is not None:
                self.blobs.discard(sha)
            raise
        return item

    def evidence(self, case_id: str, *, all_versions: bool = False) -> list[EvidenceItem]:
        """The evidence register (current versions, or every version)."""
        self.store.get_case(case_id)
        return db.evidence_items(self.store, case_id, all_versions=all_versions)

    def access_evidence(
        self, case_id: str, ref: str, *, actor: str, role: str | None = None, how: str = "show"
    ) -> tuple[list[EvidenceItem], list[Event]]:
        """Every version of an item and its chain of custody; the access is itself recorded."""
        case = self.store.get_case(case_id)
        actor, role = self._reader(actor, role, case)
        item = self.item(case_id, ref)
        with self.store.transaction():
            self.store.append_event(
                case.id,
                at=self.engine.clock(),
                actor=actor,
                role=role,
                kind="evidence_accessed",
                detail={"item": item.ref, "version": item.version, "how": how},
            )
        versions = db.evidence_versions(self.store, case_id, item.ref)
        return versions, db.custody_events(self.store, case_id, item.ref)

    def export_evidence(
        self,
        case_id: str,
        ref: str,
        destination: str | Path,
        *,
        actor: str,
        role: str | None = None,
    ) -> Path:
        """Copy an item's file out (checking its hash first); recorded as an export.

        A protected item (a witness statement, health data, ...) is refused, and the
        refusal audited, unless a disclosure of it has been approved.
        """
        case = self.store.get_case(case_id)
        actor, role = self._reader(actor, role, case)
        item = self.item(case_id, ref)
        from aaib_cp.recommendations.service import SafetyBook

        SafetyBook(self.engine).check_release(case, item.ref, actor=actor, role=role)
        if item.sha256 is None:
            raise InputError(f"{item.label} has no file to export")
        if self.blobs is None:
            raise InputError("an in-memory database has no evidence folder")
        status = self.blobs.check(item.sha256)
        if status != "ok":
            raise IntegrityError(f"{case.id} {item.label}: its stored file is {status}")
        target = Path(destination)
        if target.is_dir():
            target = target / check_file_name(item.file_name or item.sha256)
        if target.exists():
            raise InputError(f"{target} already exists; choose another destination")
        try:
            target.write_bytes(self.blobs.path(item.sha256).read_bytes())
        except OSError as exc:
            raise InputError(f"output: cannot write {target} ({exc.strerror})") from None
        try:
            with self.store.transaction():
                self.store.append_event(
                    case.id,
                    at=self.engine.clock(),
                    actor=actor,
                    role=role,
                    kind="evidence_exported",
                    detail={"item": item.ref, "version": item.version, "sha256": item.sha256},
                )
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target

    def verify_evidence(self, case_id: str | None = None) -> list[EvidenceCheck]:
        """Re-hash every stored evidence file (of one case or all); one check per version."""
        if case_id is not None:
            self.store.get_case(case_id)
        checks = []
        for item in db.file_items(self.store, case_id):
            assert item.sha256 is not None
            status = self.blobs.check(item.sha256) if self.blobs is not None else "missing"
            checks.append(EvidenceCheck(item.case_id, item.label, item.sha256, status))
        return checks

    # -- chronology ------------------------------------------------------------------------
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
        actor: str,
        role: str,
    ) -> ChronologyEntry:
        """Add one chronology entry."""
        case = self._authorise(case_id, actor=actor, role=role, action="add to the chronology")
        row = {
            "when": when,
            "agency": agency,
            "what": what,
            "people": ";".join(people),
            "evidence": evidence or "",
            "key_episode": "yes" if key_episode else "no",
        }
        refs = self._import_rows(
            case, [(1, row)], [], filename="entry", source="manual", actor=actor, role=role
        )
        entry = db.find_entry(self.store, case.id, refs[0])
        assert entry is not None
        return entry

    def import_chronology(
        self,
        case_id: str,
        path: str | Path,
        *,
        agency: str | None = None,
        actor: str,
        role: str,
        progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
    ) -> list[str]:
        """Import an agency's chronology CSV: all rows, or (if any row is invalid) none.

        Raises :class:`~aaib_cp.evidence.chronology_csv.ImportRejected` listing every row error.
        """
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
        case = self._authorise(case_id, actor=actor, role=role, action="import a chronology")
        rows, errors = read_chronology_csv(data, filename=path.name)
        default = self._agency(case.id, agency) if agency else None
        return self._import_rows(
            case,
            rows,
            errors,
            filename=path.name,
            source=f"import:{path.name}",
            actor=actor,
            role=role,
            default_agency=default,
            progress=progress,
            csv_bytes=data,
        )

    def _import_rows(
        self,
        case: Case,
        rows: list[tuple[int, dict[str, str]]],
        errors: list[RowError],
        *,
        filename: str,
        source: str,
        actor: str,
        role: str,
        default_agency: Agency | None = None,
        progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
        csv_bytes: bytes | None = None,
    ) -> list[str]:
        def agency(name: str) -> Agency:
            found = db.find_agency(self.store, case.id, name)
            if found is None:
                raise ValueError(f"no agency {name!r} on {case.id}")
            return found

        drafts, row_errors = validate_rows(
            rows,
            filename=filename,
            today=self.engine.clock().date(),
            default_agency=default_agency,
            agency=agency,
            person=self._person_resolver(case.id),
            evidence=self._evidence_resolver(case.id),
        )
        errors = sorted([*errors, *row_errors], key=lambda e: e.row)
        if errors:
            if source == "manual":
                raise InputError("; ".join(f"{e.field}: {e.message}" for e in errors))
            raise ImportRejected(filename, errors)
        if not drafts:
            raise InputError(f"{filename}: no rows to import")
        wrap = progress or (lambda items: items)
        refs: list[str] = []
        now = self.engine.clock()
        with self.store.transaction():
            for draft in wrap(drafts):
                ref = f"C{db.next_number(self.store, case.id, 'chronology')}"
                db.insert_entry(
                    self.store,
                    case.id,
                    ref=ref,
                    when=draft.when,
                    agency=draft.agency,
                    people_ids=[p.id for p in draft.people],
                    what=draft.what,
                    evidence_id=draft.evidence.id if draft.evidence is not None else None,
                    key_episode=draft.key_episode,
                    source=source,
                    at=now,
                    by=actor,
                )
                refs.append(ref)
            if source == "manual":
                draft = drafts[0]
                detail: dict[str, Any] = {
                    "entry": refs[0],
                    "agency": draft.agency.name,
                    "evidence": draft.evidence.label if draft.evidence is not None else None,
                    "key_episode": draft.key_episode,
                }
                kind = "chronology_added"
            else:
                detail = {
                    "file": filename,
                    "sha256": hashlib.sha256(csv_bytes or b"").hexdigest(),
                    "rows": len(drafts),
                    "entries": [refs[0], refs[-1]],
                    "agencies": sorted({d.agency.name for d in drafts}),
                }
                kind = "chronology_imported"
            self._record(case, actor=actor, role=role, kind=kind, detail=detail)
        return refs

    def tag_entry(
        self, case_id: str, ref: str, *, key_episode: bool = True, actor: str, role: str
    ) -> ChronologyEntry:
        """Tag (or untag) a chronology entry as a key practice episode."""
        case = self._authorise(case_id, actor=actor, role=role, action="tag a key practice episode")
        entry = db.find_entry(self.store, case.id, ref)
        if entry is None:
            raise RecordNotFound(f"no chronology entry {ref!r} on {case.id}")
        with self.store.transaction():
            db.set_key_episode(self.store, entry, key_episode)
            self._record(
                case,
                actor=actor,
                role=role,
                kind="chronology_tagged",
                detail={"entry": entry.ref, "key_episode": key_episode},
            )
        return attrs.evolve(entry, key_episode=key_episode)

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
