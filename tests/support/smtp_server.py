"""A real aiosmtpd server on 127.0.0.1 that records what it is sent, or refuses on cue.

    server = SmtpServer().start()
    server.refuse_rcpt["bob@example.com"] = "550 5.1.1 no such user"
    server.data_reply = "451 4.3.0 try again later"     # every message, at DATA
    server.data_delay = 0.5     # a slow relay: each DATA answered half a second late
    server.hang_data = True     # a relay that takes the body and never answers
    server.messages -> [Received(mail_from, rcpt_tos, data), ...]

`down()` and `up()` stop and restart it on the same port (a relay that went away).
With `tls=True` it offers STARTTLS (self-signed, see tls.py); with `login=(user, password)`
it offers AUTH and refuses mail from a session that did not log in. With
`xoauth2=check` it offers AUTH XOAUTH2 (and requires it): `check(user, token)` says whether
the bearer token is good for that user (the OAuth2 server's answer); a refusal goes as the
mechanism's 334 JSON challenge, then 535. `auths` records (user, token, accepted).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from escalator.settings import SmtpSettings
from tests.support.tls import SelfSignedCert, free_port


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    peer: tuple[str, int] = ("", 0)  # the client end: the same one means a reused connection

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class _Recorder:
    """The aiosmtpd handler: its hooks read the cues the test set on the server."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,
                          mail_options: list[str]) -> str:
        if self.server.mail_reply:
            return self.server.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        reply = self.server.refuse_rcpt.get(address.lower()) or self.server.rcpt_reply
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.server.hang_data:
            await asyncio.Event().wait()  # never set: until the client or the server goes
        if self.server.data_delay:
            await asyncio.sleep(self.server.data_delay)
        if self.server.data_reply:
            return self.server.data_reply
        self.server.messages.append(
            Received(envelope.mail_from, tuple(envelope.rcpt_tos),
                     bytes(envelope.original_content), tuple(session.peer))
        )
        return "250 2.0.0 Message accepted"


class _OAuthRecorder(_Recorder):
    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        if len(args) > 1:
            response = args[1].encode()
        else:
            response = await server.challenge_auth("", encode_to_b64=False)
        try:
            fields = dict(part.split("=", 1) for part in
                          base64.b64decode(response).decode().split("\x01") if part)
            user, token = fields["user"], fields["auth"].removeprefix("Bearer ")
        except (ValueError, KeyError, binascii.Error):
            return AuthResult(success=False, handled=False, message="501 5.5.2 malformed")
        check = self.server.xoauth2
        assert check is not None
        ok = check(user, token)
        self.server.auths.append((user, token, ok))
        if ok:
            return AuthResult(success=True, handled=False, auth_data=user)
        error = json.dumps({"status": "401", "schemes": "bearer"}).encode()
        await server.challenge_auth(error)  # the client answers with an empty line
        return AuthResult(success=False, handled=False)


class SmtpServer:
    """An aiosmtpd Controller (its own thread and event loop) on a free loopback port."""

    def __init__(
        self, *, tls: bool = False, login: tuple[str, str] | None = None, port: int = 0,
        xoauth2: Callable[[str, str], bool] | None = None, smtputf8: bool = False,
    ) -> None:
        self.messages: list[Received] = []
        self.refuse_rcpt: dict[str, str] = {}  # lower-case address -> reply
        self.rcpt_reply: str | None = None  # for every recipient
        self.mail_reply: str | None = None
        self.data_reply: str | None = None
        self.data_delay = 0.0  # seconds before DATA is answered
        self.hang_data = False  # DATA never answered
        self.port = port or free_port()
        self._dir = Path(tempfile.mkdtemp(prefix="smtp-")) if tls else None  # for the cert
        self.cert = SelfSignedCert(self._dir) if self._dir else None
        kwargs: dict[str, Any] = {"enable_SMTPUTF8": True} if smtputf8 else {}
        if self.cert:
            kwargs["tls_context"] = self.cert.server_context()
        if login:
            kwargs.update(
                authenticator=_Authenticator(*login), auth_required=True,
                auth_require_tls=bool(self.cert),
            )
        if xoauth2:
            kwargs.update(authenticator=_Authenticator("", "\x00"), auth_required=True,
                          auth_require_tls=False)
        self.login = login
        self.xoauth2 = xoauth2
        self.auths: list[tuple[str, str, bool]] = []
        self._handler = (_OAuthRecorder if xoauth2 else _Recorder)(self)
        self._kwargs = kwargs
        self._controller = self._new_controller()
        if xoauth2:  # loopback without TLS, on purpose: aiosmtpd's warning says nothing new
            logging.getLogger("mail.log").addFilter(
                lambda r: "auth_require_tls" not in r.getMessage())

    def settings(self, **overrides: Any) -> SmtpSettings:
        values: dict[str, Any] = dict(
            host="127.0.0.1", port=self.port, ssl=False, starttls=bool(self.cert),
            from_address="escalations@example.com", timeout_seconds=10.0,
        )
        if self.login:
            values.update(username=self.login[0], password=self.login[1])
        values.update(overrides)
        return SmtpSettings(**values)

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def _new_controller(self) -> Controller:
        return Controller(self._handler, hostname="127.0.0.1", port=self.port,
                          server_hostname="localhost", loop=asyncio.new_event_loop(),
                          **self._kwargs)

    def down(self) -> None:
        """Stop listening and drop every session, as a relay that went away."""
        self._controller.stop()

    def up(self) -> None:
        """Listen again on the same port, with the same cues (a stopped loop is closed)."""
        self._controller = self._new_controller()
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.expected = (user.encode(), password.encode())

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            (auth_data.login, auth_data.password) == self.expected
        )
        return AuthResult(success=ok, handled=False)
