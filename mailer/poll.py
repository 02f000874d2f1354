"""The IMAP intake loop: hand each message's bytes to the caller, then move it.

    poll_once(settings, handle)          drain the inbox once (`escalator poll --once`)
    serve(settings, handle, stop_event)  poll, IDLE, poll ... reconnecting with backoff

The order is the whole point: `handle(raw, size)` commits and returns an Outcome, and only
then is the message moved (PROCESSED -> processed folder, FAILED -> failed folder; RETRY,
or an exception from handle, leaves it in the inbox). A crash or dropped connection between
the commit and the move means the message is handed over again; the caller deduplicates.
Memory stays bounded for any backlog: UIDs are worked in batches and bodies fetched in
groups of at most FETCH_GROUP_BYTES.
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from escalator.settings import ImapSettings
from mailer.errors import MailboxError, MailboxUnavailable, TokenError
from mailer.imap import Mailbox, wait_for_mail
from mailer.outcome import Batch, Handler, Outcome
from mailer.tokens import TokenSource

log = logging.getLogger(__name__)

FETCH_GROUP_BYTES = 16 * 1024 * 1024
MAX_BACKOFF_SECONDS = 300.0


@dataclass
class PollStats:
    handed: int = 0  # calls to handle()
    processed: int = 0
    failed: int = 0
    retried: int = 0  # RETRY: left in the inbox
    errors: int = 0  # handle() raised: left in the inbox
    oversize: int = 0  # handed header-only
    reconnects: int = 0

    @property
    def moved(self) -> int:
        return self.processed + self.failed


def backoff(attempt: int, first: float = 1.0, cap: float = MAX_BACKOFF_SECONDS) -> float:
    """Seconds to wait before reconnect attempt `attempt` (1, 2, ...): doubling, jittered."""
    return min(cap, first * 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.0)


def drain(
    mailbox: Mailbox,
    handle: Handler | Batch,
    *,
    batch_size: int = 200,
    stats: PollStats | None = None,
    skip: set[tuple[int, int]] | None = None,
) -> PollStats:
    """Hand over every undeleted message of the selected folder once, moving as told.

    `skip` holds (uidvalidity, uid) of messages left in the inbox in this run, so that after
    a reconnect they are not handed over a second time.
    """
    stats = stats if stats is not None else PollStats()
    skip = skip if skip is not None else set()
    validity = mailbox.uidvalidity or 0
    uids = [uid for uid in mailbox.undeleted_uids() if (validity, uid) not in skip]
    for start in range(0, len(uids), batch_size):
        destinations: dict[Outcome, list[int]] = {Outcome.PROCESSED: [], Outcome.FAILED: []}
        for uid, outcome in _hand_over_batch(
                handle, _fetch_batch(mailbox, uids[start : start + batch_size], stats),
                mailbox.where):
            if outcome in destinations:
                destinations[outcome].append(uid)
            else:
                skip.add((validity, uid))
                if outcome is Outcome.RETRY:
                    stats.retried += 1
                else:
                    stats.errors += 1
            stats.handed += 1
        mailbox.move(destinations[Outcome.PROCESSED], mailbox.settings.processed_folder)
        stats.processed += len(destinations[Outcome.PROCESSED])
        mailbox.move(destinations[Outcome.FAILED], mailbox.settings.failed_folder)
        stats.failed += len(destinations[Outcome.FAILED])
    return stats


def _fetch_batch(
    mailbox: Mailbox, uids: list[int], stats: PollStats
) -> Iterator[list[tuple[int, bytes, int]]]:
    """Yield groups of (uid, raw, size) in UID order: oversize ones header-only."""
    limit = mailbox.settings.max_message_bytes
    sizes = mailbox.sizes(uids)  # a UID expunged by someone else meanwhile is absent
    for group in _groups([u for u in uids if u in sizes], sizes, limit):
        whole = [u for u in group if sizes[u] <= limit]
        raw = mailbox.fetch(whole) if whole else {}
        if len(whole) < len(group):
            raw.update(mailbox.fetch([u for u in group if sizes[u] > limit], header_only=True))
        stats.oversize += sum(1 for u in group if u in raw and sizes[u] > limit)
        yield [(uid, raw[uid], sizes[uid]) for uid in group if uid in raw]


def _groups(uids: list[int], sizes: dict[int, int], limit: int) -> Iterator[list[int]]:
    """Consecutive runs of UIDs whose bodies together stay under FETCH_GROUP_BYTES."""
    group: list[int] = []
    total = 0
    for uid in uids:
        cost = sizes[uid] if sizes[uid] <= limit else 0  # header-only: cheap
        if group and total + cost > FETCH_GROUP_BYTES:
            yield group
            group, total = [], 0
        group.append(uid)
        total += cost
    if group:
        yield group


def _hand_over_batch(handle: Handler | Batch, groups: Iterator[list[tuple[int, bytes, int]]],
                     where: str) -> Iterator[tuple[int, Outcome | None]]:
    """Each fetched group to the handler: whole (a Batch), or message by message."""
    for group in groups:
        if isinstance(handle, Batch):
            try:
                outcomes = list(handle.handle_all([(raw, size) for _, raw, size in group]))
            except Exception:  # the batch did not commit: all of it stays in the inbox
                log.exception("%s: handling %d messages failed; left in the inbox",
                              where, len(group))
                outcomes = [None] * len(group)
            yield from zip([uid for uid, _, _ in group], outcomes, strict=True)
        else:
            for uid, raw, size in group:
                yield uid, _hand_over(handle, raw, size, uid, where)


def _hand_over(handle: Handler, raw: bytes, size: int, uid: int, where: str) -> Outcome | None:
    try:
        return handle(raw, size)
    except Exception:  # one bad message must not stop the poll; it stays in the inbox
        log.exception("%s: handling UID %d failed; left in the inbox", where, uid)
        return None


def _tell(on_error: Callable[[str], None] | None, line: str) -> None:
    if on_error is not None:
        try:
            on_error(line)
        except Exception:  # the poller outlives a failing side job
            log.exception("on_error failed")


def _report(after_poll: Callable[[PollStats], None] | None, stats: PollStats) -> None:
    if after_poll is None:
        return
    try:
        after_poll(stats)
    except Exception:  # the poller outlives a failing side job
        log.exception("after_poll failed")


def poll_once(
    settings: ImapSettings,
    handle: Handler | Batch,
    batch_size: int = 200,
    *,
    ssl_context: ssl.SSLContext | None = None,
    max_reconnects: int = 3,
    retry_delay: float = 1.0,
    tokens: TokenSource | None = None,
) -> PollStats:
    """Drain the inbox once; reconnect (with backoff) when the connection drops.

    Raises MailboxError when the server refuses us, MailboxUnavailable after
    `max_reconnects` attempts in a row without progress.
    """
    stats = PollStats()
    skip: set[tuple[int, int]] = set()
    attempt = 0
    validity: int | None = None
    while True:
        handed = stats.handed
        try:
            with Mailbox(settings, ssl_context=ssl_context, tokens=tokens) as mailbox:
                if validity is not None and mailbox.uidvalidity != validity:
                    log.warning("%s: UIDVALIDITY changed; starting over", mailbox.where)
                validity = mailbox.uidvalidity
                return drain(mailbox, handle, batch_size=batch_size, stats=stats, skip=skip)
        except MailboxUnavailable as e:
            attempt = 1 if stats.handed > handed else attempt + 1
            if attempt > max_reconnects:
                raise
            stats.reconnects += 1
            delay = backoff(attempt, retry_delay)
            log.warning("%s; reconnecting in %.1f s", e, delay)
            time.sleep(delay)


def serve(
    settings: ImapSettings,
    handle: Handler | Batch,
    stop_event: threading.Event,
    *,
    batch_size: int = 200,
    ssl_context: ssl.SSLContext | None = None,
    after_poll: Callable[[PollStats], None] | None = None,
    connected_once: bool = False,
    retry_delay: float = 1.0,
    tokens: TokenSource | None = None,
    on_error: Callable[[str], None] | None = None,
) -> None:
    """Poll, then IDLE (or wait poll_seconds) and poll again, until `stop_event` is set.

    A dropped or refused connection is retried with exponential backoff (up to 5 min).
    A MailboxError before the first good session (a wrong password, say; `connected_once`
    says a caller's earlier serve had one) is raised; later ones are logged, passed to
    `on_error` as one line, and retried like a dropped connection. `after_poll` gets each
    poll's stats (the caller's sign of a good session); what it raises is logged.
    No access token (TokenError, TokenRevoked too) is waited out the same way, at any time:
    the mail stays in the inbox until a new sign-in; the token source says why, once.
    `on_error` is told each failure to reach the mailbox, in one line (health, alerts);
    what it raises is logged.
    """
    attempt = 0
    away = False
    while not stop_event.is_set():
        try:
            with Mailbox(settings, ssl_context=ssl_context, tokens=tokens) as mailbox:
                if away:  # the log says the outage ended, not only that it began
                    log.info("%s: reachable again", mailbox.where)
                connected_once, attempt, away = True, 0, False
                skip: set[tuple[int, int]] = set()  # left in the inbox: not again until we wait
                while not stop_event.is_set():
                    stats = drain(mailbox, handle, batch_size=batch_size, skip=skip)
                    _report(after_poll, stats)
                    if stats.moved:
                        continue  # more may have come while we worked: look again at once
                    wait_for_mail(mailbox, settings.poll_seconds, stop_event)
                    skip.clear()
        except MailboxError as e:
            if not connected_once and not isinstance(e, MailboxUnavailable):
                raise
            attempt, away = attempt + 1, True
            delay = backoff(attempt, retry_delay)
            log.warning("%s; reconnecting in %.1f s", e, delay)
            _tell(on_error, str(e))
            stop_event.wait(delay)
        except TokenError as e:
            _tell(on_error, str(e))
            attempt += 1
            delay = backoff(attempt, retry_delay)
            log.debug("%s; trying again in %.1f s", e, delay)
            stop_event.wait(delay)
