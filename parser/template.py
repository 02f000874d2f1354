"""Which template labels does a text carry, and what follows each?

Reads the seed-004 email ("Issue:", "Risk Level:", "Actions Taken:" …), the seed-002 ticket
form ("ACCOUNT:", "SEVERITY:", "ISSUE SUMMARY:" …) and the seed-001 fields ("Type:",
"Category:", "Steps to Resolve:" …), alone or mixed. Labels are case-insensitive, with or
without bullets, bold markers or a colon inside the bold; a value runs over the following
lines until the next label, a sign-off, or (for short fields) a blank line.
Values come back raw (lines, bullets marked); `parser.fields` judges them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# field name -> labels, as people type them (matched case-insensitively, longest first)
LABELS: dict[str, tuple[str, ...]] = {
    "account": ("account name", "account", "customer name", "customer", "client"),
    "severity": ("severity level", "severity", "sev", "priority"),
    "csm": ("csm", "customer success manager"),
    "issue": ("issue summary", "issue", "problem", "summary"),
    "risk_level": ("risk level", "risk"),
    "timeline": ("timeline required", "timeline", "deadline"),
    "call_recording": ("call recording", "recording", "call link"),
    "actions_taken": ("actions taken", "action taken", "actions so far"),
    "ask": ("escalation ask", "ask", "the ask", "asks"),
    "business_impact": ("business impact", "impact"),
    "resolution_requested": ("resolution requested", "requested resolution"),
    "owner": ("escalation owner", "owner"),
    "type": ("escalation type", "type"),
    "category": ("category",),
    "description": ("description", "details"),
    "links": ("relevant links", "links", "link"),
    "steps": ("steps to resolve", "next steps", "steps"),
    "status": ("status",),
    "subject": ("subject", "betreff", "objet", "asunto", "onderwerp", "emne", "ämne"),
    # forward header lines: they end a value but are not ours
    "_header": ("from", "sent", "to", "cc", "date", "von", "gesendet", "an", "envoyé", "de"),
}
LIST_FIELDS = frozenset({"actions_taken", "ask", "links", "steps"})
LONG_FIELDS = frozenset({"issue", "description", "business_impact", "resolution_requested"})
URL_FIELDS = frozenset({"call_recording", "links"})

_ALTERNATIVES = sorted(
    ((label, name) for name, labels in LABELS.items() for label in labels),
    key=lambda pair: -len(pair[0]),
)
_BY_LABEL = {label: name for label, name in _ALTERNATIVES}
_LABEL = re.compile(
    r"^(?P<label>"
    + "|".join(re.escape(label).replace(r"\ ", r"\s+") for label, _ in _ALTERNATIVES)
    + r")\b(?P<paren>\s*\([^)]{0,40}\))?\s*[*_]*\s*(?P<colon>[:：])?\s*\**\s*(?P<value>.*)$",
    re.I,
)
BULLET = re.compile(r"^\s*(?:[•●◦▪■□☐☑☒✓✔➢►▶→·§o\-*+]|\d{1,2}[.)]|[a-z][.)])\s+")
_EMPHASIS = re.compile(r"^[*_]+(?=[^\W_])")
_SEVERITY_LINE = re.compile(r"^(?:sev(?:erity)?\s*+(?:-\s*+)?|p)([1-4])\b", re.I)
_SIGN_OFF = re.compile(
    r"^(best|thanks|thank you|many thanks|regards|best regards|kind regards|warm regards|cheers|"
    r"sincerely|br|mvh|viele grüße|mit freundlichen grüßen|let me know|ready to assist|"
    r"please let me know|happy to (discuss|help)|looking forward)\b[^\n]{0,80}$",
    re.I,
)


@dataclass
class RawField:
    name: str
    label: str
    inline: str  # the value on the label's own line
    lines: list[tuple[str, bool]] = field(default_factory=list)  # (text, was a bullet)


def _clean(line: str) -> tuple[str, bool]:
    """A line without its bullet and leading emphasis, and whether it had a bullet."""
    text = line.strip()
    bullet = BULLET.match(text)
    if bullet:
        text = text[bullet.end() :]
    text = _EMPHASIS.sub("", text).strip()
    return text, bullet is not None


def match_label(line: str) -> tuple[str, str, str] | None:
    """(field, label, inline value) when the line opens a template field."""
    text, _ = _clean(line)
    match = _LABEL.match(text)
    if match is not None:
        label = re.sub(r"\s+", " ", match.group("label").lower())
        name = _BY_LABEL[label]
        value = match.group("value").strip().strip("*").strip()
        if match.group("colon") or not value:
            return name, label, value
        if name in URL_FIELDS and re.match(r"<?https?://", value):
            return name, label, value
        if name == "severity" and re.match(r"[-:]?\s*[1-4]\b", value):
            return name, label, value.lstrip("-: ")
        return None
    sev = _SEVERITY_LINE.match(text)
    if sev is not None and len(text) <= 40:
        return "severity", "severity", text
    return None


def read(text: str) -> dict[str, RawField]:
    """Template fields in a text; the first occurrence of a label wins."""
    fields: dict[str, RawField] = {}
    current: RawField | None = None
    blank_before = False
    for line in text.split("\n"):
        found = match_label(line)
        if found is not None:
            name, label, inline = found
            current = RawField(name, label, inline)
            if name not in fields:
                fields[name] = current
            blank_before = False
            continue
        stripped, bullet = _clean(line)
        if current is None:
            continue
        if not line.strip():
            blank_before = True
            continue
        if not bullet and _SIGN_OFF.match(stripped):
            current = None
            continue
        if blank_before and _ends_at_blank(current, bullet):
            current = None
            continue
        if blank_before and current.lines:
            current.lines.append(("", False))
        current.lines.append((stripped, bullet))
        blank_before = False
    return fields


def _ends_at_blank(current: RawField, bullet: bool) -> bool:
    """Does a blank line close this field, given what the next line looks like?"""
    if current.name in LIST_FIELDS:
        if not current.lines:
            return bool(current.inline) and not bullet
        had_bullets = any(was_bullet for _, was_bullet in current.lines)
        return not (bullet and had_bullets)
    if current.name in LONG_FIELDS:
        return False
    return bool(current.inline or current.lines)
