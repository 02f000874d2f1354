"""The JSON API's bodies as pydantic models: they validate what comes in (lengths, NUL
bytes, ranges: what PostgreSQL would refuse is a 422 here, on SQLite too) and they are the
OpenAPI document's schemas. The escalation's fields are `show --json`'s
(escalator.service.views); a test pins the two equal."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

Status = Literal["open", "working", "waiting", "done"]
Number = int | float  # whole amounts stay integers, as `report --json` prints them
MAX_COMMAND_TEXT = 20_000  # a reply's commands are a few lines
MAX_ACCOUNTS = 1_000  # rows per PUT /accounts
MAX_ARR = 10**14 - 1  # Numeric(16, 2)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


# strings of at most so many characters (the column's length) and no NUL (PostgreSQL
# refuses one in text; SQLite would keep it)
NoNul = AfterValidator(_no_nul)
NUL_FREE = Field(json_schema_extra={"pattern": r"^[^\x00]*$"})  # the document says it too
# a name: something besides spaces (str.isspace's, listed: regex engines differ on \s),
# which are trimmed and run together, and no NUL
SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
Name = Annotated[str, StringConstraints(min_length=1, max_length=300, pattern=(
    rf"^[^\x00]*[^\x00{SPACE}][^\x00]*$")), NoNul]
Address = Annotated[str, StringConstraints(max_length=320), NoNul, NUL_FREE]
Short = Annotated[str, StringConstraints(max_length=100), NoNul, NUL_FREE]
Health = Annotated[str, StringConstraints(max_length=40), NoNul, NUL_FREE]
CommandText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_COMMAND_TEXT),
                        NoNul, NUL_FREE]
Search = Annotated[str, StringConstraints(max_length=200), NoNul, NUL_FREE]  # part of a name
# strict: JSON true is not an ARR of 1, nor "3" a number (the CSV takes "$1,200"; JSON has numbers)
Arr = Annotated[float, Field(strict=True, ge=0, le=MAX_ARR, allow_inf_nan=False)]


def _date_text(value: object) -> object:
    if not isinstance(value, str | date):  # pydantic would take 0 as 1970-01-01
        raise ValueError("must be a date as text, YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_date_text)]


class Problem(BaseModel):
    """Every 4xx answer: what was wrong, in a sentence; `problems` one per item when several."""

    detail: str
    problems: list[str] = []


class Attachment(BaseModel):
    filename: str | None = None
    content_type: str | None = None
    size: int | None = None
    subject: str | None = None
    from_: str | None = Field(None, alias="from")
    from_name: str | None = None
    date: str | None = None

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class Escalation(BaseModel):
    """One escalation as `escalator list --json` prints it; times ISO 8601 UTC or null."""

    id: str = Field(examples=["ESC-12"])
    account: str
    summary: str
    issue: str
    severity: int = Field(ge=1, le=4)
    risk_level: str | None
    type: str | None
    category: str | None
    status: Status
    csm: str
    owner: str
    rung: str
    stakeholders: list[str]
    actions_taken: list[str]
    ask: list[str]
    links: list[str]
    steps: list[str]
    timeline: str
    call_recording: str | None
    attachments: list[Attachment]
    opened_at: str | None
    acknowledged_at: str | None
    resolved_at: str | None
    response_due_at: str | None
    resolution_due_at: str | None
    next_escalation_at: str | None


class Event(BaseModel):
    at: str | None
    kind: str
    actor: str
    detail: str


class Task(BaseModel):
    """A playbook task ("1") or a tracked ask ("A1") and who has it."""

    label: str
    number: int
    title: str
    role: str
    who: str
    taken_by: str | None
    due_at: str | None
    state: str
    closed_at: str | None
    closed_by: str | None
    reason: str | None
    after: int | None


class EscalationDetail(Escalation):
    """`escalator show ESC-N --json`: the escalation, its tasks and asks, the playbook and
    the revenue rules that raised it, and its trail, oldest first."""

    tasks: list[Task]
    asks: list[Task]
    playbook: str | None
    raised: list[str]
    events: list[Event]


class EscalationPage(BaseModel):
    items: list[Escalation]
    total: int = Field(description="escalations matching the filters, on all pages")
    page: int
    page_size: int


class Commands(BaseModel):
    """Command lines as a reply would give them ("Status: working", "Owner: a@b", "ack",
    "Note: …"; any other text is a note), applied in order through apply_commands."""

    text: CommandText = Field(
        examples=["Status: working\nOwner: dana@example.com\nCalled the customer."])
    actor: Address | None = Field(
        None, description="the colleague (an internal address) acting; default: the "
        "token's name, and then nobody is mailed as the sender")

    model_config = ConfigDict(extra="forbid")


class Applied(BaseModel):
    changes: list[str] = Field(description="what changed, as the recap email says it")
    escalation: EscalationDetail


class Account(BaseModel):
    """An account of the directory, with its open escalations (the dashboard's list)."""

    name: str
    arr: Number | None
    renewal_date: str | None
    open: int
    urgent: int
    arr_exposure: Number
    health: str
    segment: str
    team: str
    csm: str
    in_directory: bool


class AccountPage(BaseModel):
    items: list[Account]
    page: int
    page_size: int


class AccountIn(BaseModel):
    """One row of `accounts import`'s CSV. A field left out stays as it is; null clears it."""

    name: Name
    arr: Arr | None = None
    renewal_date: Day | None = None
    segment: Short | None = None
    csm: Address | None = None
    team: Short | None = None
    health: Health | None = None
    aliases: list[Name] = Field(default_factory=list, max_length=50)

    model_config = ConfigDict(extra="forbid")


class AccountsIn(BaseModel):
    accounts: list[AccountIn] = Field(min_length=1, max_length=MAX_ACCOUNTS)

    model_config = ConfigDict(extra="forbid")


class Upserted(BaseModel):
    """As `accounts import` reports it: bad rows are named (by index) and skipped."""

    created: int
    updated: int
    unchanged: int
    problems: list[str]
    health: list[str] = Field(description="health triggers: which CSM was asked, or why not")


class Report(BaseModel):
    """`escalator report --json`: the contract's keys typed, the rest as the report has them."""

    generated_at: str
    totals: dict[str, Number]
    accounts: list[Account]
    arr_exposure_by_type: dict[str, Number]
    by_type: dict[str, dict[str, Number]]
    by_category: dict[str, dict[str, Number]]
    renewals: list[dict[str, Any]]
    by_segment: dict[str, dict[str, Number]]
    by_team: dict[str, dict[str, Number]]
    sla: dict[str, Any]
    review: dict[str, Any]

    model_config = ConfigDict(extra="allow")  # a key the report gains passes through
