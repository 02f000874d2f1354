"""Root cause: a review answer (kept to 4000 characters)."""

from escalator.service import review
from escalator.service.commands import Context
from parser.result import Command

EVENT = "review"


def apply(ctx: Context, command: Command) -> str | None:
    review.of(ctx.session, ctx.esc, ctx.actor).root_cause = command.value[:review.TEXT]
    return f"review: root cause: {command.value}"
