"""Is this message a usable escalation? The template's fields become an Intake, or a
Rejection that names every missing or unreadable field at once.

Where the text comes from: the plain part, unless the HTML part's tables carry template
fields the plain part lacks (a label | value table, which plain text flattens); an HTML
part whose tables are only layout does not count. An HTML part that hides text from its
reader (parser.visible) is read instead of the plain part: the sender's client made that
from the same HTML, hidden text included. Within it, the new text of the
message; for a forward (or when the new text carries no template at all) the forwarded or
quoted part fills what is missing, and its Subject line stands in for an outer subject
that is not in the template's shape.
"""

from __future__ import annotations

import re

from parser import fields, quoting, subject, template
from parser.body import Body
from parser.limits import MAX_LINES, MAX_TEXT
from parser.result import Envelope, Intake, Problem, Rejection
from parser.settings import ParseSettings
from parser.template import RawField

ACCOUNT_MISSING = (
    "not found — put it in the subject as 'Escalation: <Account> – <Summary>' "
    "or on an 'Account:' or 'Customer:' line"
)
NO_CUSTOMER = (
    "not found — the subject has no dash between customer and summary; write "
    "'Escalation: <Customer> – <Summary>' or add a 'Customer:' line"
)
SUMMARY_MISSING = (
    "not found — put it in the subject as 'Escalation: <Account> – <Summary>' "
    "or on an 'Issue:' line"
)


def body_fields(body: Body) -> dict[str, RawField]:
    """The template's fields: from the plain part, or from the HTML part when that has no
    plain part beside it or when its tables carry more fields than the plain part."""
    from parser.html import hides_text, to_text

    plain = normalise(body.plain)
    if not plain.strip() or (body.html and hides_text(body.html)):
        return _template_fields(normalise(to_text(body.html))) if body.html else {}
    found = _template_fields(plain)
    if "<table" not in body.html.lower():
        return found
    from_html = _template_fields(normalise(to_text(body.html)))
    return from_html if _count(from_html) > _count(found) else found


_SPACES = re.compile(r"[\u00a0\u2007\u202f\t]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_LONG_RUN = re.compile(r" {65,}")  # no text needs more; every pattern after this sees at most 64


def normalise(text: str) -> str:
    text = text[:MAX_TEXT].replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if text.count("\n") > MAX_LINES:
        text = "\n".join(text.split("\n", MAX_LINES)[:MAX_LINES])
    text = _INVISIBLE.sub("", _SPACES.sub(" ", text))
    return _LONG_RUN.sub(" " * 64, text)


def _template_fields(text: str) -> dict[str, RawField]:
    split = quoting.split(text)
    found = template.read(split.new)
    if split.history and (split.kind == "forward" or not _has_template(found)):
        for name, raw in template.read(quoting.unquote(split.history)).items():
            found.setdefault(name, raw)
    return found


def _has_template(found: dict[str, RawField]) -> bool:
    return _count(found) > 0


def _count(found: dict[str, RawField]) -> int:
    """How many of the template's own fields were found."""
    return sum(1 for name in found if not name.startswith("_") and name != "subject")


def read(envelope: Envelope, body: Body, settings: ParseSettings) -> Intake | Rejection:
    found = body_fields(body)
    notes: list[Problem] = []
    problems: list[Problem] = []

    from_subject = subject.account_and_summary(envelope.subject)
    body_subject = fields.text_of(found.get("subject"))
    if body_subject and (from_subject is None or not all(from_subject)):
        inner = subject.account_and_summary(body_subject)
        if inner is not None:
            from_subject = (
                (from_subject or inner)[0] or inner[0],
                (from_subject or inner)[1] or inner[1],
            )
    subject_account, subject_summary = from_subject or ("", "")
    if fields.is_placeholder(subject_account):
        subject_account = ""
    if fields.is_placeholder(subject_summary):
        subject_summary = ""

    named = fields.text_of(found.get("account"))
    if named and not subject_account and subject_summary.lower() == named.lower():
        subject_summary = ""  # "Escalation: Acme" with "Customer: Acme": the subject named it
    account = named or subject_account
    issue = fields.text_of(found.get("issue"), paragraphs=True)
    summary = subject_summary or issue.split("\n")[0][:200]
    if not account:
        no_separator = bool(subject_summary) and not subject_account
        problems.append(Problem("Account", NO_CUSTOMER if no_separator else ACCOUNT_MISSING))
    if not summary:
        problems.append(Problem("Summary", SUMMARY_MISSING))
    if problems:
        return Rejection(envelope, tuple(problems))

    severity, note = fields.severity(fields.raw_text(found.get("severity")))
    if note:
        notes.append(note)
    if severity is None and note is None:
        severity = subject.severity(envelope.subject)
    risk, note = fields.risk_level(fields.raw_text(found.get("risk_level")))
    if note:
        notes.append(note)
    if severity is None and risk is not None:
        severity = settings.risk_levels.get(risk.lower())

    recording = fields.text_of(found.get("call_recording"))
    links = fields.items_of(found.get("links"))
    return Intake(
        envelope=envelope,
        account=account,
        summary=summary,
        issue=issue,
        severity=severity,
        risk_level=risk,
        timeline=fields.text_of(found.get("timeline")),
        call_recording=(fields.urls(recording) or ("",))[0],
        actions_taken=fields.items_of(found.get("actions_taken")),
        ask=fields.items_of(found.get("ask")),
        type=fields.choice(fields.text_of(found.get("type")), fields.TYPES),
        category=fields.choice(fields.text_of(found.get("category")), fields.CATEGORIES),
        description=fields.text_of(found.get("description"), paragraphs=True),
        links=fields.urls(" ".join(links)) or links,
        steps=fields.items_of(found.get("steps")),
        csm=fields.text_of(found.get("csm")),
        business_impact=fields.text_of(found.get("business_impact"), paragraphs=True),
        resolution_requested=fields.text_of(found.get("resolution_requested"), paragraphs=True),
        owner=fields.text_of(found.get("owner")),
        attachments=body.attachments,
        notes=tuple(notes),
    )
