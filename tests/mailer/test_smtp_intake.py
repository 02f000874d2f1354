"""SMTP intake over a real socket: 250 only after a commit, 451 to retry, 552 when too big."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from mailer import Outcome
from mailer.smtp_intake import SmtpIntake, start_smtp_intake
from tests.support.samples import message_number, raw_email
from tests.support.tls import free_port

pytestmark = pytest.mark.integration

LIMIT = 10_000


class Recorder:
    def __init__(self) -> None:
        self.outcome: Outcome | Exception = Outcome.PROCESSED
        self.handed: list[tuple[bytes, int]] = []

    def __call__(self, raw: bytes, size: int) -> Outcome:
        self.handed.append((raw, size))
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


@pytest.fixture
def intake() -> Iterator[tuple[SmtpIntake, Recorder]]:
    recorder = Recorder()
    server = start_smtp_intake("127.0.0.1", free_port(), recorder, LIMIT)
    try:
        yield server, recorder
    finally:
        server.stop()


def send(server: SmtpIntake, raw: bytes, sender: str = "csm1@example.com") -> None:
    with smtplib.SMTP(server.hostname, server.port, timeout=10) as client:
        client.sendmail(sender, ["escalations@example.com"], raw)


@pytest.mark.parametrize("outcome", [Outcome.PROCESSED, Outcome.FAILED])
def test_250_after_handle_committed(intake: tuple[SmtpIntake, Recorder],
                                    outcome: Outcome) -> None:
    server, recorder = intake
    recorder.outcome = outcome

    send(server, raw_email(7))  # raises unless the answer was 250

    [(raw, size)] = recorder.handed
    assert message_number(raw) == 7 and size == len(raw)
    assert raw.startswith(b"Return-Path: <csm1@example.com>\r\n")
    assert raw.endswith(raw_email(7))


def test_a_bounce_keeps_its_null_sender(intake: tuple[SmtpIntake, Recorder]) -> None:
    server, recorder = intake
    send(server, raw_email(1), sender="")
    assert recorder.handed[0][0].startswith(b"Return-Path: <>\r\n")


@pytest.mark.parametrize("outcome", [Outcome.RETRY, RuntimeError("database is down")])
def test_451_when_not_committed(intake: tuple[SmtpIntake, Recorder],
                                outcome: Outcome | Exception) -> None:
    server, recorder = intake
    recorder.outcome = outcome
    with pytest.raises(smtplib.SMTPDataError) as caught:
        send(server, raw_email(1))
    assert caught.value.smtp_code == 451
    assert len(recorder.handed) == 1


def test_552_when_too_big(intake: tuple[SmtpIntake, Recorder]) -> None:
    server, recorder = intake
    big = raw_email(1, body=("x" * 70 + "\n") * (LIMIT // 70 + 10))

    with pytest.raises(smtplib.SMTPSenderRefused) as declared:  # SIZE= in MAIL FROM
        send(server, big)
    assert declared.value.smtp_code == 552

    with smtplib.SMTP(server.hostname, server.port, timeout=10) as client:  # no SIZE given
        client.ehlo()
        client.mail("csm1@example.com")
        client.rcpt("escalations@example.com")
        code, _text = client.data(big)
    assert code == 552
    assert recorder.handed == []
