"""``aaib serve``: the web application over the same database (docs/web.md)."""

from __future__ import annotations

import click

from aaib_cp.cli._common import Context, pass_ctx


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="ADDRESS",
    help="A reverse proxy whose X-Forwarded-For/-Proto are believed (repeatable).",
)
@click.option(
    "--secure-cookies",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Mark cookies Secure: when the request came over https (auto), always or never.",
)
@pass_ctx
def serve(
    obj: Context,
    host: str,
    port: int,
    workers: int,
    trusted_proxies: tuple[str, ...],
    secure_cookies: str,
) -> None:
    """Serve the web application: sign in, my work, cases, chronology, evidence, reports.

    It listens on 127.0.0.1 only unless --host says otherwise; put it behind a TLS
    reverse proxy before anyone else can reach it (docs/web.md). Stop it with Ctrl-C.

    \b
    Example:
      aaib --db investigations.db serve --port 8000 --workers 2
    """
    import os
    from pathlib import Path

    import uvicorn

    if not Path(obj.db_path).is_file():
        raise click.ClickException(f"{obj.db_path}: no such database (run 'aaib init' first)")
    obj.store(create=True)  # upgrades an older database before the workers start
    os.environ["AAIB_DB"] = obj.db_path
    os.environ["AAIB_WEB_SECURE"] = secure_cookies
    os.environ["AAIB_WEB_TRUSTED_PROXIES"] = ",".join(trusted_proxies)
    click.echo(f"Serving {obj.db_path} on http://{host}:{port}/ ({workers} worker(s))", err=True)
    uvicorn.run(
        "aaib_cp.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # the application reads them only from --trusted-proxy
        log_level="warning",
        server_header=False,
    )
