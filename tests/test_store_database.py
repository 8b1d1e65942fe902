"""The store's connection: sqlite3 for plain statements, sqlite-utils on first use."""

from __future__ import annotations

import subprocess
import sys


class TestDatabase:
    def test_sqlite_utils_api_is_available(self, store):
        """db["table"] and db.query work as sqlite-utils' do, on the same connection."""
        with store.transaction():
            store.db["notes"].insert({"id": 1, "text": "hello"}, pk="id")
        assert [{"id": 1, "text": "hello"}] == list(store.db.query("SELECT * FROM notes"))

    def test_opening_and_reading_does_not_import_sqlite_utils(self, tmp_path):
        """Opening a database and counting its cases leaves sqlite-utils unimported."""
        code = (
            "import sys; from aaib_cp import Store\n"
            f"s = Store.open({str(tmp_path / 'a.db')!r}, create=True); s.count_cases()\n"
            "print('sqlite_utils' in sys.modules)"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert "False" == result.stdout.strip()
