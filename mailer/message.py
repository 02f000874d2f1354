"""Build one outgoing email (text + HTML) whose headers user-typed text cannot break.

Every header value is cleaned: CR, LF and other control characters become spaces, so
text from an email or a reply (an account name, a summary) never starts a header of its
own. Subjects are cut to SUBJECT_MAX characters; non-ASCII names and subjects are left
to the email package, which encodes them (RFC 2047) when the message is serialised with
email.policy.SMTP, or sends them as UTF-8 (RFC 6532) under SMTPUTF8.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses

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
        return Address(display_name=clean_header(value.display_name),
                       addr_spec=clean_header(value.addr_spec))
    found = [(name, addr) for name, addr in getaddresses([clean_header(value)]) if addr]
    if len(found) != 1 or "@" not in found[0][1]:
        raise ValueError(f"not one email address: {value!r}")
    name, addr = found[0]
    return Address(display_name=name, addr_spec=addr)


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
) -> EmailMessage:
    """A multipart/alternative message (text/plain only when `html` is None).

    Recipients are deduplicated case-insensitively (To wins over Cc); ValueError for an
    address that does not parse, for no recipients at all, or for an extra header that
    would replace one set here.
    """
    to_list, cc_list = dedupe_addresses(to, cc)
    if not to_list and not cc_list:
        raise ValueError("a message needs at least one recipient")
    msg = EmailMessage(policy=SMTP)
    msg["From"] = parse_address(from_addr)
    if to_list:
        msg["To"] = to_list
    if cc_list:
        msg["Cc"] = cc_list
    if reply_to:
        msg["Reply-To"] = parse_address(reply_to)
    msg["Subject"] = cut_subject(subject)
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = _msgid(message_id)
    if in_reply_to:
        msg["In-Reply-To"] = _msgid(in_reply_to)
    refs = list(dict.fromkeys(_msgid(r) for r in references))
    if refs:
        msg["References"] = " ".join(refs)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to us
    msg["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office storms
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.match(name) or name.lower() in _STRUCTURAL:
            raise ValueError(f"header {name!r} cannot be set here")
        msg[name] = clean_header(value)
    msg.set_content(text)  # adds MIME-Version; picks 7bit, quoted-printable or base64
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg
