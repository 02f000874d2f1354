"""Which text did the sender write? The plain and HTML bodies of a message, decoded, and
the attachments it carries (metadata only). An attached email (message/rfc822, an .eml
file) is an attachment with its subject, sender and date: none of its text is read.

Charsets follow the one policy of `parser.charsets`, so a body is always text, never an
exception.
"""

from __future__ import annotations

import binascii
import email.parser
import quopri
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

from parser.charsets import decode_bytes
from parser.limits import MAX_HTML, MAX_TEXT
from parser.mail import date_of, decode, raw_headers, raw_text, split_addresses
from parser.result import Attachment

_EMAILS = frozenset({"message/rfc822", "message/global"})  # an attached email (RFC 6532)
# reports about a message, not prose and nothing a person attached
_SKIPPED = frozenset({"message/delivery-status", "message/disposition-notification",
                      "message/global-delivery-status", "message/global-headers",
                      "message/external-body", "message/partial"})
_TEXTS = frozenset({"text/plain", "text/html"})
_EML_HEAD = 256 * 1024  # an attached .eml file is read for its headers only
MAX_ATTACHMENTS = 200


@dataclass(frozen=True)
class Body:
    plain: str = ""
    html: str = ""
    attachments: tuple[Attachment, ...] = ()


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a transfer encoding the library cannot undo
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _filename(part: Message) -> str | None:
    try:
        raw = [(k, str(v)) for k, v in part.raw_items()
               if k.lower() in ("content-disposition", "content-type")]
        if not any("name" in v.lower() for _, v in raw):
            return None  # no filename= nor name= (most body parts): nothing to parse
        if all(v.isascii() for _, v in raw):
            name = part.get_filename()
        else:  # raw UTF-8 (or legacy 8-bit) in the name: read the text, not replacement marks
            probe = Message()
            for key, value in raw:
                probe[key] = raw_text(value)
            name = probe.get_filename()
    except Exception:
        return None
    return None if name is None else decode(name)  # encoded words, as Outlook writes them


def _is_attachment(part: Message, filename: str | None) -> bool:
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    return disposition == "attachment" or (disposition != "inline" and filename is not None)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def _leaves(part: Message) -> Iterator[Message]:
    """The message's parts in order, without entering an attached email: that is one
    part (an attachment), never a source of the sender's text."""
    if _content_type(part) in _EMAILS or not part.is_multipart():
        yield part
        return
    payload = part.get_payload()
    for child in payload if isinstance(payload, list) else []:
        if isinstance(child, Message):
            yield from _leaves(child)


def _inner(part: Message, filename: str | None) -> Message | None:
    """The attached email of a message/rfc822 part (or of an .eml file), headers readable."""
    payload = part.get_payload()
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if _content_type(part) in _EMAILS and cte not in ("base64", "quoted-printable"):
        inner = payload[0] if isinstance(payload, list) and payload else None
        return inner if isinstance(inner, Message) else None
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        # encoded, as RFC 2046 forbids and some clients do: the library read the encoded
        # text as a message; undo that
        encoded = payload[0]
        text = str(encoded.get_payload()) if not encoded.keys() else encoded.as_string()
        data = text.encode("ascii", "surrogateescape")
        data = binascii.a2b_base64(data) if cte == "base64" else quopri.decodestring(data)
    elif _content_type(part) not in _EMAILS and (filename or "").lower().endswith(".eml"):
        data = _payload(part)
    else:
        return None
    return email.parser.BytesParser().parsebytes(data[:_EML_HEAD], headersonly=True)


def _attachment(part: Message, ctype: str, filename: str | None) -> Attachment:
    inner = None
    try:
        inner = _inner(part, filename)
    except Exception:  # a damaged attached email is still an attachment
        pass
    if inner is None:
        return Attachment(filename or "", ctype, len(_payload(part)))
    headers = raw_headers(inner)
    pairs = split_addresses(headers.get("from", [])[:1])
    name, sender = pairs[0] if pairs else ("", "")
    try:
        size = len(inner.as_bytes()) if ctype in _EMAILS else len(_payload(part))
    except Exception:
        size = 0
    return Attachment(
        filename or "", ctype, size,
        subject=decode((headers.get("subject") or [""])[0]),
        sender=sender, sender_name=name,
        date=date_of(decode((headers.get("date") or [""])[0])),
    )


def _read_text(part: Message, plains: list[str], htmls: list[str]) -> None:
    text = decode_bytes(_payload(part), part.get_content_charset())
    (htmls if _content_type(part) == "text/html" else plains).append(text)


def read_body(msg: Message) -> Body:
    plains: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    attached_texts: list[Message] = []
    for part in _leaves(msg):
        ctype = _content_type(part)
        if ctype in _SKIPPED:
            continue
        filename = _filename(part)
        text_part = ctype in _TEXTS
        if part is msg and text_part:
            pass  # the message itself: its text is the body, whatever its disposition says
        elif ctype in _EMAILS or _is_attachment(part, filename) or not ctype.startswith("text/"):
            if len(attachments) < MAX_ATTACHMENTS:
                attachments.append(_attachment(part, ctype, filename))
            if text_part and not (filename or "").lower().endswith(".eml"):
                attached_texts.append(part)
            continue
        if not text_part:
            continue  # text/calendar, text/rfc822-headers and the like are not prose
        _read_text(part, plains, htmls)
    if not plains and not htmls:
        for part in attached_texts:  # no body but a text file: that is what was sent
            _read_text(part, plains, htmls)
    plain, html = "\n".join(plains)[:MAX_TEXT], "\n".join(htmls)[:MAX_HTML]
    return Body(plain, html, tuple(attachments))
