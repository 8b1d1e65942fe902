"""`aaib serve` as a real process: it listens, answers, and stops cleanly."""

from __future__ import annotations

import signal

import httpx2 as httpx
from click.testing import CliRunner

from aaib_cp.cli import cli
from tests.web_support import PASSWORD, csrf_of, make_site, start_serving


def test_serve_answers_and_stops_cleanly(tmp_path):
    """Sign in over real HTTP against `aaib serve --workers 2`, then SIGINT: exit 0."""
    db, case_id = make_site(tmp_path)
    process, base = start_serving(db, "--workers", "2")
    port = base.rsplit(":", 1)[1]
    try:
        with httpx.Client(base_url=base) as client:
            page = client.get("/sign-in")
            signed = client.post(
                "/sign-in",
                data={"login": "lee.park", "password": PASSWORD, "csrf": csrf_of(page.text)},
                follow_redirects=True,
            )
            assert case_id in signed.text
            assert case_id in client.get(f"/cases/{case_id}").text  # either worker knows it
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert 0 == process.returncode, stderr
    assert "Traceback" not in stderr
    assert f"Serving {db} on http://127.0.0.1:{port}/ (2 worker(s))" in stderr
    assert (tmp_path / "site.db.web-secret").stat().st_mode & 0o077 == 0


def test_serve_refuses_a_missing_database(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "none.db"), "serve"])
    assert 1 == result.exit_code
    assert f"Error: {tmp_path / 'none.db'}: no such database (run 'aaib init' first)\n" == (
        result.output
    )


def test_serve_help_has_an_example():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert 0 == result.exit_code
    assert "aaib --db investigations.db serve --port 8000 --workers 2" in result.output
