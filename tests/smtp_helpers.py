"""A local SMTP server (aiosmtpd on loopback) that keeps what it receives."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

#: The password the server accepts.
PASSWORD = "s3cret"


class Sink:
    """An SMTP handler keeping every message (and who logged in)."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.logins: list[str] = []
        self.refuse = False
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "554 Transaction failed: no thanks"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode():
            self.logins.append(auth_data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def mail_server() -> Iterator[Sink]:
    """A mail server on loopback that accepts AUTH without TLS (it is only loopback)."""
    sink = Sink()
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=sink.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    sink.port = controller.port
    try:
        yield sink
    finally:
        controller.stop()
