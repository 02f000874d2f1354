"""Is this an automatic message: an RFC 3834 auto-reply, an out-of-office, bulk or list
mail? Answering it could loop or spam, so it is ignored."""

from __future__ import annotations

import re

from parser.incoming import Incoming
from parser.result import Ignored, Result

_SUBJECT = re.compile(
    r"^(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|autoreply|"
    r"abwesenheitsnotiz|automatische antwort|réponse automatique|absence du bureau|"
    r"respuesta automática|fuera de la oficina|risposta automatica|autosvar|"
    r"automatisch antwoord|afwezig)\b",
    re.I,
)


def reason(incoming: Incoming) -> str | None:
    mail = incoming.mail
    auto = mail.header("Auto-Submitted").lower().split(";")[0].strip()
    if auto and auto != "no":
        return f"auto-reply (Auto-Submitted: {auto})"
    precedence = mail.header("Precedence").lower().strip()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"bulk mail (Precedence: {precedence})"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autorespond-Message"):
        if mail.header(name):
            return f"auto-reply ({name})"
    if mail.header("X-Auto-Response-Suppress").lower() in ("all", "oof"):
        if mail.header("X-MS-Exchange-Inbox-Rules-Loop") or mail.header("Auto-Submitted"):
            return "auto-reply (Exchange)"
    if mail.header("List-Id"):
        return "list mail (List-Id)"
    if _SUBJECT.match(incoming.envelope.subject):
        return f"auto-reply (subject '{incoming.envelope.subject[:40]}')"
    return None


def check(incoming: Incoming) -> Result | None:
    why = reason(incoming)
    return Ignored(incoming.envelope, why) if why else None
