"""Case fields recorded or amended outside a transition (``aaib set``), audited.

A role may record a field when one of its transitions sets it (``sets:``); a case
role must also be held on the case. :class:`~aaib_cp.workflow.engine.Engine` offers
:meth:`CaseFields.set_field` too, delegating here.
"""

from __future__ import annotations

from typing import Any

from aaib_cp.exceptions import InputError
from aaib_cp.workflow.access import CaseService, check_actor
from aaib_cp.workflow.decisions import coerce_field
from aaib_cp.workflow.input_text import clean_text
from aaib_cp.workflow.model import Case, EventKind
from aaib_cp.workflow.spec import suggest

__all__ = ["CaseFields"]


class CaseFields(CaseService):
    """Records case fields while a case is open."""

    def set_field(
        self,
        case_id: str,
        name: str,
        value: Any,
        *,
        actor: object,
        role: str | None,
        reason: str | None = None,
    ) -> Case:
        """Record or amend a case field while the case is open (audited)."""
        case = self.store.get_case(case_id)
        definition = self.definition_for(case)
        who = check_actor(definition, self.access.current(actor), role)
        if reason is not None:
            reason = clean_text(reason, "reason")
        if definition.states[case.state].terminal:
            raise InputError(f"{case.id} has ended ({case.state}); its fields are final")
        if name not in definition.fields:
            raise InputError(
                f"unknown field {name!r}{suggest(name, definition.fields)}; "
                f"one of {', '.join(definition.fields)}"
            )
        clean = coerce_field(definition.fields[name], value)
        allowed = definition.roles_setting(name)
        self.access.permit(
            case,
            definition,
            actor=who,
            role=role,
            action=f"set {name}",
            roles=allowed,
            refusal=f"role {role!r} may not record '{name}'; it needs "
            f"{' or '.join(allowed) or 'a transition that sets it'}",
        )
        fields = {**case.fields, name: clean}
        now = self.clock()
        with self.store.transaction():
            version = self.store.update_case(case, at=now, fields=fields)
            self.store.append_event(
                case.id,
                at=now,
                actor=who,
                role=role,
                kind=EventKind.FIELD_SET,
                reason=reason,
                detail={"field": name, "value": clean, "was": case.fields.get(name)},
            )
        return case.evolve(fields=fields, version=version)
