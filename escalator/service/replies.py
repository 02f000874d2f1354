"""Apply a colleague's reply: its commands change the record; everyone hears once, in a recap."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from escalator.service import events, review
from escalator.service.answers import answer
from escalator.service.commands import TABLE, Context, Table
from escalator.service.outbox import enqueue
from escalator.service.recipients import add_people, dedupe, left_out_problem
from escalator.service.state import reschedule
from escalator.settings import Settings
from models import Escalation
from parser.result import Command, Reply

MAX_PROBLEMS = 10  # listed in one answer; the rest are counted


def apply_reply(session: Session, settings: Settings, esc: Escalation, reply: Reply,
                now: datetime) -> list[str]:
    """Apply each command of a reply in order; return what changed, as sentences."""
    return apply_commands(session, settings, esc, reply.commands, reply.envelope.sender, now,
                          text=reply.text, problems=[str(p) for p in reply.problems])


def apply_commands(session: Session, settings: Settings, esc: Escalation,
                   commands: Sequence[Command], actor: str, now: datetime, *,
                   via: str = "email", text: str = "",
                   problems: Sequence[str] = (), table: Table = TABLE) -> list[str]:
    """The one path every change by a person takes (a reply, an action link, the dashboard,
    the API): apply each command in order through the command table (service/commands/),
    the review answers last, one audit event each (naming `via` unless it is email), then
    one recap to everyone; return what changed, as sentences for the recap.

    `text` is a reply's new text, read for review answers; `problems` are the parser's.
    A command the table does not know is refused and said, never dropped."""
    ctx = Context(session, settings, esc, actor, now)
    person = [actor] if "@" in actor else []  # an integration ("api:NAME") is mailed nothing
    _say(ctx.refused, left_out_problem(esc, settings, add_people(esc, settings, person)))
    changes: list[str] = []
    answers = review.read_answers(text, table.registry)  # not the line reader's: read here
    before = esc.status
    suffix = "" if via == "email" else f" (via {via})"
    given = _known(review.without_answers(tuple(commands), answers), table, ctx.refused)
    ordered = [c for c in given if not table.is_answer(c.name)]
    answered = [c for c in [*given, *answers.commands] if table.is_answer(c.name)]
    for command in [*_one_owner(ordered, ctx.refused), *answered]:
        change = table.apply(ctx, command)
        if change:
            changes.append(change)
            events.add(session, esc, now, table.event(command.name), actor, change + suffix)
    if answered:
        changes.extend(review.finish(session, esc, actor, now))
    if before != "done" and esc.status == "done":
        # CSM and owner hear of it in the review request: no recap of the same event
        ctx.notified.extend(review.request(session, settings, esc, now, changes))
    reschedule(esc, settings, now)
    problems = _bounded([*problems, *answers.problems, *ctx.refused])
    if changes:
        # the sender hears too, even when the stakeholder bound left them out
        enqueue(session, settings, kind="recap", now=now,
                to=dedupe([*esc.stakeholders, *person], ctx.notified), esc=esc,
                context={"changes": changes, "actor": actor, "problems": problems})
    elif problems and person:
        answer(session, settings, kind="confirmation", to=actor, now=now, esc=esc,
               context={"changes": [], "actor": actor, "problems": problems})
    return changes


def _known(commands: Sequence[Command], table: Table, refused: list[str]) -> list[Command]:
    """The commands the table can apply; any other (from a caller, not the parser) is said."""
    for c in commands:
        if not table.knows(c.name):
            refused.append(f"{c.name}: not a command; nothing was done for it")
    return [c for c in commands if table.knows(c.name)]


def _say(refused: list[str], problem: str | None) -> None:
    if problem:
        refused.append(problem)


def _bounded(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"… and {len(problems) - MAX_PROBLEMS} more problems"]


def _one_owner(commands: tuple[Command, ...] | list[Command],
               refused: list[str]) -> list[Command]:
    """One owner per reply: the first Owner: line counts, a second is a problem."""
    owners = [c for c in commands if c.name == "owner"]
    if len(owners) > 1:
        refused.append(f"Owner: given {len(owners)} times in one reply; only the first "
                       f"({owners[0].value}) counts: one owner per reply")
    return [c for c in commands if c.name != "owner" or c is owners[0]]
