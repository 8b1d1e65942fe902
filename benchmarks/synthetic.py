"""Seeded synthetic investigations, written in bulk with the store's own schema.

``build_database(path, cases=N, seed=S)`` makes a database of N cases in one
transaction without going through :meth:`Engine.open_case` per case (that would
take minutes at 100,000 cases). Every case is a plausible investigation of the
shipped ``child-protection`` workflow: an opening event, team appointments, field
changes and the transitions that lead to its current state (some suspended, some
closed without investigation, some discontinued), each event hash-chained with
:func:`aaib_cp.workflow.audit.event_hash`. A sample of cases is then checked with
:meth:`Engine.verify` (chain, recorded head, and replay through the machine), so
the data is valid as well as realistic.

Records that later features store (agencies, people, evidence, chronology, acts,
contributory factors) are generated as plain Python by :func:`case_records`, and
a chronology as CSV text by :func:`chronology_csv`; they are not inserted until
the schema has tables for them.
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aaib_cp.workflow.audit import GENESIS, event_hash, event_mac, head_mac

__all__ = [
    "SyntheticCase",
    "build_database",
    "case_records",
    "chronology_csv",
]

AGENCIES = (
    "Children's social care",
    "Police",
    "GP practice",
    "Health visiting",
    "Midwifery",
    "Primary school",
    "Emergency department",
    "Child and adolescent mental health",
    "Probation",
    "Housing",
    "Early help",
    "Substance misuse service",
)
ROLES_IN_AGENCY = (
    "social worker",
    "team manager",
    "health visitor",
    "GP",
    "designated safeguarding lead",
    "police constable",
    "detective sergeant",
    "midwife",
    "paediatric registrar",
    "housing officer",
)
FIRST = ("Alex", "Sam", "Jo", "Chris", "Priya", "Tom", "Aisha", "Mark", "Lena", "Owen", "Ruth")
LAST = ("Hughes", "Patel", "Okafor", "Reid", "Walsh", "Khan", "Evans", "Moore", "Byrne", "Shaw")
CONTACTS = (
    "home visit",
    "telephone call",
    "strategy discussion",
    "child protection conference",
    "referral received",
    "school attendance concern",
    "missed health appointment",
    "police call-out",
    "hospital attendance",
    "core group meeting",
)
HFACS = (
    "unsafe_acts.errors.decision",
    "unsafe_acts.errors.skill",
    "unsafe_acts.violations.routine",
    "preconditions.environment.technological",
    "preconditions.personnel.communication",
    "supervision.inadequate",
    "organisation.resource_management",
    "organisation.climate",
)
EVIDENCE_KINDS = ("case record", "interview", "email", "policy", "meeting minutes", "referral")

# The main line of the shipped workflow: (trigger, destination, role, fields).
MAIN_LINE: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("start_triage", "triage", "chief_investigator", ()),
    ("decide_investigate", "scoping", "chief_investigator", ("classification", "depth")),
    ("agree_scope", "evidence", "lead_investigator", ("terms_of_reference",)),
    ("begin_analysis", "analysis", "lead_investigator", ()),
    ("begin_classification", "classification", "lead_investigator", ()),
    ("begin_recommendations", "recommendations", "lead_investigator", ()),
    ("write_draft", "draft_report", "lead_investigator", ()),
    ("send_for_consultation", "consultation", "lead_investigator", ()),
    ("issue_final_report", "final_report", "lead_investigator", ()),
    ("track_responses", "response_tracking", "lead_investigator", ()),
    ("close", "closed", "lead_investigator", ()),
)
REASON_REQUIRED = frozenset(
    {"decide_investigate", "close_without_investigation", "suspend", "resume", "discontinue"}
)


class SyntheticCase:
    """One generated case: its row, its events and its team, ready for insertion."""

    __slots__ = ("case_row", "events", "index", "team")

    def __init__(self, index: int) -> None:
        self.index = index
        self.case_row: dict[str, Any] = {}
        self.events: list[dict[str, Any]] = []
        self.team: list[dict[str, Any]] = []

    @property
    def id(self) -> str:
        """The case reference."""
        return str(self.case_row["id"])

    @property
    def state(self) -> str:
        """The state the case is in."""
        return str(self.case_row["state"])


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class _CaseWriter:
    """Builds one case's events with the same content the engine would write."""

    def __init__(self, case: SyntheticCase, start: datetime) -> None:
        self.case = case
        self.now = start
        self.prev = GENESIS
        self.version = 1
        self.state = "notification"
        self.previous: str | None = None
        self.fields: dict[str, Any] = {}

    def tick(self, rng: random.Random, days: tuple[int, int] = (1, 20)) -> None:
        self.now += timedelta(days=rng.randint(*days), minutes=rng.randint(0, 600))

    def event(self, **content: Any) -> None:
        n = len(self.case.events) + 1
        detail = content.pop("detail", {})
        row = {
            "case_id": self.case.case_row["id"],
            "n": n,
            "at": _iso(self.now),
            "actor": content.pop("actor"),
            "role": content.pop("role"),
            "kind": content.pop("kind"),
            "trigger": content.pop("trigger", None),
            "from_state": content.pop("from_state", None),
            "to_state": content.pop("to_state", None),
            "reason": content.pop("reason", None),
            "detail": json.loads(json.dumps(detail, sort_keys=True, ensure_ascii=False)),
        }
        digest = event_hash(self.prev, row)
        row["detail"] = json.dumps(row["detail"], sort_keys=True, ensure_ascii=False)
        row["prev_hash"] = self.prev
        row["hash"] = digest
        self.prev = digest
        self.case.events.append(row)

    def fire(
        self, trigger: str, dest: str, actor: str, role: str, fields: dict[str, Any] | None = None
    ) -> None:
        fields = fields or {}
        self.fields.update(fields)
        self.event(
            actor=actor,
            role=role,
            kind="transition",
            trigger=trigger,
            from_state=self.state,
            to_state=dest,
            reason=f"{trigger.replace('_', ' ')}: recorded rationale"
            if trigger in REASON_REQUIRED
            else None,
            detail={"fields": fields} if fields else {},
        )
        self.previous, self.state = self.state, dest
        self.version += 1

    def appoint(self, rng: random.Random, name: str, role: str, by: str, by_role: str) -> None:
        self.case.team.append(
            {
                "case_id": self.case.case_row["id"],
                "name": name,
                "role": role,
                "appointed_at": _iso(self.now),
                "appointed_by": by,
            }
        )
        self.event(actor=by, role=by_role, kind="appointed", detail={"name": name, "role": role})
        self.version += 1


def _make_case(
    rng: random.Random, index: int, case_id: str, opened: datetime, workflow: Any
) -> SyntheticCase:
    case = SyntheticCase(index)
    known_on = (opened - timedelta(days=rng.randint(0, 4))).date()
    notifier = _name(rng)
    title = f"Child {chr(65 + index % 26)}{index // 26 or ''}"
    case.case_row = {
        "id": case_id,
        "title": title,
        "workflow_name": workflow.name,
        "workflow_version": workflow.version,
        "workflow_hash": workflow.content_hash,
        "opened_at": _iso(opened),
        "opened_by": notifier,
        "known_on": known_on.isoformat(),
    }
    w = _CaseWriter(case, opened)
    w.event(
        actor=notifier,
        role="notifier",
        kind="opened",
        to_state="notification",
        detail={
            "title": title,
            "known_on": known_on.isoformat(),
            "workflow": workflow.name,
            "workflow_version": workflow.version,
            "workflow_hash": workflow.content_hash,
        },
    )
    chief, lead = _name(rng), _name(rng)
    # How far along the main line the case has got: most are mid-investigation.
    steps = rng.choices(range(len(MAIN_LINE) + 1), weights=[2, 3, 3, 4, 8, 6, 5, 4, 3, 3, 4, 6])
    target = steps[0]
    for step, (trigger, dest, role, names) in enumerate(MAIN_LINE[:target]):
        w.tick(rng)
        actor = chief if role == "chief_investigator" else lead
        if trigger == "decide_investigate" and rng.random() < 0.12:
            w.fire(
                "close_without_investigation",
                "not_investigated",
                chief,
                "chief_investigator",
                {"classification": "other"},
            )
            break
        if trigger == "agree_scope":
            w.appoint(rng, lead, "lead_investigator", chief, "chief_investigator")
        if trigger == "begin_analysis":
            for k in range(rng.randint(1, 3)):
                name = f"{_name(rng)} ({k + 1})"
                w.appoint(rng, name, "investigator", lead, "lead_investigator")
        if trigger == "begin_recommendations":
            w.appoint(rng, _name(rng) + " (reviewer)", "reviewer", lead, "lead_investigator")
        fields: dict[str, Any] = {}
        for name in names:
            if name == "classification":
                fields[name] = rng.choice(["child_death", "serious_harm", "serious_harm"])
            elif name == "depth":
                fields[name] = rng.choice(["formal", "field", "field", "correspondence"])
            else:
                fields[name] = "Examine multi-agency decisions in the year before the incident."
        w.fire(trigger, dest, actor, role, fields)
        if step >= 2 and w.state != "closed" and rng.random() < 0.05:
            w.tick(rng)
            w.fire("suspend", "suspended", lead, "lead_investigator")
            if rng.random() < 0.7:
                w.tick(rng, (30, 200))
                back = w.previous or "evidence"
                w.fire("resume", back, lead, "lead_investigator")
            else:
                break
    else:
        if w.state not in ("closed", "not_investigated") and rng.random() < 0.03:
            w.tick(rng)
            w.fire("discontinue", "discontinued", chief, "chief_investigator")
    case.case_row.update(
        state=w.state,
        previous_state=w.previous,
        version=w.version,
        fields=json.dumps(w.fields, sort_keys=True, ensure_ascii=False),
        updated_at=_iso(w.now),
    )
    return case


def generate_cases(count: int, *, seed: int = 8, workflow: Any) -> Iterator[SyntheticCase]:
    """``count`` cases, opened between 2015 and 2026, numbered per year like the engine does."""
    rng = random.Random(seed)
    first, last = datetime(2015, 1, 5, 9, tzinfo=UTC), datetime(2026, 1, 5, 9, tzinfo=UTC)
    span = int((last - first).total_seconds())
    openings = sorted(first + timedelta(seconds=rng.randrange(span)) for _ in range(count))
    counters: dict[int, int] = {}
    for index, opened in enumerate(openings):
        counters[opened.year] = counters.get(opened.year, 0) + 1
        case_id = f"CP-{opened.year}-{counters[opened.year]:04d}"
        yield _make_case(rng, index, case_id, opened, workflow)


_CASE_COLUMNS = (
    "id, title, workflow_name, workflow_version, workflow_hash, state, previous_state, version,"
    " opened_at, opened_by, known_on, fields, updated_at"
)
_EVENT_COLUMNS = (
    "case_id, n, at, actor, role, kind, trigger, from_state, to_state, reason, detail,"
    " prev_hash, hash"
)


def build_database(
    path: str | Path,
    *,
    cases: int,
    seed: int = 8,
    synchronous: str = "NORMAL",
    verify_sample: int = 20,
    keyed: bool = False,
) -> dict[str, Any]:
    """Create ``path`` with ``cases`` synthetic cases; returns a summary (ids by state, counts).

    ``keyed``: with audit keys made first, as ``aaib init`` makes them, so every event
    carries its MAC, every case head its MAC and the workflow's copy its MAC.
    """
    from aaib_cp import Engine, Store, load_workflow

    workflow = load_workflow("child-protection")
    store = Store.open(path, create=True, synchronous=synchronous)
    by_state: dict[str, list[str]] = {}
    n_events = 0
    counters: dict[int, int] = {}
    try:
        conn = store.db.conn
        if keyed:
            _make_keys(store)
        key = store.keys.current
        with store.transaction():
            store.save_workflow(workflow, at=datetime(2015, 1, 1, tzinfo=UTC))
            batch: list[SyntheticCase] = []
            for case in generate_cases(cases, seed=seed, workflow=workflow):
                batch.append(case)
                by_state.setdefault(case.state, []).append(case.id)
                year = int(case.id.split("-")[1])
                counters[year] = max(counters.get(year, 0), int(case.id.split("-")[2]))
                if len(batch) >= 2000:
                    n_events += _insert(conn, batch, key)
                    batch = []
            n_events += _insert(conn, batch, key)
            conn.executemany(
                "INSERT INTO case_counters (year, last) VALUES (?, ?)", sorted(counters.items())
            )
        engine = Engine(store)
        ids = [case_id for group in by_state.values() for case_id in group]
        sample = random.Random(seed).sample(ids, min(verify_sample, len(ids)))
        for case_id in sample:
            broken = engine.verify(case_id)
            if broken is not None:
                raise AssertionError(f"synthetic data is not valid: {broken}")
    finally:
        store.close()
    return {"cases": cases, "events": n_events, "by_state": by_state, "verified": len(sample)}


def _make_keys(store: Any) -> None:
    """The audit keys, made as ``aaib init`` makes them in a new database."""
    from aaib_cp.oversight import init_keys

    init_keys(store, at=datetime(2015, 1, 1, tzinfo=UTC), sealer=_nobody)


def _nobody() -> Any:
    raise AssertionError("a new database has no case to seal")


def _insert(conn: Any, batch: list[SyntheticCase], key: tuple[str, bytes] | None) -> int:
    conn.executemany(
        f"INSERT INTO cases ({_CASE_COLUMNS}) VALUES ({', '.join('?' * 13)})",
        [tuple(c.case_row[k.strip()] for k in _CASE_COLUMNS.split(",")) for c in batch],
    )
    events = [e for c in batch for e in c.events]
    keys = [k.strip() for k in _EVENT_COLUMNS.split(",")]
    conn.executemany(
        f"INSERT INTO events ({_EVENT_COLUMNS}, mac) VALUES ({', '.join('?' * 14)})",
        [(*(e[k] for k in keys), event_mac(*key, e["hash"]) if key else None) for e in events],
    )
    conn.executemany(
        "UPDATE cases SET audit_n = ?, audit_hash = ?, audit_mac = ? WHERE id = ?",
        [
            (
                len(c.events),
                c.events[-1]["hash"],
                head_mac(*key, c.id, len(c.events), c.events[-1]["hash"]) if key else None,
                c.id,
            )
            for c in batch
        ],
    )
    conn.executemany(
        "INSERT INTO team (case_id, name, role, appointed_at, appointed_by)"
        " VALUES (:case_id, :name, :role, :appointed_at, :appointed_by)",
        [m for c in batch for m in c.team],
    )
    return len(events)


# -- records the schema does not hold yet (issues 3-5) -----------------------------
def case_records(seed: int, index: int, *, chronology_entries: int = 1000) -> dict[str, Any]:
    """Agencies, people, evidence, chronology, acts and factors of synthetic case ``index``.

    Deterministic for ``(seed, index)``, so a later measurement can regenerate any
    case's records without keeping them all in memory.
    """
    rng = random.Random(f"{seed}:{index}")
    agencies = rng.sample(AGENCIES, rng.randint(3, 7))
    people = [
        {
            "id": f"P{i + 1}",
            "name": _name(rng),
            "agency": rng.choice(agencies),
            "role": rng.choice(ROLES_IN_AGENCY),
        }
        for i in range(rng.randint(4, 12))
    ]
    evidence = [
        {
            "id": f"E{i + 1}",
            "agency": rng.choice(agencies),
            "kind": rng.choice(EVIDENCE_KINDS),
            "received": (date(2024, 1, 1) + timedelta(days=rng.randint(0, 300))).isoformat(),
        }
        for i in range(rng.randint(5, 40))
    ]
    chronology = list(_chronology(rng, agencies, people, chronology_entries))
    acts = [
        {
            "id": f"A{i + 1}",
            "entry": rng.randrange(len(chronology)) + 1 if chronology else None,
            "person": rng.choice(people)["id"],
            "description": f"Decision after {rng.choice(CONTACTS)} not escalated",
        }
        for i in range(rng.randint(2, 8))
    ]
    factors = [{"act": act["id"], "hfacs": rng.choice(HFACS)} for act in acts for _ in range(2)]
    return {
        "agencies": agencies,
        "people": people,
        "evidence": evidence,
        "chronology": chronology,
        "acts": acts,
        "factors": factors,
    }


def _chronology(
    rng: random.Random, agencies: list[str], people: list[dict[str, str]], n: int
) -> Iterator[dict[str, str]]:
    day = date(2023, 1, 2)
    for _ in range(n):
        day += timedelta(days=rng.choice((0, 0, 1, 1, 2, 3, 7)))
        person = rng.choice(people)
        contact = rng.choice(CONTACTS)
        yield {
            "date": day.isoformat(),
            "agency": person["agency"] if rng.random() < 0.8 else rng.choice(agencies),
            "source": f"{person['agency']} record",
            "author": person["role"],
            "entry": f"{contact.capitalize()}: child seen by {person['role']}; "
            f"{rng.choice(('no concerns noted', 'bruising observed', 'family not at home', 'referral made', 'plan reviewed'))}.",  # noqa: E501
        }


def chronology_csv(rows: list[dict[str, str]]) -> str:
    """Chronology entries as CSV text (header: date, agency, source, author, entry)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["date", "agency", "source", "author", "entry"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
