"""Workflows trusted by content hash: one text per name and version, custom workflows
admitted by an audited `aaib workflow register`, expansion bounded, machines cached."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp.cli import cli
from aaib_cp.workflow.definition import shipped_workflow_path
from aaib_cp.workflow.parse import MAX_EXPANDED_TRANSITIONS
from tests.people import as_role, signed_in
from tests.test_integrity_attacks import aaib

MINI = (Path(__file__).parent / "hostile" / "workflows" / "norway-states.yaml").read_text()


def dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())


@pytest.fixture
def keyed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("AAIB_KEY_DIR", raising=False)
    db = tmp_path / "cases.db"
    assert 0 == run(db, "init", "--admin", "chris.ode", "--name", "Chris Ode").exit_code
    signed_in(db, "Chris Ode", "chief_investigator", "notifier", "lead", "administrator")
    return db


def run(db: Path, *args: str, role: str = "chief_investigator"):
    env = {"AAIB_ROLE": role}
    if args[0] != "init":  # an administrator who is also chief and may notify
        env |= signed_in(db, "Chris Ode", "chief_investigator", "notifier", "lead", "administrator")
    return CliRunner(env=env).invoke(cli, ["--db", str(db), *args])


def notify(db: Path, workflow: Path | str, role: str = "notifier"):
    return run(
        db,
        "notify",
        "--title",
        "X",
        "--known-on",
        "2026-01-05",
        "--workflow",
        str(workflow),
        role=role,
    )


def test_a_forged_shipped_workflow_is_refused(keyed, tmp_path):
    """Also named child-protection v1, without its guards: refused in one line."""
    text = shipped_workflow_path("child-protection").read_text()
    forged = tmp_path / "child-protection.yaml"
    forged.write_text(text.replace("\ntitle: ", "\ntitle: Quick ", 1))
    before = dump(keyed)
    result = notify(keyed, forged)
    assert 1 == result.exit_code
    assert "is not the text shipped under that name and version" in result.output
    assert 1 == len(result.output.strip().splitlines())
    assert before == dump(keyed)
    registered = run(keyed, "workflow", "register", str(forged))
    assert 1 == registered.exit_code and "not the text shipped" in registered.output


def test_a_custom_workflow_needs_registration_and_keeps_its_text(keyed, tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI)
    refused = notify(keyed, path, role="lead")
    assert 1 == refused.exit_code
    assert f"is not registered in this database; admit it with 'aaib workflow register {path}'" in (
        refused.output
    )
    admitted = run(keyed, "workflow", "register", str(path), "--reason", "Board approval")
    assert 0 == admitted.exit_code, admitted.output
    assert admitted.output.startswith("Registered mini v1 (")
    assert "already registered" in run(keyed, "workflow", "register", str(path)).output
    assert 0 == notify(keyed, path, role="lead").exit_code
    with sqlite3.connect(keyed) as conn:
        (row,) = conn.execute("SELECT registered_by, role, reason, mac FROM workflow_registrations")
    assert ("Chris Ode", "administrator", "Board approval") == row[:3] and row[3]
    other = tmp_path / "mini-2.yaml"
    other.write_text(MINI.replace("Analysis", "Analysis of the case"))
    again = run(keyed, "workflow", "register", str(other))
    assert 1 == again.exit_code
    assert "differs from the text this database holds under that name and version" in again.output


def test_a_forged_registration_is_detected(keyed, tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(MINI)
    registered = aaib(keyed, "workflow", "register", str(path), "--reason", "trial")
    assert 0 == registered.returncode and registered.stdout.startswith("Registered mini v1")
    with sqlite3.connect(keyed) as conn:
        conn.execute("DROP TRIGGER workflow_registrations_no_update")
        conn.execute("UPDATE workflow_registrations SET registered_by = 'The Board'")
    found = aaib(keyed, "audit", "verify")
    assert 1 == found.returncode
    assert "workflow registration mini v1: not authenticated by the audit key" in found.stderr
    assert "schema: trigger workflow_registrations_no_update is missing" in found.stderr


def test_an_unkeyed_database_still_takes_variants():
    """A scratch database (Store.memory, tests) is not held to the rule."""
    from datetime import date

    from aaib_cp import Engine, Store
    from aaib_cp.workflow.definition import workflow_from_text

    engine = Engine(Store.memory())
    for text in (MINI, MINI.replace("Analysis", "Looking into it")):
        definition = workflow_from_text(text)
        engine.open_case(definition, title="X", known_on=date(2026, 1, 5), **as_role("A", "lead"))


def _wide(transitions: int) -> str:
    states = "".join(f"  s{i}: {{description: S{i}}}\n" for i in range(15))
    moves = "".join(
        f"  - trigger: t{i}\n    source: '*'\n    dest: s{i % 15}\n    roles: [lead]\n"
        for i in range(transitions)
    )
    return (
        "name: wide\nversion: 1\ninitial: s0\nterminal: [done]\nroles: [lead]\n"
        f"states:\n{states}  done: {{description: Done}}\ntransitions:\n"
        "  - trigger: finish\n    source: s0\n    dest: done\n    roles: [lead]\n" + moves
    )


def test_expansion_past_the_bound_is_refused_at_validation(tmp_path):
    """3,000 wildcard transitions over 15 states: refused quickly, naming file and line."""
    path = tmp_path / "wide.yaml"
    path.write_text(_wide(3_000))
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["workflow", "validate", str(path)])
    assert time.perf_counter() - started < 20
    assert 1 == result.exit_code
    first = result.output.splitlines()[0]
    assert first.startswith(f"{path}:23:1: transitions: expands to 42001 transitions")
    assert f"more than the limit of {MAX_EXPANDED_TRANSITIONS}" in first


def test_expansion_within_the_bound_is_accepted(tmp_path):
    path = tmp_path / "wide.yaml"
    path.write_text(_wide(100))
    assert 0 == CliRunner().invoke(cli, ["workflow", "validate", str(path)]).exit_code


def test_verify_builds_each_machine_once(monkeypatch):
    """Compiled machines are cached by content hash: verifying many cases builds one."""
    from datetime import date

    from aaib_cp import Engine, Store, load_workflow
    from aaib_cp.oversight import verify
    from aaib_cp.workflow import machine

    engine = Engine(Store.memory())
    workflow = load_workflow("child-protection")
    for i in range(5):
        case = engine.open_case(
            workflow, title=f"C{i}", known_on=date(2026, 1, 5), **as_role("A", "notifier")
        )
        engine.fire(case.id, "start_triage", **as_role("C", "chief_investigator"))
    built = []
    original = machine.CompiledWorkflow.__init__

    def counting(self, definition, *args, **kwargs):
        built.append(definition.content_hash)
        original(self, definition, *args, **kwargs)

    monkeypatch.setattr(machine.CompiledWorkflow, "__init__", counting)
    fresh = Engine(engine.store)
    assert verify(fresh).intact
    assert 1 == len(built)
