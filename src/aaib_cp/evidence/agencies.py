"""The agencies involved in a case and the people, each under a stable pseudonym.

Adding either needs the workflow's ``register_evidence`` permission; SQL lives in
:mod:`aaib_cp.evidence.sql`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import attrs

from aaib_cp.db import Store
from aaib_cp.evidence import sql as db
from aaib_cp.evidence.base import RecordService, choice, one_line, past_date, required_text
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
from aaib_cp.workflow.input_text import clean_text
from aaib_cp.workflow.model import EventKind

__all__ = ["AgencyService", "find_agency", "person_resolver"]


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
    def add_agency(self, case_id: str, name: str, kind: str, *, actor: str, role: str) -> Agency:
        """Register an agency involved in the case (name unique in the case)."""
        name = one_line("agency name", name)
        kind = choice("kind", kind, AGENCY_KINDS)
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="add an agency", permission="register_evidence"
        )
        with self.store.transaction():
            agency = db.insert_agency(
                self.store, case.id, name, kind, at=self.engine.clock(), by=actor
            )
            if agency is None:
                raise InputError(f"{case.id} already has an agency called {name!r}")
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.AGENCY_ADDED,
                detail={"agency": name, "kind": kind},
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

    def record_no_evidence(
        self, case_id: str, agency: str, reason: str, *, actor: str, role: str
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
            db.record_no_evidence(self.store, found, reason, at=self.engine.clock(), by=actor)
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.AGENCY_NO_EVIDENCE,
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
        pseudonym_of_child: str | None = None,
        actor: str,
        role: str,
    ) -> Person:
        """Register a person; they get the next pseudonym for their role (never reused).

        A child may be given the pseudonym the case is known by (``Child R``).
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
            taken = {p.pseudonym for p in db.people(self.store, case.id)}
            if chosen in taken:
                raise InputError(f"{case.id}: the pseudonym {chosen!r} is already in use")
            name = chosen
            while name is None or name in taken:
                name = pseudonym(key, db.next_number(self.store, case.id, f"person:{key}"))
            person = db.insert_person(
                self.store,
                case.id,
                pseudonym=name,
                role=key,
                real_name=real_name,
                date_of_birth=dob.isoformat() if dob else None,
                address=address,
                agency=found,
                at=self.engine.clock(),
                by=actor,
            )
            # restricted data (name, date of birth, address) never goes into the audit trail
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.PERSON_ADDED,
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
