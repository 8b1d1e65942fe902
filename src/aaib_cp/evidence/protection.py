"""Protected material: investigators' notes, protection marks and approved disclosures.

Protected material (witness statements, health data, investigators' notes) is used
for the safety investigation only: a protected evidence item or note leaves only
through a disclosure approved by someone holding the workflow's ``disclose``
permission who did not ask for it. Protecting an item needs the ``protect``
permission; notes are recorded under ``recommend``. SQL lives in
:mod:`aaib_cp.evidence.sql_protection`.
"""

from __future__ import annotations

from aaib_cp.evidence import sql as db
from aaib_cp.evidence import sql_protection as pdb
from aaib_cp.evidence.base import RecordService, required_text
from aaib_cp.evidence.model import normalise_choice
from aaib_cp.evidence.protection_model import DISCLOSURE_GROUNDS, Disclosure, Note
from aaib_cp.exceptions import InputError, ProtectedMaterial, RecordNotFound
from aaib_cp.workflow.access import separation_problem
from aaib_cp.workflow.acting import needs
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.input_text import clean_line
from aaib_cp.workflow.model import Case, EventKind

__all__ = ["Protection"]


class Protection(RecordService):
    """Notes, protection marks and disclosures of protected material."""

    @needs("recommend")
    def add_note(
        self, case_id: str, text: str, *, protected: bool = True, actor: Account | Actor, role: str
    ) -> Note:
        """Record an investigator's note (protected material unless said otherwise)."""
        body = required_text("note", text)
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="add a note", permission="recommend"
        )
        with self.store.transaction():
            ref = f"N{db.next_number(self.store, case.id, 'note')}"
            note = pdb.insert_note(
                self.store,
                case.id,
                ref=ref,
                text=body,
                protected=protected,
                at=self.engine.clock(),
                by=actor.label,
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.NOTE_ADDED,
                detail={"note": ref, "protected": protected},
            )
        return note

    def notes(self, case_id: str) -> list[Note]:
        """The case's notes (their text is restricted)."""
        self.store.get_case(case_id)
        return pdb.notes(self.store, case_id)

    @needs("protect")
    def protect(
        self, case_id: str, item: str, *, reason: str, actor: Account | Actor, role: str
    ) -> None:
        """Mark an evidence item as protected material (e.g. it holds health data)."""
        why = required_text("reason", reason)
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="protect an item", permission="protect"
        )
        ref = self._evidence_ref(case.id, item)
        with self.store.transaction():
            pdb.mark_protection(
                self.store,
                case.id,
                ref,
                protected=True,
                reason=why,
                at=self.engine.clock(),
                by=actor.label,
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.EVIDENCE_PROTECTED,
                detail={"item": ref, "reason": why},
            )

    def _evidence_ref(self, case_id: str, item: str) -> str:
        ref = item.strip().upper().split("V")[0]
        if ref not in pdb.evidence_protection(self.store, case_id):
            raise RecordNotFound(f"no evidence item {item!r} on {case_id}")
        return ref

    def protected_items(self, case_id: str) -> dict[str, bool]:
        """Whether each evidence item and note (by reference) is protected material."""
        self.store.get_case(case_id)
        flags = pdb.evidence_protection(self.store, case_id)
        flags.update({n.ref: n.protected for n in pdb.notes(self.store, case_id)})
        return flags

    @needs("disclose")
    def disclose(
        self,
        case_id: str,
        item: str,
        *,
        ground: str,
        requested_by: Account,
        recipient: str,
        reason: str,
        actor: Account | Actor,
        role: str,
    ) -> Disclosure:
        """Approve the disclosure of one protected item; the approver is the actor.

        The approver needs the workflow's ``disclose`` permission and, where the workflow
        separates ``request_disclosure`` from ``approve_disclosure``, must not be the
        account that asked for it (nor act for it). Refusals are recorded on the audit trail.
        """
        ground = normalise_choice("ground", ground, DISCLOSURE_GROUNDS)
        if not isinstance(requested_by, Account):
            raise TypeError(f"requested_by must be an Account from the store, not {requested_by!r}")
        requester = requested_by.name
        to = clean_line(recipient, "recipient", max_len=200)
        why = required_text("reason", reason)
        case, definition, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action="approve a disclosure", permission="disclose"
        )
        problem = separation_problem(
            definition,
            "request_disclosure",
            "approve_disclosure",
            done_by=frozenset({requested_by.id}),
            actor=actor,
            what="asked for this disclosure",
        )
        if problem:
            raise self.engine.refuse(
                case, actor=actor, role=role, action="approve a disclosure", message=problem
            )
        flags = self.protected_items(case.id)
        ref = item.strip().upper()
        ref = ref if ref.startswith("N") else ref.split("V")[0]
        if ref not in flags:
            raise RecordNotFound(f"no evidence item or note {item!r} on {case.id}")
        if not flags[ref]:
            raise InputError(f"{ref} is not protected material; it needs no disclosure")
        with self.store.transaction():
            d_ref = f"D{db.next_number(self.store, case.id, 'disclosure')}"
            disclosure = pdb.insert_disclosure(
                self.store,
                case.id,
                ref=d_ref,
                item=ref,
                ground=ground,
                requested_by=requester,
                requested_by_id=requested_by.id,
                approved_by=actor.label,
                approved_by_ids=sorted(actor.ids),
                recipient=to,
                reason=why,
                at=self.engine.clock(),
            )
            self.engine.record_change(
                case,
                actor=actor,
                role=role,
                kind=EventKind.DISCLOSURE_APPROVED,
                detail={
                    "disclosure": d_ref,
                    "item": ref,
                    "ground": ground,
                    "requested_by": requester,
                    "requested_by_id": requested_by.id,
                    "recipient": to,
                },
            )
        return disclosure

    def disclosures(self, case_id: str) -> list[Disclosure]:
        """The case's approved disclosures."""
        self.store.get_case(case_id)
        return pdb.disclosures(self.store, case_id)

    def check_release(self, case: Case, item: str, *, actor: Actor, role: str | None) -> None:
        """Refuse (audited) to let a protected item out without an approved disclosure."""
        flags = self.protected_items(case.id)
        if not flags.get(item, False) or pdb.disclosures(self.store, case.id, item):
            return
        refused = self.engine.refuse(
            case,
            actor=actor,
            role=role,
            action=f"export {item}",
            message=f"{item} is protected material: it leaves only through an approved "
            "disclosure (aaib disclosure add)",
        )
        raise ProtectedMaterial(str(refused))
