"""poll_once against a real Dovecot: what is handed over, and where it ends up."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import pytest

from mailer import MailboxError, MailboxUnavailable, Outcome, poll_once
from mailer import poll as poll_module
from tests.support.dovecot import Account, Dovecot
from tests.support.samples import message_number, raw_email

pytestmark = pytest.mark.integration

PROCESSED, FAILED = "Escalator/Processed", "Escalator/Failed"


def numbers(raws: list[bytes]) -> list[int]:
    return [message_number(r) for r in raws]


def fill(account: Account, *ns: int) -> None:
    for n in ns:
        account.append("INBOX", raw_email(n))


def test_moves_to_processed_and_failed_after_handle(dovecot: Account) -> None:
    fill(dovecot, 1, 2, 3)
    seen_in_inbox = []

    def handle(raw: bytes, size: int) -> Outcome:
        n = message_number(raw)
        assert size == len(raw)
        seen_in_inbox.append(n in numbers(dovecot.messages("INBOX")))  # not moved before
        return Outcome.FAILED if n == 2 else Outcome.PROCESSED

    stats = poll_once(dovecot.settings(), handle)

    assert seen_in_inbox == [True, True, True]
    assert {PROCESSED, FAILED} <= set(dovecot.folders())  # created when missing
    assert dovecot.messages("INBOX") == []
    assert numbers(dovecot.messages(PROCESSED)) == [1, 3]
    assert numbers(dovecot.messages(FAILED)) == [2]
    assert (stats.handed, stats.processed, stats.failed) == (3, 2, 1)


def test_existing_folders_and_an_empty_inbox(dovecot: Account) -> None:
    dovecot.create_folder("Done")
    dovecot.create_folder("Kept")

    stats = poll_once(dovecot.settings(processed_folder="Done", failed_folder="Kept"),
                      lambda raw, size: Outcome.PROCESSED)

    assert stats.handed == 0
    assert {"Done", "Kept"} <= set(dovecot.folders())


def test_retry_and_a_raising_handler_leave_the_message(
    dovecot: Account, caplog: pytest.LogCaptureFixture
) -> None:
    fill(dovecot, 1, 2, 3)

    def handle(raw: bytes, size: int) -> Outcome:
        n = message_number(raw)
        if n == 2:
            raise RuntimeError("database is down")
        return Outcome.RETRY if n == 1 else Outcome.PROCESSED

    with caplog.at_level(logging.ERROR, logger="mailer.poll"):
        stats = poll_once(dovecot.settings(), handle)

    assert numbers(dovecot.messages("INBOX")) == [1, 2]
    assert numbers(dovecot.messages(PROCESSED)) == [3]
    assert (stats.retried, stats.errors, stats.processed) == (1, 1, 1)
    assert "database is down" in caplog.text


def test_oversize_is_handed_header_only_with_its_real_size(dovecot: Account) -> None:
    big_raw = raw_email(1, body="x" * 60 + "\n" + "y" * 20_000 + "\n")
    dovecot.append("INBOX", big_raw)
    fill(dovecot, 2)
    handed: dict[int, tuple[bytes, int]] = {}

    def handle(raw: bytes, size: int) -> Outcome:
        handed[message_number(raw)] = (raw, size)
        return Outcome.FAILED if size > 5_000 else Outcome.PROCESSED

    stats = poll_once(dovecot.settings(max_message_bytes=5_000), handle)

    big, big_size = handed[1]
    assert big_size > 20_000 and len(big) < 1_000
    assert b"Subject: Escalation: Account 1" in big and b"yyyy" not in big
    assert handed[2][1] == len(handed[2][0])  # the small one whole
    assert stats.oversize == 1
    assert numbers(dovecot.messages(FAILED)) == [1]  # kept whole in the failed folder
    assert dovecot.messages(FAILED) == [big_raw]


def test_a_backlog_in_batches_and_fetch_groups(
    dovecot: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(dovecot, *range(1, 26))
    monkeypatch.setattr(poll_module, "FETCH_GROUP_BYTES", 2_000)  # several FETCHes a batch
    order: list[int] = []
    already_moved: list[int] = []

    def handle(raw: bytes, size: int) -> Outcome:
        order.append(message_number(raw))
        if len(order) == 11:  # first of the second batch: the first batch has moved
            already_moved.extend(numbers(dovecot.messages(PROCESSED)))
        return Outcome.PROCESSED

    stats = poll_once(dovecot.settings(), handle, batch_size=10)

    assert order == list(range(1, 26))
    assert already_moved == list(range(1, 11))
    assert numbers(dovecot.messages(PROCESSED)) == list(range(1, 26))
    assert stats.processed == 25 and dovecot.messages("INBOX") == []


# -- servers without MOVE (and without UIDPLUS): COPY + \Deleted + EXPUNGE ------------
_BASE_CAPS = "IMAP4rev1 SASL-IR LITERAL+ ID ENABLE IDLE NAMESPACE CHILDREN UNSELECT"


@pytest.fixture(scope="module", params=["UIDPLUS", ""], ids=["uidplus", "plain-expunge"])
def no_move_server(request: pytest.FixtureRequest) -> Iterator[Dovecot]:
    caps = f"{_BASE_CAPS} {request.param}".strip()
    with Dovecot(extra_config=f"protocol imap {{\n  imap_capability = {caps}\n}}\n") as d:
        yield d


def test_copy_and_expunge_where_move_is_not_offered(no_move_server: Dovecot) -> None:
    account = no_move_server.add_user()
    assert "MOVE" not in no_move_server.capabilities(account.user)
    fill(account, 1, 2, 3)

    poll_once(account.settings(),
              lambda raw, size: Outcome.FAILED if message_number(raw) == 2 else Outcome.PROCESSED)

    assert account.messages("INBOX") == []
    assert numbers(account.messages(PROCESSED)) == [1, 3]
    assert numbers(account.messages(FAILED)) == [2]


# -- trouble -------------------------------------------------------------------------
def test_a_restart_mid_batch_loses_nothing(dovecot: Account, dovecot_server: Dovecot) -> None:
    fill(dovecot, 1, 2, 3, 4)
    committed: set[int] = set()
    calls: list[int] = []

    def handle(raw: bytes, size: int) -> Outcome:  # deduplicates, as the service does
        n = message_number(raw)
        calls.append(n)
        if n == 2 and len(calls) == 2:
            dovecot_server.restart()  # the connection drops before the batch is moved
        committed.add(n)
        return Outcome.PROCESSED

    stats = poll_once(dovecot.settings(), handle, retry_delay=0.05)

    assert stats.reconnects >= 1
    assert committed == {1, 2, 3, 4}
    assert dovecot.messages("INBOX") == []
    assert numbers(dovecot.messages(PROCESSED)) == [1, 2, 3, 4]


def test_uidvalidity_change_between_sessions_loses_nothing(
    dovecot: Account, dovecot_server: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    fill(dovecot, 1, 2, 3)
    uidlist = dovecot_server.root / "home" / dovecot.user / "Maildir" / "dovecot-uidlist"
    calls: list[int] = []

    def handle(raw: bytes, size: int) -> Outcome:
        calls.append(message_number(raw))
        if len(calls) == 2:  # a restored mailbox: new UIDVALIDITY, UIDs from 1 again
            dovecot_server.stop()
            version, *_ = uidlist.read_text().split(" ", 1)
            uidlist.write_text(f"{version} V99 N1\n")
            dovecot_server.start()
        return Outcome.PROCESSED

    with caplog.at_level(logging.WARNING, logger="mailer.poll"):
        stats = poll_once(dovecot.settings(), handle, retry_delay=0.05)

    assert "UIDVALIDITY changed" in caplog.text
    assert stats.reconnects >= 1
    assert set(calls) == {1, 2, 3}
    assert dovecot.messages("INBOX") == []
    assert sorted(numbers(dovecot.messages(PROCESSED))) == [1, 2, 3]


def test_connection_refused_is_unavailable(dovecot: Account) -> None:
    from tests.support.tls import free_port

    with pytest.raises(MailboxUnavailable):
        poll_once(dovecot.settings(port=free_port()), lambda raw, size: Outcome.PROCESSED,
                  max_reconnects=1, retry_delay=0.01)


def test_a_wrong_password_is_a_mailbox_error_at_once(dovecot: Account) -> None:
    with pytest.raises(MailboxError, match="login refused") as caught:
        poll_once(dovecot.settings(password="wrong"), lambda raw, size: Outcome.PROCESSED)
    assert not isinstance(caught.value, MailboxUnavailable)


def test_a_batch_handler_gets_each_fetched_group_at_once(dovecot: Account) -> None:
    from mailer.outcome import Batch

    fill(dovecot, 1, 2, 3, 4, 5)
    calls: list[int] = []

    def handle_all(messages: Sequence[tuple[bytes, int]]) -> list[Outcome | None]:
        calls.append(len(messages))
        return [Outcome.PROCESSED, Outcome.FAILED, None, Outcome.RETRY, Outcome.PROCESSED]

    stats = poll_once(dovecot.settings(), Batch(handle_all))
    assert calls == [5]
    assert (stats.processed, stats.failed, stats.retried, stats.errors) == (2, 1, 1, 1)
    assert len(dovecot.messages("INBOX")) == 2


def test_a_failing_batch_leaves_every_message_in_the_inbox(dovecot: Account) -> None:
    from mailer.outcome import Batch

    fill(dovecot, 1, 2, 3)

    def handle_all(messages: Sequence[tuple[bytes, int]]) -> list[Outcome | None]:
        raise RuntimeError("database gone")

    stats = poll_once(dovecot.settings(), Batch(handle_all))
    assert stats.errors == 3 and len(dovecot.messages("INBOX")) == 3


def _set_password(server: Dovecot, user: str, password: str) -> None:
    users = server.root / "users"
    lines = [f"{user}:{{PLAIN}}{password}" if line.startswith(f"{user}:") else line
             for line in users.read_text().splitlines()]
    users.write_text("\n".join(lines) + "\n")


def test_a_refused_login_after_a_good_session_is_retried_and_told(
        dovecot: Account, dovecot_server: Dovecot) -> None:
    """The password changes under a running poller: it keeps trying (on_error hears each
    refusal, in one line), and takes mail again once the password is back."""
    import threading
    import time

    polled = threading.Event()
    errors: list[str] = []
    handled: list[int] = []
    stop = threading.Event()

    def handle(raw: bytes, size: int) -> Outcome:
        handled.append(message_number(raw))
        return Outcome.PROCESSED

    thread = threading.Thread(target=poll_module.serve, args=(dovecot.settings(), handle, stop),
                              kwargs={"after_poll": lambda _s: polled.set(),
                                      "on_error": errors.append, "retry_delay": 0.05})
    thread.start()
    try:
        assert polled.wait(30)
        _set_password(dovecot_server, dovecot.user, "changed")
        dovecot_server.restart()  # the session drops; the next login is refused
        deadline = time.monotonic() + 30
        while not any("login refused" in e for e in errors) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any("login refused" in e for e in errors), errors
        assert thread.is_alive() and all("\n" not in e for e in errors)
        _set_password(dovecot_server, dovecot.user, dovecot.password)
        dovecot_server.restart()
        fill(dovecot, 7)
        while 7 not in handled and time.monotonic() < deadline + 30:
            time.sleep(0.05)
        assert handled == [7]
    finally:
        _set_password(dovecot_server, dovecot.user, dovecot.password)
        stop.set()
        thread.join(30)
