"""The public API: what `import aaib_cp` offers is listed, sorted and importable."""

from __future__ import annotations

import subprocess
import sys

import aaib_cp


def test_all_is_sorted_and_importable():
    """__all__ is sorted and every name in it resolves."""
    assert list(aaib_cp.__all__) == sorted(aaib_cp.__all__)
    for name in aaib_cp.__all__:
        assert getattr(aaib_cp, name) is not None, name


def test_errors_share_one_root():
    """Every public exception derives from AaibCpError."""
    errors = [
        getattr(aaib_cp, n)
        for n in aaib_cp.__all__
        if n.endswith(("Error", "Refused", "Failed", "Found", "Mismatch", "Trigger"))
    ]
    assert errors
    for error in errors:
        assert issubclass(error, aaib_cp.AaibCpError), error


def test_import_is_cheap():
    """`import aaib_cp` loads neither SQLite adapters nor transitions until they are used."""
    code = (
        "import sys, aaib_cp; print(sorted(m for m in ('transitions', 'sqlite_utils', "
        "'click', 'yaml') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "[]" == result.stdout.strip()


def test_every_phase_has_an_exported_service():
    """Evidence, analysis, recommendations, reports, learning and accounts are public."""
    services = ["Accounts", "Analysis", "Casebook", "Learning", "Publisher", "SafetyBook"]
    assert {*services, "Acting", "Account", "Actor"} <= set(aaib_cp.__all__)
    store = aaib_cp.Store.memory()
    engine = aaib_cp.Engine(store)
    for name in services[1:]:
        assert getattr(aaib_cp, name)(engine).engine is engine, name
    store.close()
