"""Prevention: a review answer (kept to 4000 characters)."""

from escalator.service import review
from escalator.service.commands import Context
from parser.result import Command

EVENT = "review"


def apply(ctx: Context, command: Command) -> str | None:
    review.of(ctx.session, ctx.esc, ctx.actor).prevention = command.value[:review.TEXT]
    return f"review: prevention: {command.value}"
