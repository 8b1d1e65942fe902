"""Run aaib commands on a really full file system (for tests/test_os_errors.py).

Run as root inside a private mount namespace (``unshare -m python disk_full_worker.py
SOURCE_DB WORK_DIR SPARE COMMANDS_JSON``): it mounts a small tmpfs on WORK_DIR, copies
the database and its evidence there, fills the file system to the last byte, frees
SPARE bytes again (room to open the database, not to write much), runs each
command and prints, as JSON, each command's exit code and stderr, with a logical
dump of the database before and after.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.file_helpers import dump


def fill(folder: Path) -> None:
    """Write until the file system refuses another byte."""
    with open(folder / "filler", "wb", buffering=0) as fh:
        for size in (1 << 16, 1 << 12, 1 << 8, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError:
                continue


def main() -> None:
    source, work = Path(sys.argv[1]), Path(sys.argv[2])
    spare, commands = int(sys.argv[3]), json.loads(sys.argv[4])
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(work)], check=True)
    db = work / source.name
    shutil.copy2(source, db)
    evidence = source.parent / f"{source.stem}-evidence"
    shutil.copytree(evidence, work / evidence.name)
    big = work / "big.txt"
    big.write_bytes(os.urandom(64 * 1024))  # an evidence file that cannot fit once full
    before = dump(db, immutable=True)
    fill(work)
    filler = work / "filler"
    os.truncate(filler, max(filler.stat().st_size - spare, 0))
    env = {**os.environ, "AAIB_SYNCHRONOUS": "OFF"}
    results = []
    for args in commands:
        args = [a.replace("{work}", str(work)) for a in args]
        done = subprocess.run(
            [sys.executable, "-m", "aaib_cp", "--db", str(db), *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        results.append({"args": args, "code": done.returncode, "stderr": done.stderr})
    leftovers = sorted(p.name for p in work.rglob(".aaib-*"))
    leftovers += sorted(p.name for p in work.rglob(".incoming-*"))
    after = dump(db, immutable=True)
    print(json.dumps({"results": results, "same": before == after, "leftovers": leftovers}))


if __name__ == "__main__":
    main()
