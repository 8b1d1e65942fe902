"""A case's investigation team: appointments and standing down.

A case role (``scope: case`` in the workflow) is held by appointment of an account,
made by a role in its ``appointed_by``. A role marked ``independent`` cannot go to
someone who has not declared their affiliations, or who is affiliated with an agency
involved in the case (compared by registry id). Every change is audited.
:class:`~aaib_cp.workflow.engine.Engine` offers the same methods, delegating here.
"""

from __future__ import annotations

from collections.abc import Sequence

from aaib_cp.exceptions import ConflictOfInterest, InputError
from aaib_cp.workflow.access import CaseService, check_actor, must_differ
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.input_text import clean_text
from aaib_cp.workflow.model import Case, EventKind, TeamMember
from aaib_cp.workflow.spec import RoleDef, suggest

__all__ = ["Team"]


class Team(CaseService):
    """Appoints and stands down team members, checking independence and separation."""

    def appoint(
        self,
        case_id: str,
        appointee: Account,
        case_role: str,
        *,
        actor: object,
        role: str | None,
    ) -> TeamMember:
        """Appoint an account to the case's team in a workflow role (audited).

        Refused (and audited): appointing oneself where the workflow separates
        ``appoint`` from ``be_appointed``; an ``independent`` role for someone who has not
        declared their affiliations, or who is affiliated with an agency involved in the
        case (compared by registry id).
        """
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        who = check_actor(definition, self.access.current(actor), role)
        if not isinstance(appointee, Account):
            raise TypeError(f"appointee must be an Account from the store, not {appointee!r}")
        appointee = self.store.accounts.get(appointee.id)
        if case_role not in definition.roles:
            raise InputError(f"unknown role {case_role!r}{suggest(case_role, definition.roles)}")
        spec = definition.roles[case_role]
        if not spec.is_case_role:
            raise InputError(f"{case_role} is an organisation role; it is not appointed to a case")
        if definition.states[case.state].terminal:
            raise InputError(f"{case.id} has ended ({case.state}); its team is final")
        if not appointee.active:
            raise InputError(f"account {appointee.login} is disabled")
        action = f"appoint {case_role}"
        self.access.permit(
            case,
            definition,
            actor=who,
            role=role,
            action=action,
            roles=spec.appointed_by,
            refusal=f"role {role!r} may not appoint a {case_role}; it needs "
            f"{' or '.join(spec.appointed_by)}",
        )
        if must_differ(
            definition, "be_appointed", "appoint", done_by=frozenset({appointee.id}), actor=who
        ):
            message = (
                f"{who.label} cannot appoint {appointee.name} as {case_role}: nobody appoints"
                " themselves; another person must (separation of duties)"
            )
            raise self.access.refuse(case, actor=who, role=role, action=action, message=message)
        if spec.independent:
            self._check_independent(case, spec, appointee, actor=who, role=role)
        now = self.clock()
        member = TeamMember(case.id, appointee.name, case_role, now, who.label, appointee.id)
        with self.store.transaction():
            if not self.store.add_team_member(member, independent=spec.independent):
                raise InputError(
                    f"{appointee.name} is already appointed as {case_role} on {case.id}"
                )
            self.store.update_case(case, at=now)
            self.store.append_event(
                case.id,
                at=now,
                actor=who,
                role=role,
                kind=EventKind.APPOINTED,
                detail={
                    "name": appointee.name,
                    "account_id": appointee.id,
                    "role": case_role,
                    "affiliations": list(appointee.affiliations),
                },
            )
        return member

    def _check_independent(
        self, case: Case, spec: RoleDef, appointee: Account, *, actor: Actor, role: str | None
    ) -> None:
        """Refuse (audited) unless ``appointee`` declared, and no declared agency is involved."""
        action = f"appoint {spec.name}"
        if not appointee.declared:
            raise self.access.refuse(
                case,
                actor=actor,
                role=role,
                action=action,
                error=ConflictOfInterest,
                message=f"{appointee.name} cannot be appointed as {spec.name} before declaring"
                " their affiliations (or none): aaib user declare",
            )
        involved = self.store.involved_organisations(case.id)
        conflicts = sorted(involved[o] for o in appointee.affiliations if o in involved)
        if conflicts:
            raise self.access.refuse(
                case,
                actor=actor,
                role=role,
                action=action,
                error=ConflictOfInterest,
                message=f"{appointee.name} cannot be appointed as {spec.name}: affiliated with "
                f"{', '.join(conflicts)}, an agency involved in the case",
            )

    def stand_down(
        self,
        case_id: str,
        member: Account,
        case_role: str,
        *,
        actor: object,
        role: str | None,
        reason: str,
    ) -> None:
        """Record that ``member`` no longer serves in ``case_role`` on the case (audited)."""
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        spec = definition.roles.get(case_role)
        if spec is None or not spec.is_case_role:
            raise InputError(f"{case_role!r} is not a case role of this workflow")
        reason = clean_text(reason, "reason").strip()
        if not reason:
            raise InputError("reason: say why the member stands down")
        who = check_actor(definition, self.access.current(actor), role)
        if definition.states[case.state].terminal:
            raise InputError(f"{case.id} has ended ({case.state}); its records are final")
        action = f"stand down a {case_role}"
        self.access.permit(
            case,
            definition,
            actor=who,
            role=role,
            action=action,
            roles=spec.appointed_by,
            refusal=f"role {role!r} may not {action}; it needs {' or '.join(spec.appointed_by)}",
        )
        now = self.clock()
        with self.store.transaction():
            done = self.store.stand_down(
                case.id, member.id, case_role, at=now, by=who.label, reason=reason
            )
            if not done:
                raise InputError(f"{member.name} is not serving as {case_role} on {case.id}")
            self.store.update_case(case, at=now)
            self.store.append_event(
                case.id,
                at=now,
                actor=who,
                role=role,
                kind=EventKind.STOOD_DOWN,
                reason=reason,
                detail={"name": member.name, "account_id": member.id, "role": case_role},
            )

    def members(self, case_id: str) -> Sequence[TeamMember]:
        """The case's investigation team."""
        case = self.store.get_case(case_id)
        return self.store.view(case).team()
