"""One raw message, read once: which headers does it carry, decoded, and how big is it?

The standard library's compat32 parser is about ten times faster than policy.default,
so the message is parsed with it and only the headers we actually read are decoded
(RFC 2047 encoded words, folding, 8-bit bytes), each once.
"""

from __future__ import annotations

import email
import email.parser
import re
from email.header import Header, decode_header, make_header
from email.message import Message
from email.utils import getaddresses, parseaddr


def decode_bytes(data: bytes, charset: str | None) -> str:
    from parser.body import decode_bytes as body_decode  # one charset policy for all text

    return body_decode(data, charset)


_MSGID = re.compile(r"<([^<>\s]+)>")
_BRACKETED = re.compile(r"<([^<>@\s]+@[^<>@\s]+)>")
_FOLD = re.compile(r"\r?\n[ \t]+")


def decode(value: object) -> str:
    """A header value as readable text: encoded words decoded, folding undone."""
    if value is None:
        return ""
    if isinstance(value, Header):
        # raw 8-bit bytes in a header (compat32 wraps them as unknown-8bit): UTF-8 first
        text = "".join(
            decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
            for chunk, charset in decode_header(value)
        )
        return _FOLD.sub(" ", text).strip()
    text = value if isinstance(value, str) else str(value)
    text = _FOLD.sub(" ", text)
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except (ValueError, LookupError, UnicodeError, AssertionError):
            pass  # a malformed encoded word stays as typed rather than failing the message
    # 8-bit bytes in a header arrive as surrogates under compat32
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").strip()


def message_ids(value: str) -> tuple[str, ...]:
    """Message-IDs in a header (In-Reply-To, References), without angle brackets."""
    found = _MSGID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip()]  # some clients omit the brackets
    return tuple(found)


class Mail:
    """A parsed message and its decoded headers; the body is read by `parser.body`."""

    def __init__(self, raw: bytes, size: int, headers_only: bool) -> None:
        self.raw = raw
        self.size = size
        self.headers_only = headers_only
        if headers_only:
            # an oversize message: read up to the blank line that ends the headers, no further
            end = re.search(rb"\r?\n\r?\n", raw)
            head = raw[: end.end()] if end else raw[:65536]
            self.msg: Message = email.parser.BytesParser().parsebytes(head, headersonly=True)
        else:
            self.msg = email.message_from_bytes(raw)
        self._cache: dict[str, str] = {}

    def header(self, name: str) -> str:
        key = name.lower()
        if key not in self._cache:
            self._cache[key] = decode(self.msg.get(name))
        return self._cache[key]

    def all_headers(self, name: str) -> list[str]:
        return [decode(v) for v in self.msg.get_all(name) or []]

    def address(self, name: str = "From") -> tuple[str, str]:
        """(display name, lower-case address) of a single-address header."""
        display, addr = parseaddr(self.header(name))
        return display.strip(), addr.strip().lower()

    def addresses(self, name: str) -> tuple[str, ...]:
        values = self.all_headers(name)
        joined = ", ".join(values)
        bracketed = _BRACKETED.findall(joined)
        if bracketed and len(bracketed) == joined.count("@"):
            return tuple(a.lower() for a in bracketed)  # the common shape, without the slow path
        return tuple(a.strip().lower() for _, a in getaddresses(values) if "@" in a)

    @property
    def content_type(self) -> str:
        try:
            return self.msg.get_content_type()
        except Exception:  # a header the library cannot split
            return "text/plain"
