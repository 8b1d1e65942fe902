"""A case's investigation team: appointments, standing down, declared affiliations.

A case role (``scope: case`` in the workflow) is held by appointment, made by a role
in its ``appointed_by``. A role marked ``independent`` cannot go to someone
affiliated with an agency involved in the case. Every change is audited.
:class:`~aaib_cp.workflow.engine.Engine` offers the same methods, delegating here.
"""

from __future__ import annotations

from collections.abc import Sequence

from aaib_cp.exceptions import ConflictOfInterest, InputError
from aaib_cp.workflow.access import CaseService, check_actor
from aaib_cp.workflow.input_text import clean_line, clean_text
from aaib_cp.workflow.model import Case, EventKind, TeamMember
from aaib_cp.workflow.spec import RoleDef, suggest

__all__ = ["Team"]


class Team(CaseService):
    """Appoints and stands down team members, checking independence."""

    def appoint(
        self,
        case_id: str,
        name: str,
        case_role: str,
        *,
        actor: str,
        role: str | None,
        affiliations: Sequence[str] = (),
    ) -> TeamMember:
        """Appoint a person to the case's team in a workflow role (audited).

        ``affiliations`` are agencies the person declares an affiliation with (kept for
        every later case too). A role marked ``independent`` in the workflow cannot go
        to someone affiliated with an agency involved in the case: the refusal names
        the agency and is audited.
        """
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        actor = check_actor(definition, actor, role)
        name = clean_line(name, "name")
        declared = [clean_line(a, "affiliation", max_len=200) for a in affiliations]
        if case_role not in definition.roles:
            raise InputError(f"unknown role {case_role!r}{suggest(case_role, definition.roles)}")
        spec = definition.roles[case_role]
        if not spec.is_case_role:
            raise InputError(f"{case_role} is an organisation role; it is not appointed to a case")
        if definition.states[case.state].terminal:
            raise InputError(f"{case.id} has ended ({case.state}); its team is final")
        action = f"appoint {case_role}"
        self.access.permit(
            case,
            definition,
            actor=actor,
            role=role,
            action=action,
            roles=spec.appointed_by,
            refusal=f"role {role!r} may not appoint a {case_role}; it needs "
            f"{' or '.join(spec.appointed_by)}",
        )
        if spec.independent:
            self._check_independent(case, spec, name, declared, actor=actor, role=role)
        now = self.clock()
        member = TeamMember(case.id, name, case_role, now, actor)
        with self.store.transaction():
            for agency in declared:
                self.store.declare_affiliation(name, agency, at=now, by=actor)
            if not self.store.add_team_member(member, independent=spec.independent):
                raise InputError(f"{member.name} is already appointed as {case_role} on {case.id}")
            self.store.update_case(case, at=now)
            self.store.append_event(
                case.id,
                at=now,
                actor=actor,
                role=role,
                kind=EventKind.APPOINTED,
                detail={"name": member.name, "role": case_role, "affiliations": declared},
            )
        return member

    def _check_independent(
        self,
        case: Case,
        spec: RoleDef,
        name: str,
        declared: Sequence[str],
        *,
        actor: str,
        role: str | None,
    ) -> None:
        """Refuse (audited) to appoint ``name`` if affiliated with an agency on the case."""
        involved = {a.casefold(): a for a in self.store.view(case).fact("agency_names")}
        held = [*self.store.affiliations(name), *declared]
        conflicts = sorted({involved[a.casefold()] for a in held if a.casefold() in involved})
        if conflicts:
            raise self.access.refuse(
                case,
                actor=actor,
                role=role,
                action=f"appoint {spec.name}",
                error=ConflictOfInterest,
                message=f"{name} cannot be appointed as {spec.name}: affiliated with "
                f"{', '.join(conflicts)}, an agency involved in the case",
            )

    def stand_down(
        self,
        case_id: str,
        name: str,
        case_role: str,
        *,
        actor: str,
        role: str | None,
        reason: str,
    ) -> None:
        """Record that ``name`` no longer serves in ``case_role`` on the case (audited)."""
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        spec = definition.roles.get(case_role)
        if spec is None or not spec.is_case_role:
            raise InputError(f"{case_role!r} is not a case role of this workflow")
        reason = clean_text(reason, "reason").strip()
        if not reason:
            raise InputError("reason: say why the member stands down")
        actor = check_actor(definition, actor, role)
        if definition.states[case.state].terminal:
            raise InputError(f"{case.id} has ended ({case.state}); its records are final")
        action = f"stand down a {case_role}"
        self.access.permit(
            case,
            definition,
            actor=actor,
            role=role,
            action=action,
            roles=spec.appointed_by,
            refusal=f"role {role!r} may not {action}; it needs {' or '.join(spec.appointed_by)}",
        )
        now = self.clock()
        with self.store.transaction():
            if not self.store.stand_down(case.id, name, case_role, at=now, by=actor, reason=reason):
                raise InputError(f"{name} is not serving as {case_role} on {case.id}")
            self.store.update_case(case, at=now)
            self.store.append_event(
                case.id,
                at=now,
                actor=actor,
                role=role,
                kind=EventKind.STOOD_DOWN,
                reason=reason,
                detail={"name": name, "role": case_role},
            )

    def declare_affiliations(self, name: str, agencies: Sequence[str], *, actor: str) -> list[str]:
        """Record a person's agency affiliations (used for every independence check)."""
        name = clean_line(name, "name")
        actor = clean_line(actor, "actor")
        cleaned = [clean_line(a, "affiliation", max_len=200) for a in agencies]
        if not cleaned:
            raise InputError("affiliation: name at least one agency")
        now = self.clock()
        with self.store.transaction():
            for agency in cleaned:
                self.store.declare_affiliation(name, agency, at=now, by=actor)
        return self.store.affiliations(name)

    def members(self, case_id: str) -> Sequence[TeamMember]:
        """The case's investigation team."""
        case = self.store.get_case(case_id)
        return self.store.view(case).team()
