"""One log line per notice, written after its transaction committed."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from escalator.db import Database
from escalator.service.intake import handle_message
from escalator.service.sweep import sweep
from escalator.settings import DatabaseSettings, Settings
from tests.support.samples import raw_email

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_each_notice_is_one_line(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(database=DatabaseSettings(db.url),
                        ladder={"manager": ("maya.manager@example.com",),
                                "director": ("dan.director@example.com",)})
    caplog.set_level(logging.INFO, logger="escalator.notices")
    handle_message(db, settings, raw_email(1), T0)  # severity 3: response within 24 h
    sweep(db, settings, T0 + timedelta(hours=19))  # 75% of the window
    sweep(db, settings, T0 + timedelta(hours=22))  # 90%
    sweep(db, settings, T0 + timedelta(hours=25))  # missed: the director
    sweep(db, settings, T0 + timedelta(hours=25))  # nothing more
    lines = [r.getMessage() for r in caplog.records if r.name == "escalator.notices"]
    assert lines == ["notice ESC-1: new escalation, manager notified",
                     "notice ESC-1: warning: 75% of a target window used, manager notified",
                     "notice ESC-1: warning: 90% of a target window used, manager notified",
                     "notice ESC-1: response target missed, director notified"]
