"""Which text did the sender write? The plain and HTML bodies of a message, decoded, and
the attachments it carries (metadata only).

Charsets follow the one policy of `parser.charsets`, so a body is always text, never an
exception.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from parser.charsets import decode_bytes
from parser.mail import decode
from parser.result import Attachment


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
        name = part.get_filename()
    except Exception:
        return None
    return None if name is None else decode(name)  # encoded words, as Outlook writes them


def _is_attachment(part: Message, filename: str | None) -> bool:
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    return disposition == "attachment" or (disposition != "inline" and filename is not None)


def read_body(msg: Message) -> Body:
    plains: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            ctype = part.get_content_type()
        except Exception:
            ctype = "text/plain"
        filename = _filename(part)
        if part is not msg and (_is_attachment(part, filename) or not ctype.startswith("text/")):
            attachments.append(Attachment(filename or "", ctype, len(_payload(part))))
            continue
        if ctype not in ("text/plain", "text/html"):
            continue  # text/calendar, text/rfc822-headers and the like are not prose
        text = decode_bytes(_payload(part), part.get_content_charset())
        (htmls if ctype == "text/html" else plains).append(text)
    return Body("\n".join(plains), "\n".join(htmls), tuple(attachments))
