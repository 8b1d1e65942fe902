"""Files named by a user: read only regular files, within a bound; replace only regular files.

The rules (docs/reliability.md, "Files and operating-system errors"):

- An input (a CSV import, a workflow, taxonomy or decision-tree file, an evidence
  source) must be a regular file. It is opened without blocking, so a FIFO cannot
  hang the command, checked with ``fstat`` on the open descriptor (a symlink to
  ``/dev/zero`` is a character device), and read with a size bound before memory is
  spent. Files under ``/proc``, ``/sys`` and ``/dev`` are refused, wherever a
  symlink or bind mount makes them appear.
- An output goes to a temporary file in the same folder, is flushed to disk, and is
  renamed over the target with :func:`os.replace`, so a reader sees the old file or
  the new one, never half of one. Only a missing name or a regular file is replaced:
  a device (``/dev/null``), FIFO, socket, folder or symbolic link is refused.
- New files are private: ``0600`` (folders ``0700``). A regular file that is replaced
  keeps its permission bits.

Every refusal and every operating-system failure is an :class:`InputError` of one
line naming the file and the problem.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from aaib_cp.exceptions import InputError

__all__ = [
    "PRIVATE_DIR",
    "PRIVATE_FILE",
    "InputRefused",
    "StagedOutput",
    "check_new_directory",
    "file_kind",
    "open_input",
    "publish_directory",
    "read_input",
    "staged_output",
    "write_output",
]

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
#: Evidence is never taken from these pseudo-file systems (process memory, kernel state, devices).
SYSTEM_ROOTS = ("/proc", "/sys", "/dev")
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


def file_kind(mode: int) -> str:
    """What a ``st_mode`` describes, in words: ``a regular file``, ``a FIFO (named pipe)`` ..."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def _problem(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or str(exc)


def _under_system_root(path: Path, fd: int) -> bool:
    real = os.path.realpath(path)
    if any(real == root or real.startswith(root + "/") for root in SYSTEM_ROOTS):
        return True
    device = os.fstat(fd).st_dev
    for root in SYSTEM_ROOTS:
        with contextlib.suppress(OSError):
            if os.stat(root).st_dev == device:
                return True
    return False


class InputRefused(InputError):
    """An input file that cannot be used: ``what: path: problem``, on one line."""

    def __init__(self, what: str, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{what}: {path}: {problem}")


@contextlib.contextmanager
def open_input(path: str | Path, *, what: str, limit: int) -> Iterator[BinaryIO]:
    """Open a user's input file for reading, refusing anything but a regular file.

    ``limit`` is the largest size accepted (bytes). Files under ``/proc``, ``/sys``
    and ``/dev`` are refused too (``/proc/self/environ`` is a "regular" file).
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputRefused(what, path, "does not exist") from None
    except OSError as exc:
        raise InputRefused(what, path, f"cannot be read ({_problem(exc)})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = file_kind(info.st_mode)
            raise InputRefused(what, path, f"is {kind}, not a regular file; refused")
        if _under_system_root(Path(path), fd):
            raise InputRefused(what, path, "is a system file (/proc, /sys or /dev); refused")
        if info.st_size > limit:
            raise InputRefused(what, path, f"is larger than {limit} bytes; refused")
        os.set_blocking(fd, True)
        stream = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with stream:
        yield stream


def read_input(path: str | Path, *, what: str, limit: int) -> bytes:
    """The bytes of a user's input file: a regular file of at most ``limit`` bytes."""
    with open_input(path, what=what, limit=limit) as stream:
        try:
            data = stream.read(limit + 1)
        except OSError as exc:
            raise InputRefused(what, path, f"cannot be read ({_problem(exc)})") from None
    if len(data) > limit:  # it grew, or reported no size (as /proc files do)
        raise InputRefused(what, path, f"is larger than {limit} bytes; refused")
    return data


def _check_target(target: Path, *, what: str, overwrite: bool) -> os.stat_result | None:
    """The target's status if it is a regular file to replace; None if it does not exist."""
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        folder = target.parent
        if not folder.is_dir():
            raise InputError(f"{what}: folder {folder} does not exist") from None
        return None
    except OSError as exc:
        raise InputError(f"{what}: cannot write {target} ({_problem(exc)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{what}: {target} is a folder; give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"{what}: {target} is {file_kind(info.st_mode)}, not a regular file; "
            "only a regular file is ever replaced"
        )
    if not overwrite:
        raise InputError(f"{what}: {target} already exists; choose another name")
    return info


class StagedOutput:
    """An output written to a temporary file beside its target, published by :meth:`publish`."""

    def __init__(self, target: Path, *, what: str, overwrite: bool) -> None:
        self.target = target
        self.what = what
        self.overwrite = overwrite
        existing = _check_target(target, what=what, overwrite=overwrite)
        self.mode = stat.S_IMODE(existing.st_mode) if existing is not None else PRIVATE_FILE
        folder = target.parent
        try:
            fd, name = tempfile.mkstemp(prefix=".aaib-", suffix=".part", dir=folder)
        except OSError as exc:
            raise InputError(f"{what}: cannot write in {folder} ({_problem(exc)})") from None
        self.temp = Path(name)
        self._fd: int | None = fd
        self.size = 0

    def _fail(self, exc: OSError) -> InputError:
        return InputError(f"{self.what}: cannot write {self.target} ({_problem(exc)})")

    def write(self, data: bytes) -> None:
        """Append ``data`` to the temporary file."""
        assert self._fd is not None, "already published"
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError as exc:
            raise self._fail(exc) from None
        self.size += len(data)

    def publish(self) -> Path:
        """Flush to disk and rename over the target (which is checked again first)."""
        assert self._fd is not None, "already published"
        try:
            os.fchmod(self._fd, self.mode)
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None
            _check_target(self.target, what=self.what, overwrite=self.overwrite)
            if self.overwrite:
                os.replace(self.temp, self.target)
            else:
                os.link(self.temp, self.target)  # fails, rather than replaces, if it exists
                self.temp.unlink()
        except OSError as exc:
            raise self._fail(exc) from None
        _sync_folder(self.target.parent)
        return self.target

    def discard(self) -> None:
        """Remove the temporary file (nothing is published)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self.temp.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def staged_output(
    path: str | Path, *, what: str = "output", overwrite: bool = True
) -> Iterator[StagedOutput]:
    """A :class:`StagedOutput` for ``path``; unless published inside the block, nothing is."""
    staged = StagedOutput(Path(path), what=what, overwrite=overwrite)
    try:
        yield staged
    finally:
        staged.discard()


def write_output(
    path: str | Path, data: bytes, *, what: str = "output", overwrite: bool = True
) -> Path:
    """Write ``data`` to ``path`` by temporary file and atomic rename; returns the path."""
    with staged_output(path, what=what, overwrite=overwrite) as out:
        out.write(data)
        return out.publish()


def check_new_directory(path: str | Path, *, what: str) -> bool:
    """Refuse ``path`` unless it is missing or an empty folder (not a symlink to one).

    Returns whether it exists.
    """
    target = Path(path)
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise InputError(f"{what}: cannot write {target} ({_problem(exc)})") from None
    if stat.S_ISDIR(info.st_mode):
        if not any(target.iterdir()):
            return True
        kind = "a folder that is not empty"
    else:
        kind = file_kind(info.st_mode)
    raise InputError(f"{what}: {target} already exists and is {kind}; give a new or empty folder")


def publish_directory(path: str | Path, files: Mapping[str, bytes], *, what: str) -> Path:
    """Write ``files`` into a new folder at ``path`` (missing or an empty folder), all or none.

    The files go into a private temporary folder beside ``path``, which is renamed
    into place, so a failure leaves nothing behind.
    """
    target = Path(path)
    exists = check_new_directory(target, what=what)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        staging = Path(tempfile.mkdtemp(prefix=".aaib-", dir=folder))
    except OSError as exc:
        raise InputError(f"{what}: cannot write in {folder} ({_problem(exc)})") from None
    try:
        for name, data in files.items():
            write_output(staging / name, data, what=what)
        if exists:
            target.rmdir()
        os.replace(staging, target)
    except OSError as exc:
        raise InputError(f"{what}: cannot write {target} ({_problem(exc)})") from None
    finally:
        if staging.exists():
            for child in staging.iterdir():
                child.unlink()
            staging.rmdir()
    _sync_folder(folder)
    return target
