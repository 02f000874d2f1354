"""Health-score triggers: when an account upsert (`accounts import`, sync, the API) brings
its health below `[accounts] health_threshold`, or down by `health_drop` points, its CSM
is mailed "consider an escalation" with the template's lines already filled in to reply
with (the reply, or the mailto link, comes back to the mailbox as an intake).

Once per crossing: the rule compares the reading before and after one upsert, so an
account that stays low is not asked again; it is asked again only after it has come back
up and fallen once more (or drops by `health_drop` again). The first reading of an account
sets its baseline and asks nothing. An account with an open escalation is not asked.
Only numeric health scores count ("72", "72.5"); other values ("Green") ask nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from escalator.service.outbox import enqueue
from escalator.settings import AccountSettings, Settings
from models import Account, Escalation, EscalationAccount
from models.escalation import OPEN_STATUSES


def score(text: str | None) -> float | None:
    try:
        value = float((text or "").strip().rstrip("%"))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


@dataclass(frozen=True)
class Crossing:
    before: float
    after: float
    reason: str  # "fell below 50", "dropped 25 points"


def crossing(before: str | None, after: str | None, rules: AccountSettings) -> Crossing | None:
    """Pure: does the move from `before` to `after` ask the CSM? None when it does not."""
    old, new = score(before), score(after)
    if old is None or new is None or new >= old:
        return None
    reasons = []
    limit = rules.health_threshold
    if limit is not None and old >= limit > new:
        reasons.append(f"fell below {_points(limit)}")
    if rules.health_drop is not None and old - new >= rules.health_drop:
        reasons.append(f"dropped {_points(old - new)} points")
    return Crossing(old, new, " and ".join(reasons)) if reasons else None


def _points(value: float) -> str:
    return f"{value:g}"


def enabled(settings: Settings | None) -> bool:
    return settings is not None and (settings.accounts.health_threshold is not None
                                     or settings.accounts.health_drop is not None)


def has_open_escalation(session: Session, account_id: int) -> bool:
    return session.scalar(
        select(EscalationAccount.escalation_id)
        .join(Escalation, Escalation.id == EscalationAccount.escalation_id)
        .where(EscalationAccount.account_id == account_id,
               Escalation.status.in_(OPEN_STATUSES)).limit(1)) is not None


def prefilled(account: Account, found: Crossing, mailbox: str) -> dict[str, str]:
    """The escalation to reply with: subject, body lines and a mailto: link with both."""
    summary = f"Health score fell from {_points(found.before)} to {_points(found.after)}"
    subject = f"Escalation: {account.name} – {summary}"
    body = (f"Risk Level: Medium\nType: Churn Risk\n"
            f"Issue: {summary} ({found.reason}); what is going on with the customer?\n")
    mailto = f"mailto:{mailbox}?subject={quote(subject)}&body={quote(body)}"
    return {"subject": subject, "body": body, "mailto": mailto, "summary": summary}


def ask_csm(session: Session, settings: Settings, account: Account, before: str | None,
            now: datetime) -> str | None:
    """Queue the CSM's email if the account's new health crosses a rule; a line saying
    what was done (or why nobody was asked), None when no rule was crossed."""
    found = crossing(before, account.health, settings.accounts)
    if found is None:
        return None
    what = f"{account.name}: health {_points(found.before)} → {_points(found.after)}"
    if has_open_escalation(session, account.id):
        return f"{what} ({found.reason}): has an open escalation, CSM not asked"
    if not account.csm or "@" not in account.csm:
        return f"{what} ({found.reason}): no CSM address in the directory, nobody asked"
    line = prefilled(account, found, settings.smtp.from_address)
    row = enqueue(session, settings, kind="health", now=now, to=[account.csm], context={
        "account": {"name": account.name, "arr": account.arr, "segment": account.segment,
                    "renewal_date": account.renewal_date, "csm": account.csm},
        "crossing": found, "line": line})
    if row is None:
        return f"{what} ({found.reason}): the CSM is the mailbox itself, nobody asked"
    return f"{what} ({found.reason}): {account.csm} asked to consider an escalation"
