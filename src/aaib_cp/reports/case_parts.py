"""The parts of a report that come from the workflow definition and the case's history.

- :func:`details`: the case fields the workflow declares for reports (``report:`` in a
  field's spec: ``title_page``, ``synopsis`` or ``factual``), never a field named here;
- :func:`key_dates`: the dates the case reached its milestones, in plain words;
- :func:`process`: the phases from the first state to the last, in plain words;
- :func:`glossary`: the terms of the method, the workflow's roles and the taxonomy
  codes the case's factors use;
- :func:`chronology_entries`: the chronology as the report's entries;
- :func:`timeline`: the chronology's timeline (SVG), its lanes renamed (anonymised) and checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aaib_cp.exceptions import InputError
from aaib_cp.reports import model as rm
from aaib_cp.workflow.definition import WorkflowDefinition
from aaib_cp.workflow.model import Case, Event, EventKind

__all__ = [
    "chronology_entries",
    "conduct_code",
    "details",
    "glossary",
    "key_dates",
    "process",
    "synopsis",
    "timeline",
]

_CONDUCT = re.compile(r"violation|error|unsafe act", re.I)

#: Terms of the method every report uses.
METHOD_TERMS = (
    (
        "Key practice episode",
        "A point in the case where practice could have changed the outcome, examined in detail.",
    ),
    (
        "Contributory factor",
        "A condition that made an act or omission more likely, coded against a human-factors "
        "taxonomy.",
    ),
    (
        "Just culture",
        "Judging an act by the behaviour, not the outcome: honest error and system-induced "
        "error lead to learning; only reckless or deliberate acts are referred outside the "
        "safety investigation.",
    ),
    (
        "Safety recommendation",
        "A proposal to an organisation to prevent harm; the organisation answers within 90 "
        "days. It never creates a presumption of blame or liability.",
    ),
    (
        "Safety action",
        "Action an organisation has already taken on its own.",
    ),
    (
        "Protected material",
        "Witness statements, investigators' notes, drafts and health data, used for the "
        "safety investigation only.",
    ),
    ("Pseudonym", "The name a person is given in the report instead of their own."),
)


def words(name: str) -> str:
    """``serious_harm`` -> ``serious harm``."""
    return name.replace("_", " ")


def _label(name: str, label: str) -> str:
    return label or words(name).capitalize()


def details(case: Case, definition: WorkflowDefinition) -> tuple[rm.CaseDetail, ...]:
    """The case's values of the fields the workflow shows on the title page or in section 1."""
    out = []
    for field in definition.fields.values():
        value = case.fields.get(field.name)
        if field.report in ("title_page", "factual") and value not in (None, ""):
            text = words(str(value)) if field.type == "choice" else str(value)
            out.append(rm.CaseDetail(_label(field.name, field.label), text, field.report))
    return tuple(out)


def synopsis(case: Case, definition: WorkflowDefinition) -> str | None:
    """The synopsis the investigator wrote (the field declared ``report: synopsis``)."""
    for field in definition.fields.values():
        if field.report == "synopsis" and case.fields.get(field.name):
            return str(case.fields[field.name])
    return None


def main_path(definition: WorkflowDefinition) -> list[str]:
    """The longest run of states from the initial state to an end, pauses left out."""
    pauses = set(definition.pause_states)
    nexts: dict[str, list[str]] = {}
    for t in definition.transitions:
        if t.returns or t.dest in pauses:
            continue
        if len(t.sources) > 1 and len(t.sources) >= len(definition.states) - 3:
            continue  # from every open state ("*"): a way out, not a step
        for source in t.sources:
            nexts.setdefault(source, []).append(t.dest)
    best: list[str] = []

    def walk(path: list[str]) -> None:
        nonlocal best
        options = [s for s in nexts.get(path[-1], ()) if s not in path]
        if not options and len(path) > len(best):
            best = list(path)
        for state in options:
            walk([*path, state])

    walk([definition.initial])
    return best


def _entered(history: Iterable[Event]) -> dict[str, str]:
    first: dict[str, str] = {}
    for event in history:
        if event.kind == EventKind.TRANSITION and event.to_state:
            first.setdefault(event.to_state, event.at.date().isoformat())
    return first


def process(
    case: Case, definition: WorkflowDefinition, history: Sequence[Event]
) -> tuple[rm.ProcessStep, ...]:
    """The phases of the workflow in order, each done, current or to come, with its date."""
    entered = _entered(history)
    entered.setdefault(definition.initial, case.opened_at.date().isoformat())
    path = main_path(definition)
    current = case.state if case.state in path else None
    steps = []
    for state in path:
        if state == current:
            status = "done" if definition.states[state].terminal else "current"
        elif state in entered and (current is None or path.index(state) < path.index(current)):
            status = "done"
        else:
            status = "to come"
        description = definition.states[state].description or words(state).capitalize()
        steps.append(
            rm.ProcessStep(
                name=words(state).capitalize(),
                description=description,
                status=status,
                reached_on=entered.get(state),
            )
        )
    return tuple(steps)


def key_dates(
    case: Case, definition: WorkflowDefinition, history: Sequence[Event]
) -> tuple[rm.KeyDate, ...]:
    """When the incident became known, the case opened, and it reached each milestone.

    The milestones come from the workflow: the first state entered after the
    ``before_evidence`` phase, the first state of the ``draft`` and ``published``
    phases, and every terminal state.
    """
    dates = [
        rm.KeyDate(label="Incident known", date=case.known_on.isoformat()),
        rm.KeyDate(label="Investigation opened", date=case.opened_at.date().isoformat()),
    ]
    before = definition.phase_states("before_evidence")
    firsts = {s[0] for s in map(definition.phase_states, ("draft", "published")) if s}
    pauses = set(definition.pause_states)
    evidence_begun = False
    seen: set[str] = set()
    for event in history:
        state = event.to_state
        if event.kind != EventKind.TRANSITION or not state or state in seen:
            continue
        terminal = definition.states[state].terminal
        first_after = bool(before) and not evidence_begun and state not in (*before, *pauses)
        if state in firsts or terminal or first_after:
            seen.add(state)
            label = f"Investigation {words(state)}" if terminal else f"{words(state)} stage begun"
            day = event.at.date().isoformat()
            dates.append(rm.KeyDate(label=label[0].upper() + label[1:], date=day))
        evidence_begun = evidence_begun or state not in before
    return tuple(dates)


def conduct_code(code: str, label: str, level: str) -> bool:
    """Whether a factor's code tells how a person acted (an error or a violation)."""
    return code.split(".")[0].upper() == "ACT" or bool(_CONDUCT.search(f"{label} {level}"))


def glossary(
    definition: WorkflowDefinition, factors: Sequence[Any], taxonomy: Any | None
) -> tuple[rm.GlossaryTerm, ...]:
    """Method terms, the workflow's roles, and the taxonomy codes used (conduct codes left out)."""
    terms = [rm.GlossaryTerm(term, meaning) for term, meaning in METHOD_TERMS]
    for role in definition.roles.values():
        if role.description:
            terms.append(rm.GlossaryTerm(words(role.name).capitalize(), role.description))
    seen: set[str] = set()
    for f in factors:
        if f.code in seen or conduct_code(f.code, f.label, f.level):
            continue
        seen.add(f.code)
        meaning = f.label
        if taxonomy is not None:
            try:
                category = taxonomy.get(f.code)
                meaning = f"{category.label}: {category.description}"
            except InputError:  # a code from an older taxonomy version: its label will do
                meaning = f.label
        terms.append(rm.GlossaryTerm(f.code, meaning))
    return tuple(terms)


def timeline(
    chronology: Any, *, title: str, lane: Callable[[str], str], check: Callable[[str], None]
) -> bytes | None:
    """The timeline picture (SVG), its agency lanes passed through ``lane`` (and checked)."""
    if not chronology.entries:
        return None
    from aaib_cp.reports.timeline_figure import timeline_svg

    # thousands of entries share a handful of agencies: each is renamed once
    names = {
        a: lane(a)
        for a in dict.fromkeys([*chronology.agencies, *(e.agency for e in chronology.entries)])
    }
    # every label the picture shows (its lanes, and the key practice episodes it labels)
    from aaib_cp.evidence.timeline import MAX_LABELS

    labelled = [e.ref for e in chronology.entries if e.key_episode][:MAX_LABELS]
    check("\n".join(dict.fromkeys([title, *names.values(), *labelled])))
    return timeline_svg(chronology, title=title, lane=names.__getitem__)


def _base_ref(label: str) -> str:
    """``E3v2`` -> ``E3`` (the reference protection and the register use)."""
    return label.strip().upper().split("V")[0]


def chronology_entries(
    entries: Iterable[Any], real: dict[str, str]
) -> tuple[rm.ChronologyEntry, ...]:
    """The report's chronology entries (each date's sort key worded once)."""
    keys: dict[str, str] = {}
    out = []
    for e in entries:
        key = keys.get(e.when.text)
        if key is None:
            key = keys[e.when.text] = "{} {} {}".format(*e.when.sort_key)
        out.append(
            rm.ChronologyEntry(
                when=e.when.text,
                sort_key=key,
                text=e.what,
                agency=e.agency,
                people=e.people,
                people_real=tuple([real.get(p, p) for p in e.people]) if e.people else (),
                key_practice_episode=e.key_episode,
                evidence_refs=(_base_ref(e.evidence),) if e.evidence else (),
            )
        )
    return tuple(out)
