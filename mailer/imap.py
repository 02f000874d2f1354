"""One IMAP session on the escalations mailbox: connect, log in, fetch bytes, move.

`Mailbox` knows nothing of escalations: it hands out UIDs, sizes and raw bytes, and moves
messages to the processed or failed folder (MOVE where offered, else COPY, \\Deleted and
UID EXPUNGE; mail is never deleted without its copy). `wait_for_mail` sleeps in IDLE.
The poll loop built on these lives in mailer/poll.py.

Every imapclient/socket error leaves as MailboxUnavailable (the connection is gone: try
again) or MailboxError (the server said no). With a token source (mailer/tokens) the login
is XOAUTH2 or OAUTHBEARER; a token the server refuses is renewed once and tried again, and
a source that cannot give a token raises TokenError (TokenRevoked: sign in again).
"""

from __future__ import annotations

import imaplib
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from imapclient import DELETED, IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import LoginError  # type: ignore[import-untyped]

from escalator.settings import ImapSettings
from mailer.errors import MailboxError, MailboxUnavailable
from mailer.tokens import StaticToken, TokenSource

log = logging.getLogger(__name__)

IDLE_SLICE_SECONDS = 1.0  # how often an IDLE wait looks at its stop event


@contextmanager
def _imap_errors(what: str) -> Iterator[None]:
    """Turn imapclient/socket errors into MailboxUnavailable or MailboxError."""
    try:
        yield
    except ssl.SSLCertVerificationError as e:  # an OSError, but retrying will not help
        raise MailboxError(f"{what}: {e}") from e
    except (imaplib.IMAP4.abort, OSError) as e:  # dropped, refused, timed out
        raise MailboxUnavailable(f"{what}: {_said(e)}") from e
    except imaplib.IMAP4.error as e:  # a NO or BAD answer
        raise MailboxError(f"{what}: {_said(e)}") from e


def _said(e: BaseException) -> str:
    """What the server said, as text: imaplib keeps it as bytes, and str() would show b'…'
    (imapclient's LoginError even carries that repr; the imaplib error it replaced has the
    bytes)."""
    if isinstance(e, LoginError) and isinstance(e.__context__, imaplib.IMAP4.error):
        e = e.__context__
    said = " ".join(a.decode(errors="replace") if isinstance(a, bytes) else str(a)
                    for a in e.args)
    return said.strip() or type(e).__name__


class _LoginRefused(MailboxError):
    pass


class Mailbox:
    """`with Mailbox(settings) as mb:` connected, logged in, folders made, folder selected."""

    def __init__(
        self,
        settings: ImapSettings,
        *,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 60.0,
        tokens: TokenSource | None = None,
    ) -> None:
        self.settings = settings
        if tokens is None and settings.oauth2_token:
            tokens = StaticToken(settings.username, settings.oauth2_token)
        self._tokens = tokens
        self._ssl_context = ssl_context
        self._timeout = timeout
        self._client: IMAPClient | None = None
        self.uidvalidity: int | None = None

    @property
    def where(self) -> str:
        return f"IMAP {self.settings.username}@{self.settings.host}:{self.settings.port}"

    @property
    def client(self) -> IMAPClient:
        if self._client is None:
            raise MailboxError(f"{self.where}: not connected")
        return self._client

    # -- session -----------------------------------------------------------------
    def open(self) -> Mailbox:
        s = self.settings
        with _imap_errors(f"{self.where}: connect"):
            context = self._ssl_context or ssl.create_default_context()
            self._client = IMAPClient(
                s.host, port=s.port, ssl=s.ssl, ssl_context=context, timeout=self._timeout
            )
            if s.starttls and not s.ssl:
                self._client.starttls(context)
        try:
            self._login()
            for folder in (s.processed_folder, s.failed_folder):
                self._ensure_folder(folder)
            try:
                with _imap_errors(f"{self.where}: select {s.folder}"):
                    selected = self.client.select_folder(s.folder)
            except MailboxUnavailable:
                raise
            except MailboxError as e:
                if self._tokens is None:
                    raise
                # "connected, but no folders": the token opened another mailbox than meant
                raise MailboxError(f"{e} (logged in with OAuth2 as {self._tokens.user}: for a "
                                   "shared mailbox, username must be its address, with "
                                   "FullAccess granted)") from e
        except BaseException:
            self.close()
            raise
        self.uidvalidity = int(selected[b"UIDVALIDITY"])
        return self

    def _login(self) -> None:
        s, tokens = self.settings, self._tokens
        if tokens is None:
            return self._try_login(lambda: self.client.login(s.username, s.password))
        token = tokens.access_token()
        try:
            self._try_login(lambda: self._oauth2_login(tokens.user, token))
        except _LoginRefused:
            if not tokens.renewable:
                raise
            log.info("%s: access token refused; renewing it once", self.where)
            fresh = tokens.access_token(rejected=token)
            self._try_login(lambda: self._oauth2_login(tokens.user, fresh))

    def _oauth2_login(self, user: str, token: str) -> None:
        if self.settings.oauth2_mechanism.upper() == "OAUTHBEARER":
            self.client.oauthbearer_login(user, token)
        else:
            self.client.oauth2_login(user, token)

    def _try_login(self, login: Callable[[], object]) -> None:
        try:
            with _imap_errors(f"{self.where}: login"):
                login()
        except MailboxError as e:
            if isinstance(e.__cause__, LoginError):
                raise _LoginRefused(f"{self.where}: login refused: {_said(e.__cause__)}") from e
            raise

    def _ensure_folder(self, folder: str) -> None:
        with _imap_errors(f"{self.where}: create folder {folder}"):
            if self.client.folder_exists(folder):
                return
            try:
                self.client.create_folder(folder)
            except imaplib.IMAP4.error:
                if not self.client.folder_exists(folder):  # another instance made it: fine
                    raise
            self.client.subscribe_folder(folder)
            log.info("%s: created folder %s", self.where, folder)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            try:
                client.shutdown()
            except OSError:
                pass

    def __enter__(self) -> Mailbox:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def has(self, capability: str) -> bool:
        with _imap_errors(f"{self.where}: capability"):
            return bool(self.client.has_capability(capability))

    # -- messages ----------------------------------------------------------------
    def undeleted_uids(self) -> list[int]:
        with _imap_errors(f"{self.where}: search"):
            return sorted(int(uid) for uid in self.client.search(["UNDELETED"]))

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """RFC822.SIZE per UID; a UID expunged meanwhile is simply absent."""
        with _imap_errors(f"{self.where}: fetch sizes"):
            answer = self.client.fetch(list(uids), ["RFC822.SIZE"])
        return {int(uid): int(data[b"RFC822.SIZE"]) for uid, data in answer.items()
                if b"RFC822.SIZE" in data}

    def fetch(self, uids: Sequence[int], *, header_only: bool = False) -> dict[int, bytes]:
        """Raw bytes per UID, without setting \\Seen (PEEK)."""
        item, key = (
            ("BODY.PEEK[HEADER]", b"BODY[HEADER]") if header_only else ("BODY.PEEK[]", b"BODY[]")
        )
        with _imap_errors(f"{self.where}: fetch"):
            answer: dict[int, dict[bytes, Any]] = self.client.fetch(list(uids), [item])
        return {int(uid): bytes(data[key]) for uid, data in answer.items() if key in data}

    def move(self, uids: Sequence[int], folder: str) -> None:
        """Move to `folder`: MOVE, else COPY + \\Deleted + (UID) EXPUNGE. Copy comes first."""
        uids = list(uids)
        for _ in range(3):
            try:
                return self._move(uids, folder)
            except MailboxError as e:
                if "EXPUNGEISSUED" not in str(e):
                    raise
            # another instance moved some of them meanwhile (RFC 5530): move what is left
            still_here = set(self.undeleted_uids())
            uids = [uid for uid in uids if uid in still_here]
        self._move(uids, folder)

    def _move(self, uids: list[int], folder: str) -> None:
        if not uids:
            return
        with _imap_errors(f"{self.where}: move {len(uids)} to {folder}"):
            if self.client.has_capability("MOVE"):
                self.client.move(uids, folder)
                return
            self.client.copy(uids, folder)
            self.client.add_flags(uids, [DELETED], silent=True)
            if self.client.has_capability("UIDPLUS"):
                self.client.uid_expunge(uids)
            else:  # also expunges what others flagged \Deleted: that is what they asked for
                self.client.expunge()


def wait_for_mail(
    mailbox: Mailbox, timeout: float, stop_event: threading.Event | None = None
) -> bool:
    """Wait up to `timeout` s for new mail; True when the server announced some (IDLE).

    Without IDLE (or with `idle = false`) this just waits, and returns False: the caller
    polls either way. Returns early, False, when `stop_event` is set.
    """
    stop = stop_event or threading.Event()
    if not (mailbox.settings.idle and mailbox.has("IDLE")):
        stop.wait(timeout)
        return False
    deadline = time.monotonic() + timeout
    client = mailbox.client
    arrived = False
    with _imap_errors(f"{mailbox.where}: idle"):
        client.idle()
        try:
            while not arrived and not stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                started = time.monotonic()
                responses = client.idle_check(timeout=min(IDLE_SLICE_SECONDS, left))
                arrived = any(_announces_mail(r) for r in responses)
                if not responses and time.monotonic() - started < 0.1 * IDLE_SLICE_SECONDS:
                    break  # readable but nothing to read: the server hung up; DONE will tell
        finally:
            client.idle_done()
    return arrived


def _announces_mail(response: tuple[Any, ...]) -> bool:
    return len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT") and response[0] != 0
