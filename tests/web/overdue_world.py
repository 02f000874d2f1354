"""A world with escalations overdue at every rung, made by the real service: the sample
(tests/reports/sample.py), a sweep, and three more emails."""

from __future__ import annotations

from datetime import datetime, timedelta

from escalator.db import Database
from escalator.service.intake import handle_message
from escalator.service.sweep import sweep
from escalator.settings import Settings
from tests.reports.sample import T0, intake_mail, populate

NOW = T0 + timedelta(days=4)  # no sweep since T0 + 7 h: each stays at the rung it reached
# the rung each overdue escalation stands at by NOW, longest late first
EXPECTED = [("ESC-1", "executive"), ("ESC-3", "vp"), ("ESC-7", "director"),
            ("ESC-4", "manager"), ("ESC-6", "manager"), ("ESC-8", "csm")]
NOT_LATE = ("ESC-2", "ESC-5", "ESC-9")  # done, done, opened an hour before NOW


def overdue_world(url: str) -> tuple[Database, Settings, datetime]:
    db, settings = populate(url)  # ESC-1 (sev 1) at the executive, the top rung
    sweep(db, settings, T0 + timedelta(hours=7))  # ESC-3 (sev 2) climbs to the vp
    handle_message(db, settings, intake_mail("Initech", "Data export broken", "Help Needed",
                                             "Product", 2), T0 + timedelta(hours=8))
    handle_message(db, settings, intake_mail("Umbrella", "Login page typo", "Visibility",
                                             "Product", 4), T0 + timedelta(hours=8, minutes=5))
    handle_message(db, settings, intake_mail("Globex Corp", "Slow reports", "Help Needed",
                                             "Product", 3), NOW - timedelta(hours=1))
    return db, settings, NOW
