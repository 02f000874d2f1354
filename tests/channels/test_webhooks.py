"""Signed webhooks to a real HTTP receiver on loopback, on SQLite and PostgreSQL.

Events become outbox rows in their own transaction (service/publish.py); delivery posts
them with the Standard Webhooks headers. The receiver here verifies each POST with the
`standardwebhooks` package and validates its body against docs/webhook-payload.schema.json.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import jsonschema  # type: ignore[import-untyped]
import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from escalator.db import Database
from escalator.service.alerts import alert_sweep
from escalator.service.delivery import deliver
from mailer.smtp import SmtpSender
from models import DisabledDestination, Event, OutboxMessage
from tests.channels.helpers import (
    SCHEMA,
    SECRET,
    T0,
    command,
    open_escalation,
    rows,
    settings_for,
    trail_types,
)
from tests.delivery.helpers import Clock
from tests.support.http_receiver import HttpReceiver, Posted
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration


def _hooks(receiver: HttpReceiver, **more: dict[str, object]) -> dict[str, object]:
    return {"webhooks": {"crm": {"url": receiver.url("/crm"), "secret": SECRET}, **more}}


def _verified(posted: Posted, secret: str = SECRET) -> dict[str, object]:
    payload = Webhook(secret).verify(posted.body, posted.headers)
    jsonschema.validate(payload, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert isinstance(payload, dict)
    return payload


def _by_escalation(posts: list[Posted]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for p in posts:
        data = _verified(p)["data"]
        assert isinstance(data, dict)
        found.setdefault(data["escalation"]["id"], []).append(data["event"]["type"])
    return found


def _deliver(db: Database, settings: object, clock: Clock) -> None:
    from escalator.settings import Settings

    assert isinstance(settings, Settings)
    deliver(db, settings, lambda: SmtpSender(settings.smtp), clock=clock)


def test_each_event_is_posted_signed_in_order_and_matches_the_schema(
        any_db: Database, receiver: HttpReceiver, smtp_server: SmtpServer) -> None:
    settings = settings_for(any_db, smtp_server, _hooks(receiver))
    open_escalation(any_db, settings, 1)
    open_escalation(any_db, settings, 2, body="Issue: two\nSeverity: 2\n")
    command(any_db, settings, 1, "ack", "", T0 + timedelta(minutes=5))
    command(any_db, settings, 1, "status", "working", T0 + timedelta(minutes=6))
    command(any_db, settings, 2, "note", "called the customer", T0 + timedelta(minutes=7))
    command(any_db, settings, 1, "owner", "dan.director@example.com", T0 + timedelta(minutes=8))
    command(any_db, settings, 1, "severity", "2", T0 + timedelta(minutes=9))
    command(any_db, settings, 1, "status", "done", T0 + timedelta(minutes=10))
    _deliver(any_db, settings, Clock())

    got = _by_escalation(receiver.requests)
    assert got == trail_types(any_db)
    assert got["ESC-1"][:6] == ["opened", "acknowledged", "status", "owner", "severity", "done"]
    assert got["ESC-2"] == ["opened", "note"]
    ids = Counter(p.headers["webhook-id"] for p in receiver.requests)
    assert max(ids.values()) == 1
    last = _verified(receiver.requests[-1])
    done = [p for p in receiver.requests if _verified(p)["type"] == "escalation.done"][0]
    esc = _verified(done)["data"]["escalation"]  # type: ignore[index]
    assert (esc["status"], esc["owner"], esc["severity"]) == (
        "done", "dan.director@example.com", 2)
    assert last["timestamp"]
    assert all(r.status == "sent" for r in rows(any_db))


def test_a_forged_or_replayed_post_does_not_verify(
        any_db: Database, receiver: HttpReceiver, smtp_server: SmtpServer) -> None:
    settings = settings_for(any_db, smtp_server, _hooks(receiver))
    open_escalation(any_db, settings, 1)
    _deliver(any_db, settings, Clock())
    posted = receiver.requests[0]
    _verified(posted)
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY").verify(posted.body, posted.headers)
    with pytest.raises(WebhookVerificationError):  # another body under the same signature
        Webhook(SECRET).verify(posted.body.replace(b"ESC-1", b"ESC-9"), posted.headers)
    old = {**posted.headers, "webhook-timestamp": str(int(posted.headers["webhook-timestamp"])
                                                      - 3600)}
    with pytest.raises(WebhookVerificationError):  # a replay an hour later
        Webhook(SECRET).verify(posted.body, old)


def test_a_plain_secret_signs_with_its_own_bytes(
        any_db: Database, receiver: HttpReceiver, smtp_server: SmtpServer) -> None:
    plain = "correct horse battery staple"
    settings = settings_for(any_db, smtp_server, {"webhooks": {"crm": {
        "url": receiver.url("/crm"), "secret": plain, "events": ["opened"]}}})
    open_escalation(any_db, settings, 1)
    _deliver(any_db, settings, Clock())
    (posted,) = receiver.requests
    assert Webhook(plain.encode()).verify(posted.body, posted.headers)["type"] == (
        "escalation.opened")


def test_a_receiver_down_for_a_while_gets_every_event_once_in_order(
        any_db: Database, receiver: HttpReceiver, smtp_server: SmtpServer) -> None:
    settings = settings_for(any_db, smtp_server, _hooks(receiver))
    clock = Clock()
    receiver.down()
    for n in (1, 2, 3):
        open_escalation(any_db, settings, n)
    _deliver(any_db, settings, clock)  # refused: deferred
    steps = [(1, "ack", ""), (2, "status", "working"), (1, "note", "on it"),
             (3, "status", "waiting"), (1, "status", "done"), (2, "ack", "")]
    for n, name, value in steps:
        clock.advance(minutes=3)
        command(any_db, settings, n, name, value, clock.now)
        _deliver(any_db, settings, clock)  # still down: each try is refused
    assert receiver.requests == []
    assert {r.status for r in rows(any_db, "webhook")} == {"pending"}
    receiver.up()
    receiver.status = 503  # back, but in trouble: still retried, still in order
    clock.advance(minutes=20)
    _deliver(any_db, settings, clock)
    assert receiver.requests == [] and len(receiver.seen) == 3  # one try per escalation
    receiver.status = 200
    for _ in range(10):
        clock.advance(minutes=20)
        _deliver(any_db, settings, clock)
    got = _by_escalation(receiver.requests)
    assert got == trail_types(any_db)
    assert len(got["ESC-1"]) >= 4
    assert max(Counter(p.headers["webhook-id"] for p in receiver.requests).values()) == 1
    assert {r.status for r in rows(any_db, "webhook")} == {"sent"}


def test_a_row_put_off_holds_back_the_later_events_of_its_escalation_only(
        any_db: Database, receiver: HttpReceiver, smtp_server: SmtpServer) -> None:
    settings = settings_for(any_db, smtp_server, _hooks(receiver))
    clock = Clock()
    open_escalation(any_db, settings, 1)
    receiver.status = 429
    _deliver(any_db, settings, clock)  # ESC-1 opened: put off
    receiver.status = 200
    command(any_db, settings, 1, "ack", "", clock.now)
    open_escalation(any_db, settings, 2, when=clock.now)
    _deliver(any_db, settings, clock)  # ESC-1's ack waits for its opened; ESC-2 goes
    assert _by_escalation(receiver.requests) == {"ESC-2": ["opened"]}
    clock.advance(minutes=1)
    _deliver(any_db, settings, clock)
    assert _by_escalation(receiver.requests) == {"ESC-2": ["opened"],
                                                 "ESC-1": ["opened", "acknowledged"]}


def test_a_receiver_answering_410_is_disabled_with_an_event_and_an_admin_alert(
        any_db: Database, receiver: HttpReceiver, smtp_server: SmtpServer) -> None:
    settings = settings_for(any_db, smtp_server, _hooks(receiver, audit={
        "url": receiver.url("/audit"), "secret": SECRET}))
    receiver.statuses["/crm"] = 410
    clock = Clock()
    open_escalation(any_db, settings, 1)
    _deliver(any_db, settings, clock)
    command(any_db, settings, 1, "ack", "", clock.advance(minutes=1))
    open_escalation(any_db, settings, 2, when=clock.now)
    _deliver(any_db, settings, clock)

    assert [p.path for p in receiver.seen].count("/crm") == 1  # never again after the 410
    assert _by_escalation([p for p in receiver.requests if p.path == "/audit"]) == {
        "ESC-1": ["opened", "acknowledged"], "ESC-2": ["opened"]}
    crm = [r for r in rows(any_db, "webhook") if r.to_addrs == ["crm"]]
    assert [r.status for r in crm] == ["failed"] * 3
    assert all("disabled" in (r.last_error or "") for r in crm[1:])
    with any_db.transaction() as session:
        (gone,) = session.scalars(select(DisabledDestination))
        assert (gone.channel, gone.address) == ("webhook", "crm")
        said = [e.detail for e in session.scalars(select(Event).where(Event.kind == "channel"))]
    assert len(said) == 1 and said[0].startswith("webhook crm disabled: webhook crm: HTTP 410")
    assert alert_sweep(any_db, settings, clock.advance(minutes=1), {}) == 1
    with any_db.transaction() as session:
        alert = session.scalars(select(OutboxMessage).where(
            OutboxMessage.message_id.like("alert-channels.%"))).one()
    assert alert.to_addrs == ["admin@example.com"] and "crm" in alert.text_body

    # a new URL is a new receiver: enabled again
    receiver.statuses.pop("/crm")
    moved = settings_for(any_db, smtp_server, _hooks(receiver, audit={
        "url": receiver.url("/audit"), "secret": SECRET}) | {"webhooks": {"crm": {
            "url": receiver.url("/crm?v=2"), "secret": SECRET}}})
    command(any_db, moved, 2, "note", "moved", clock.advance(minutes=1))
    _deliver(any_db, moved, clock)
    assert [p.path for p in receiver.requests][-1] == "/crm?v=2"


def test_subscribed_events_only_and_nothing_without_a_webhook(
        any_db: Database, receiver: HttpReceiver, smtp_server: SmtpServer) -> None:
    settings = settings_for(any_db, smtp_server, {"webhooks": {"crm": {
        "url": receiver.url("/crm"), "secret": SECRET, "events": ["done"]}}})
    open_escalation(any_db, settings, 1)
    command(any_db, settings, 1, "ack", "", T0)
    command(any_db, settings, 1, "status", "done", T0)
    _deliver(any_db, settings, Clock())
    assert _by_escalation(receiver.requests) == {"ESC-1": ["done"]}


def test_without_channels_no_hook_is_installed(any_db: Database,
                                              smtp_server: SmtpServer) -> None:
    settings = settings_for(any_db, smtp_server, {})
    with any_db.transaction() as session:
        assert "events.hook" not in session.info
    open_escalation(any_db, settings, 1)
    assert {r.channel for r in rows(any_db)} == {"email"}
