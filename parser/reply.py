"""What does a reply to ESC-N say? Its new text (above the quoted history, without the
signature) and the commands in it."""

from __future__ import annotations

from email.utils import quote

from parser import commands, quoting
from parser.body import Body
from parser.html import to_text
from parser.intake import normalise
from parser.result import Envelope, Reply


def new_text(body: Body, sender: str = "") -> str:
    """The new text of a reply: the plain part, else the HTML cut where its quote begins.
    `sender` ("Name <address>") lets a signature opening with the sender's name go."""
    text = normalise(body.plain if body.plain.strip() else to_text(body.html, cut_quote=True))
    split = quoting.split(text, sender)
    if sender and split.signature and _has_command(split.signature):
        split = quoting.split(text)  # "Jane to own it. / Status: working" is no signature
    return split.new


def _has_command(text: str) -> bool:
    return any(c.name != "note" for c in commands.read(text)[0])


def read(envelope: Envelope, escalation_id: int, body: Body) -> Reply:
    # not formataddr: it refuses a UTF-8 address (RFC 6532)
    name = f'"{quote(envelope.sender_name)}" ' if envelope.sender_name else ""
    sender = f"{name}<{envelope.sender}>" if envelope.sender else ""
    text = new_text(body, sender or envelope.sender_name)
    found, problems = commands.read(text)
    return Reply(envelope, escalation_id, found, problems, text)
