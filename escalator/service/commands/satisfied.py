"""Satisfied: the review's first answer (the review completes in service.review.finish)."""

from escalator.service import review
from escalator.service.commands import Context
from parser.result import Command

EVENT = "review"


def apply(ctx: Context, command: Command) -> str | None:
    review.of(ctx.session, ctx.esc, ctx.actor).satisfied = command.value == "yes"
    return f"review: customer satisfied: {command.value}"
