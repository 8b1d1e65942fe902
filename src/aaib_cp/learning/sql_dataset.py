"""The public dataset as one SQLite file with typed columns, and its Datasette metadata.

Each record type is a table whose columns have SQLite types: dates as ISO 8601 text,
yes/no values as integers (0 or 1), counts as integers. The file is written under a
temporary name and renamed over the target, so a re-export replaces the dataset (never
adds to it) and a failed one leaves the old file. A file this module wrote carries
:data:`APPLICATION_ID`; any other existing file is refused rather than replaced.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlite_utils

from aaib_cp.exceptions import InputError

__all__ = ["APPLICATION_ID", "TABLES", "datasette_metadata", "write_dataset"]

#: ``PRAGMA application_id`` of a dataset file ("aaib" in ASCII).
APPLICATION_ID = 0x61616962

#: table -> (description, primary key, {column: (SQLite type, description)}).
TABLES: dict[str, tuple[str, tuple[str, ...], dict[str, tuple[type, str]]]] = {
    "cases": (
        "One row per published case.",
        ("case_id",),
        {
            "case_id": (str, "The case reference, e.g. CP-2026-0001"),
            "title": (str, "The case's title (a pseudonym such as 'Child A')"),
            "workflow": (str, "The workflow the investigation followed"),
            "workflow_version": (str, "That workflow's version"),
            "state": (str, "Where the case is now, e.g. closed"),
            "opened_on": (str, "The day the case was opened (ISO 8601 date)"),
            "occurrence": (str, "child_death, serious_harm or other"),
            "depth": (str, "The depth of investigation decided at triage"),
        },
    ),
    "people": (
        "The people involved, by pseudonym only.",
        ("case_id", "pseudonym"),
        {
            "case_id": (str, "The case"),
            "pseudonym": (str, "e.g. Child A, Social Worker 1"),
            "role": (str, "e.g. child, social_worker"),
            "agency": (str, "The agency they work for, if any"),
        },
    ),
    "chronology": (
        "The integrated multi-agency chronology, anonymised.",
        ("case_id", "ref"),
        {
            "case_id": (str, "The case"),
            "ref": (str, "The entry, e.g. C1"),
            "when": (str, "ISO 8601: a day, a month (YYYY-MM), a year, or a day and time"),
            "agency": (str, "The agency whose record this is"),
            "people": (str, "Pseudonyms of the people involved, separated by '; '"),
            "what": (str, "What happened"),
            "key_episode": (int, "1 if this is a key practice episode, else 0"),
        },
    ),
    "acts": (
        "Acts and omissions examined by the analysis.",
        ("case_id", "ref"),
        {
            "case_id": (str, "The case"),
            "ref": (str, "The act, e.g. A1"),
            "kind": (str, "act or omission"),
            "person": (str, "The pseudonym of who acted, if one person"),
            "when": (str, "ISO 8601 date"),
            "description": (str, "What was done or not done"),
        },
    ),
    "factors": (
        "Contributory factors, coded with a human-factors taxonomy.",
        ("case_id", "ref"),
        {
            "case_id": (str, "The case"),
            "ref": (str, "The factor, e.g. CF1"),
            "code": (str, "The taxonomy code, e.g. ORG.CASELOAD"),
            "level": (str, "The taxonomy level"),
            "label": (str, "The code's label"),
            "taxonomy": (str, "The taxonomy, e.g. hfacs-cp"),
            "note": (str, "What the investigators found"),
            "acts": (str, "The acts it contributed to, separated by ', '"),
        },
    ),
    "findings": (
        "The findings of each report.",
        ("case_id", "ref"),
        {
            "case_id": (str, "The case"),
            "ref": (str, "The finding, e.g. F1"),
            "kind": (str, "The kind of finding"),
            "text": (str, "The finding"),
            "acts": (str, "Acts it rests on"),
            "factors": (str, "Factors it rests on"),
        },
    ),
    "recommendations": (
        "Safety recommendations and where they stand.",
        ("case_id", "ref"),
        {
            "case_id": (str, "The case"),
            "ref": (str, "The recommendation, e.g. CP-2026-0001-SR01"),
            "addressee": (str, "Who must answer"),
            "text": (str, "The recommendation"),
            "priority": (str, "normal or urgent"),
            "status": (str, "open or closed"),
            "grade": (str, "The latest assessment of the response"),
        },
    ),
    "responses": (
        "The addressees' responses and their assessment.",
        ("case_id", "recommendation", "n"),
        {
            "case_id": (str, "The case"),
            "recommendation": (str, "The recommendation answered"),
            "n": (int, "1 for the first response, 2 for the next, ..."),
            "text": (str, "The response"),
            "received_on": (str, "ISO 8601 date"),
            "grade": (str, "adequate, partially_adequate or not_adequate"),
            "assessed_on": (str, "ISO 8601 date"),
        },
    ),
}


def _value(kind: type, value: Any) -> Any:
    """``value`` as the column's type: 0/1 or a count for int, ISO text for dates."""
    if value is None or value == "":
        return None
    if kind is int:
        if isinstance(value, str):
            text = value.strip().lower()
            return {"true": 1, "yes": 1, "false": 0, "no": 0}.get(text) or int(text)
        return int(value)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _check_replaceable(target: Path) -> None:
    """Refuse to replace anything but an earlier dataset file."""
    if not target.exists():
        return
    try:
        con = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            found = con.execute("PRAGMA application_id").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError:
        found = None
    if found != APPLICATION_ID:
        raise InputError(
            f"export: {target} exists and is not a dataset written by 'aaib export "
            "--format sqlite'; it is left alone (choose another file name)"
        )


def write_dataset(target: str | Path, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Write ``tables`` (as from ``Learning.public_dataset``) to the SQLite file ``target``."""
    target = Path(target)
    _check_replaceable(target)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    try:
        db = sqlite_utils.Database(staging)
        try:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            for name, (_, pk, columns) in TABLES.items():
                table = db.table(name)
                table.create(
                    {column: kind for column, (kind, _) in columns.items()},
                    pk=pk[0] if len(pk) == 1 else pk,
                    not_null=set(pk),
                )
                table.insert_all(
                    (
                        {c: _value(kind, row.get(c)) for c, (kind, _) in columns.items()}
                        for row in tables.get(name, [])
                    ),
                    batch_size=500,
                )
        finally:
            db.close()
        os.replace(staging, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def datasette_metadata(
    database: str, *, licence: str, licence_url: str | None, source: str
) -> dict[str, Any]:
    """Datasette's ``metadata.json`` for the dataset file whose stem is ``database``."""
    return {
        "title": "Child-protection safety investigations: public dataset",
        "description": (
            "The anonymised records of every published investigation: cases, people by "
            "pseudonym, the chronology, acts, contributory factors, findings, safety "
            "recommendations and the responses to them. No real name, date of birth or "
            "address is included."
        ),
        "license": licence,
        **({"license_url": licence_url} if licence_url else {}),
        "source": source,
        "databases": {
            database: {
                "tables": {
                    name: {
                        "description": description,
                        "columns": {c: text for c, (_, text) in columns.items()},
                    }
                    for name, (description, _, columns) in TABLES.items()
                }
            }
        },
    }
