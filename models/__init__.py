"""SQLAlchemy 2.0 typed models, one module per table group; the schema is Alembic's."""

from models.base import Base
from models.escalation import Escalation
from models.event import Event
from models.inbound import Inbound
from models.notice import Notice
from models.outbox import OutboxMessage

__all__ = ["Base", "Escalation", "Event", "Inbound", "Notice", "OutboxMessage"]
