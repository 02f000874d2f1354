"""Mailbox sessions on a real Dovecot: logins, TLS, IDLE, and serve() across a restart."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from mailer import (
    Mailbox,
    MailboxError,
    MailboxUnavailable,
    Outcome,
    poll_once,
    serve,
    wait_for_mail,
)
from tests.support.dovecot import Account, Dovecot
from tests.support.samples import message_number, raw_email

pytestmark = pytest.mark.integration

GENEROUS = 15.0  # seconds; IDLE answers within milliseconds, this is only a safety net


def later(seconds: float, action: object) -> threading.Timer:
    timer = threading.Timer(seconds, action)  # type: ignore[arg-type]
    timer.start()
    return timer


def test_xoauth2_login(dovecot: Account) -> None:
    # the test Dovecot checks an XOAUTH2 token against the passwd-file, like a password
    dovecot.append("INBOX", raw_email(1))
    settings = dovecot.settings(password="", oauth2_token=dovecot.password)
    stats = poll_once(settings, lambda raw, size: Outcome.PROCESSED)
    assert stats.processed == 1
    with pytest.raises(MailboxError, match="login refused"):
        poll_once(dovecot.settings(password="", oauth2_token="expired"),
                  lambda raw, size: Outcome.PROCESSED)


@pytest.fixture(scope="module")
def tls_server() -> Iterator[Dovecot]:
    with Dovecot(ssl=True) as server:
        yield server


@pytest.mark.parametrize("mode", ["ssl", "starttls"])
def test_ssl_and_starttls(tls_server: Dovecot, mode: str) -> None:
    account = tls_server.add_user()
    account.append("INBOX", raw_email(1))
    settings = (account.settings(ssl=True, port=tls_server.imaps_port) if mode == "ssl"
                else account.settings(starttls=True))
    stats = poll_once(settings, lambda raw, size: Outcome.PROCESSED,
                      ssl_context=tls_server.ssl_context())
    assert stats.processed == 1


def test_an_untrusted_certificate_is_not_retried(tls_server: Dovecot) -> None:
    account = tls_server.add_user()
    settings = account.settings(ssl=True, port=tls_server.imaps_port)
    with pytest.raises(MailboxError, match="certificate") as caught:
        Mailbox(settings).open()  # the system's CAs do not know our self-signed cert
    assert not isinstance(caught.value, MailboxUnavailable)


def test_idle_wakes_on_new_mail(dovecot: Account) -> None:
    with Mailbox(dovecot.settings()) as mailbox:
        assert mailbox.has("IDLE")
        timer = later(0.3, lambda: dovecot.append("INBOX", raw_email(1)))
        started = time.monotonic()
        assert wait_for_mail(mailbox, GENEROUS) is True
        assert time.monotonic() - started < GENEROUS
        timer.join()
        assert mailbox.undeleted_uids() == [1]  # the session is usable after IDLE


def test_idle_times_out_and_stops_on_request(dovecot: Account) -> None:
    with Mailbox(dovecot.settings()) as mailbox:
        assert wait_for_mail(mailbox, 0.5) is False
        stop = threading.Event()
        later(0.2, stop.set)
        started = time.monotonic()
        assert wait_for_mail(mailbox, GENEROUS, stop) is False
        assert time.monotonic() - started < GENEROUS
    with Mailbox(dovecot.settings(idle=False)) as mailbox:  # no IDLE: just waits
        assert wait_for_mail(mailbox, 0.2) is False


class Collector:
    """A handle() that records message numbers and lets a test wait for one."""

    def __init__(self) -> None:
        self.seen: list[int] = []
        self.arrived = threading.Condition()

    def __call__(self, raw: bytes, size: int) -> Outcome:
        with self.arrived:
            self.seen.append(message_number(raw))
            self.arrived.notify_all()
        return Outcome.PROCESSED

    def wait_for(self, n: int, timeout: float = GENEROUS) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: n in self.seen, timeout)


def test_serve_idles_survives_a_restart_and_stops(
    dovecot: Account, dovecot_server: Dovecot
) -> None:
    dovecot.append("INBOX", raw_email(1))
    handle, stop = Collector(), threading.Event()
    # poll_seconds far above GENEROUS: only IDLE can bring message 2 in time
    settings = dovecot.settings(poll_seconds=600)
    thread = threading.Thread(target=serve, args=(settings, handle, stop),
                              kwargs={"retry_delay": 0.1}, daemon=True)
    thread.start()
    try:
        assert handle.wait_for(1)
        time.sleep(0.3)  # let it settle into IDLE
        dovecot.append("INBOX", raw_email(2))
        assert handle.wait_for(2)

        dovecot_server.restart()  # the IDLE connection drops; serve reconnects
        dovecot.append("INBOX", raw_email(3))
        assert handle.wait_for(3)
    finally:
        stop.set()
        thread.join(GENEROUS)
    assert not thread.is_alive()
    assert sorted(set(handle.seen)) == [1, 2, 3]
    assert dovecot.messages("INBOX") == []


def test_serve_raises_a_wrong_password_at_once(dovecot: Account) -> None:
    with pytest.raises(MailboxError, match="login refused"):
        serve(dovecot.settings(password="wrong"), Collector(), threading.Event())


def test_serve_leaves_a_retry_alone_until_the_next_wait(dovecot: Account) -> None:
    dovecot.append("INBOX", raw_email(1))
    dovecot.append("INBOX", raw_email(2))
    calls: list[int] = []
    polls: list[int] = []
    stop = threading.Event()

    def handle(raw: bytes, size: int) -> Outcome:
        calls.append(message_number(raw))
        return Outcome.RETRY if message_number(raw) == 1 else Outcome.PROCESSED

    def after_poll(stats: object) -> None:
        polls.append(len(calls))
        if len(polls) == 2:
            stop.set()
        raise RuntimeError("outbox down")  # logged; serve goes on

    serve(dovecot.settings(poll_seconds=600), handle, stop, after_poll=after_poll)

    assert calls == [1, 2]  # the immediate second look skipped the RETRY
    assert polls == [2, 2]
    assert numbers_in(dovecot, "INBOX") == [1]


def numbers_in(account: Account, folder: str) -> list[int]:
    return [message_number(raw) for raw in account.messages(folder)]


def test_a_missing_dovecot_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import dovecot as dovecot_module

    monkeypatch.setattr(dovecot_module, "DOVECOT_BINARY", "/nonexistent/dovecot")
    with pytest.raises(dovecot_module.DovecotMissing, match="apt-get install -y dovecot-imapd"):
        Dovecot()
