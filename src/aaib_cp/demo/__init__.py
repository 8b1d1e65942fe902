"""The sample investigation behind ``aaib demo``, and the demo database it runs in.

:func:`run_demo` (in :mod:`.story`) walks a case of fictional people from notification
to closed; :func:`open_demo_store` (in :mod:`.database`) gives it a fresh database that
is marked as a demo, so a later ``aaib demo`` may replace it.
"""

from aaib_cp.demo.database import DemoBuild, open_demo_store
from aaib_cp.demo.story import CAST, LEAD, demo_cast, run_demo

__all__ = ["CAST", "LEAD", "DemoBuild", "demo_cast", "open_demo_store", "run_demo"]
