"""Render an email into an outbox row: recipients, Message-ID, threading headers, [ESC-N].

Every email about an escalation gets the same context: `esc` (its view), `events` (the
last EVENTS of its trail), `failures` (undelivered mail, only in the owner's recap), `now`
and `mailbox`, plus what the caller passes. It replies to the escalation's first email
(the acknowledgement) and references the CSM's original and that first email, so every
client shows one conversation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from escalator import links
from escalator.render import Rendered, render
from escalator.service import events, tasks
from escalator.service.recipients import dedupe, mailbox
from escalator.service.txcache import transaction_dict
from escalator.service.views import escalation_view
from escalator.settings import Settings
from models import Escalation, Event, OutboxMessage

EVENTS = 5  # the last events a recap, breach or warning shows
FAILURE_KINDS = ("delivery", "bounce")  # events the owner hears about in the next recap
ADMIN_KINDS = ("fault", "channel")  # our own failures (a job's, a webhook's): the admins'
# alert tells them, not the recaps
# emails that carry signed action links (with [web] public_url): one copy per recipient
LINK_KINDS = ("ack", "new", "warning", "breach", "recap")


def message_domain(settings: Settings) -> str:
    return settings.smtp.from_address.rsplit("@", 1)[-1].lower()


def new_message_id(settings: Settings, esc: Escalation | None, kind: str) -> str:
    """<esc-N.kind.hex@domain>: a reply's References alone tell the parser which escalation."""
    prefix = f"esc-{esc.id}." if esc is not None else ""
    return f"{prefix}{kind}.{uuid.uuid4().hex[:20]}@{message_domain(settings)}"


def enqueue(
    session: Session,
    settings: Settings,
    *,
    kind: str,
    now: datetime,
    to: Iterable[str],
    cc: Iterable[str] = (),
    esc: Escalation | None = None,
    context: dict[str, Any] | None = None,
    in_reply_to: str | None = None,
) -> OutboxMessage | None:
    """Write one rendered email to the outbox; None when nobody is left to receive it.

    A recap goes To the owner (who must act) and Cc everyone else (informed); when the
    escalation has undelivered mail the owner has not heard of, the owner's copy is a
    row of its own that lists it. With [web] public_url, the LINK_KINDS carry signed
    action links, so each recipient gets a copy of their own (`_copies`). The first row
    written is returned.
    """
    to_list = dedupe(to, mailbox(settings))
    cc_list = dedupe(cc, mailbox(settings), to_list)
    if not to_list:
        to_list, cc_list = cc_list, []
    if not to_list:
        return None
    ctx: dict[str, Any] = {"mailbox": settings.smtp.from_address, "now": now,
                           "events": [], "failures": []}
    if esc is not None:
        ctx["esc"] = escalation_view(esc, json=False)
        ctx["esc"].update(tasks.view(settings, esc, tasks.of(session, esc), now))
        ctx["events"] = _last_events(session, esc)
    ctx.update(context or {})
    owner = esc.owner.lower() if esc is not None else ""
    signer = links.signer(settings.web) if kind in LINK_KINDS and esc is not None else None
    if kind != "recap" or esc is None or owner not in (*to_list, *cc_list):
        if signer is not None and esc is not None:
            return _copies(session, settings, kind, now, to_list, cc_list, esc, ctx,
                           in_reply_to, signer)
        return _row(session, settings, kind, now, to_list, cc_list, esc, ctx, in_reply_to)
    others = [a for a in (*to_list, *cc_list) if a != owner]
    failures = _unreported_failures(session, esc)
    if signer is not None:
        return _copies(session, settings, kind, now, [owner], others, esc, ctx, in_reply_to,
                       signer, {owner: {"failures": failures}})
    if not failures:
        return _row(session, settings, kind, now, [owner], others, esc, ctx, in_reply_to)
    first = _row(session, settings, kind, now, [owner], [], esc,
                 {**ctx, "failures": failures}, in_reply_to)
    if others:
        _row(session, settings, kind, now, others, [], esc, ctx, in_reply_to)
    return first


def _copies(session: Session, settings: Settings, kind: str, now: datetime,
            to_list: list[str], cc_list: list[str], esc: Escalation, ctx: dict[str, Any],
            in_reply_to: str | None, signer: links.Signer,
            own: dict[str, dict[str, Any]] | None = None) -> OutboxMessage:
    """One copy per recipient, its links signed for them: delivered to that one person,
    its To and Cc saying who else got it, a Message-ID each, threaded alike. `own` adds
    to one person's context (the owner's undelivered-mail list).

    Rendered once per kind of copy (the same actions offered, the same additions), with
    a marker where each link goes, then each person's links put in: a recap to 20 people
    is a few renders, not 20."""
    own = own or {}
    rendered: dict[tuple[Any, ...], Rendered] = {}
    rows: list[OutboxMessage] = []
    for person in (*to_list, *cc_list):
        actions = links.offered(esc.status, esc.acknowledged_at is not None, esc.owner,
                                person)
        key = (tuple(actions), person in own)
        if key not in rendered:
            rendered[key] = render(kind, {**ctx, **own.get(person, {}),
                                          "links": _links(settings, esc, actions)},
                                   settings.templates.dir or None)
        urls = {_MARK.format(a): links.action_url(settings.web, signer, person, esc.id, a,
                                                   now) for a in actions}
        rows.append(_row(session, settings, kind, now, to_list, cc_list, esc, ctx,
                         in_reply_to, deliver_to=[person],
                         rendered=_put_in(rendered[key], urls)))
    return rows[0]


_MARK = "~~escalator-link-{}~~"  # where a person's link goes; HTML escaping leaves it be


def _links(settings: Settings, esc: Escalation, actions: list[str]) -> list[dict[str, str]]:
    """The buttons of a copy: its actions (marked, see _copies), then the dashboard page."""
    return [*({"action": a, "label": links.ACTIONS[a], "url": _MARK.format(a)}
              for a in actions),
            {"action": "open", "label": "Open in the dashboard",
             "url": f"{settings.web.public_url}/escalations/ESC-{esc.id}"}]


def _put_in(r: Rendered, urls: dict[str, str]) -> Rendered:
    text, html = r.text, r.html
    for mark, url in urls.items():
        text, html = text.replace(mark, url), html.replace(mark, url)
    return Rendered(subject=r.subject, text=text, html=html)


def _row(session: Session, settings: Settings, kind: str, now: datetime, to_list: list[str],
         cc_list: list[str], esc: Escalation | None, ctx: dict[str, Any],
         in_reply_to: str | None, deliver_to: list[str] | None = None,
         rendered: Rendered | None = None) -> OutboxMessage:
    rendered = rendered or render(kind, ctx, settings.templates.dir or None)
    message_id = new_message_id(settings, esc, kind)
    references: list[str] = []
    if esc is not None:
        references = [r for r in (esc.source_message_id, esc.thread_root) if r]
        in_reply_to = in_reply_to or (esc.thread_root or esc.source_message_id or None)
    elif in_reply_to:
        references = [in_reply_to]
    row = OutboxMessage(
        escalation_id=esc.id if esc is not None else None,
        kind=kind,
        to_addrs=to_list,
        cc_addrs=cc_list,
        deliver_to=deliver_to,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        refused={},
    )
    session.add(row)
    return row


def _last_events(session: Session, esc: Escalation) -> list[dict[str, Any]]:
    # delivery failures are the owner's business: their recap lists them apart
    hidden = (*FAILURE_KINDS, *ADMIN_KINDS)
    stored = [e for e in _stored_events(session, esc) if e.kind not in hidden]
    added = [e for e in events.added(session, esc) if e.kind not in hidden and e not in stored]
    return [_event(e) for e in [*stored, *added][-EVENTS:]]


def _unreported_failures(session: Session, esc: Escalation) -> list[dict[str, Any]]:
    """Delivery failures and bounces since the owner's last recap; marks them reported."""
    added = [e for e in events.added(session, esc) if e.kind in FAILURE_KINDS]
    if any(e.id is None for e in added):
        session.flush()  # rare (a bounce and a recap in one transaction): ids needed below
    seen = _seen(esc)
    stored = [e for e in _stored_events(session, esc) if e.kind in FAILURE_KINDS]
    rows = sorted({e for e in [*stored, *added] if e.id > seen}, key=lambda e: e.id)
    if rows:
        esc.extra = {**(esc.extra or {}), "failures_reported": rows[-1].id}  # a new dict: saved
    return [_event(e) for e in rows]


def _seen(esc: Escalation) -> int:
    return int((esc.extra or {}).get("failures_reported", 0))


_RECENT = (select(Event.id).where(Event.escalation_id == bindparam("esc"),
                                  Event.kind.not_in(FAILURE_KINDS))
           .order_by(Event.id.desc()).limit(EVENTS).subquery())
# the last EVENTS events and the failures not yet reported, in one round trip
_STORED = (select(Event).where(Event.escalation_id == bindparam("esc"),
                               or_(Event.id.in_(select(_RECENT.c.id)),
                                   and_(Event.kind.in_(FAILURE_KINDS),
                                        Event.id > bindparam("seen"))))
           .order_by(Event.id))
_CACHE = "outbox.stored_events"  # {escalation id: [Event]} for the transaction


def prefetch_events(session: Session, escalations: Sequence[Escalation]) -> None:
    """What _STORED finds for each of `escalations`, in one query instead of one each
    (the SLA sweep's batch): the last EVENTS per escalation by a window, and failures
    after the lowest mark (each recap filters by its own)."""
    tasks.prefetch(session, escalations)  # the task list each email shows, one query too
    cache = _cache(session)
    todo = [e.id for e in escalations if e.id not in cache]
    if not todo:
        return
    failure = Event.kind.in_(FAILURE_KINDS)
    rank = (func.row_number()
            .over(partition_by=(Event.escalation_id, failure), order_by=Event.id.desc())
            .label("rank"))
    ranked = select(Event.id, rank).where(Event.escalation_id.in_(todo)).subquery()
    seen = min(_seen(e) for e in escalations if e.id in todo)
    query = (select(Event).join(ranked, ranked.c.id == Event.id)
             .where(or_(and_(~failure, ranked.c.rank <= EVENTS),
                        and_(failure, Event.id > seen)))
             .order_by(Event.id))
    found: dict[int, list[Event]] = {esc_id: [] for esc_id in todo}
    with session.no_autoflush:
        for event in session.scalars(query):
            found[event.escalation_id].append(event)
    cache.update(found)


def new_escalation(session: Session, esc: Escalation) -> None:
    """An escalation created in this transaction has no stored events: no query for them."""
    _cache(session)[esc.id] = []


def _cache(session: Session) -> dict[int, list[Event]]:
    return transaction_dict(session, _CACHE)


def _stored_events(session: Session, esc: Escalation) -> list[Event]:
    """What _STORED finds, oldest first: read once per escalation and transaction, without
    autoflush (a flush per email was half of rendering's cost); what this transaction
    adds comes from events.added."""
    cache = _cache(session)
    if esc.id not in cache:
        with session.no_autoflush:
            cache[esc.id] = list(session.scalars(_STORED, {"esc": esc.id, "seen": _seen(esc)}))
    return cache[esc.id]


def _event(e: Event) -> dict[str, Any]:
    return {"at": e.at, "kind": e.kind, "actor": e.actor, "detail": e.detail}
