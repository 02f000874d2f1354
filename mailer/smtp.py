"""Deliver outgoing mail: one SMTP connection reused for many messages, or a local capture.

Both `SmtpSender` and `CaptureSender` satisfy `MailSender`; the outbox only knows that.
`send` returns which recipients the server took and which it refused (code, text). It
raises TemporaryDeliveryError when trying again later may work (4xx, connection refused,
timeout, disconnect, login refused: the message is not at fault) and PermanentDeliveryError
when the server refused the message, or every recipient, with 5xx. With a token source
(mailer/tokens) AUTH is XOAUTH2; a refused token is renewed once and tried again, and no
token at all (TokenError) is a TemporaryDeliveryError: the outbox keeps the message.
SmtpUnavailable, a TemporaryDeliveryError, says the connection itself failed (refused,
dropped, or silent for [smtp] timeout_seconds, the socket timeout of every command): the
next message would fare no better now.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Protocol, Self

from escalator.settings import SmtpSettings
from mailer.errors import (
    DeliveryError,
    PermanentDeliveryError,
    TemporaryDeliveryError,
    TokenError,
)
from mailer.message import OutgoingMessage
from mailer.tokens import StaticToken, TokenSource

log = logging.getLogger(__name__)
_UNREACHABLE: set[str] = set()  # servers whose last connection failed: one line each way


@dataclass(frozen=True)
class SendResult:
    accepted: list[str]
    refused: dict[str, tuple[int, str]] = field(default_factory=dict)


class MailSender(Protocol):
    """What the outbox needs: `with sender: sender.send(msg, recipients)`, many times."""

    def send(self, msg: OutgoingMessage, recipients: list[str]) -> SendResult:
        """Deliver `msg` to the envelope `recipients` (To and Cc of msg, usually)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


def _reason(e: BaseException, timeout: float) -> str:
    """smtplib reports a reply that never came as a disconnect, the timeout its context."""
    if isinstance(e, TimeoutError) or isinstance(e.__context__, TimeoutError):
        return f"no answer within {timeout:g} s (timed out)"
    return str(e) or type(e).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _fail(code: int, text: str, what: str, refused: dict[str, tuple[int, str]] | None = None
          ) -> DeliveryError:
    error = PermanentDeliveryError if 500 <= code < 600 else TemporaryDeliveryError
    return error(f"{what}: {code} {text}", refused)


@lru_cache(maxsize=1)
def _default_context() -> ssl.SSLContext:
    """Loading the CA store takes ~20 ms: once per process, not once per batch."""
    return ssl.create_default_context()


class SmtpUnavailable(TemporaryDeliveryError):
    """No answer from the server (connection refused, dropped, timed out): try later."""


class _StaleConnection(TemporaryDeliveryError):
    """Disconnected at MAIL FROM: no part of this message reached the server."""


def _xoauth2(conn: smtplib.SMTP, user: str, token: str) -> None:
    """AUTH XOAUTH2; to the server's error challenge (334 + JSON) the answer is empty."""
    answers = iter([f"user={user}\x01auth=Bearer {token}\x01\x01"])
    conn.auth("XOAUTH2", lambda challenge=None: next(answers, ""), initial_response_ok=True)


class SmtpSender:
    """smtplib over SSL, STARTTLS or plain, with AUTH when a username (or tokens) is set."""

    def __init__(self, settings: SmtpSettings, *, ssl_context: ssl.SSLContext | None = None,
                 tokens: TokenSource | None = None) -> None:
        self.settings = settings
        if tokens is None and settings.oauth2_token:
            tokens = StaticToken(settings.username, settings.oauth2_token)
        self._tokens = tokens
        self._context = ssl_context
        self._smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"SMTP {self.settings.host}:{self.settings.port}"

    def open(self) -> SmtpSender:
        s = self.settings
        context = self._context or _default_context()
        try:
            if s.ssl:
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout_seconds, context=context)
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            self._smtp = conn
            conn.ehlo()
            if s.starttls and not s.ssl:
                conn.starttls(context=context)
                conn.ehlo()
            if self._tokens is not None:
                self._oauth2_login(conn, self._tokens)
            elif s.username:
                conn.login(s.username, s.password)
        except TokenError as e:
            self.close()
            raise TemporaryDeliveryError(f"{self.where}: {e}") from e
        except smtplib.SMTPResponseException as e:
            self.close()
            raise TemporaryDeliveryError(
                f"{self.where}: {e.smtp_code} {_text(e.smtp_error)}") from e
        except (smtplib.SMTPException, OSError) as e:
            self.close()
            if self.where not in _UNREACHABLE:
                _UNREACHABLE.add(self.where)
                log.warning("%s unreachable: %s", self.where, e or type(e).__name__)
            raise self._unavailable(e) from e
        if self.where in _UNREACHABLE:
            _UNREACHABLE.discard(self.where)
            log.info("%s reachable again", self.where)
        return self

    def _oauth2_login(self, conn: smtplib.SMTP, tokens: TokenSource) -> None:
        token = tokens.access_token()
        try:
            _xoauth2(conn, tokens.user, token)
        except smtplib.SMTPAuthenticationError:
            if not tokens.renewable:
                raise
            _xoauth2(conn, tokens.user, tokens.access_token(rejected=token))

    def _unavailable(self, e: BaseException) -> SmtpUnavailable:
        return SmtpUnavailable(f"{self.where}: {_reason(e, self.settings.timeout_seconds)}")

    def close(self) -> None:
        conn, self._smtp = self._smtp, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, msg: OutgoingMessage, recipients: list[str]) -> SendResult:
        if not recipients:
            raise PermanentDeliveryError(f"{self.where}: no recipients")
        reused = self._smtp is not None
        try:
            return self._attempt(msg, recipients)
        except _StaleConnection:
            if not reused:
                raise
            return self._attempt(msg, recipients)  # the server dropped an idle connection

    def _attempt(self, msg: OutgoingMessage, recipients: list[str]) -> SendResult:
        if self._smtp is None:
            self.open()
        try:
            return self._transaction(msg, recipients)
        except DeliveryError:
            self._reset()
            raise
        except smtplib.SMTPResponseException as e:  # DATA refused before the body
            self._reset()
            raise _fail(e.smtp_code, _text(e.smtp_error), self.where) from e
        except (smtplib.SMTPException, OSError) as e:
            self.close()
            raise self._unavailable(e) from e

    def _transaction(self, msg: OutgoingMessage, recipients: list[str]) -> SendResult:
        """MAIL, RCPT each, DATA, step by step: we know where a failure happened."""
        conn = self._smtp
        assert conn is not None
        sender = self.settings.from_address
        international = not all(a.isascii() for a in [sender, *recipients])
        options: list[str] = []
        if international:
            if not conn.has_extn("smtputf8"):
                raise PermanentDeliveryError(f"{self.where}: no SMTPUTF8 for a non-ASCII address")
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        try:
            code, text = conn.mail(sender, options)
        except smtplib.SMTPServerDisconnected as e:  # nothing sent yet: safe to try again
            self.close()
            raise _StaleConnection(f"{self.where}: disconnected: {e}") from e
        if code != 250:
            raise _fail(code, _text(text), f"{self.where}: MAIL FROM")
        accepted: list[str] = []
        refused: dict[str, tuple[int, str]] = {}
        for rcpt in dict.fromkeys(recipients):
            code, text = conn.rcpt(rcpt)
            if code in (250, 251):
                accepted.append(rcpt)
            else:
                refused[rcpt] = (code, _text(text))
        if not accepted:
            worst = min(code for code, _ in refused.values())  # any 4xx: worth a retry
            raise _fail(worst, "every recipient refused", self.where, refused)
        code, text = conn.data(msg.as_bytes(utf8=international))
        if code != 250:  # smtplib raises for most; a 4xx/5xx after the body lands here
            raise _fail(code, _text(text), f"{self.where}: DATA", refused)
        return SendResult(accepted, refused)

    def _reset(self) -> None:
        """After a refused transaction the connection stays usable once RSET is through."""
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.close()


@dataclass(frozen=True)
class Captured:
    msg: OutgoingMessage
    recipients: tuple[str, ...]


class CaptureSender:
    """Keeps every message in `sent` instead of sending it (the demo's local outbox)."""

    def __init__(self) -> None:
        self.sent: list[Captured] = []

    def send(self, msg: OutgoingMessage, recipients: list[str]) -> SendResult:
        if not recipients:
            raise PermanentDeliveryError("capture: no recipients")
        unique = list(dict.fromkeys(recipients))
        self.sent.append(Captured(msg, tuple(unique)))
        return SendResult(unique, {})

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass
