"""Every reply command is parsed and applied through one table, on SQLite and PostgreSQL:
the parser's registry and the service's applies are the same set of names, each change is
applied by its command's module with its audit event, a command added in a test's own
table is read, applied and listed in the footer, and one the table lacks is said."""

from __future__ import annotations

import pkgutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

import escalator.service.commands as service_commands
from escalator.db import Database
from escalator.render import KINDS, render, sample_context
from escalator.service.commands import TABLE, Applier, Context, Table
from escalator.service.intake import handle_message
from escalator.service.replies import apply_commands
from escalator.settings import Settings, SmtpSettings
from models import Escalation, Event, OutboxMessage, Review
from parser.commands import NAMES, REGISTRY, SPECS, Registry, Spec, read
from parser.commands.spec import Parsed
from parser.result import Command, Problem

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
SETTINGS = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                    ladder={"manager": ("mgr@example.com",), "director": ("dir@example.com",),
                            "vp": ("vp@example.com",), "executive": ("ceo@example.com",)})
EVERY = """ack
Status: working
Severity: 2
Owner: mgr@example.com
Account: Initech
Steps: restart the sync
Type: churn risk
Category: billing
Links: https://tickets.example.com/T-1 https://tickets.example.com/T-2
Done: 1
Skip: 2 not needed
Take: A1
Note: called their CTO
Satisfied: yes
Root cause: the nightly job
Prevention: a lock
"""


def _flag(value: str) -> Parsed:
    if value.lower() in ("red", "amber", "green"):
        return value.lower()
    return Problem("Flag", f"'{value}' — not a flag; use red, amber or green")


def _apply_flag(ctx: Context, command: Command) -> str | None:
    ctx.esc.steps = [*ctx.esc.steps, f"flagged {command.value}"]
    return f"flag set to {command.value}"


FLAG = Spec("flag", "Flag: red | amber | green", _flag, labels=("flag",))
OWN = Table(Registry((*SPECS, FLAG)), {**TABLE.appliers, "flag": Applier(_apply_flag)})


@pytest.fixture
def db(any_db: Database) -> Iterator[Database]:
    msg = EmailMessage()
    msg["From"] = "csm@example.com"
    msg["To"] = "escalations@example.com"
    msg["Subject"] = "Escalation: Umbrella – Data loss"
    msg["Message-ID"] = "<m1@mail.example.com>"
    msg.set_content("Issue: data loss\nSeverity: 3\nEscalation Ask: a call from the VP\n")
    handle_message(any_db, SETTINGS, bytes(msg), T0)
    yield any_db


def _apply(db: Database, text: str, table: Table = TABLE, via: str = "email",
           commands: tuple[Command, ...] | None = None) -> list[str]:
    found, problems = read(text, table.registry)
    with db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None
        return apply_commands(s, SETTINGS, esc, found if commands is None else commands,
                              "csm@example.com", T0 + H, via=via, text=text,
                              problems=[str(p) for p in problems], table=table)


def _events(db: Database) -> list[tuple[str, str]]:
    with db.transaction() as s:
        return [(e.kind, e.detail) for e in s.scalars(
            select(Event).where(Event.escalation_id == 1, Event.kind.not_in(("opened", "notified")))
            .order_by(Event.id))]


def _last(db: Database, kind: str) -> OutboxMessage:
    with db.transaction() as s:
        row = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                        .order_by(OutboxMessage.id.desc())).first()
        assert row is not None
        s.expunge(row)
        return row


def test_the_parsers_and_the_services_commands_are_the_same_set() -> None:
    modules = {m.name for m in pkgutil.iter_modules(service_commands.__path__)}
    assert modules == set(NAMES) == set(REGISTRY.names) == set(TABLE.appliers)
    assert TABLE.registry is REGISTRY


def test_a_table_missing_an_apply_or_a_command_is_refused() -> None:
    with pytest.raises(ValueError, match="without an apply: flag"):
        Table(Registry((*SPECS, FLAG)), TABLE.appliers)
    with pytest.raises(ValueError, match="without a reply command: flag"):
        Table(REGISTRY, {**TABLE.appliers, "flag": Applier(_apply_flag)})


def test_every_command_is_applied_by_its_module_through_the_table(db: Database) -> None:
    applied: list[str] = []

    def counted(name: str, applier: Applier) -> Applier:
        def apply(ctx: Context, command: Command) -> str | None:
            applied.append(name)
            return applier.apply(ctx, command)
        return Applier(apply, applier.event)

    table = Table(REGISTRY, {n: counted(n, a) for n, a in TABLE.appliers.items()})
    changes = _apply(db, EVERY, table)
    assert applied == ["ack", "status", "severity", "owner", "account", "steps", "type",
                       "category", "links", "links", "done", "skip", "take", "note",
                       "satisfied", "root_cause", "prevention"]
    assert set(applied) == set(NAMES)
    assert [kind for kind, _ in _events(db)] == [
        "ack", "status", "severity", "owner", "account", "steps", "type", "category",
        "links", "links", "task", "task", "task", "note", "review", "review", "review",
        "review"]
    assert changes[-4:] == ["review: customer satisfied: yes",
                            "review: root cause: the nightly job",
                            "review: prevention: a lock", "review complete"]
    with db.transaction() as s:
        esc = s.get(Escalation, 1)
        review = s.get(Review, 1)
        assert esc is not None and review is not None
        assert (esc.status, esc.severity, esc.owner, esc.account, esc.type, esc.category) == (
            "working", 2, "mgr@example.com", "Initech", "Churn Risk", "Billing")
        assert esc.steps[-1] == "restart the sync" and len(esc.links) == 2
        assert (review.satisfied, review.root_cause, review.prevention) == (
            True, "the nightly job", "a lock")
        assert review.completed_at is not None and review.answered_by == "csm@example.com"


def test_a_command_of_its_own_table_is_read_applied_and_listed(db: Database) -> None:
    assert _apply(db, "Flag: Amber\nFlag: purple", OWN) == ["flag set to amber"]
    assert _events(db) == [("flag", "flag set to amber")]
    recap = _last(db, "recap")
    assert "Flag: 'purple' — not a flag; use red, amber or green" in recap.text_body
    with db.transaction() as s:
        esc = s.get(Escalation, 1)
        assert esc is not None and esc.steps[-1] == "flagged amber"
    # the footer of every email lists it once the registry has it, and only then
    footers = 0
    for kind in KINDS:
        own = render(kind, {**sample_context(kind), "registry": OWN.registry})
        plain = render(kind, sample_context(kind))
        if "One command per line" not in plain.text:  # the digest's and alert's own footers
            assert own == plain, kind
            continue
        footers += 1
        assert "  Flag: red | amber | green\n" in own.text, kind
        assert ">Flag: red | amber | green</span>" in own.html, kind
        assert "Flag:" not in plain.text and "Flag:" not in plain.html, kind
        assert own.text.replace("  Flag: red | amber | green\n", "") == plain.text, kind
    assert footers == 9  # with the task reminder, the overdue task and the repeat flag


def test_answers_and_commands_from_another_path_name_it_and_an_unknown_one_is_said(
        db: Database) -> None:
    given = (Command("satisfied", "no", "dashboard"), Command("status", "waiting", "dashboard"),
             Command("flag", "red", "api"))
    changes = _apply(db, "", via="api", commands=given)
    assert changes == ["status open → waiting", "review: customer satisfied: no"]
    assert _events(db) == [("status", "status open → waiting (via api)"),
                           ("review", "review: customer satisfied: no (via api)")]
    assert "flag: not a command; nothing was done for it" in _last(db, "recap").text_body
