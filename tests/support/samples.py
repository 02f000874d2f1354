"""Raw test emails, small and numbered, so a test can tell which one it was handed."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP


def raw_email(n: int, *, body: str = "", to: str = "escalations@example.com") -> bytes:
    """Message n: Subject 'Escalation: Account n – test', Message-ID <n@test.example>."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = f"CSM {n} <csm{n}@example.com>"
    msg["To"] = to
    msg["Subject"] = f"Escalation: Account {n} \u2013 test"
    msg["Message-ID"] = f"<{n}@test.example>"
    msg.set_content(body or f"Issue: number {n}\n")
    return msg.as_bytes()


def message_number(raw: bytes) -> int:
    """The n of raw_email(n), read from its Message-ID (works on header-only bytes too)."""
    start = raw.index(b"Message-ID: <") + len(b"Message-ID: <")
    return int(raw[start : raw.index(b"@", start)])
