"""The safe-files rules as a library: round trips, nothing published on failure, private modes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aaib_cp.exceptions import InputError
from aaib_cp.workflow import safe_files
from aaib_cp.workflow.safe_files import (
    publish_directory,
    read_input,
    staged_output,
    write_output,
)

FOLDER_FIXTURE = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@FOLDER_FIXTURE
@given(data=st.binary(max_size=4096))
def test_write_then_read_round_trip(tmp_path: Path, data: bytes) -> None:
    """What is written is read back exactly, the new file is 0600, no temporary file stays."""
    target = tmp_path / "out.bin"
    target.unlink(missing_ok=True)
    write_output(target, data)
    assert data == read_input(target, what="input", limit=4096)
    assert 0o600 == stat.S_IMODE(target.stat().st_mode)
    assert ["out.bin"] == sorted(p.name for p in tmp_path.iterdir())


@FOLDER_FIXTURE
@given(size=st.integers(min_value=0, max_value=64), limit=st.integers(min_value=0, max_value=64))
def test_limit_is_exact(tmp_path: Path, size: int, limit: int) -> None:
    """A file of at most ``limit`` bytes is read; one byte more is refused."""
    source = tmp_path / "in.bin"
    source.write_bytes(b"x" * size)
    if size <= limit:
        assert size == len(read_input(source, what="input", limit=limit))
    else:
        with pytest.raises(InputError, match=f"is larger than {limit} bytes; refused"):
            read_input(source, what="input", limit=limit)


def test_unpublished_output_changes_nothing(tmp_path: Path) -> None:
    """A staged output left unpublished (an error, a refusal) leaves the old file alone."""
    target = tmp_path / "report.html"
    target.write_text("old")
    with pytest.raises(RuntimeError), staged_output(target) as out:
        out.write(b"new")
        raise RuntimeError("a check failed")
    assert "old" == target.read_text()
    assert ["report.html"] == sorted(p.name for p in tmp_path.iterdir())


def test_existing_file_is_not_replaced_when_asked(tmp_path: Path) -> None:
    """``overwrite=False`` refuses an existing file (evidence export)."""
    target = tmp_path / "copy.pdf"
    target.write_text("mine")
    with pytest.raises(InputError, match="already exists; choose another name"):
        write_output(target, b"theirs", overwrite=False)
    assert "mine" == target.read_text()


def test_failed_directory_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    """If the second file of an export fails, no folder and no staging folder remain."""
    real = safe_files.write_output
    calls = []

    def second_fails(path, data, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise InputError("export: cannot write (the disk is full)")
        return real(path, data, **kwargs)

    monkeypatch.setattr(safe_files, "write_output", second_fails)
    with pytest.raises(InputError, match="the disk is full"):
        publish_directory(tmp_path / "out", {"a.csv": b"1", "b.csv": b"2"}, what="export")
    assert [] == list(tmp_path.iterdir())
