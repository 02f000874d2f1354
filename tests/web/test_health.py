"""/healthz, /readyz, /metrics and the banner, over HTTP on a real database (SQLite and
PostgreSQL): what each says, when it turns red, and who may read it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlalchemy.orm import Session

from escalator import status
from escalator.db import Database, init_db
from escalator.health import Probe, readiness
from escalator.service.intake import handle_message
from escalator.service.sweep import sweep
from escalator.settings import ImapSettings, Settings, WebSettings
from escalator.web import Dashboard, start_dashboard
from models import OutboxMessage
from tests.reports.sample import intake_mail
from tests.reports.sample import settings as sample_settings
from tests.support.samples import raw_email
from tests.web.test_dashboard import get

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_status() -> Iterator[None]:
    status.reset()
    yield
    status.reset()


@pytest.fixture
def world(database_url: str) -> Iterator[tuple[Database, Settings]]:
    init_db(database_url)
    db = Database(database_url)
    yield db, sample_settings(database_url)
    db.dispose()


def serve(world: tuple[Database, Settings], now: datetime, probe: Probe | None = None,
          warnings: tuple[str, ...] = (), **web: object) -> Dashboard:
    db, settings = world
    settings = replace(settings, web=WebSettings(**{"port": 0, **web}))  # type: ignore[arg-type]
    return start_dashboard(db, settings, clock=lambda: now, probe=probe, warnings=warnings)


def stop(server: Dashboard) -> None:
    server.shutdown()


def test_healthz_is_open_readyz_and_metrics_need_the_token(
        world: tuple[Database, Settings]) -> None:
    server = serve(world, T0, token="s3cret")
    try:
        code, body, response = get(server.url + "/healthz")
        assert (code, body) == (200, "ok\n")
        assert response.headers["Content-Type"].startswith("text/plain")
        for path in ("/readyz", "/metrics"):
            assert get(server.url + path)[0] == 401
            assert get(server.url + path, {"Authorization": "Bearer wrong"})[0] == 401
        code, body, _ = get(server.url + "/readyz", {"Authorization": "Bearer s3cret"})
        assert code == 200 and json.loads(body)["ready"] is True
        code, body, response = get(server.url + "/metrics", {"Authorization": "Bearer s3cret"})
        assert code == 200 and response.headers["Content-Type"].startswith("text/plain")
        assert "escalator_database_up 1.0" in body
    finally:
        stop(server)


def test_readyz_turns_red_on_mail_stuck_in_the_outbox_and_the_banner_says_so(
        world: tuple[Database, Settings]) -> None:
    db, settings = world
    handle_message(db, settings, intake_mail("Initech", "Pricing", "Churn Risk", "Billing", 2), T0)
    limit = settings.health.smtp_failing_after
    early = serve(world, T0 + limit)  # written exactly `limit` ago: still green
    late = serve(world, T0 + limit + timedelta(seconds=1), warnings=("[x] y: a warning",))
    try:
        code, body, _ = get(early.url + "/readyz")
        assert code == 200, body
        code, body, _ = get(late.url + "/readyz")
        assert code == 503
        checks = json.loads(body)["checks"]
        assert checks["database"] == {"ok": True, "detail": "reachable"}
        assert checks["outbox"]["ok"] is False
        assert "oldest unsent email written 15 min ago" in checks["outbox"]["detail"]
        _, html, _ = get(late.url + "/")
        banner = html.split('<div class="banner red"', 1)[1].split("</div>", 1)[0]
        assert "Escalator is unwell" in banner and "outbox: oldest unsent email" in banner
        assert "[x] y: a warning" in banner
        _, html, _ = get(early.url + "/escalations")
        assert 'class="banner' not in html  # green, no warnings: no banner at all
        with db.transaction() as session:  # delivered: green again
            session.execute(update(OutboxMessage).values(status="sent", sent_at=T0))
        code, body, _ = get(late.url + "/readyz")
        assert code == 200 and json.loads(body)["checks"]["outbox"]["detail"] == (
            "nothing waits to be sent")
    finally:
        stop(early)
        stop(late)


def test_process_checks_mailbox_scheduler_and_jobs(world: tuple[Database, Settings]) -> None:
    db, settings = world
    settings = replace(settings, imap=ImapSettings(host="imap.example.com", username="u",
                                                   poll_seconds=10))
    running = {"yes": True}
    probe = Probe(T0, lambda: running["yes"], sweep_seconds=30)

    def checks(now: datetime) -> dict[str, tuple[bool, str]]:
        with Session(db.engine) as session:
            found = readiness(session, settings, now, status.snapshot(), probe)
        return {c.name: (c.ok, c.detail) for c in found}

    first = checks(T0 + timedelta(seconds=30))  # within 3 × poll_seconds of the start
    assert first["mailbox"] == (True, "starting: not read yet")
    assert first["scheduler"] == (True, "starting: no sweep yet")
    assert first["jobs"] == (True, "every job's last run went through")
    late = checks(T0 + timedelta(seconds=91))
    assert late["mailbox"] == (False, "not read since the start at 2026-11-02 09:00 UTC")
    assert late["scheduler"][0] is False
    status.record_ok("mailbox", T0 + timedelta(seconds=61))
    status.record_ok("sweep", T0 + timedelta(seconds=61))
    status.record_failure("digests", T0 + timedelta(seconds=62), "database: gone away")
    now = checks(T0 + timedelta(seconds=91))
    assert now["mailbox"] == (True, "read 30 s ago")
    assert now["scheduler"] == (True, "last sweep 30 s ago")
    assert now["jobs"] == (False, "digests failing since 2026-11-02 09:01 UTC: database: "
                                  "gone away")
    assert checks(T0 + timedelta(seconds=92))["mailbox"][0] is False  # 31 s > 3 × 10 s
    running["yes"] = False
    assert checks(T0 + timedelta(seconds=91))["scheduler"] == (
        False, "stopped: no sweep, digest or delivery runs")


def test_readyz_red_when_the_database_is_away() -> None:
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=2")
    try:
        with Session(db.engine) as session:
            [check] = readiness(session, Settings(), T0, {}, None)
        assert check.name == "database" and not check.ok
        assert check.detail.startswith("unreachable: ") and "Traceback" not in check.detail
        server = serve((db, Settings()), T0)
        try:
            code, body, _ = get(server.url + "/readyz")
            assert code == 503 and json.loads(body)["checks"]["database"]["ok"] is False
            code, html, _ = get(server.url + "/")  # the page fails; its banner says why
            assert code == 500 and "database: unreachable: " in html
            assert get(server.url + "/healthz")[:2] == (200, "ok\n")
            metrics = get(server.url + "/metrics")[1]
            assert "escalator_database_up 0.0" in metrics
        finally:
            stop(server)
    finally:
        db.dispose()


def test_metrics_count_what_the_database_holds(world: tuple[Database, Settings]) -> None:
    db, settings = world
    for n in (1, 2, 3):  # three escalations, severity 3 (risk level Medium)
        handle_message(db, settings, raw_email(n), T0)
    outsider = raw_email(4).replace(b"csm4@example.com", b"someone@elsewhere.test")
    handle_message(db, settings, outsider, T0)
    auto = raw_email(5).replace(b"Subject:", b"Auto-Submitted: auto-replied\r\nSubject:", 1)
    handle_message(db, settings, auto, T0)
    rejected = raw_email(6).replace(b"Escalation:", b"Question:")
    handle_message(db, settings, rejected, T0)
    sweep(db, settings, T0 + timedelta(hours=25))  # severity 3: response target 24 h
    with db.transaction() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.kind == "ack")
                        .values(status="sent", sent_at=T0))
    server = serve(world, T0 + timedelta(hours=26))
    try:
        code, body, _ = get(server.url + "/metrics")
    finally:
        stop(server)
    assert code == 200
    families = {f.name: f for f in text_string_to_metric_families(body)}

    def values(name: str) -> dict[tuple[tuple[str, str], ...], float]:
        return {tuple(sorted(s.labels.items())): s.value for s in families[name].samples
                if s.name == name + ("_total" if families[name].type == "counter" else "")}

    messages = values("escalator_messages")
    assert messages[(("outcome", "intake"), ("reason", ""))] == 3
    assert messages[(("outcome", "outsider"), ("reason", "outsider"))] == 1
    assert messages[(("outcome", "ignored"), ("reason", "auto-reply"))] == 1
    assert messages[(("outcome", "rejected"), ("reason", "account"))] == 1  # not found
    assert sum(messages.values()) == 6
    notices = values("escalator_notices")
    assert notices[(("kind", "new"), ("rung", "manager"))] == 3
    assert notices[(("kind", "response"), ("rung", "director"))] == 3
    emails = values("escalator_emails")
    assert emails[(("kind", "ack"), ("status", "sent"))] == 3
    assert emails[(("kind", "breach"), ("status", "pending"))] == 3
    assert values("escalator_outbox_oldest_age_seconds")[()] == 26 * 3600
    assert values("escalator_escalations_open")[(("severity", "3"),)] == 3
    assert values("escalator_database_up")[()] == 1
    assert families["escalator_sweep_duration_seconds"].type == "histogram"
    assert families["escalator_intake_lag_seconds"].type == "histogram"


def test_webhook_and_chat_rows_are_not_counted_as_unsent_email(
        world: tuple[Database, Settings]) -> None:
    db, settings = world
    handle_message(db, settings, intake_mail("Initech", "Pricing", "Churn Risk", "Billing", 2), T0)
    with db.transaction() as session:  # as if a webhook receiver were down since T0
        session.execute(update(OutboxMessage).values(channel="webhook"))
    server = serve(world, T0 + timedelta(hours=3))
    try:
        code, body, _ = get(server.url + "/readyz")
        assert code == 200, body
        assert json.loads(body)["checks"]["outbox"]["detail"] == "nothing waits to be sent"
        code, body, _ = get(server.url + "/metrics")
    finally:
        stop(server)
    families = {f.name: f for f in text_string_to_metric_families(body)}
    assert not [s for s in families["escalator_emails"].samples if s.name.endswith("_total")]
    channel = {tuple(sorted(s.labels.items())): s.value
               for s in families["escalator_channel_messages"].samples
               if s.name == "escalator_channel_messages_total"}
    assert channel[(("channel", "webhook"), ("status", "pending"))] >= 2  # ack + first rung
    assert "escalator_outbox_oldest_age_seconds 0.0" in body
