"""Wiring: every phase's migrations, facts, guards and effects, in one place."""

from __future__ import annotations

from aaib_cp.analysis import sql as _analysis_sql  # noqa: F401
from aaib_cp.evidence import sql as _evidence_sql  # noqa: F401
from aaib_cp.learning import search_sql as _search_sql  # noqa: F401
from aaib_cp.learning import sql as _learning_sql  # noqa: F401
from aaib_cp.recommendations import sql as _recommendations_sql  # noqa: F401
