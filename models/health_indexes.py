"""Indexes the health checks, admin alerts and /metrics read through, on tables other
modules own (Alembic revisions 0010 and 0011 create them): each alert query takes the rows
of one kind since a time, and a scrape counts rows by kind and status from an index alone,
not from the wide rows."""

from __future__ import annotations

from sqlalchemy import Index

from models.event import Event
from models.inbound import Inbound
from models.notice import Notice
from models.outbox import OutboxMessage

HEALTH_INDEXES = (
    Index("ix_event_kind_at", Event.kind, Event.at),  # "fault" events since the last alert
    Index("ix_inbound_outcome_received_at", Inbound.outcome, Inbound.received_at),
    # emails by status and kind (a scrape); the oldest unsent email (/readyz, the banner)
    Index("ix_outbox_status_kind_created_at", OutboxMessage.status, OutboxMessage.kind,
          OutboxMessage.created_at),
    Index("ix_notice_target_rung", Notice.target, Notice.rung),  # notices by kind and rung
)
