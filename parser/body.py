"""Which text did the sender write? The plain and HTML bodies of a message, decoded, and
the attachments it carries (metadata only).

Charsets are trusted only as far as they decode: a wrong or missing label falls back to
UTF-8, then Windows-1252 (a superset of ISO-8859-1 that every byte decodes in), so a body
is always text, never an exception.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from email.message import Message

from parser.mail import decode
from parser.result import Attachment

# Labels whose real-world senders use the wider Microsoft or extended code pages.
_WIDER = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "unknown-8bit": "utf-8",
    "x-unknown": "utf-8",
}


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


@dataclass(frozen=True)
class Body:
    plain: str = ""
    html: str = ""
    attachments: tuple[Attachment, ...] = ()


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes to text under a charset label that may be wrong or missing."""
    label = (charset or "").strip().strip('"').lower()
    label = _WIDER.get(label, label)
    for name in dict.fromkeys((label, "utf-8")):
        if not name:
            continue
        try:
            codecs.lookup(name)
            return data.decode(name)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue
    # UTF-8 with a few broken sequences (a cut or damaged message) has more valid multi-byte
    # sequences than broken ones; Latin-1 or Windows-1252 text has next to none
    text = data.decode("utf-8", "replace")
    if len(_UTF8_SEQUENCE.findall(data)) > text.count("\ufffd"):
        return text
    return data.decode("cp1252", "replace")


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
