"""Deliver the outbox: claim due rows, send over one connection per batch, mark after the 250.

Every channel goes through here (email, webhook, slack, teams: channels/): each row through
its channel's transport, with the same lease, retry and backoff, marking and failure
events. Rows of a queue (webhooks and chat: one receiver and escalation) go out in id
order; a receiver answering 410 Gone is disabled (an event and the next admin alert).
What follows says "email" and "server"; for the other channels read "post" and "receiver".

A claimed row is leased (status "sending", next_attempt_at = now + [smtp] lease_seconds),
and leased again just before its own send: the lease runs from each email's send, not from
the claim, so a slow server cannot make the tail of a batch outlive its lease and go twice
(a row whose lease another sender took over meanwhile, seen by its attempts, is skipped).
If the process dies after the server's 250 and before the mark, the lease runs out and the
row is sent again, with the same Message-ID, once. A batch has a time limit (TIME_LIMIT,
by the same clock): past it, or when the server stops answering (SmtpUnavailable: a
timeout of [smtp] timeout_seconds, a dropped connection), the rows not yet tried go back
to the outbox, due at once or at the server's backoff, and `deliver` returns.
Temporary failures (4xx, no connection) back off exponentially, up to MAX_BACKOFF, and are
never given up. A permanent refusal is
recorded per recipient, on the row and as a "delivery" event on the escalation (`show`,
the owner's next recap); the accepted recipients stay sent, and recipients refused with
4xx while others took the message get a copy of their own, retried later.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

import channels
from channels import Gone, Outgoing, Transport, Unavailable
from escalator import channels_config
from escalator.db import Database, is_postgres
from escalator.service.outcome import MAX_BACKOFF as MAX_BACKOFF  # its old home: kept
from escalator.service.outcome import address_of, log_outcome, mark_row, some
from escalator.settings import Settings
from mailer.errors import PermanentDeliveryError, TemporaryDeliveryError
from mailer.smtp import MailSender
from models import DisabledDestination, OutboxMessage

log = logging.getLogger(__name__)
BATCH = 100
TIME_LIMIT = timedelta(minutes=2)  # per batch; the rest waits for the next round


@dataclass
class DeliveryStats:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    last_error: str | None = None  # the last temporary failure, one line
    stopped: bool = False  # the time limit or the server ended a batch early


def wall_clock() -> datetime:
    return datetime.now(UTC)


def deliver(db: Database, settings: Settings, sender_factory: Callable[[], MailSender],
            clock: Callable[[], datetime] = wall_clock, batch: int = BATCH,
            time_limit: timedelta = TIME_LIMIT,
            transports: Mapping[str, Callable[[], Transport]] | None = None) -> DeliveryStats:
    """Send everything that is due now (by the wall clock: retries are about real SMTP time),
    batch after batch, until nothing is due, a batch hits its time limit or the server is
    away. `transports` (channel -> maker) defaults to the config's: email over
    `sender_factory`, and the webhooks and chat URLs of settings.channels."""
    stats = DeliveryStats()
    lease = timedelta(seconds=settings.smtp.lease_seconds)
    while True:
        now = clock()
        claimed = _claim(db, now, batch, lease)
        if not claimed:
            return stats
        _send_batch(db, settings, sender_factory, claimed, clock, stats, now + time_limit,
                    transports)
        if len(claimed) < batch or stats.stopped:
            return stats


def _claim(db: Database, now: datetime, batch: int, lease: timedelta) -> list[tuple[int, int]]:
    """Lease the due rows, oldest first: a row of a queue only with every older unsent row
    of its queue (or none left), so each receiver hears of an escalation in order."""
    with db.transaction() as session:
        older = aliased(OutboxMessage)
        waiting = exists().where(older.queue == OutboxMessage.queue,
                                 older.id < OutboxMessage.id,
                                 older.status.in_(("pending", "sending")), ~_due(older, now))
        query = (select(OutboxMessage)
                 .where(_due(OutboxMessage, now),
                        or_(OutboxMessage.queue.is_(None), ~waiting))
                 .order_by(OutboxMessage.id).limit(batch))
        if is_postgres(session):
            query = query.with_for_update(skip_locked=True)
        rows = _in_order(session, list(session.scalars(query)))
        for row in rows:
            row.status = "sending"
            row.attempts += 1
            row.next_attempt_at = now + lease
        return [(row.id, row.attempts) for row in rows]  # attempts: whose lease it is


def _due(table: Any, now: datetime) -> Any:
    return or_(and_(table.status == "pending",
                    or_(table.attempts == 0, table.next_attempt_at <= now)),
               and_(table.status == "sending", table.next_attempt_at <= now))


def _in_order(session: Session, rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Leave out a queued row with an older unsent row not among `rows`: one another
    sender holds (SKIP LOCKED passed over it), or beyond the batch."""
    queues = {r.queue for r in rows if r.queue is not None}
    if not queues:
        return rows
    mine = {r.id for r in rows}
    top = max(r.id for r in rows)
    earlier: dict[str, list[int]] = {}
    for row_id, queue in session.execute(
            select(OutboxMessage.id, OutboxMessage.queue).where(
                OutboxMessage.queue.in_(queues), OutboxMessage.id < top,
                OutboxMessage.status.in_(("pending", "sending")))):
        earlier.setdefault(queue or "", []).append(row_id)
    return [r for r in rows if r.queue is None
            or all(i in mine for i in earlier.get(r.queue, ()) if i < r.id)]


def _send_batch(db: Database, settings: Settings, sender_factory: Callable[[], MailSender],
                claimed: list[tuple[int, int]], clock: Callable[[], datetime],
                stats: DeliveryStats, deadline: datetime,
                transports: Mapping[str, Callable[[], Transport]] | None = None) -> None:
    """Each row through its channel's transport, in id order. A transport opens at its
    channel's first row (one connection per batch); a destination found away defers the
    rest of its rows; a row not sent holds back the later rows of its queue."""
    attempts = dict(claimed)
    with db.transaction() as session:
        rows = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.id.in_(attempts)).order_by(OutboxMessage.id)))
        gone = _disabled(session, rows)
    lease = timedelta(seconds=settings.smtp.lease_seconds)
    makers = transports if transports is not None else channels_config.transports(
        settings, sender_factory)
    urls = {channel: settings.channels.urls(channel) for channel in channels.ORDERED}

    leased: dict[int, bool] = {}  # next row's lease, renewed in the mark before it

    def mark(row_id: int, **outcome: Any) -> None:
        now = clock()
        after = [r for r in rows if r.id > row_id][:1]
        relet = (after[0].id, attempts[after[0].id], now + lease) if after else None
        ours = _write_outcome(db, row_id, now, outcome, relet)
        if after:
            leased[after[0].id] = ours

    opened: dict[str, Transport] = {}
    away: dict[tuple[str, str], str] = {}  # (channel, address or "") -> why: defer its rows
    held: set[str] = set()  # queues with a row not sent in this batch
    try:
        for i, row in enumerate(rows):
            now = clock()
            if now >= deadline:  # what is left goes back, due at once, to the next round
                _release(db, [(r.id, attempts[r.id]) for r in rows[i:]], now)
                stats.stopped = True
                log.warning("delivery: batch time limit reached; %d emails left for the next "
                            "round", len(rows) - i)
                return
            if row.queue is not None and row.queue in held:
                _release(db, [(row.id, attempts[row.id])], now)  # after the older one
                continue
            why = away.get((row.channel, "")) or away.get((row.channel, address_of(row)))
            if why is not None:
                _write_outcome(db, row.id, now, {"temporary": why})
                stats.deferred += 1
                _hold(held, row)
                continue
            url = urls.get(row.channel, {}).get(address_of(row))
            if url is not None and (row.channel, address_of(row), _hash(url)) in gone:
                mark(row.id, permanent=f"not sent: {row.channel} {address_of(row)} is disabled "
                                       "(it answered 410 Gone; give it a new URL)", record=False)
                stats.failed += 1
                continue
            transport = opened.get(row.channel)
            if transport is None:
                make = makers.get(row.channel)
                if make is None:
                    mark(row.id, permanent=f"not sent: no transport for channel {row.channel}")
                    stats.failed += 1
                    continue
                try:
                    transport = make().__enter__()
                except TemporaryDeliveryError as e:
                    away[row.channel, ""] = str(e)
                    _write_outcome(db, row.id, now, {"temporary": str(e)})
                    _away(stats, row, str(e), whole=True)
                    _hold(held, row)
                    continue
                opened[row.channel] = transport
            ours = (leased.pop(row.id) if row.id in leased
                    else _relet(db, row.id, attempts[row.id], now + lease))
            if not ours:
                continue  # our lease ran out and another sender has the row now
            try:
                refused = transport.send(_outgoing(row))
            except Unavailable as e:  # the destination went away: its rest waits too
                away[row.channel, "" if e.whole_channel else address_of(row)] = str(e)
                mark(row.id, temporary=str(e))
                _away(stats, row, str(e), whole=e.whole_channel)
                _hold(held, row)
                continue
            except TemporaryDeliveryError as e:
                mark(row.id, temporary=str(e))
                stats.deferred += 1
                stats.last_error = str(e)
                _hold(held, row)
                continue
            except Gone as e:
                mark(row.id, permanent=str(e), gone=_hash(url or ""))
                gone.add((row.channel, address_of(row), _hash(url or "")))
                stats.failed += 1
                continue
            except PermanentDeliveryError as e:
                mark(row.id, permanent=str(e))
                stats.failed += 1
                continue
            mark(row.id, refused=refused)
            stats.sent += 1
            log_outcome(logging.INFO, "sent", row, f"to {some(row.envelope())}"
                 + (f"; refused by {some(list(refused))}" if refused else ""))
    finally:
        for transport in opened.values():
            transport.__exit__(None, None, None)


def _hold(held: set[str], row: OutboxMessage) -> None:
    if row.queue is not None:
        held.add(row.queue)


def _away(stats: DeliveryStats, row: OutboxMessage, error: str, whole: bool) -> None:
    stats.deferred += 1
    stats.last_error = error
    if whole and row.channel == "email":
        stats.stopped = True  # the mail server is away: the next round, not this one


def _hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _disabled(session: Session, rows: list[OutboxMessage]) -> set[tuple[str, str, str]]:
    if all(r.channel == "email" for r in rows):
        return set()
    return {(d.channel, d.address, d.url_hash)
            for d in session.scalars(select(DisabledDestination))}


def _outgoing(row: OutboxMessage) -> Outgoing:
    return Outgoing(
        channel=row.channel, address=address_of(row), kind=row.kind,
        message_id=row.message_id, payload=row.payload or "", subject=row.subject,
        text=row.text_body, html=row.html_body, to=tuple(row.to_addrs),
        cc=tuple(row.cc_addrs), envelope=tuple(row.envelope()), in_reply_to=row.in_reply_to,
        references=tuple(row.references))


def _relet(db: Database, row_id: int, attempts: int, until: datetime) -> bool:
    """Lease the row again from now, if it is still ours: True when it is."""
    with db.transaction() as session:
        return _relet_in(session, row_id, attempts, until)


def _relet_in(session: Session, row_id: int, attempts: int, until: datetime) -> bool:
    done = session.execute(_RELET, {"row_id": row_id, "claim": attempts, "until": until})
    return bool(getattr(done, "rowcount", 0))


def _release(db: Database, claimed: list[tuple[int, int]], now: datetime) -> None:
    """Rows claimed but not tried: back to pending, due now, the claim's attempt undone."""
    with db.transaction() as session:
        for row_id, attempts in claimed:
            session.execute(
                update(_OUTBOX).where(_OUTBOX.c.id == row_id, _OUTBOX.c.status == "sending",
                                      _OUTBOX.c.attempts == attempts)
                .values(status="pending", attempts=attempts - 1, next_attempt_at=now))


def _write_outcome(db: Database, row_id: int, now: datetime, outcome: dict[str, Any],
                   relet: tuple[int, int, datetime] | None = None) -> bool:
    """Each outcome commits at once: a row sent but not yet marked is sent AGAIN after a
    crash (once, when its lease runs out), so the window stays one email wide. `relet`
    (id, attempts, until) leases the next row of the batch in the same commit: True when
    it is still ours."""
    with db.transaction() as session:
        if _plain(outcome):  # nearly all: one UPDATE by id, no read of the row
            session.execute(_SENT, {"row_id": row_id, "at": now})
        else:
            mark_row(session, row_id, now, **outcome)
        return relet is None or _relet_in(session, *relet)


_OUTBOX = cast(Table, OutboxMessage.__table__)  # Core: no ORM bookkeeping per row
_RELET = (update(_OUTBOX).where(_OUTBOX.c.id == bindparam("row_id"),
                                _OUTBOX.c.status == "sending",
                                _OUTBOX.c.attempts == bindparam("claim"))
          .values(next_attempt_at=bindparam("until")))
_SENT = (update(_OUTBOX).where(_OUTBOX.c.id == bindparam("row_id"))
         .values(status="sent", sent_at=bindparam("at"), refused={}))


def _plain(outcome: dict[str, Any]) -> bool:
    """Sent, no recipient refused: the outcome _SENT writes."""
    return list(outcome) == ["refused"] and not outcome["refused"]
