"""SQLAlchemy 2.0 typed models, one module per table group; the schema is Alembic's."""

from models.account import Account, AccountAlias, EscalationAccount
from models.api_token import ApiToken
from models.base import Base
from models.credential import Credential
from models.digest import DigestSent
from models.escalation import Escalation
from models.event import Event
from models.health_indexes import HEALTH_INDEXES
from models.inbound import Inbound
from models.link import UsedLink
from models.notice import Notice
from models.outbox import DisabledDestination, OutboxMessage
from models.report_indexes import REPORT_INDEXES
from models.review import Review
from models.task import Task
from models.weekly import WeeklyReportSent

__all__ = [
    "Account", "AccountAlias", "ApiToken", "Base", "Credential", "DigestSent",
    "DisabledDestination", "Escalation",
    "EscalationAccount", "Event", "HEALTH_INDEXES", "Inbound", "Notice", "OutboxMessage",
    "REPORT_INDEXES", "Review", "Task", "WeeklyReportSent", "UsedLink",
]
