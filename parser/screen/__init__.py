"""The order in which a message is screened, written once. The first step that answers
decides; the last always answers.

    step          question                                        answer when yes
    size          larger than max_message_bytes?                  Rejection (headers only)
    own_mail      From our mailbox, or one of our Message-IDs?    Ignored "own mail"
    bounce        a DSN, or from MAILER-DAEMON/postmaster?        Ignored, bounce_of, recipients
    auto_reply    Auto-Submitted, Precedence, X-Autoreply, Return-Path <>,
                  List-Id, "Automatic reply:" subject?            Ignored
    sender        From outside internal_domains, or DMARC fail?   Ignored, kept in failed
    thread        our Message-ID in In-Reply-To/References,
                  else [ESC-N] in the subject?                    Reply
    template      (always)                                        Intake or Rejection

Bounces are screened before auto-replies because a DSN also carries Auto-Submitted.
"""

from __future__ import annotations

from collections.abc import Callable

from parser.incoming import Incoming
from parser.result import Result
from parser.screen import auto_reply, bounce, own_mail, sender, size, template, thread

Step = Callable[[Incoming], Result | None]

STEPS: tuple[tuple[str, Step], ...] = (
    ("size", size.check),
    ("own_mail", own_mail.check),
    ("bounce", bounce.check),
    ("auto_reply", auto_reply.check),
    ("sender", sender.check),
    ("thread", thread.check),
    ("template", template.check),
)


def screen(incoming: Incoming) -> Result:
    for _, step in STEPS:
        result = step(incoming)
        if result is not None:
            return result
    raise AssertionError("the template step always answers")
