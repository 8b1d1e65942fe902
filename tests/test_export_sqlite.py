"""aaib export --public --format sqlite: typed columns, Datasette metadata, replace not double."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp.cli import cli
from aaib_cp.learning.sql_dataset import TABLES


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "aaib-demo.db"
    result = CliRunner().invoke(cli, ["demo", "--db", str(path)], env={"AAIB_SYNCHRONOUS": "OFF"})
    assert 0 == result.exit_code, result.output
    return path


def export(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), "export", "--public", *args])


def rows(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


class TestSqlite:
    def test_typed_columns(self, demo_db, tmp_path):
        """Booleans are 0/1 integers, counts integers, dates ISO text; keys are primary keys."""
        target = tmp_path / "national.db"
        result = export(demo_db, "--format", "sqlite", str(target))
        assert 0 == result.exit_code, result.output
        assert {("integer",)} == set(rows(target, "SELECT typeof(key_episode) FROM chronology"))
        assert {0, 1} >= {r[0] for r in rows(target, "SELECT key_episode FROM chronology")}
        assert {("integer",)} == set(rows(target, "SELECT typeof(n) FROM responses"))
        for (opened,) in rows(target, "SELECT opened_on FROM cases"):
            assert len(opened) == 10 and opened[4] == "-"
        declared = {
            (table, c[1]): c[2]
            for table in TABLES
            for c in rows(target, f"PRAGMA table_info('{table}')")
        }
        assert "INTEGER" == declared[("chronology", "key_episode")]
        assert "TEXT" == declared[("cases", "opened_on")]
        counts = {t: rows(target, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}
        assert (
            counts
            == json.loads(
                export(demo_db, "--format", "sqlite", str(tmp_path / "b.db"), "--json").output
            )["rows"]
        )

    def test_re_export_replaces(self, demo_db, tmp_path):
        """Exporting twice to the same file gives the same rows, not twice as many."""
        target = tmp_path / "national.db"
        export(demo_db, "--format", "sqlite", str(target))
        first = rows(target, "SELECT * FROM chronology ORDER BY ref")
        result = export(demo_db, "--format", "sqlite", "-o", str(target))
        assert 0 == result.exit_code, result.output
        assert first == rows(target, "SELECT * FROM chronology ORDER BY ref")
        assert [] == [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]

    def test_never_replaces_another_database(self, demo_db, tmp_path):
        """Pointed at the restricted database (or any other file), the export refuses."""
        copy = tmp_path / "aaib.db"
        shutil.copy(demo_db, copy)
        before = copy.read_bytes()
        result = export(demo_db, "--format", "sqlite", str(copy))
        assert 1 == result.exit_code
        assert "is not a dataset written by 'aaib export --format sqlite'" in result.output
        assert before == copy.read_bytes()
        (tmp_path / "notes.txt").write_text("mine")
        assert 1 == export(demo_db, "--format", "sqlite", str(tmp_path / "notes.txt")).exit_code
        assert "mine" == (tmp_path / "notes.txt").read_text()

    def test_metadata(self, demo_db, tmp_path):
        """The metadata names the title, licence and source and describes every table."""
        export(demo_db, "--format", "sqlite", str(tmp_path / "national.db"))
        meta = json.loads((tmp_path / "national.metadata.json").read_text())
        assert {"title", "description", "license", "license_url", "source"} <= meta.keys()
        tables = meta["databases"]["national"]["tables"]
        assert set(TABLES) == set(tables)
        for name, table in tables.items():
            assert table["description"]
            assert {
                c[1] for c in rows(tmp_path / "national.db", f"PRAGMA table_info('{name}')")
            } == (set(table["columns"]))

    def test_output_once(self, demo_db, tmp_path):
        """OUTPUT and -o together, or neither, is a usage error."""
        assert 2 == export(demo_db, "--format", "sqlite").exit_code
        both = export(demo_db, "--format", "sqlite", "a.db", "-o", str(tmp_path / "b.db"))
        assert 2 == both.exit_code


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_datasette_serves_the_export(demo_db, tmp_path):
    """In real processes: export, then datasette on loopback serves a table as typed JSON."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AAIB_")}
    result = subprocess.run(
        [sys.executable, "-m", "aaib_cp", "--db", str(demo_db), "export", "--public",
         "--format", "sqlite", "national.db"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert 0 == result.returncode, result.stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "datasette", "serve", "national.db", "-m", "national.metadata.json",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/national/chronology.json?_shape=array"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    data = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert rows(tmp_path / "national.db", "SELECT count(*) FROM chronology")[0][0] == len(data)
        assert all(row["key_episode"] in (0, 1) for row in data)
        meta_url = f"http://127.0.0.1:{port}/-/metadata.json"
        with urllib.request.urlopen(meta_url, timeout=5) as response:
            assert "Open Government Licence v3.0" == json.loads(response.read())["license"]
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()
