"""Is this a bounce (a delivery status notification, or mail from MAILER-DAEMON or
postmaster)? Then it is noise; we note which recipients failed (flufl.bounce, Mailman's
detectors) and which of our messages it returns, where the original names one."""

from __future__ import annotations

import email
import re

from flufl.bounce import scan_message

from parser.incoming import Incoming
from parser.result import Ignored, Result
from parser.screen.ours import first_id

_SCANNED = 128 * 1024  # bytes of a bounce the detectors read (they take ~0.5 s a megabyte)
_DAEMON = re.compile(
    r"^(mailer-daemon|postmaster|post_master|mail-daemon|mailerdaemon|bounces?)@", re.I
)
_SERVICE = re.compile(r"post_?master|mailer|daemon|no-?reply|sysadmin|bounce|admin", re.I)
_SUBJECT = re.compile(
    r"^(undeliver(ed|able)|delivery (status notification|failure|has failed)|"
    r"returned mail|mail delivery (failed|failure|system)|failure notice|"
    r"nondeliverable|delivery notification|undelivered mail)",
    re.I,
)


def is_bounce(incoming: Incoming) -> bool:
    mail = incoming.mail
    if mail.content_type == "multipart/report":
        return True
    if _DAEMON.match(incoming.envelope.sender):
        return True
    if not _SUBJECT.match(incoming.envelope.subject):
        return False
    # a bounce subject from a person is a person's words; from a service it is a bounce
    return_path = mail.header("Return-Path").strip()
    local = incoming.envelope.sender.partition("@")[0]
    return return_path in ("<>", "") or bool(_SERVICE.search(local))


def _recipients(incoming: Incoming) -> tuple[str, ...]:
    if incoming.mail.headers_only:
        return ()
    msg = incoming.mail.msg
    if len(incoming.mail.raw) > _SCANNED:  # the report comes first; the returned original
        msg = email.message_from_bytes(incoming.mail.raw[:_SCANNED])  # need not be read
    try:
        found = scan_message(msg)
    except Exception:  # a detector tripping on a malformed report must not lose the bounce
        return ()
    addresses = {
        (a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a)).strip().lower()
        for a in found
    }
    return tuple(sorted(a for a in addresses if a))


def bounce_of(incoming: Incoming) -> str | None:
    """Our Message-ID in the returned original (Message-ID header, else anywhere), else in
    the bounce's own In-Reply-To/References."""
    domain = incoming.settings.message_id_domain
    raw = incoming.mail.raw.decode("latin-1")
    own_id = incoming.envelope.message_id
    for match in re.finditer(r"^message-id:[ \t]*<?([^\s>]+)", raw, re.I | re.M):
        if match.group(1) != own_id and first_id(match.group(1), domain):
            return match.group(1)
    found = first_id(raw, domain)
    if found:
        return found
    threading = " ".join(incoming.envelope.in_reply_to + incoming.envelope.references)
    return first_id(threading, domain)


def check(incoming: Incoming) -> Result | None:
    if not is_bounce(incoming):
        return None
    return Ignored(
        incoming.envelope,
        "bounce",
        keep_in_failed=False,
        bounce_of=bounce_of(incoming),
        bounced_recipients=_recipients(incoming),
    )
