"""Python's cyclic garbage collector paused while a report is built.

Building a report makes hundreds of thousands of short-lived objects (rows, texts,
matches), none of them in reference cycles, and each burst makes the collector walk
every object the process holds: about a tenth of a 10,000-entry write. The collector is
paused for the build and resumed after it; reference counting still frees everything
at once. Builds in several threads (the web application) pause it once between them:
it resumes when the last one ends, and only if it was running when the first began.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic collector inside the block (see the module's docstring)."""
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
