"""Indexes the health checks, admin alerts and /metrics read through, on tables other
modules own (Alembic revision 0010 creates them): each alert query takes the rows of one
kind since a time, and a scrape counts rows by kind, without reading the whole table."""

from __future__ import annotations

from sqlalchemy import Index

from models.event import Event
from models.inbound import Inbound
from models.outbox import OutboxMessage

HEALTH_INDEXES = (
    Index("ix_event_kind_at", Event.kind, Event.at),  # "fault" events since the last alert
    Index("ix_inbound_outcome_received_at", Inbound.outcome, Inbound.received_at),
    Index("ix_outbox_kind_created_at", OutboxMessage.kind, OutboxMessage.created_at),
)
