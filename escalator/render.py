"""Jinja2 rendering of every email: a subject, a text part and an autoescaped HTML part.

A team may point `[templates] dir` at its own copies: a file there wins over the packaged
one of the same name, anything it lacks falls back. `check_templates` renders every kind
with a sample context at start-up, so a broken copy is a one-line error naming the file,
not a failure at send time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from markupsafe import Markup, escape

from escalator.errors import ConfigError
from parser.commands import REGISTRY, Help, Registry

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "email"
PARTS = ("subject.txt", "txt", "html")
# the kinds this module can render with a sample context; review_* belong to issue 7
KINDS = ("ack", "rejection", "error", "new", "warning", "breach", "recap", "confirmation",
         "digest", "alert", "health", "weekly", "task_reminder", "task_overdue", "repeat",
         "signin")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=8)
def environment(directory: str = str(TEMPLATES)) -> Environment:
    """One cached environment per templates directory (the team's first, ours behind it)."""
    search = [directory] if directory == str(TEMPLATES) else [directory, str(TEMPLATES)]
    env = Environment(
        loader=FileSystemLoader(search),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # checked at start-up (check_templates), not re-read per email: a stat() per
        # template and include on every render, and an edit could break sending
        auto_reload=False,
    )
    env.filters["when"] = when
    env.filters["ago"] = ago
    env.filters["percent"] = lambda f: f"{round(float(f) * 100)}%"
    env.filters["lines"] = lines
    env.filters["changed"] = changed
    env.globals["example_owner"] = example_owner
    env.globals["command_help"] = command_help
    return env


def when(value: Any) -> str:
    """A UTC time as people read it in an email: 2026-11-26 14:05 UTC."""
    if value is None:
        return "—"
    return str(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def lines(value: Any) -> Markup:
    """Text for HTML with its line breaks kept (a multi-line note): escaped, then <br>."""
    return Markup("<br>\n").join(escape(line) for line in str(value).splitlines())


CHANGED_ITEMS = 3  # what a recap's subject names; the body lists every change
CHANGED_CHARS = 60


def changed(changes: Any) -> str:
    """What changed, for a subject: the first line of the first few changes, each cut."""
    items = [str(c).strip().split("\n")[0] for c in changes]
    shown = [c if len(c) <= CHANGED_CHARS else c[:CHANGED_CHARS - 1].rstrip() + "…"
             for c in items[:CHANGED_ITEMS]]
    more = len(items) - len(shown)
    return "; ".join(shown) + (f" (+{more} more)" if more else "")


def example_owner(esc: Any, mailbox: str) -> str:
    """The footer's Owner: example: a real internal address (the CSM's), else the
    mailbox's domain."""
    if esc:
        return str(esc["csm"])
    return "name@" + str(mailbox).rsplit("@", 1)[-1]


@pass_context
def command_help(context: Context, footer: bool = False, answers: bool = False) -> list[Help]:
    """The reply commands' help lines from the registry (`registry` in the context, else
    the parser's): `footer`, the footer's; `answers`, the review answers'. Owner:'s
    example is a real colleague's address (example_owner)."""
    registry = context.get("registry") or REGISTRY
    assert isinstance(registry, Registry)
    owner = example_owner(context.get("esc"), str(context.get("mailbox") or ""))
    return registry.help(owner, footer=footer, answers=answers)


def ago(value: Any, now: datetime) -> str:
    """How long before `now` (or after, for a future time), in the largest sensible unit."""
    if value is None:
        return "—"
    delta: timedelta = now - value
    future = delta < timedelta(0)
    seconds = abs(int(delta.total_seconds()))
    if seconds < 3600:
        text = f"{max(seconds // 60, 1)} min"
    elif seconds < 2 * 86400:
        text = f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
    else:
        text = f"{seconds // 86400} days"
    return f"in {text}" if future else f"{text} ago"


def render(kind: str, context: dict[str, Any], directory: str | None = None) -> Rendered:
    env = environment(directory or str(TEMPLATES))
    subject = env.get_template(f"{kind}.subject.txt").render(context)
    return Rendered(
        subject=" ".join(subject.split()),  # a template's line breaks never reach the header
        text=env.get_template(f"{kind}.txt").render(context),
        html=env.get_template(f"{kind}.html").render(context),
    )


def check_templates(directory: str | None = None) -> None:
    """Raise ConfigError naming the first file that does not parse or render.

    Every kind in KINDS is rendered with `sample_context(kind)`; any other template in
    either directory (review_request, say, or a team's extra partials) is parsed.
    """
    folder = directory or str(TEMPLATES)
    if not Path(folder).is_dir():
        raise ConfigError(f"[templates] dir: {folder}: not a directory")
    env = environment(folder)
    for name in sorted(set(env.list_templates())):
        try:
            env.get_template(name)
        except TemplateSyntaxError as e:
            raise ConfigError(_where(e, folder, name) + f": {e.message}") from None
    for kind in KINDS:
        for part in PARTS:
            name = f"{kind}.{part}"
            try:
                env.get_template(name).render(sample_context(kind))
            except UndefinedError as e:
                raise ConfigError(f"{_path(folder, name)}: {e.message}") from None
            except TemplateError as e:
                raise ConfigError(f"{_path(folder, name)}: {e.message or type(e).__name__}"
                                  ) from None


def _path(folder: str, name: str) -> str:
    """The file a template name was loaded from: the team's copy, else ours."""
    own = Path(folder) / name
    return str(own if own.exists() else TEMPLATES / name)


def _where(e: TemplateSyntaxError, folder: str, name: str) -> str:
    path = e.filename or _path(folder, name)
    return f"{path}:{e.lineno}" if e.lineno else path


def sample_context(kind: str) -> dict[str, Any]:
    """A context with every variable the callers pass for `kind`, user text included."""
    now = datetime(2026, 11, 26, 14, 5, tzinfo=UTC)
    esc = sample_escalation(now)
    events = [
        {"at": now - timedelta(hours=5), "kind": "opened", "actor": "carla.csm@example.com",
         "detail": "severity 2, first rung director"},
        {"at": now - timedelta(hours=1), "kind": "breach", "actor": "escalator",
         "detail": "response target missed: vp notified (vera.vp@example.com)"},
        {"at": now, "kind": "status", "actor": "vera.vp@example.com",
         "detail": "status open → working"},
    ]
    failures = [{"at": now - timedelta(minutes=30), "kind": "delivery", "actor": "escalator",
                 "detail": "gone@example.com refused: 550 5.1.1 no such user"}]
    base: dict[str, Any] = {"mailbox": "escalations@example.com", "now": now, "esc": esc,
                            "events": events, "failures": []}
    problems = ["Severity: 7 — not a severity; use 1–4"]
    breach = SimpleNamespace(target="response", due_at=now - timedelta(hours=1), rung="vp",
                             number=1)
    specific: dict[str, dict[str, Any]] = {
        "ack": {"intake": None, "notes": ["Risk Level: 'Urgent' is not High, Medium or Low"],
                "account": SimpleNamespace(name="Initech <Ltd>", typed="initech", created=False)},
        "rejection": {"envelope": SimpleNamespace(subject="Help <b>please</b>"),
                      "problems": ["Account: not found (subject 'Escalation: <Account> – …')"]},
        "error": {"envelope": SimpleNamespace(subject="Help <b>please</b>")},
        "new": {},
        "warning": {"warning": SimpleNamespace(target="response", fraction=0.75,
                                               due_at=now + timedelta(hours=1)),
                    "rung": "director"},
        "breach": {"breach": breach, "previous_rung": "director",
                   "next_at": now + timedelta(hours=4)},
        "recap": {"changes": ["status open → working", "note: calling their CTO"],
                  "actor": "vera.vp@example.com", "problems": problems, "failures": failures},
        "confirmation": {"changes": [], "actor": "vera.vp@example.com", "problems": problems},
        "digest": {"person": "dan.director@example.com", "day": now.date(),
                   "timezone": "UTC", "breached": [esc], "due_soon": [],
                   "open": [esc, sample_escalation(now, number=8, account="Globex")]},
        "alert": {"alert": SimpleNamespace(
            kind="messages", title="2 received messages could not be recorded",
            since=now - timedelta(minutes=20), summary="Kept <script>alert(1)</script> aside.",
            lines=['2026-11-26 13:45 UTC from x@example.com: "Help <me>": DataError'],
            advice="`escalator ignored` lists them.")},
    }
    task = {"kind": "task", "label": "2", "title": "Call your <b>manager</b>",
            "due_at": now - timedelta(hours=1), "who": "carla.csm@example.com"}
    specific.update({
        "task_reminder": {"task": task, "climb_at": now + timedelta(hours=3),
                          "climb_rung": "manager"},
        "task_overdue": {"task": task, "rung": "manager"},
        "repeat": {"recent": [esc, sample_escalation(now, number=5)], "days": 90},
    })
    if kind == "health":
        from escalator.service.health_trigger import Crossing

        specific["health"] = {
            "account": {"name": "Initech <Ltd>", "arr": 1200000.0, "segment": "Enterprise",
                        "renewal_date": now.date(), "csm": "carla.csm@example.com"},
            "crossing": Crossing(71.0, 42.0, "fell below 50"),
            "line": {"subject": "Escalation: Initech <Ltd> – Health score fell from 71 to 42",
                     "body": "Risk Level: Medium\nIssue: <script>alert(1)</script>\n",
                     "mailto": "mailto:a@b",
                     "summary": "Health score fell from 71 to 42"}}
    if kind in ("ack", "new", "warning", "breach", "recap"):  # outbox.LINK_KINDS
        base["links"] = sample_links()
    if kind == "weekly":
        from escalator.service.weekly import sample_context as weekly_sample

        specific["weekly"] = weekly_sample(now)
    specific["signin"] = {"person": "vera.vp@example.com", "minutes": 30,
                          "link": "https://escalations.example.com/signin/TOKEN"}
    if kind in ("digest", "alert", "health", "weekly", "signin"):
        base.pop("esc")
    return {**base, **specific.get(kind, {})}


def sample_escalation(now: datetime, number: int = 7, account: str = "Initech <Ltd>"
                      ) -> dict[str, Any]:
    """The shape of escalation_view(json=False), with markup typed by a user."""
    return {
        "id": f"ESC-{number}", "account": account,
        "summary": "Recurring feature complaints <script>alert(1)</script>",
        "issue": "Recurring feature complaints + risk of churn", "severity": 2,
        "risk_level": "High", "type": "Churn Risk", "category": "Product", "status": "working",
        "csm": "carla.csm@example.com", "owner": "dan.director@example.com", "rung": "vp",
        "stakeholders": ["carla.csm@example.com", "dan.director@example.com"],
        "actions_taken": ["Attempted de-escalation on 11/20", "Offered training"],
        "ask": ["Executive outreach"], "links": ["https://calls.example.com/r/77"],
        "steps": ["Call their CTO"], "timeline": "Ongoing since 11/02",
        "call_recording": "https://calls.example.com/r/77",
        "attachments": [
            {"filename": "invoice <1>.pdf", "content_type": "application/pdf", "size": 48213,
             "subject": None, "from": None, "from_name": None, "date": None},
            {"filename": "", "content_type": "message/rfc822", "size": 5120,
             "subject": "Invoices <b>wrong</b> again", "from": "pat@customer.example",
             "from_name": "Pat <Okafor>", "date": now - timedelta(days=1)},
        ],
        "opened_at": now - timedelta(hours=5), "acknowledged_at": now,
        "resolved_at": None, "response_due_at": now - timedelta(hours=1),
        "resolution_due_at": now + timedelta(days=3),
        "next_escalation_at": now + timedelta(days=3),
        "playbook": "high", "raised": ["severity 2 → 1 by the rule 'Big <b>or</b> renewing': "
                                       "ARR $2,000,000 ≥ $1,000,000"],
        "tasks": [_sample_task(now, 1, "De-escalate with the <i>customer</i>", "done"),
                  _sample_task(now, 2, "Call your manager", "open"),
                  _sample_task(now, 3, "Brief the executive team", "skipped")],
        "asks": [{**_sample_task(now, 1, "Executive outreach", "open"), "label": "A1",
                  "taken_by": "vera.vp@example.com"}],
    }


def sample_links() -> list[dict[str, str]]:
    """A copy's signed links as outbox._links makes them (tokens shortened)."""
    url = "https://escalations.example.com"
    return [*({"action": a, "label": label, "url": f"{url}/a/sample-{a}.sig"}
              for a, label in (("working", "Working"), ("waiting", "Waiting on customer"),
                               ("done", "Done"), ("own", "Take ownership"))),
            {"action": "open", "label": "Open in the dashboard",
             "url": f"{url}/escalations/ESC-7"}]


def _sample_task(now: datetime, number: int, title: str, state: str) -> dict[str, Any]:
    return {"label": str(number), "number": number, "title": title, "role": "csm",
            "who": "carla.csm@example.com", "taken_by": None,
            "due_at": now - timedelta(hours=1), "state": state,
            "closed_at": now if state != "open" else None,
            "closed_by": "carla.csm@example.com" if state != "open" else None,
            "reason": "not <needed>" if state == "skipped" else None,
            "late": state == "open", "after": None}
