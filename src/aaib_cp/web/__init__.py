"""``aaib serve``: the web application over the same database and services as the CLI.

A thin adapter: each page or API call authenticates the session or token, calls a
service and presents the result; every rule stays in the services. See docs/web.md.
"""

from __future__ import annotations

from aaib_cp.web.app import create_app
from aaib_cp.web.settings import Settings

__all__ = ["Settings", "create_app"]
