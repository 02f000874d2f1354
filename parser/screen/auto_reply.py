"""Is this an automatic message: an RFC 3834 auto-reply, an out-of-office, bulk or list
mail, or mail sent with a null Return-Path? Answering it could loop or spam, so it is
ignored."""

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
    for value in mail.all_headers("Precedence"):  # every one: a list may add its own
        precedence = value.lower().strip()
        if precedence in ("bulk", "junk", "list", "auto_reply"):
            return f"bulk mail (Precedence: {precedence})"
    # the null reverse-path (RFC 5321 §4.5.5): what auto-responders and robots send with;
    # the topmost Return-Path is the one our own server wrote at delivery
    if mail.header("Return-Path").replace(" ", "") == "<>":
        return "automatic mail (Return-Path: <>)"
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
