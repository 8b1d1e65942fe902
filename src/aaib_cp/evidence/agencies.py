"""The agencies involved in a case and the people, each under a stable pseudonym.

Adding either, one at a time or from a CSV file (all rows or none, through
:mod:`aaib_cp.evidence.chronology_csv`), needs the workflow's ``register_evidence``
permission; SQL lives in :mod:`aaib_cp.evidence.sql`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import attrs

from aaib_cp.db import Store
from aaib_cp.evidence import sql as db
from aaib_cp.evidence.base import RecordService, choice, one_line, past_date, required_text
from aaib_cp.evidence.chronology_csv import (
    RowChecker,
    check_rows,
    read_csv,
    read_file,
    reject_invalid,
)
from aaib_cp.evidence.model import (
    AGENCY_KINDS,
    Agency,
    Person,
    child_pseudonym,
    find_person,
    normalise_role,
    pseudonym,
)
from aaib_cp.exceptions import InputError, RecordNotFound
from aaib_cp.workflow.acting import needs
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.input_text import clean_text
from aaib_cp.workflow.model import Case, EventKind
from aaib_cp.workflow.names import canonical

__all__ = ["AGENCY_COLUMNS", "PERSON_COLUMNS", "AgencyService", "find_agency", "person_resolver"]

#: The columns of an agencies CSV: name -> (required, meaning).
AGENCY_COLUMNS: dict[str, tuple[bool, str]] = {
    "name": (True, "the agency's name, unique in the case"),
    "kind": (True, ", ".join(AGENCY_KINDS)),
}
#: The columns of a people CSV: name -> (required, meaning).
PERSON_COLUMNS: dict[str, tuple[bool, str]] = {
    "name": (True, "the person's real name (restricted data)"),
    "role": (True, "child, parent, social worker, parent's partner, ..."),
    "agency": (False, "the agency they work for, by its registered name"),
    "date_of_birth": (False, "YYYY-MM-DD (restricted data)"),
    "address": (False, "restricted data"),
}


T = TypeVar("T")
R = TypeVar("R")


@attrs.frozen
class _NewPerson:
    real_name: str
    key: str
    agency: Agency | None
    date_of_birth: date | None
    address: str | None


def find_agency(store: Store, case_id: str, name: str) -> Agency:
    """The agency called ``name`` on the case; RecordNotFound listing the known ones."""
    agency = db.find_agency(store, case_id, name)
    if agency is None:
        known = [a.name for a in db.agencies(store, case_id)]
        listing = ", ".join(known) if known else "none yet: add one with 'aaib agency add'"
        raise RecordNotFound(f"no agency {name!r} on {case_id} (agencies: {listing})")
    return agency


def person_resolver(store: Store, case_id: str) -> Callable[[str], Person]:
    """Find a person of the case by pseudonym (else a unique real name); ValueError if none."""
    everyone = db.people(store, case_id)

    def resolve(name: str) -> Person:
        try:
            return find_person(everyone, name)
        except LookupError as exc:
            raise ValueError(f"{exc} on {case_id}") from None

    return resolve


class AgencyService(RecordService):
    """Register agencies and people; list them."""

    # -- agencies ------------------------------------------------------------------------
    @needs("register_evidence")
    def add_agency(
        self,
        case_id: str,
        name: str,
        kind: str,
        *,
        actor: Account | Actor,
        role: str,
        distinct: bool = False,
    ) -> Agency:
        """Register an agency involved in the case, linked to the agency registry.

        A name the registry knows (in any spelling, or as an alias) links to that entry;
        a new one is registered, unless it looks like a registered agency (``distinct``
        says it is a different one). Independence is then checked by registry id.
        """
        name = one_line("agency name", name)
        kind = choice("kind", kind, AGENCY_KINDS)
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="add an agency", permission="register_evidence"
        )
        with self.store.transaction():
            agency = self._insert_agency(
                case, name, kind, actor=actor, role=role, distinct=distinct
            )
        return agency

    @needs("register_evidence")
    def import_agencies(
        self,
        case_id: str,
        path: str | Path,
        *,
        mapping: Mapping[str, str] | None = None,
        actor: Account | Actor,
        role: str,
    ) -> list[Agency]:
        """Register every agency of a CSV file (columns ``name``, ``kind``): all, or none.

        Raises :class:`~aaib_cp.evidence.chronology_csv.ImportRejected` listing every error.
        """

        def check_for(case: Case) -> Callable[[dict[str, str], RowChecker], Any]:
            taken = {a.name.casefold(): 0 for a in db.agencies(self.store, case.id)}

            def check(row: dict[str, str], cell: RowChecker) -> tuple[str, str] | None:
                name = cell("name", lambda v: one_line("name", v), row["name"])
                kind = cell("kind", lambda v: choice("kind", v, AGENCY_KINDS), row["kind"])
                if name is None or kind is None:
                    return None
                first = taken.setdefault(name.casefold(), cell.row)
                if first != cell.row:
                    where = f"row {first}" if first else case.id
                    cell.problem("name", f"{name!r} is already on {where}")
                return name, kind

            return check

        def insert(case: Case, draft: tuple[str, str], actor: Actor, source: str) -> Agency:
            return self._insert_agency(case, *draft, actor=actor, role=role, source=source)

        return self._import_csv(
            case_id, path, AGENCY_COLUMNS, mapping, "add an agency", check_for, insert, actor, role
        )

    def _import_csv(
        self,
        case_id: str,
        path: str | Path,
        columns: Mapping[str, tuple[bool, str]],
        mapping: Mapping[str, str] | None,
        action: str,
        check_for: Callable[[Case], Callable[[dict[str, str], RowChecker], T | None]],
        insert: Callable[[Case, T, Actor, str], R],
        actor: Account | Actor,
        role: str,
    ) -> list[R]:
        """Read, check and insert every row of a CSV file in one transaction: all, or none."""
        data, filename = read_file(path)
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action=action, permission="register_evidence"
        )
        rows, errors = read_csv(data, filename=filename, columns=columns, mapping=mapping)
        drafts, row_errors = check_rows(rows, filename=filename, check=check_for(case))
        reject_invalid(filename, drafts, [*errors, *row_errors])
        added: list[R] = []
        with self.store.transaction():
            for draft in drafts:
                added.append(insert(case, draft, actor, filename))
                case = self.store.get_case(case.id)  # the version just bumped, in this transaction
        return added

    def _insert_agency(
        self,
        case: Case,
        name: str,
        kind: str,
        *,
        actor: Actor,
        role: str,
        source: str | None = None,
        distinct: bool = False,
    ) -> Agency:
        """Insert an agency linked to its registry entry (registered if new), and audit it
        and any conflict of interest it makes (in a transaction).

        A name the registry knows (in any spelling, or as an alias) links to that entry; a
        new name that looks like a registered agency is refused unless ``distinct``. One
        registry entry is on a case once.
        """
        org = self.engine.accounts.for_case_agency(name, actor, distinct=distinct)
        involved = self.store.involved_organisations(case.id)
        if org.id in involved:
            raise InputError(
                f"{case.id} already has {involved[org.id]!r}, the same agency as {name!r}"
            )
        agency = db.insert_agency(
            self.store,
            case.id,
            name,
            kind,
            organisation_id=org.id,
            at=self.engine.clock(),
            by=actor.label,
        )
        if agency is None:
            raise InputError(f"{case.id} already has an agency called {name!r}")
        detail = {"agency": name, "kind": kind, "registry_id": org.id} | (
            {"file": source} if source else {}
        )
        self.engine.record_change(
            case, actor=actor, role=role, kind=EventKind.AGENCY_ADDED, detail=detail
        )
        conflicts = [c for c in self.store.conflicts(case.id) if c["agency"] == name]
        if conflicts:
            self.store.append_event(
                case.id,
                at=self.engine.clock(),
                actor=actor,
                role=role,
                kind=EventKind.INDEPENDENCE_CONFLICT,
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

    @needs("register_evidence")
    def record_no_evidence(
        self, case_id: str, agency: str, reason: str, *, actor: Account | Actor, role: str
    ) -> Agency:
        """Record why an agency supplies no evidence item (satisfies the evidence guard)."""
        reason = required_text("reason", reason)
        case, _, actor = self.engine.authorise(
            case_id,
            actor=actor,
            role=role,
            action="record a no-evidence reason",
            permission="register_evidence",
        )
        found = find_agency(self.store, case.id, agency)
        with self.store.transaction():
            db.record_no_evidence(self.store, found, reason, at=self.engine.clock(), by=actor.label)
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.AGENCY_NO_EVIDENCE,
                detail={"agency": found.name, "reason": reason},
            )
        return attrs.evolve(found, no_evidence_reason=reason)

    # -- people --------------------------------------------------------------------------
    @needs("register_evidence")
    def add_person(
        self,
        case_id: str,
        real_name: str,
        person_role: str,
        *,
        agency: str | None = None,
        date_of_birth: date | str | None = None,
        address: str | None = None,
        pseudonym_of_child: str | None = None,
        different_person: bool = False,
        actor: Account | Actor,
        role: str,
    ) -> Person:
        """Register a person; they get the next pseudonym for their role (never reused).

        A child may be given the pseudonym the case is known by (``Child R``). A name
        that is a registered person's in another spelling is refused, naming their
        pseudonym, unless ``different_person`` says it is someone else.
        """
        real_name = one_line("name", real_name)
        key = normalise_role(person_role)
        chosen = child_pseudonym(key, pseudonym_of_child) if pseudonym_of_child else None
        dob = past_date("date of birth", date_of_birth, self.today()) if date_of_birth else None
        address = clean_text(address or "", "address").strip() or None
        case, _, actor = self.engine.authorise(
            case_id,
            actor=actor,
            role=role,
            action="register a person",
            permission="register_evidence",
        )
        found = find_agency(self.store, case.id, agency) if agency else None
        with self.store.transaction():
            person = self._insert_person(
                case,
                _NewPerson(real_name, key, found, dob, address),
                actor=actor,
                role=role,
                chosen=chosen,
                different_person=different_person,
            )
        return person

    def people(self, case_id: str) -> list[Person]:
        """The people registered on the case."""
        self.store.get_case(case_id)
        return db.people(self.store, case_id)

    @needs("register_evidence")
    def import_people(
        self,
        case_id: str,
        path: str | Path,
        *,
        mapping: Mapping[str, str] | None = None,
        actor: Account | Actor,
        role: str,
    ) -> list[Person]:
        """Register every person of a CSV file (columns: :data:`PERSON_COLUMNS`): all, or none.

        Each gets the next pseudonym for their role, in the order of the file. Raises
        :class:`~aaib_cp.evidence.chronology_csv.ImportRejected` listing every error.
        """
        today = self.today()

        def check_for(case: Case) -> Callable[[dict[str, str], RowChecker], Any]:
            def agency(name: str) -> Agency:
                try:
                    return find_agency(self.store, case.id, name)
                except RecordNotFound as exc:
                    raise ValueError(str(exc)) from None

            def check(row: dict[str, str], cell: RowChecker) -> _NewPerson | None:
                name = cell("name", lambda v: one_line("name", v), row["name"])
                key = cell("role", normalise_role, row["role"])
                named = row.get("agency", "").strip()
                found = cell("agency", agency, named) if named else None
                dob_text = row.get("date_of_birth", "").strip()
                dob = (
                    cell("date_of_birth", lambda v: past_date("date of birth", v, today), dob_text)
                    if dob_text
                    else None
                )
                address = cell(
                    "address", lambda v: clean_text(v, "address").strip(), row.get("address", "")
                )
                if name is None or key is None or cell.errors:
                    return None
                return _NewPerson(name, key, found, dob, address or None)

            return check

        def insert(case: Case, new: _NewPerson, actor: Actor, source: str) -> Person:
            return self._insert_person(case, new, actor=actor, role=role, source=source)

        return self._import_csv(
            case_id,
            path,
            PERSON_COLUMNS,
            mapping,
            "register a person",
            check_for,
            insert,
            actor,
            role,
        )

    def _insert_person(
        self,
        case: Case,
        new: _NewPerson,
        *,
        actor: Actor,
        role: str,
        source: str | None = None,
        chosen: str | None = None,
        different_person: bool = False,
    ) -> Person:
        """Insert a person under ``chosen`` or their role's next free pseudonym; audit it
        without restricted data. The same name in another spelling is refused."""
        everyone = db.people(self.store, case.id)
        same = [p for p in everyone if canonical(p.real_name) == canonical(new.real_name)]
        if same and not different_person:
            raise InputError(
                f"{case.id}: {new.real_name!r} is already registered as {same[0].pseudonym};"
                " if this is someone else, say so (--different-person)"
            )
        taken = {p.pseudonym for p in everyone}
        if chosen in taken:
            raise InputError(f"{case.id}: the pseudonym {chosen!r} is already in use")
        name = chosen
        while name is None or name in taken:
            name = pseudonym(new.key, db.next_number(self.store, case.id, f"person:{new.key}"))
        person = db.insert_person(
            self.store,
            case.id,
            pseudonym=name,
            role=new.key,
            real_name=new.real_name,
            date_of_birth=new.date_of_birth.isoformat() if new.date_of_birth else None,
            address=new.address,
            agency=new.agency,
            at=self.engine.clock(),
            by=actor.label,
        )
        # restricted data (name, date of birth, address) never goes into the audit trail
        detail = {
            "pseudonym": person.pseudonym,
            "role": new.key,
            "agency": new.agency.name if new.agency else None,
        } | ({"file": source} if source else {})
        self.engine.record_change(
            case, actor=actor, role=role, kind=EventKind.PERSON_ADDED, detail=detail
        )
        return person
