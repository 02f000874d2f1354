"""SMTP intake: an aiosmtpd server that feeds received mail to the same handle() as IMAP.

The answer to DATA waits for handle(raw, size): 250 once it returned PROCESSED or FAILED
(both mean the caller committed), 451 on RETRY or an exception, so the sending server keeps
the message and tries again. A message over max_message_bytes gets 552 from aiosmtpd
(its data_size_limit; the limit is also announced as SIZE, so a sender can stop early).

handle() is blocking (it talks to the database), so it runs in a worker thread, by default
one at a time, in arrival order: SQLite has one writer anyway.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session

from mailer.outcome import Handler, Outcome

log = logging.getLogger(__name__)

ACCEPTED = "250 2.0.0 OK: recorded"
TRY_LATER = "451 4.3.0 Not recorded, try again later"


class IntakeHandler:
    """The aiosmtpd handler: any sender, any recipient; the decision is handle()'s."""

    def __init__(self, handle: Handler, executor: ThreadPoolExecutor) -> None:
        self._handle = handle
        self._executor = executor

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        # what a delivery agent writes in front of a message: the envelope sender, where
        # a bounce (MAIL FROM:<>) shows itself
        sender = (envelope.mail_from or "").strip("<>")  # aiosmtpd keeps a null sender as "<>"
        raw = f"Return-Path: <{sender}>\r\n".encode() + bytes(content)
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(self._executor, self._handle, raw, len(raw))
        except Exception:
            log.exception("SMTP intake: handling a message from %s failed; answered 451",
                          envelope.mail_from)
            return TRY_LATER
        if outcome in (Outcome.PROCESSED, Outcome.FAILED):
            return ACCEPTED
        return TRY_LATER


class SmtpIntake(Controller):
    """A started aiosmtpd Controller; `stop()` also ends its worker threads."""

    def __init__(self, host: str, port: int, handle: Handler, max_message_bytes: int,
                 workers: int = 1) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="intake")
        super().__init__(
            IntakeHandler(handle, self._executor), hostname=host, port=port,
            data_size_limit=max_message_bytes, server_hostname=host,
        )

    def stop(self, no_assert: bool = False) -> None:
        try:
            super().stop(no_assert=no_assert)
        finally:
            self._executor.shutdown(wait=True)


def start_smtp_intake(host: str, port: int, handle: Handler, max_message_bytes: int,
                      *, workers: int = 1) -> SmtpIntake:
    """Listen on host:port until `.stop()`; returns once the server answers."""
    intake = SmtpIntake(host, port, handle, max_message_bytes, workers)
    intake.start()
    return intake
