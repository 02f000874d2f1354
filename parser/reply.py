"""What does a reply to ESC-N say? Its new text (above the quoted history, without the
signature) and the commands in it."""

from __future__ import annotations

from parser import commands, quoting
from parser.body import Body
from parser.html import to_text
from parser.intake import normalise
from parser.result import Envelope, Reply


def new_text(body: Body) -> str:
    """The new text of a reply: the plain part, else the HTML cut where its quote begins."""
    text = body.plain if body.plain.strip() else to_text(body.html, cut_quote=True)
    return quoting.split(normalise(text)).new


def read(envelope: Envelope, escalation_id: int, body: Body) -> Reply:
    text = new_text(body)
    found, problems = commands.read(text)
    return Reply(envelope, escalation_id, found, problems, text)
