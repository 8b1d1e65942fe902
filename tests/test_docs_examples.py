"""The console examples of bulk import, --ics and the SQLite export run and print what the
docs say, in a real shell."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.people import signed_env, signed_in

_CONSOLE = re.compile(r"^```console\n(.*?)^```$", re.S | re.M)
_CSV = re.compile(r"^```csv\n(.*?)^```$", re.S | re.M)


def console_blocks(text: str) -> list[list[tuple[str, str]]]:
    """Every ```console block of ``text`` as (command, expected output) pairs; a command
    continued with a backslash is joined into one line."""
    blocks = []
    for block in _CONSOLE.findall(text):
        pairs: list[tuple[str, str]] = []
        lines = block.splitlines()
        while lines:
            command = lines.pop(0).removeprefix("$ ")
            while command.endswith("\\"):
                command = command[:-1] + lines.pop(0).strip()
            output = []
            while lines and not lines[0].startswith("$ "):
                output.append(lines.pop(0))
            pairs.append((command, "\n".join(output)))
        blocks.append(pairs)
    return blocks


def examples(page: str, *wanted: str) -> list[list[tuple[str, str]]]:
    """The ```console blocks of ``page`` holding any of ``wanted``, as (command, output) pairs."""
    text = (REPO / "docs" / page).read_text()
    blocks = [b for b in console_blocks(text) if any(w in c for w in wanted for c, _ in b)]
    assert blocks, f"no example in docs/{page} shows {wanted}"
    return blocks


def csv_files(page: str) -> dict[str, str]:
    """The ```csv blocks of ``page`` by their header row."""
    found = _CSV.findall((REPO / "docs" / page).read_text())
    return {text.splitlines()[0]: text for text in found}


def shell(command: str, cwd: Path, **env: str) -> str:
    """Run ``command`` in bash with this interpreter's ``aaib`` first on PATH."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AAIB_", "COLUMNS"))}
    path = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
    named = re.search(r"--actor (\w+) ", command)
    if named:  # the person acting signs in (a real token), as the docs' readers do
        command = command.replace(named.group(0), "")
        role = re.search(r"--role (\w+)", command)
        env = {
            **env,
            "AAIB_ACTOR": named.group(1),
            **({"AAIB_ROLE": role.group(1)} if role else {}),
        }
    db = cwd / env.get("AAIB_DB", "aaib.db")
    env = {k: v for k, v in signed_env(db, env).items() if v is not None}
    env.setdefault("AAIB_CONFIG_DIR", str(cwd / ".config"))
    result = subprocess.run(
        ["bash", "-c", command], cwd=cwd, env={**base, "PATH": path, "AAIB_SYNCHRONOUS": "OFF",
                                               **env},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return (result.stdout + result.stderr).rstrip("\n")


def check(blocks: list[list[tuple[str, str]]], cwd: Path, **env: str) -> None:
    for block in blocks:
        for command, expected in block:
            assert expected == shell(command, cwd, **env), command


def test_bulk_import_examples(tmp_path):
    """docs/chronology.md: agency import, person import and chronology import --map."""
    files = csv_files("chronology.md")
    (tmp_path / "agencies.csv").write_text(files["name,kind"])
    (tmp_path / "people.csv").write_text(files["name,role,agency,date_of_birth,address"])
    (tmp_path / "police.csv").write_text(files["Date,Event,Key practice episode,Notes"])
    chief = {"AAIB_ACTOR": "Chris", "AAIB_ROLE": "chief_investigator"}
    for command in (
        "aaib init --admin root",
        "aaib --actor Ana --role notifier notify --title 'Child A' --known-on 2026-01-05",
        "aaib advance CP-2026-0001 start_triage",
        "aaib advance CP-2026-0001 decide_investigate --set classification=serious_harm "
        "--set depth=field --reason r",
    ):
        shell(command, tmp_path, **chief)
    signed_in(tmp_path / "aaib.db", "Lee")  # Lee has an account (and has declared none)
    shell("aaib team appoint CP-2026-0001 lee --as lead_investigator", tmp_path, **chief)
    lead = {"AAIB_ACTOR": "Lee", "AAIB_ROLE": "lead_investigator"}
    shell("aaib advance CP-2026-0001 agree_scope --set terms_of_reference=t", tmp_path, **lead)
    check(examples("chronology.md", "agency import"), tmp_path, **lead)
    check(examples("chronology.md", "person import"), tmp_path, **lead)
    check(examples("chronology.md", "--map"), tmp_path, **lead)


def test_ics_example(tmp_path):
    """docs/deadlines.md: deadlines --ics, twice, over three open cases."""
    shell("aaib init --admin root", tmp_path)
    for n in range(3):
        notify = f"notify --title 'Child {n}' --known-on 2026-03-0{n + 1}"
        shell(f"aaib --actor Ana --role notifier {notify}", tmp_path)
    check(examples("deadlines.md", "--ics"), tmp_path)


def test_sqlite_export_example(tmp_path):
    """docs/learning.md: export --public --format sqlite over the demo."""
    shell("aaib demo", tmp_path)
    check(examples("learning.md", "--format sqlite"), tmp_path, AAIB_DB="aaib-demo.db")


def test_remind_example(tmp_path):
    """docs/deadlines.md: aaib remind, dry run then twice, to a mail server on loopback;
    the e-mail received is the one the page shows."""
    from tests.smtp_helpers import PASSWORD, mail_server

    page = (REPO / "docs" / "deadlines.md").read_text()
    [settings] = re.findall(r"^```toml\n(\[smtp\].*?)^```$", page, re.S | re.M)
    [mail] = re.findall(r"^```text\n(Dear .*?)^```$", page, re.S | re.M)
    shell("aaib init --admin root", tmp_path)
    for command in (
        "aaib user add chris.ode --name 'Chris Ode' --email chris.ode@example.org"
        " --grant chief_investigator",
        "aaib user add ola.berg --name 'Ola Berg' --grant chief_investigator",
    ):
        shell(command, tmp_path)
    for title, known in (("Child A", "2026-03-02"), ("Child B", "2026-02-20")):
        notify = f"notify --title '{title}' --known-on {known}"
        shell(f"aaib --actor Ana --role notifier {notify}", tmp_path)
    with mail_server() as sink:
        config = tmp_path / ".config"
        (config / "smtp.toml").write_text(re.sub(r"port = \d+", f"port = {sink.port}", settings))
        (config / "smtp-password").write_text(PASSWORD + "\n")
        (config / "smtp-password").chmod(0o600)
        check(examples("deadlines.md", "aaib remind"), tmp_path)
        [message] = sink.messages
    assert message.get_payload(decode=True).decode().replace("\r\n", "\n") == mail
