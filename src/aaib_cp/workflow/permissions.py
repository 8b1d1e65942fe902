"""Who may do what under a workflow, as data and as a table people read.

Drawn from the workflow itself: each trigger's roles, each action's ``permissions``,
who appoints each case role, and the ``separation`` of duties. ``aaib workflow
permissions`` prints it; docs/security.md shows the child-protection table.
"""

from __future__ import annotations

from typing import Any

from aaib_cp.workflow.spec import ACTIONS, DUTIES, WorkflowDefinition

__all__ = ["permission_rows", "permissions_markdown"]


def _held(definition: WorkflowDefinition, role: str) -> str:
    spec = definition.roles[role]
    if not spec.is_case_role:
        return "granted"
    extra = ", independent" if spec.independent else ""
    return f"appointed by {' or '.join(spec.appointed_by)}{extra}"


def permission_rows(definition: WorkflowDefinition) -> list[dict[str, Any]]:
    """One row per thing that can be done: what, and the roles that may (how each is held)."""
    rows: list[dict[str, Any]] = []
    for trigger in definition.triggers:
        roles = list(
            dict.fromkeys(
                r for t in definition.transitions if t.trigger == trigger for r in t.roles
            )
        )
        rows.append({"kind": "trigger", "name": trigger, "roles": roles})
    for action, what in ACTIONS.items():
        rows.append(
            {
                "kind": "action",
                "name": action,
                "what": what,
                "roles": list(definition.roles_for(action)),
            }
        )
    for role in definition.roles.values():
        if role.is_case_role:
            rows.append({"kind": "appoint", "name": role.name, "roles": list(role.appointed_by)})
    return rows


def permissions_markdown(definition: WorkflowDefinition) -> str:
    """The rows as Markdown: roles (how held), then what each may do, then the separations."""
    lines = [
        f"Roles of `{definition.name}` v{definition.version} and how each is held:",
        "",
        "| role | held by |",
        "|---|---|",
    ]
    lines += [f"| {r} | {_held(definition, r)} |" for r in definition.roles]
    lines += ["", "| may | roles |", "|---|---|"]
    for row in permission_rows(definition):
        if row["kind"] == "trigger":
            label = f"fire `{row['name']}`"
        elif row["kind"] == "action":
            label = f"{row['what']} (`{row['name']}`)"
        else:
            label = f"appoint someone as {row['name']}"
        lines.append(f"| {label} | {', '.join(row['roles']) or 'no role'} |")
    lines += ["", "The same account (or an administrator acting for it) may never both:", ""]
    lines += [f"- {DUTIES[a]}, and {DUTIES[b]};" for a, b in definition.separation] or ["- (none)"]
    return "\n".join(lines) + "\n"
