"""The pages of signing in and of cases: my work, the case list, a case, its history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from aaib_cp.exceptions import InputError, RoleRefused
from aaib_cp.web import sessions
from aaib_cp.web.context import Ctx

__all__ = ["routes"]


# -- signing in -------------------------------------------------------------------------
def sign_in_form(ctx: Ctx) -> Response:
    """The sign-in page."""
    if ctx.signed_in() is not None:
        return ctx.redirect("/")
    return ctx.page("sign_in.html", next=ctx.query("next"))


def _throttled(ctx: Ctx, login: str, prove: Callable[[], tuple[Any, str]]) -> Any:
    """``prove()`` (a password or invitation check issuing a token), unless the login or
    address is locked out; a failure counts towards the lockout. RoleRefused if refused."""
    when, address = sessions.now(), ctx.address()
    store = ctx.store
    locked = ctx.web.throttle.locked(store, login, address, when)
    if locked:
        raise ctx.credentials.refuse(login, locked)
    try:
        account, token = prove()
    except RoleRefused:
        ctx.web.throttle.failed(store, login, address, when)
        raise
    ctx.web.throttle.succeeded(store, login)
    ctx.restart(tok=token, login=account.login)  # a new session: nothing planted survives
    return account


def sign_in(ctx: Ctx) -> Response:
    """Check the password (throttled), start a new session holding a new token."""
    login = ctx.field("login").strip().lower()
    password, code = ctx.field("password"), ctx.field("code") or None
    try:
        _throttled(
            ctx, login, lambda: ctx.credentials.sign_in(login, password, label="web", code=code)
        )
    except RoleRefused as exc:
        return ctx.page("sign_in.html", status_code=401, next=ctx.field("next"), error=str(exc))
    return ctx.redirect(ctx.field("next") or "/")


def invitation_form(ctx: Ctx) -> Response:
    """The page where an invitation code is exchanged for a first password."""
    return ctx.page("invitation.html")


def invitation(ctx: Ctx) -> Response:
    """Redeem the code, set the password, and start a signed-in session."""
    from aaib_cp.workflow.credentials import MIN_PASSWORD

    login = ctx.field("login").strip().lower()
    password = ctx.field("password")
    problem = None  # checked before the code is spent
    if password != ctx.field("password_again"):
        problem = "the passwords differ"
    elif len(password) < MIN_PASSWORD:
        problem = f"password: use at least {MIN_PASSWORD} characters"
    if problem:
        return ctx.page("invitation.html", status_code=400, error=problem)
    code = ctx.field("code")
    try:
        account = _throttled(ctx, login, lambda: ctx.credentials.redeem(login, code, label="web"))
    except RoleRefused as exc:
        return ctx.page("invitation.html", status_code=401, error=str(exc))
    ctx.credentials.set_password(password, actor=account)
    ctx.session.flash("Your password is set and you are signed in.", "ok")
    return ctx.redirect("/")


def sign_out(ctx: Ctx) -> Response:
    """Revoke the session's token and start an anonymous session."""
    token = ctx.session.token
    if token is not None:
        ctx.credentials.sign_out(token)
    ctx.restart()
    ctx.session.flash("You are signed out.", "ok")
    return ctx.redirect("/sign-in")


def account(ctx: Ctx) -> Response:
    """My account: the one-time code (second factor), set up and confirmed here."""
    secret, active = ctx.store.accounts.totp(ctx.me.id)
    uri = None
    if secret and not active:
        import pyotp

        uri = pyotp.TOTP(secret).provisioning_uri(name=ctx.me.login, issuer_name="aaib-cp")
    return ctx.page("account.html", active=active, secret=None if active else secret, uri=uri)


def second_factor(ctx: Ctx) -> Response:
    """Set up a new one-time code, or confirm the one set up."""
    if ctx.field("do") == "start":
        return ctx.attempt(
            "/account",
            lambda: ctx.credentials.second_factor_start(actor=ctx.me),
            "A new secret is set up: add it to your app, then confirm a code from it.",
        )
    return ctx.attempt(
        "/account",
        lambda: ctx.credentials.second_factor_confirm(ctx.field("code"), actor=ctx.me),
        "Your one-time code is in force: you will be asked for it at every sign-in.",
    )


def health(ctx: Ctx) -> Response:
    """For a load balancer: the database opens."""
    ctx.store.count_cases()
    from starlette.responses import PlainTextResponse

    return PlainTextResponse("ok")


# -- cases ------------------------------------------------------------------------------
def my_work(ctx: Ctx) -> Response:
    """Cases I am appointed on, and their clocks due or overdue, soonest first."""
    serving = set(ctx.store.accounts.cases_serving(ctx.me.id))
    cases = [c for c in ctx.engine.access.readable_cases(actor=ctx.me) if c.id in serving]
    clocks = ctx.engine.open_clocks(cases)
    roles: dict[str, list[str]] = {}
    for case in cases:
        roles[case.id] = [m.role for m in ctx.engine.team(case.id) if m.account_id == ctx.me.id]
    return ctx.page("work.html", cases=cases, clocks=clocks, roles=roles)


def case_list(ctx: Ctx) -> Response:
    """Every case this account may see, filtered by state and words in the title."""
    state, words = ctx.query("state").strip(), ctx.query("q").strip().lower()
    every = ctx.engine.access.readable_cases(actor=ctx.me)
    cases = [
        c
        for c in every
        if (not state or c.state == state) and (not words or words in c.title.lower())
    ]
    clocks: dict[str, list[Any]] = {c.id: [] for c in cases}
    for clock in ctx.engine.open_clocks(cases):
        clocks[clock.case_id].append(clock)
    states = sorted({c.state for c in every})
    return ctx.page(
        "cases.html", cases=cases, clocks=clocks, states=states, state=state, q=ctx.query("q")
    )


def case_page(ctx: Ctx) -> Response:
    """State, deadlines, every trigger with its blockers and a form to fire it, the team,
    and the workflow picture with the current state marked."""
    from aaib_cp.workflow.diagrams import workflow_text

    case = ctx.case()
    status = ctx.engine.status(case.id)
    held = ctx.roles_on(case)
    return ctx.page(
        "case.html",
        case=case,
        status=status,
        state=status.definition.states[case.state],
        team=ctx.engine.team(case.id),
        held=held,
        fields=status.definition.fields if hasattr(status.definition, "fields") else {},
        workflow_text=workflow_text(status.definition),
    )


def fire(ctx: Ctx) -> Response:
    """Fire a trigger in one of my roles; a refusal is shown in the command line's words."""
    case = ctx.case()
    back = f"/cases/{case.id}"
    trigger = ctx.field("trigger", required=True)
    fields = {
        name[len("set.") :]: value
        for name, value in (ctx.form.multi_items() if ctx.form else [])
        if name.startswith("set.") and isinstance(value, str)
    }
    version = ctx.field("version")
    if version and not version.isdigit():
        raise InputError(f"version: expected a number (got {version!r})")

    def act() -> Any:
        return ctx.engine.fire(
            case.id,
            trigger,
            actor=ctx.me,
            role=ctx.field("role") or None,
            reason=ctx.field("reason") or None,
            fields=fields,
            expected_version=int(version) if version else None,
        )

    return ctx.attempt(back, act, "{result.from_state} -> {result.to_state} (" + trigger + ")")


def history(ctx: Ctx) -> Response:
    """The case's audit trail (refusals too), and whether its chain verifies."""
    case = ctx.case()
    events = ctx.engine.history(case.id)
    verified = ctx.engine.verify(case.id) if ctx.query("verify") else None
    return ctx.page(
        "history.html",
        case=case,
        events=events,
        checked=bool(ctx.query("verify")),
        broken=verified,
        describe=describe_event,
    )


def describe_event(event: Any) -> str:
    """One event in plain words, as ``aaib history`` words it."""
    detail = dict(event.detail)
    if event.kind in ("transition", "refused"):
        return f"{event.trigger}: {event.from_state} -> {event.to_state or 'REFUSED'}"
    if event.kind == "opened":
        return f"opened in {event.to_state}"
    if event.kind == "field_set":
        return f"set {detail.get('field')} = {detail.get('value')}"
    if event.kind == "appointed":
        return f"appointed {detail.get('name')} as {detail.get('role')}"
    simple = [
        f"{k} {v}"
        for k, v in detail.items()
        if isinstance(v, str | int | float) and not isinstance(v, bool) and v != ""
    ]
    words = event.kind.replace("_", " ")
    return f"{words}: {', '.join(simple[:3])}" if simple else words


def routes(route: Callable[..., Route]) -> list[Route]:
    """This module's routes."""
    post = ("POST",)
    return [
        route("/sign-in", sign_in_form, public=True),
        route("/sign-in", sign_in, methods=post, public=True),
        route("/invitation", invitation_form, public=True),
        route("/invitation", invitation, methods=post, public=True),
        route("/sign-out", sign_out, methods=post),
        route("/healthz", health, public=True),
        route("/account", account),
        route("/account/second-factor", second_factor, methods=post),
        route("/", my_work),
        route("/cases", case_list),
        route("/cases/{case_id}", case_page),
        route("/cases/{case_id}/fire", fire, methods=post),
        route("/cases/{case_id}/history", history),
    ]
