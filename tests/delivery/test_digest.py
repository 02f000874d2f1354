"""The daily digest: at the configured local time, once per person per local day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from escalator.db import Database
from escalator.service.digest import digest_sweep
from escalator.settings import DigestSettings
from models import OutboxMessage
from tests.delivery.helpers import T0, open_escalation, settings_for

BERLIN = DigestSettings(at="08:00", timezone="Europe/Berlin")


def digests(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest")
                                    .order_by(OutboxMessage.id)))


def test_once_per_person_per_local_day_at_the_local_time(db: Database) -> None:
    settings = replace(settings_for(2525, db), digest=BERLIN)
    open_escalation(db, settings, 1)
    open_escalation(db, settings, 2)
    before = datetime(2026, 11, 27, 6, 59, tzinfo=UTC)  # 07:59 in Berlin
    assert digest_sweep(db, settings, before) == 0
    at = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
    assert digest_sweep(db, settings, at) == 3  # csm1, csm2 and the manager who owns both
    assert digest_sweep(db, settings, at.replace(hour=15)) == 0
    rows = digests(db)
    assert sorted(r.to_addrs[0] for r in rows) == [
        "csm1@example.com", "csm2@example.com", "maya.manager@example.com"]
    manager = next(r for r in rows if r.to_addrs == ["maya.manager@example.com"])
    assert manager.subject.startswith("[ESC-1] [ESC-2] Daily digest 2026-11-27: 2 open")
    assert "ESC-1" in manager.text_body and "ESC-2" in manager.text_body
    assert "escalations@example.com" not in [r.to_addrs[0] for r in rows]
    assert digest_sweep(db, settings, datetime(2026, 11, 28, 7, 1, tzinfo=UTC)) == 3


def test_breached_and_due_soon_are_listed_first(db: Database) -> None:
    settings = replace(settings_for(2525, db), digest=BERLIN)
    open_escalation(db, settings, 1)  # 2026-11-26 09:00 UTC, severity 3: response in 24 h
    digest_sweep(db, settings, datetime(2026, 11, 27, 7, 30, tzinfo=UTC))
    text = digests(db)[0].text_body
    assert "0 breached, 1 due within a day" in text
    digest_sweep(db, settings, datetime(2026, 11, 28, 10, 0, tzinfo=UTC))  # 49 h: breached
    text = digests(db)[-1].text_body
    assert "1 breached" in text and text.index("Breached:") < text.index("All open:")


def test_no_digest_table_no_digests(db: Database) -> None:
    settings = settings_for(2525, db)
    open_escalation(db, settings, 1)
    assert settings.digest is None
    assert digest_sweep(db, settings, T0.replace(hour=23)) == 0


def test_the_first_digest_waits_for_the_digest_hour(db: Database) -> None:
    """Installed at 10:00 with the digest at 08:00: an escalation opened at 10:00 is in the
    next morning's digest, not in one sent at once; one opened before 08:00 is in today's."""
    settings = replace(settings_for(2525, db), digest=BERLIN)
    open_escalation(db, settings, 1)  # 2026-11-26 10:00 in Berlin
    assert digest_sweep(db, settings, T0.replace(minute=5)) == 0
    assert digest_sweep(db, settings, T0.replace(hour=22)) == 0
    assert digest_sweep(db, settings, datetime(2026, 11, 27, 6, 59, tzinfo=UTC)) == 0
    assert digest_sweep(db, settings, datetime(2026, 11, 27, 7, 0, tzinfo=UTC)) == 2
    open_escalation(db, settings, 2, when=datetime(2026, 11, 28, 6, 0, tzinfo=UTC))
    open_escalation(db, settings, 3, when=datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    assert digest_sweep(db, settings, datetime(2026, 11, 28, 12, 0, tzinfo=UTC)) == 3
    manager = [r for r in digests(db) if r.to_addrs == ["maya.manager@example.com"]][-1]
    assert "ESC-2" in manager.text_body and "ESC-3" not in manager.text_body
