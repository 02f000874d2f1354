"""Indexes the reports and the dashboard read through, on tables other modules own.

Declared here, beside the report models, so the report's needs stay in one place; they
attach to the same tables (Alembic revisions 0005 and 0007 create them).
"""

from __future__ import annotations

from sqlalchemy import Index

from models.escalation import Escalation
from models.notice import Notice
from models.review import Review

REPORT_INDEXES = (
    # open escalations (status IN open/working/waiting) with what the roll-ups group by:
    # read from the index alone, never from the wide escalation rows; id last (0007):
    # PostgreSQL's indexes, unlike SQLite's, do not carry it, and the joins need it
    Index("ix_escalation_report_open", Escalation.status, Escalation.type,
          Escalation.category, Escalation.severity, Escalation.rung, Escalation.id),
    # the SLA period (opened since a date) with every column its figures read
    Index("ix_escalation_report_period", Escalation.opened_at, Escalation.severity,
          Escalation.rung, Escalation.status, Escalation.category, Escalation.acknowledged_at,
          Escalation.resolved_at, Escalation.paused_seconds, Escalation.id),
    # the weekly trend: resolved per week, breach notices per week
    Index("ix_escalation_resolved_at", Escalation.resolved_at),
    Index("ix_notice_target_sent_at", Notice.target, Notice.sent_at),
    # the weekly report: acknowledged in a week, reviews completed in a week (0016)
    Index("ix_escalation_acknowledged_at", Escalation.acknowledged_at),
    Index("ix_review_completed_at", Review.completed_at),
)
