"""What intake adds to a new escalation beyond the ladder: the revenue rules (a raised
severity or first rung, with the reason kept for the acknowledgement), the playbook's
tasks and the asks, and the repeat-escalation flag to the CSM's manager.

One call from intake (`on_open`), after the escalation is linked to its account and team
and before its first rung is notified, in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escalator.playbooks import AccountFacts, choose, evaluate, raised_targets
from escalator.service import events, tasks
from escalator.service.outbox import enqueue
from escalator.service.recipients import add_stakeholders, rung_addresses
from escalator.service.views import escalation_view
from escalator.settings import Settings
from escalator.sla import Targets
from models import Account, Escalation, EscalationAccount, Notice

REPEAT_SHOWN = 10  # escalations the repeat email lists


def on_open(session: Session, settings: Settings, esc: Escalation, targets: Targets,
            now: datetime) -> tuple[int, Targets]:
    """Apply the revenue rules, create the tasks and asks, flag a repeat; return the
    severity and targets the escalation now has."""
    account = session.scalar(select(Account).join(
        EscalationAccount, EscalationAccount.account_id == Account.id)
        .where(EscalationAccount.escalation_id == esc.id))
    if settings.revenue.rules and account is not None:
        targets = _raise(session, settings, esc, account, targets, now)
    playbook = choose(settings.playbooks, esc.severity, esc.risk_level, esc.type, esc.category)
    if playbook is not None:
        esc.extra = {**(esc.extra or {}), "playbook": playbook.name}
    tasks.create(session, settings, esc, playbook, now)
    if account is not None and settings.revenue.repeat_count:
        _repeat(session, settings, esc, account, now)
    return esc.severity, targets


def _raise(session: Session, settings: Settings, esc: Escalation, account: Account,
           targets: Targets, now: datetime) -> Targets:
    facts = AccountFacts(account.name, account.arr, account.renewal_date, account.segment,
                         account.health)
    r = evaluate(settings.revenue.rules, facts, esc.severity, now)
    if not r.applied:
        return targets
    raised = raised_targets(settings.policy, esc.severity, r, esc.opened_at)
    esc.severity = r.severity
    esc.response_due_at, esc.resolution_due_at = raised.response_due_at, raised.resolution_due_at
    esc.rung = raised.first_rung
    esc.extra = {**(esc.extra or {}), "raised": list(r.applied)}
    events.add(session, esc, now, "raised", "escalator", "; ".join(r.applied)[:2000])
    return raised


def _repeat(session: Session, settings: Settings, esc: Escalation, account: Account,
            now: datetime) -> None:
    """The Nth escalation on the account within the window: the CSM's manager hears, once
    per window for the account (a notice row keeps it so)."""
    since = now - settings.revenue.repeat_within
    mine = (select(EscalationAccount.escalation_id)
            .where(EscalationAccount.account_id == account.id))
    count = session.scalar(select(func.count()).select_from(Escalation).where(
        Escalation.id.in_(mine), Escalation.opened_at >= since)) or 0
    if count < settings.revenue.repeat_count:
        return
    flagged = session.scalar(select(func.count()).select_from(Notice).where(
        Notice.escalation_id.in_(mine), Notice.target == "repeat", Notice.sent_at >= since))
    if flagged:
        return
    session.add(Notice(escalation_id=esc.id, target="repeat", rung="manager", due_at=now,
                       sent_at=now))
    recent = list(session.scalars(select(Escalation).where(
        Escalation.id.in_(mine), Escalation.opened_at >= since)
        .order_by(Escalation.opened_at.desc()).limit(REPEAT_SHOWN)))
    managers = rung_addresses(settings, esc, "manager")
    add_stakeholders(esc, settings, managers)
    row = enqueue(session, settings, kind="repeat", now=now, to=managers, esc=esc,
                  context={"recent": [escalation_view(e, json=False) for e in recent],
                           "days": settings.revenue.repeat_within.days})
    who = ", ".join(row.to_addrs) if row is not None else "no manager address configured"
    events.add(session, esc, now, "repeat", "escalator",
               f"{count} escalations on {account.name} within "
               f"{settings.revenue.repeat_within.days} days: the CSM's manager told ({who})")
