"""The validated copy of each stored workflow (JSON beside its YAML): equal, trusted, current."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from aaib_cp import Engine, Store, load_workflow
from aaib_cp.db.keys import key_dir_for
from aaib_cp.workflow.definition import shipped_workflows
from aaib_cp.workflow.spec_json import SPEC_FORMAT, definition_from_json, definition_to_json
from tests.file_helpers import ok


@pytest.mark.parametrize("name", shipped_workflows())
def test_every_shipped_workflow_comes_back_equal(name):
    """Written and read back, a shipped workflow is the one validated from its YAML."""
    definition = load_workflow(name)
    again = definition_from_json(
        definition_to_json(definition),
        content_hash=definition.content_hash,
        source_text=definition.source_text,
        filename=definition.filename,
    )
    assert again == definition
    for name in type(definition)._fields:  # the same types too (tuples stay tuples)
        assert repr(getattr(again, name)) == repr(getattr(definition, name))


def test_another_format_or_hash_is_not_read():
    definition = load_workflow("rapid-review")
    text = definition_to_json(definition)
    where = {"source_text": definition.source_text, "filename": definition.filename}
    assert definition_from_json(text, content_hash="0" * 64, **where) is None
    older = text.replace(SPEC_FORMAT, "aaib-cp workflow spec 0")
    assert definition_from_json(older, content_hash=definition.content_hash, **where) is None
    assert definition_from_json("{", content_hash=definition.content_hash, **where) is None


@pytest.fixture
def keyed_db(tmp_path: Path) -> tuple[Path, str]:
    """A keyed database (``aaib init``) with one case."""
    db = tmp_path / "cases.db"
    ok(db, "init")
    case = ok(
        db, "--actor", "Ana", "--role", "notifier", "notify", "--title", "Child A",
        "--known-on", "2026-01-05",
    ).strip()  # fmt: skip
    assert key_dir_for(db).is_dir()
    return db, case


def _spec_rows(db: Path) -> list[tuple[str | None, str | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT spec_json, spec_mac FROM workflows").fetchall()


def _edit_spec(db: Path, old: str, new: str) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE workflows SET spec_json = replace(spec_json, ?, ?)", [old, new])
    conn.close()
    assert all(new in spec for spec, _ in _spec_rows(db))


def test_a_stored_workflow_keeps_an_authenticated_copy(keyed_db):
    db, _ = keyed_db
    [(spec, mac)] = _spec_rows(db)
    assert spec and SPEC_FORMAT in spec
    assert mac


def test_reading_a_case_parses_no_yaml(keyed_db):
    """`aaib status` in a fresh process loads the workflow without YAML or any phase."""
    db, case = keyed_db
    code = (
        "import sys\n"
        "from aaib_cp.cli import main\n"
        "sys.argv = ['aaib', '--db', sys.argv[1], 'status', sys.argv[2]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(sorted(sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(db), case], capture_output=True, text=True, check=True
    ).stdout
    assert "triggers:" in out
    for name in ("yaml", "aaib_cp.workflow.parse", "transitions", "aaib_cp.evidence"):
        assert f"'{name}" not in out, name
    for name in _NOT_READ:
        assert f"'{name}'" not in out, name


#: What reading a case (``aaib status``) must not import: attrs (the kernel's records are
#: plain, :mod:`aaib_cp.workflow.record`) and standard modules only a mistake or a write needs.
_NOT_READ = ("attrs", "attr", "difflib", "calendar", "secrets", "email", "dateutil", "holidays")


def test_a_guard_fact_is_read_without_the_phase_records():
    """The evidence guards' facts (an `aaib status` in `evidence`) import no records nor attrs."""
    code = (
        "import sys\n"
        "import aaib_cp.wiring\n"
        "from aaib_cp.db.facts import FACTS\n"
        "assert FACTS.get('agency_names') is not None\n"
        "print(sorted(sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "'aaib_cp.evidence.sql_facts'" in out.stdout
    for name in ("aaib_cp.evidence.model", "aaib_cp.evidence.sql", "attrs", "attr"):
        assert f"'{name}'" not in out.stdout, name


def test_a_copy_edited_without_the_key_is_not_used(keyed_db):
    """An edit of the copy (not of the YAML) is ignored: the YAML is validated instead."""
    db, case = keyed_db
    original = load_workflow("child-protection").states["notification"].description
    _edit_spec(db, original, "Tampered.")
    with Store.open(db, readonly=True) as store:
        definition = Engine(store).definition_for(Engine(store).get(case))
    assert definition.states["notification"].description == original


def test_an_unreadable_copy_falls_back_to_the_yaml(keyed_db):
    db, case = keyed_db
    _edit_spec(db, SPEC_FORMAT, "aaib-cp workflow spec 0")  # another aaib-cp's layout
    with Store.open(db, readonly=True) as store:
        engine = Engine(store)
        assert engine.definition_for(engine.get(case)) == load_workflow("child-protection")


def test_the_migration_writes_the_copy_of_workflows_stored_before_it(keyed_db):
    db, case = keyed_db
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("ALTER TABLE workflows DROP COLUMN spec_json")
        conn.execute("ALTER TABLE workflows DROP COLUMN spec_mac")
        conn.execute("DELETE FROM schema_migrations WHERE name = 'workflow_spec_0001'")
    conn.close()
    with Store.open(db, readonly=True) as store:
        assert "workflow_spec_0001" in store.db.applied_now
        engine = Engine(store)
        assert engine.definition_for(engine.get(case)) == load_workflow("child-protection")
    [(spec, mac)] = _spec_rows(db)
    assert spec and mac
