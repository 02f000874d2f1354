"""What does a reply to ESC-N say? Its new text (above the quoted history, without the
signature) and the commands in it.

`read` sees only the reply. `without_our_text` then cuts the new text where the email
it answers begins, given that email's text (the service reads it from the outbox): the
quote is found by its words, however the client quoted, indented or re-wrapped it, so no
line of our own email ever becomes a command, a step or a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from email.utils import quote

from parser import commands, quoting, sent
from parser.body import Body
from parser.html import to_text
from parser.intake import normalise
from parser.result import Envelope, Reply

# Commands stand at the top of a reply: the HTML rendered to find them stops here (an
# Outlook reply's head and new text take tens of KB; rendering costs ~4 s per MB)
REPLY_HTML_CHARS = 150_000


def _text(body: Body) -> str:
    if body.plain.strip():
        return normalise(body.plain)
    return normalise(to_text(body.html[:REPLY_HTML_CHARS], cut_quote=True))


def _split(text: str, sender: str) -> quoting.Split:
    split = quoting.split(text, sender)
    if sender and split.signature and _has_command(split.signature):
        split = quoting.split(text)  # "Jane to own it. / Status: working" is no signature
    return split


def new_text(body: Body, sender: str = "") -> str:
    """The new text of a reply: the plain part, else the HTML cut where its quote begins.
    `sender` ("Name <address>") lets a signature opening with the sender's name go."""
    return _split(_text(body), sender).new


def _has_command(text: str) -> bool:
    return any(c.name != "note" for c in commands.read(text)[0])


def _sender(envelope: Envelope) -> str:
    """"Name <address>" for the signature finder; not formataddr: it refuses a UTF-8
    address (RFC 6532)."""
    if not envelope.sender:
        return envelope.sender_name
    name = f'"{quote(envelope.sender_name)}" ' if envelope.sender_name else ""
    return f"{name}<{envelope.sender}>"


def read(envelope: Envelope, escalation_id: int, body: Body) -> Reply:
    split = _split(_text(body), _sender(envelope))
    found, problems = commands.read(split.new)
    return Reply(envelope, escalation_id, found, problems, split.new, split.reply,
                 split.history)


def sent_texts(text_body: str, html_body: str) -> list[str]:
    """What a client may quote of one email we sent: its plain part and its HTML part as
    a reader sees it."""
    texts = [normalise(text_body)]
    if html_body.strip():
        texts.append(normalise(to_text(html_body)))
    return texts


def without_our_text(reply: Reply, sent_texts: Sequence[str]) -> Reply:
    """The reply with its new text cut where one of our sent texts begins (and the header
    block a client wrote above it), its commands read again from what remains."""
    above = reply.above.split("\n")
    lines = above + (reply.history.split("\n") if reply.history else [])
    cut = sent.start(lines, [t for t in sent_texts if t.strip()])
    if cut is None:
        return reply
    # the header block above our email may begin in the new text, its email below it
    kept = quoting.header_block_above(lines, cut)
    if kept >= len(above):
        return reply  # our email and its header are in the history already cut off
    text = _split("\n".join(above[:kept]), _sender(reply.envelope)).new
    found, problems = commands.read(text)
    return replace(reply, commands=found, problems=problems, text=text,
                   above="\n".join(above[:kept]), history="\n".join(lines[kept:]))
