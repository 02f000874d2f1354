"""Signed links: who may do what, until when, carried in a URL; each spent once.

A token names a purpose ("action": one action on one escalation; "signin": a dashboard
sign-in), one recipient, and when it expires. itsdangerous signs it (HMAC-SHA256 under the
[web] secret), so a token changed by one character, or signed with another key, is refused;
the clock is passed in. A token is spent in the transaction that acts on it (`spend`): the
table of used digests has a unique key, so a second use cannot commit, even from another
instance at the same moment. Opening a link (GET) must never spend or act: scanners open
every link in an email; only the page's POST does.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escalator.errors import ConfigError
from escalator.links_config import MAX_DAYS  # the longest [web] action_link_days
from escalator.oauth_config import key_file_problem
from escalator.settings import WebSettings
from models import UsedLink

PURPOSES = ("action", "signin", "form")  # form: a page's CSRF token, bound to its link
# action -> the button's words; "open" (the dashboard page) needs no token
ACTIONS = {
    "ack": "Acknowledge",
    "working": "Working",
    "waiting": "Waiting on customer",
    "done": "Done",
    "own": "Take ownership",
}
_SALT = "escalator.links"

# why a token is refused: a sentence for the page
REASONS = {
    "tampered": "this link is not one Escalator signed (it was changed, or cut short)",
    "expired": "this link has expired",
    "foreign": "this link was made for something else",
    "used": "this link has been used already",
}


@dataclass(frozen=True)
class Claim:
    """What a valid token says."""

    purpose: str
    recipient: str
    escalation_id: int | None
    action: str
    expires_at: datetime


class LinkRefused(Exception):
    """A token that grants nothing; `reason` is a key of REASONS."""

    def __init__(self, reason: str, claim: Claim | None = None) -> None:
        super().__init__(REASONS[reason])
        self.reason = reason
        self.claim = claim


class Signer:
    def __init__(self, key: str | bytes) -> None:
        self._s = URLSafeSerializer(key, salt=_SALT,
                                    signer_kwargs={"digest_method": hashlib.sha256})

    def sign(self, purpose: str, recipient: str, now: datetime, days: int, *,
             escalation_id: int | None = None, action: str = "") -> str:
        if purpose not in PURPOSES:
            raise ValueError(f"not a link purpose: {purpose!r}")
        if purpose == "action" and (action not in ACTIONS or escalation_id is None):
            raise ValueError(f"an action link needs an escalation and one of {list(ACTIONS)}")
        expires = int((now + timedelta(days=days)).timestamp())
        token = self._s.dumps([purpose, recipient.lower(), escalation_id, action, expires])
        assert isinstance(token, str)
        return token

    def read(self, token: str, now: datetime, *, purpose: str,
             recipient: str | None = None, escalation_id: int | None = None,
             action: str | None = None) -> Claim:
        """The claim of a token signed by this key, for what is asked; else LinkRefused."""
        try:
            data: Any = self._s.loads(token)
        except BadSignature:
            raise LinkRefused("tampered") from None
        # base64 ignores a signature's unused last bits: one character can change without
        # changing the bytes; only the exact token this key makes is accepted
        if self._s.dumps(data) != token or not _well_formed(data):
            raise LinkRefused("tampered")
        claim = Claim(data[0], data[1], data[2], data[3],
                      datetime.fromtimestamp(data[4], UTC))
        if (claim.purpose != purpose
                or (recipient is not None and claim.recipient != recipient.lower())
                or (escalation_id is not None and claim.escalation_id != escalation_id)
                or (action is not None and claim.action != action)):
            raise LinkRefused("foreign", claim)
        if now >= claim.expires_at:
            raise LinkRefused("expired", claim)
        return claim


def _well_formed(data: Any) -> bool:
    return (isinstance(data, list) and len(data) == 5 and data[0] in PURPOSES
            and isinstance(data[1], str) and (data[2] is None or type(data[2]) is int)
            and isinstance(data[3], str) and type(data[4]) is int)


FORM_DAYS = 1  # a page left open this long asks to be opened again


def form_token(s: Signer, token: str, now: datetime) -> str:
    """The hidden field of the page for `token`: its POST proves the page was loaded."""
    return s.sign("form", digest(token), now, FORM_DAYS)


def form_ok(s: Signer, token: str, field: str, now: datetime) -> bool:
    try:
        s.read(field, now, purpose="form", recipient=digest(token))
    except LinkRefused:
        return False
    return True


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_used(session: Session, token: str) -> bool:
    found = session.scalar(select(UsedLink.digest).where(UsedLink.digest == digest(token)))
    return found is not None


def spend(session: Session, token: str, claim: Claim, now: datetime) -> None:
    """Mark the token used in this transaction; LinkRefused("used") if it was already.

    On PostgreSQL a second transaction spending the same token waits on the first one's
    row and then fails the unique key; on SQLite the write lock queues them."""
    try:
        with session.begin_nested():
            session.add(UsedLink(digest=digest(token), purpose=claim.purpose,
                                 recipient=claim.recipient, escalation_id=claim.escalation_id,
                                 used_at=now))
    except IntegrityError:
        raise LinkRefused("used", claim) from None
    # a token expires at most MAX_DAYS after it was signed, so before it was used: a
    # digest older than that can never be offered again (clicks are few: a small delete)
    session.execute(delete(UsedLink).where(UsedLink.used_at < now - timedelta(days=MAX_DAYS)))


def signer(web: WebSettings) -> Signer | None:
    """The signer for `web` (None without public_url: no links); the key file is made once."""
    if not web.public_url:
        return None
    return Signer(secret_key(web))


def secret_key(web: WebSettings) -> str:
    """The key links and sessions are signed with: [web] secret, else the key file's."""
    return web.secret or _file_key(web.secret_file)


def action_url(web: WebSettings, s: Signer, recipient: str, escalation_id: int, action: str,
               now: datetime) -> str:
    token = s.sign("action", recipient, now, web.action_link_days,
                   escalation_id=escalation_id, action=action)
    return f"{web.public_url}/a/{token}"


def offered(status: str, acknowledged: bool, owner: str, person: str) -> list[str]:
    """The actions worth a link for `person`: not the state the escalation is in."""
    skip = {status, *(["ack"] if acknowledged or status != "open" else []),
            *(["own"] if owner.lower() == person.lower() else [])}
    return [a for a in ACTIONS if a not in skip]


@lru_cache(maxsize=4)
def _file_key(path: str) -> str:
    """The key in `path`, which is created (mode 0600) if it does not exist.

    Written to a temporary file and linked into place, so two processes starting at once
    end up with the same key, never a half-written one."""
    if not os.path.exists(path):
        try:
            _make_key_file(path)
        except OSError as e:
            raise ConfigError(f"[web] secret_file: cannot create '{path}': {e.strerror}"
                              ) from None
    problem = key_file_problem(path)
    if problem:
        raise ConfigError(f"[web] secret_file: {problem}")
    key = Path(path).read_text().strip()
    if len(key) < 16:
        raise ConfigError(f"[web] secret_file: '{path}' holds no key (16 characters or more)")
    return key


def _make_key_file(path: str) -> None:
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(32) + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        os.unlink(tmp)
