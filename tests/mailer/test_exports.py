"""The mailer package's public names are a contract: adding or dropping one is deliberate."""

import subprocess
import sys
from pathlib import Path

import mailer


def test_public_names() -> None:
    assert sorted(mailer.__all__) == [
        "Batch", "CaptureSender", "DeliveryError", "Handler", "MailSender", "Mailbox",
        "MailboxError", "MailboxUnavailable", "MailerError", "Outcome", "PermanentDeliveryError",
        "PollStats",
        "SendResult", "SmtpIntake", "SmtpSender", "TemporaryDeliveryError", "TokenError",
        "TokenRevoked", "build_message",
        "poll_once", "serve", "start_smtp_intake", "wait_for_mail",
    ]
    assert all(hasattr(mailer, name) for name in mailer.__all__)


def test_mailer_moves_bytes_only() -> None:
    """No database, models or parser behind the mail edges (STYLE.md, section 4)."""
    code = ("import sys, mailer; "
            "print(sorted({'models', 'parser', 'sqlalchemy'} & set(sys.modules)))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "[]"


def test_token_names() -> None:
    import mailer.tokens

    assert sorted(mailer.tokens.__all__) == [
        "Renewing", "StaticToken", "Stored", "Token", "TokenSource", "TokenStore"]
    assert all(hasattr(mailer.tokens, name) for name in mailer.tokens.__all__)
