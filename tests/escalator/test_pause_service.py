"""Waiting through the service layer: replies pause and resume the clocks, exact due times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from escalator.db import Database
from escalator.service.intake import handle_message
from escalator.settings import DEFAULT_SEVERITIES, Settings, SmtpSettings
from escalator.sla import Calendar
from models import Escalation
from tests.escalator.test_service import LADDER, email

H = timedelta(hours=1)
NY = ZoneInfo("America/New_York")
OFFICE = Calendar("office", timezone="America/New_York", start=time(9), end=time(17))
SETTINGS = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                    ladder=dict(LADDER), calendars={"office": OFFICE},
                    severities={**DEFAULT_SEVERITIES,
                                3: replace(DEFAULT_SEVERITIES[3], calendar="office")})


def ny(day: int, hour: int) -> datetime:
    """December 2026: the 4th is a Friday, the 7th a Monday."""
    return datetime(2026, 12, day, hour, tzinfo=NY).astimezone(UTC)


def say(db: Database, body: str, n: int, at: datetime) -> None:
    handle_message(db, SETTINGS, email(body, subject="Re: [ESC-1] recap",
                                       sender="mgr@example.com", n=n), at)


def due(db: Database) -> tuple[datetime, datetime]:
    with db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None
        return esc.response_due_at, esc.resolution_due_at


def test_business_hours_pause_over_a_weekend_moves_due_times_by_working_time(
        db: Database) -> None:
    # severity 3 on office hours (24 working hours): opened Friday 12:00 -> due Wednesday
    # 12:00 (Fri 5h, Mon 8h, Tue 8h, Wed 3h)
    handle_message(db, SETTINGS, email("Issue: slow\nSeverity: 3"), ny(4, 12))
    assert due(db)[0] == ny(9, 12)
    say(db, "Status: waiting", 2, ny(4, 16))
    assert due(db)[0] == ny(9, 12)  # nothing moves while it waits
    say(db, "Status: working", 3, ny(7, 10))
    # Fri 16-17 and Mon 9-10 were waited: two working hours later, not 66 wall-clock hours
    assert due(db)[0] == ny(9, 14)
    with db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None and esc.paused_seconds == 66 * 3600 and esc.paused_at is None


def test_severity_change_while_waiting_counts_the_pause_once(db: Database) -> None:
    t0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    handle_message(db, SETTINGS, email("Issue: outage\nSeverity: 2"), t0)
    say(db, "Status: waiting", 2, t0 + H)
    say(db, "Severity: 4", 3, t0 + 3 * H)  # 2 of the 4 hours waited so far
    assert due(db) == (t0 + 48 * H, t0 + 30 * 24 * H)
    say(db, "Status: working", 4, t0 + 5 * H)
    assert due(db) == (t0 + 52 * H, t0 + 30 * 24 * H + 4 * H)  # 4h waited, counted once
