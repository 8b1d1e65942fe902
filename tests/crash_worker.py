"""Fires transitions on every case in a loop until killed (used by test_crash_safety)."""

from __future__ import annotations

import contextlib
import itertools
import sys

from aaib_cp import AaibCpError, Engine, Store


def main(db_path: str) -> None:
    store = Store.open(db_path)
    engine = Engine(store)
    cases = [c.id for c in store.list_cases()]
    chris = store.accounts.by_name("Chris")  # made, and granted chief_investigator, by the test
    for n in itertools.count():
        case_id = cases[n % len(cases)]
        state = engine.get(case_id).state
        trigger = "resume" if state == "suspended" else "suspend"
        with contextlib.suppress(AaibCpError):
            engine.fire(
                case_id, trigger, actor=chris, role="chief_investigator", reason=f"loop {n}"
            )
        if n == 0:
            print("running", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
