"""SmtpSender against a real aiosmtpd: delivered, refused per recipient, or told to retry."""

from __future__ import annotations

import pytest

from escalator.settings import SmtpSettings
from mailer import (
    CaptureSender,
    PermanentDeliveryError,
    SmtpSender,
    TemporaryDeliveryError,
    build_message,
)
from tests.support.smtp_server import SmtpServer
from tests.support.tls import free_port

pytestmark = pytest.mark.integration


def message(n: int = 1, to: tuple[str, ...] = ("alice@example.com",)):  # type: ignore[no-untyped-def]
    return build_message(
        from_addr="Escalator <escalations@example.com>", to=list(to),
        subject=f"[ESC-{n}] Müller GmbH – test", text=f"body {n}\n", html=f"<p>body {n}</p>",
        message_id=f"<esc-{n}@example.com>",
    )


def test_send_delivers_over_one_reused_connection(smtp_server: SmtpServer) -> None:
    with SmtpSender(smtp_server.settings()) as sender:
        results = [sender.send(message(n), ["alice@example.com", "bob@example.com"])
                   for n in (1, 2, 3)]

    assert all(r.accepted == ["alice@example.com", "bob@example.com"] for r in results)
    assert all(r.refused == {} for r in results)
    got = smtp_server.messages
    assert [m.message()["Message-ID"] for m in got] == [f"<esc-{n}@example.com>" for n in (1, 2, 3)]
    assert got[0].mail_from == "escalations@example.com"
    assert got[0].rcpt_tos == ("alice@example.com", "bob@example.com")
    assert got[0].message()["Subject"] == "[ESC-1] Müller GmbH – test"
    assert len({m.peer for m in got}) == 1  # one connection for all three


def test_partial_refusal_keeps_the_accepted(smtp_server: SmtpServer) -> None:
    smtp_server.refuse_rcpt["bob@example.com"] = "550 5.1.1 no such user"

    with SmtpSender(smtp_server.settings()) as sender:
        result = sender.send(message(), ["alice@example.com", "bob@example.com"])

    assert result.accepted == ["alice@example.com"]
    assert result.refused == {"bob@example.com": (550, "5.1.1 no such user")}
    assert smtp_server.messages[0].rcpt_tos == ("alice@example.com",)


def test_every_recipient_refused_with_5xx_is_permanent(smtp_server: SmtpServer) -> None:
    smtp_server.rcpt_reply = "550 5.1.1 no such user"
    with SmtpSender(smtp_server.settings()) as sender:
        with pytest.raises(PermanentDeliveryError) as caught:
            sender.send(message(), ["alice@example.com", "bob@example.com"])
        assert set(caught.value.refused) == {"alice@example.com", "bob@example.com"}
        smtp_server.rcpt_reply = None
        assert sender.send(message(2), ["alice@example.com"]).accepted  # connection still good


def test_recipients_refused_with_4xx_are_temporary(smtp_server: SmtpServer) -> None:
    smtp_server.rcpt_reply = "450 4.2.1 mailbox busy"
    with SmtpSender(smtp_server.settings()) as sender, pytest.raises(TemporaryDeliveryError):
        sender.send(message(), ["alice@example.com"])


@pytest.mark.parametrize(
    ("where", "reply", "error"),
    [
        ("data_reply", "451 4.3.0 try again later", TemporaryDeliveryError),
        ("data_reply", "554 5.7.1 rejected as spam", PermanentDeliveryError),
        ("mail_reply", "451 4.3.2 not now", TemporaryDeliveryError),
        ("mail_reply", "553 5.1.8 bad sender", PermanentDeliveryError),
    ],
)
def test_the_message_refused(smtp_server: SmtpServer, where: str, reply: str,
                             error: type[Exception]) -> None:
    setattr(smtp_server, where, reply)
    with SmtpSender(smtp_server.settings()) as sender:
        with pytest.raises(error, match=reply.split()[0]):
            sender.send(message(), ["alice@example.com"])
        setattr(smtp_server, where, None)
        assert sender.send(message(2), ["alice@example.com"]).accepted
    assert len(smtp_server.messages) == 1


def test_connection_refused_is_temporary() -> None:
    sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=free_port()))  # nobody listens
    with pytest.raises(TemporaryDeliveryError):
        sender.send(message(), ["alice@example.com"])


def test_a_dropped_idle_connection_is_reopened() -> None:
    first = SmtpServer().start()
    with SmtpSender(first.settings()) as sender:
        sender.send(message(1), ["alice@example.com"])
        first.stop()  # drops our connection, as an idle timeout would
        with SmtpServer(port=first.port) as again:
            assert sender.send(message(2), ["alice@example.com"]).accepted
            assert [m.message()["Message-ID"] for m in again.messages] == ["<esc-2@example.com>"]
        with pytest.raises(TemporaryDeliveryError):  # and now nobody listens
            sender.send(message(3), ["alice@example.com"])


def test_starttls_and_login() -> None:
    with SmtpServer(tls=True, login=("escalator", "pw")) as server:
        assert server.cert is not None
        context = server.cert.client_context()
        with SmtpSender(server.settings(), ssl_context=context) as sender:
            assert sender.send(message(), ["alice@example.com"]).accepted
        with pytest.raises(TemporaryDeliveryError, match="535"):  # fix the config, retry
            SmtpSender(server.settings(password="wrong"), ssl_context=context).open()
        assert len(server.messages) == 1


def test_capture_sender_keeps_what_it_is_given() -> None:
    with CaptureSender() as sender:
        result = sender.send(message(), ["a@example.com", "b@example.com", "a@example.com"])
    assert result.accepted == ["a@example.com", "b@example.com"]
    assert sender.sent[0].msg["Message-ID"] == "<esc-1@example.com>"
    assert sender.sent[0].recipients == ("a@example.com", "b@example.com")
