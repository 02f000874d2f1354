"""Build one outgoing email (text + HTML) whose headers user-typed text cannot break.

Every header value is cleaned: CR, LF and other control characters become spaces, so
text from an email or a reply (an account name, a summary) never starts a header of its
own. Subjects are cut to SUBJECT_MAX characters. The result is an OutgoingMessage: the
headers as people read them, and its wire form written once by mailer.mime, with
non-ASCII names and subjects encoded (RFC 2047), or as UTF-8 (RFC 6532) for SMTPUTF8.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.utils import format_datetime, getaddresses
from functools import lru_cache
from typing import Literal

from mailer import mime

SUBJECT_MAX = 200
ELLIPSIS = "\u2026"
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # RFC 5322 ftext: printable ASCII, no colon
_STRUCTURAL = {
    "from", "to", "cc", "bcc", "subject", "message-id", "in-reply-to", "references",
    "reply-to", "date", "mime-version", "content-type", "content-transfer-encoding",
    "auto-submitted", "x-auto-response-suppress",
}


def clean_header(value: str) -> str:
    """One line of text: control characters (CR, LF, NUL, ...) become one space."""
    return " ".join(_CONTROLS.sub(" ", value).split())


def cut_subject(subject: str, limit: int = SUBJECT_MAX) -> str:
    """The cleaned subject, cut at a word boundary near `limit` with an ellipsis."""
    subject = clean_header(subject)
    if len(subject) <= limit:
        return subject
    cut = subject[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 3 // 4:  # don't throw away a quarter of the room for one word
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


Recipient = str | Address
"""'Name <a@b.example>', 'a@b.example', or an Address (no quoting needed for its name)."""


def parse_address(value: Recipient) -> Address:
    """One address, its display name cleaned; ValueError when there is not exactly one."""
    if isinstance(value, Address):
        return _address(clean_header(value.display_name), clean_header(value.addr_spec))
    return _parse_text(value)


def _address(name: str, addr: str) -> Address:
    if addr.isascii():
        return Address(display_name=name, addr_spec=addr)
    # a UTF-8 local part (RFC 6532): addr_spec= refuses it, username= takes it
    local, _, domain = addr.rpartition("@")
    return Address(display_name=name, username=local, domain=domain)


@lru_cache(maxsize=4096)
def _parse_text(value: str) -> Address:
    # the same few addresses (the mailbox, the ladder) come back in every email; an
    # Address is immutable, so one parse serves them all
    found = [(name, addr) for name, addr in getaddresses([clean_header(value)]) if addr]
    if len(found) != 1 or "@" not in found[0][1]:
        raise ValueError(f"not one email address: {value!r}")
    name, addr = found[0]
    return _address(name, addr)


def dedupe_addresses(
    *groups: Iterable[Recipient], exclude: Iterable[Recipient] = ()
) -> list[list[Address]]:
    """Each group parsed, with an address (case-insensitive) kept only at its first place.

    `exclude` addresses (the mailbox itself, say) are dropped everywhere.
    """
    seen = {parse_address(a).addr_spec.lower() for a in exclude}
    result: list[list[Address]] = []
    for group in groups:
        kept: list[Address] = []
        for value in group:
            address = parse_address(value)
            key = address.addr_spec.lower()
            if key not in seen:
                seen.add(key)
                kept.append(address)
        result.append(kept)
    return result


def _msgid(value: str) -> str:
    value = clean_header(value).strip("<>")
    if not value or " " in value or "@" not in value:
        raise ValueError(f"not a Message-ID: {value!r}")
    return f"<{value}>"


Kind = Literal["text", "id", "addresses"]
"""How a header is written: unstructured text, as it is (ids, dates), or an address list."""


@dataclass(frozen=True)
class Field:
    """One header: its value as set here, encoded only when the wire form is written."""

    name: str
    kind: Kind
    value: str | tuple[Address, ...]

    def display(self) -> str:
        """The value as a reader sees it, decoded."""
        if isinstance(self.value, str):
            return self.value
        return ", ".join(str(a) for a in self.value)

    def wire(self, utf8: bool) -> str:
        """'Name: value' CRLF, folded; encoded for 7-bit unless `utf8` (SMTPUTF8)."""
        if isinstance(self.value, tuple):
            words = [mime.address(a.display_name, a.addr_spec, utf8=utf8) + ","
                     for a in self.value]
            words[-1] = words[-1][:-1]
            return mime.fold(self.name, " ".join(words).split(" "))
        if self.kind == "id":
            return mime.fold(self.name, self.value.split(" "))
        return mime.fold(self.name, mime.unstructured(self.value, utf8=utf8))


@dataclass(frozen=True)
class OutgoingMessage:
    """One email ready for SMTP: its headers, and its MIME body already encoded.

    `msg["Subject"]` reads a header as people see it (None when absent); `as_bytes()` is
    what goes after DATA, 7-bit clean, or with UTF-8 headers when `utf8` (SMTPUTF8).
    """

    headers: tuple[Field, ...]
    mime_head: str  # MIME-Version, Content-Type (and the transfer encoding of one part)
    body: bytes

    def __getitem__(self, name: str) -> str | None:
        key = name.lower()
        return next((h.display() for h in self.headers if h.name.lower() == key), None)

    def as_bytes(self, *, utf8: bool = False) -> bytes:
        head = "".join(h.wire(utf8) for h in self.headers) + self.mime_head + mime.CRLF
        # ASCII unless `utf8`, but for a domain IDNA refuses: sent as it is, not dropped
        return head.encode() + self.body


def build_message(
    *,
    from_addr: Recipient,
    to: Sequence[Recipient],
    cc: Sequence[Recipient] = (),
    subject: str,
    text: str,
    html: str | None,
    message_id: str,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    reply_to: Recipient | None = None,
    headers: Mapping[str, str] | None = None,
    date: datetime | None = None,
) -> OutgoingMessage:
    """A multipart/alternative message (text/plain only when `html` is None).

    Recipients are deduplicated case-insensitively (To wins over Cc); ValueError for an
    address that does not parse, for no recipients at all, or for an extra header that
    would replace one set here.
    """
    to_list, cc_list = dedupe_addresses(to, cc)
    if not to_list and not cc_list:
        raise ValueError("a message needs at least one recipient")
    out = [Field("From", "addresses", (parse_address(from_addr),))]
    if to_list:
        out.append(Field("To", "addresses", tuple(to_list)))
    if cc_list:
        out.append(Field("Cc", "addresses", tuple(cc_list)))
    if reply_to:
        out.append(Field("Reply-To", "addresses", (parse_address(reply_to),)))
    out.append(Field("Subject", "text", cut_subject(subject)))
    out.append(Field("Date", "id", format_datetime(date or datetime.now(UTC))))
    out.append(Field("Message-ID", "id", _msgid(message_id)))
    if in_reply_to:
        out.append(Field("In-Reply-To", "id", _msgid(in_reply_to)))
    refs = list(dict.fromkeys(_msgid(r) for r in references))
    if refs:
        out.append(Field("References", "id", " ".join(refs)))
    out.append(Field("Auto-Submitted", "id", "auto-generated"))  # RFC 3834: no auto-replies
    out.append(Field("X-Auto-Response-Suppress", "id", "All"))  # Exchange: no OOF storms
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.match(name) or name.lower() in _STRUCTURAL:
            raise ValueError(f"header {name!r} cannot be set here")
        out.append(Field(name, "text", clean_header(value)))
    mime_head, body = _mime_body(text, html)
    return OutgoingMessage(tuple(out), mime_head, body)


def _mime_body(text: str, html: str | None) -> tuple[str, bytes]:
    """MIME-Version and the content headers, and the body: one text part or two."""
    version = f"MIME-Version: 1.0{mime.CRLF}"
    plain_head, plain = mime.text_part(text, "plain")
    if html is None:
        return version + plain_head, plain
    html_head, rich = mime.text_part(html, "html")
    # "==" never occurs in quoted-printable and "--" never in base64: only a 7bit part
    # could hold the boundary, and that is checked
    boundary = f"=={uuid.uuid4().hex[:24]}=="
    while boundary.encode() in plain or boundary.encode() in rich:
        boundary = f"=={uuid.uuid4().hex[:24]}=="
    nl, b = b"\r\n", boundary.encode()
    body = b"".join([b"--", b, nl, plain_head.encode(), nl, plain, nl, b"--", b, nl,
                     html_head.encode(), nl, rich, nl, b"--", b, b"--", nl])
    content_type = f'Content-Type: multipart/alternative; boundary="{boundary}"{mime.CRLF}'
    return version + content_type, body
