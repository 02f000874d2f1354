"""One raw message, read once: which headers does it carry, decoded, and how big is it?

The standard library's compat32 parser is about ten times faster than policy.default,
so the message is parsed with it and only the headers we actually read are decoded,
each once, from their raw values: 8-bit bytes (RFC 6532) under the one charset policy of
`parser.charsets`, folding undone, RFC 2047 encoded words decoded. Address headers are
split into addresses *before* any encoded word is decoded, so a display name such as
"Müller, Bernd" or "vp@acme.com" written in an encoded word never becomes an address.
"""

from __future__ import annotations

import binascii
import email
import email.parser
import re
from datetime import datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from parser.charsets import decode_bytes

_MSGID = re.compile(r"<([^<>\s]+)>")
_FOLD = re.compile(r"\r?\n[ \t]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
# RFC 2047: no '?' or white space inside any of the three parts, so each "=?" is read once
_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
# one "Name <local@domain>" with nothing to unquote: read without the general parser
_SIMPLE = re.compile(r"([^<>@]*)<([^<>@\s]+@[^<>@\s]+)>\s*")
_SPECIAL = re.compile(r'["()\\;:]')
_BRACKETED = re.compile(r"<([^<>@\s]+@[^<>@\s]+)>")


def raw_text(value: str) -> str:
    """A raw header value (compat32 keeps 8-bit bytes as surrogates) as text, unfolded."""
    if not value.isascii():
        value = decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    return _FOLD.sub(" ", value)


def _word_bytes(encoding: str, text: str) -> bytes | None:
    data = text.encode("utf-8")
    try:
        if encoding in "qQ":
            return binascii.a2b_qp(data, header=True)
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return None


def decode_words(text: str) -> str:
    """RFC 2047 encoded words decoded under our charset policy (ISO-2022-JP with its
    extensions, GB2312 read as GB18030, ...); a malformed word stays as typed."""
    if "=?" not in text:
        return text
    out: list[str] = []
    pending: list[bytes] = []  # adjacent words of one charset: a character may span two
    pending_charset = ""
    position = 0
    previous_end = -1
    for match in _WORD.finditer(text):
        data = _word_bytes(match.group(2), match.group(3))
        if data is None:
            continue  # stays in the text between words, as typed
        gap = text[position : match.start()]
        charset = match.group(1).split("*", 1)[0].lower()  # RFC 2231 language suffix
        # white space between two encoded words is not text
        joins = previous_end == position and (not gap or gap.isspace())
        if pending and not (joins and charset == pending_charset):
            out.append(decode_bytes(b"".join(pending), pending_charset))
            pending = []
        if not joins:
            out.append(gap)
        pending.append(data)
        pending_charset = charset
        position = previous_end = match.end()
    if pending:
        out.append(decode_bytes(b"".join(pending), pending_charset))
    out.append(text[position:])
    return "".join(out)


def decode(value: object) -> str:
    """A raw header value as readable one-line text: bytes decoded, folding undone,
    encoded words decoded, control characters (NUL, CR, LF, ...) made spaces."""
    if value is None:
        return ""
    return _one_line(decode_words(raw_text(value if isinstance(value, str) else str(value))))


def _one_line(text: str) -> str:
    return _CONTROL.sub(" ", text.replace("\x00", "")).strip()


def date_of(value: str) -> datetime | None:
    """A Date header's instant, or None when it is absent or not a date."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def raw_headers(msg: Message) -> dict[str, list[str]]:
    """Every header of a message, raw, by lower-case name, in the order they come."""
    found: dict[str, list[str]] = {}
    for key, value in msg.raw_items():
        found.setdefault(key.lower(), []).append(str(value))
    return found


def message_ids(value: str) -> tuple[str, ...]:
    """Message-IDs in a header (In-Reply-To, References), without angle brackets."""
    found = _MSGID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip()]  # some clients omit the brackets
    return tuple(found)


def split_addresses(raw: list[str], names: bool = True) -> list[tuple[str, str]]:
    """(display name, lower-case address) of every address in raw header values, the
    display names decoded only after the split (or left out: `names` False)."""
    pairs: list[tuple[str, str]] = []
    for value in raw:
        text = raw_text(value)
        if not names and not _SPECIAL.search(text):
            bracketed = _BRACKETED.findall(text)  # To and Cc: only the addresses count
            if bracketed and len(bracketed) == text.count("@") == text.count("<"):
                pairs.extend(("", a.lower()) for a in bracketed)
                continue
        found = _simple(text)
        if found is None:
            found = getaddresses([text])
        for name, address in found:
            address = address.strip().lower()
            if not address.isprintable():
                address = _CONTROL.sub("", address)
            if "@" in address:
                pairs.append((_name(name) if names else "", address))
    return pairs


def _name(text: str) -> str:
    if "=?" not in text and text.isprintable():
        return text.strip()
    return _one_line(decode_words(text))


def _simple(text: str) -> list[tuple[str, str]] | None:
    """The common shape, "Name <a@b>, Other <c@d>", without the general parser; None
    when anything needs it (quotes, comments, groups, a bare address)."""
    if _SPECIAL.search(text):
        return None
    found: list[tuple[str, str]] = []
    for piece in text.split(","):
        match = _SIMPLE.fullmatch(piece)
        if match is None:
            return None
        found.append((match.group(1).strip(), match.group(2)))
    return found


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
        self._raw: dict[str, list[str]] | None = None
        self._cache: dict[str, str] = {}

    def raw_headers(self, name: str) -> list[str]:
        """Every value of a header, raw, in the order they come."""
        if self._raw is None:
            self._raw = raw_headers(self.msg)
        return self._raw.get(name.lower(), [])

    def header(self, name: str) -> str:
        key = name.lower()
        if key not in self._cache:
            values = self.raw_headers(key)
            self._cache[key] = decode(values[0]) if values else ""
        return self._cache[key]

    def all_headers(self, name: str) -> list[str]:
        return [decode(v) for v in self.raw_headers(name)]

    def address(self, name: str = "From") -> tuple[str, str]:
        """(display name, lower-case address) of a single-address header: its first."""
        values = self.raw_headers(name)
        pairs = split_addresses(values[:1])
        return pairs[0] if pairs else ("", "")

    def addresses(self, name: str) -> tuple[str, ...]:
        return tuple(a for _, a in split_addresses(self.raw_headers(name), names=False))

    @property
    def content_type(self) -> str:
        try:
            return self.msg.get_content_type()
        except Exception:  # a header the library cannot split
            return "text/plain"
