"""What the parser hands to the service: frozen, plain data and nothing else.

One raw message becomes exactly one of:

    Intake     a usable escalation in the standard template
    Reply      a reply to an escalation (ESC-N found), with its commands
    Rejection  meant as an escalation or reply by a colleague, but unusable: the problems say why
    Ignored    not for us, or noise (auto-reply, bounce, outsider, our own mail): never answered
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    # an attached email (message/rfc822: Outlook's attached item, a forward as attachment):
    # its own Subject, From and Date; its text is never read as the sender's
    subject: str = ""
    sender: str = ""  # lower-cased address
    sender_name: str = ""
    date: datetime | None = None


@dataclass(frozen=True)
class Envelope:
    """Header facts every result carries."""

    message_id: str  # without angle brackets; a digest ("sha256:...") when the message has none
    sender: str  # lower-cased address of From (the forwarder, for a forward)
    sender_name: str
    subject: str  # decoded, unfolded
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    date: datetime | None = None
    size: int = 0


@dataclass(frozen=True)
class Problem:
    """One thing that is missing or unreadable, said so a person can fix it."""

    field: str  # "Account", "Severity", "message", ...
    message: str  # "not found — put it in the subject as 'Escalation: <Account> – <Summary>' ..."

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class Intake:
    envelope: Envelope
    account: str
    summary: str
    issue: str = ""
    severity: int | None = None  # explicit Severity, else the risk level (settings.risk_levels)
    risk_level: str | None = None  # "High" | "Medium" | "Low"
    timeline: str = ""
    call_recording: str = ""  # a URL where one was given
    actions_taken: tuple[str, ...] = ()
    ask: tuple[str, ...] = ()
    type: str = ""  # Help Needed | Churn Risk | Visibility | other text
    category: str = ""  # Product | Services | Partnership | Externalities | Billing | ...
    description: str = ""
    links: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()
    csm: str = ""  # a CSM: line, as typed (name or address)
    business_impact: str = ""
    resolution_requested: str = ""
    owner: str = ""  # ESCALATION OWNER:, as typed
    attachments: tuple[Attachment, ...] = ()
    notes: tuple[Problem, ...] = ()  # values that were present but unreadable and were left out


@dataclass(frozen=True)
class Command:
    name: str  # a name of the command registry (parser/commands/table.py)
    value: str  # normalised: status lower-case, severity "1".."4", owner an address
    line: str  # the line as typed, for confirmations
    escalation: int | None = None  # N when the line names it ("ESC-12: ack"), else None


@dataclass(frozen=True)
class Reply:
    envelope: Envelope
    escalation_id: int  # N of ESC-N: from our Message-IDs in In-Reply-To/References, else the tag
    commands: tuple[Command, ...] = ()
    problems: tuple[Problem, ...] = ()  # lines that looked like commands but were not understood
    text: str = ""  # the new text above the quoted history
    # the text above the history as it stood, signature included: where
    # parser.reply.without_our_text looks for our own email quoted without marks
    above: str = ""
    history: str = ""  # the quoted or forwarded history below it


@dataclass(frozen=True)
class Rejection:
    envelope: Envelope
    problems: tuple[Problem, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Ignored:
    envelope: Envelope
    reason: str  # "auto-reply (Auto-Submitted: auto-replied)", "outsider x@y.com", ...
    keep_in_failed: bool = False  # outsiders go to the failed folder; noise to processed
    bounce_of: str | None = None  # our Message-ID a bounce refers to, where one is found
    bounced_recipients: tuple[str, ...] = ()


Result = Intake | Reply | Rejection | Ignored
