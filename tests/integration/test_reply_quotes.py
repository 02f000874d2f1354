"""Through the CLI against Dovecot, on SQLite and PostgreSQL: a reply to Escalator's own
recap, written the way Outlook desktop in Italian writes it (a command at the top, then
the "Da: / Inviato: / A: / Oggetto:" block and the recap quoted without ">" marks, its
facts and help included), applies exactly the command at the top and nothing of the quote.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from tests.integration.test_flow import CSM, reply_to, seed_004, sent_to
from tests.support.cli import Cli
from tests.support.dovecot import Account
from tests.support.parts import body_text
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration


ITALIAN = ("Da: Escalator <escalations@example.com> \nInviato: lunedì 30 novembre 2026 10:02\n"
           f"A: Carla CSM <{CSM}>\nOggetto: ")
# a header block no pattern knows (Outlook in Turkish): only our words mark the quote
TURKISH = ("Kimden: Escalator <escalations@example.com>\nGönderildi: 30 Kasım 2026 Pazartesi "
           f"10:02\nKime: Carla CSM <{CSM}>\nKonu: ")


def outlook_reply(recap: EmailMessage, top: str, block: str) -> bytes:
    quoted = body_text(recap).replace("\r\n", "\n")
    msg = EmailMessage()
    msg["From"] = f"Carla CSM <{CSM}>"
    msg["To"] = "Escalator <escalations@example.com>"
    msg["Subject"] = "R: " + str(recap["Subject"])
    msg["Message-ID"] = make_msgid(domain="mail.example.com")
    msg["In-Reply-To"] = recap["Message-ID"]
    msg["References"] = f"{recap['References'] or ''} {recap['Message-ID']}".strip()
    msg["Thread-Topic"] = str(recap["Subject"])
    msg["X-Mailer"] = "Microsoft Outlook 16.0"
    text = (f"{top}\n\n \n\n{block}{recap['Subject']}\n\n"
            + "\n".join(line.strip() for line in quoted.split("\n")))
    msg.set_content(text)
    html = ('<html><body lang="IT"><div class="WordSection1"><p class="MsoNormal">'
            + top.replace("\n", "<br>") + '</p><div style="border:none;border-top:solid '
            '#E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>Da:</b> '
            'Escalator<br><b>Inviato:</b> lunedì 30 novembre 2026 10:02</p></div>'
            + "".join(f'<p class="MsoNormal">{line}</p>' for line in quoted.split("\n"))
            + "</div></body></html>")
    msg.add_alternative(html, subtype="html")
    return bytes(msg)


@pytest.mark.parametrize("block", [ITALIAN, TURKISH], ids=["it", "tr"])
def test_reply_to_our_recap_applies_only_the_command_at_the_top(
        cli: Cli, dovecot: Account, smtp_server: SmtpServer, block: str) -> None:
    dovecot.append("INBOX", seed_004())
    cli.run("poll", "--once")
    [notice] = sent_to(smtp_server, "dan.director@example.com", "New escalation")
    dovecot.append("INBOX", reply_to(notice, "Dan Director <dan.director@example.com>",
                                     "Status: working"))
    cli.run("poll", "--once")
    recap = sent_to(smtp_server, CSM, "Recap")[-1]
    assert "Owner:" in body_text(recap)  # the facts and help quoted
    before = cli.json("show", "ESC-1")

    dovecot.append("INBOX", outlook_reply(recap, "Status: waiting", block))
    assert "1 processed" in cli.run("poll", "--once").stdout
    after = cli.json("show", "ESC-1")
    assert after["status"] == "waiting"
    for key in ("severity", "owner", "account", "steps", "links", "type", "category",
                "acknowledged_at", "resolved_at"):
        assert after[key] == before[key], key
    new = after["events"][len(before["events"]):]
    assert [(e["kind"], e["actor"]) for e in new] == [("status", CSM)]
    answer = sent_to(smtp_server, CSM, "Recap")[-1]
    changes = body_text(answer).split("Where it stands now")[0]
    assert "working → waiting" in changes
    assert "severity" not in changes and "owner" not in changes and "note" not in changes
