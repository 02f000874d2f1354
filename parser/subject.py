"""What does a subject line say: which ESC-N does it name, and which account and summary?

"Re: FW: Escalation: Acme Corp – Login failures" -> ("Acme Corp", "Login failures").
Reply and forward prefixes are stripped in any number and the languages clients use.
Every pattern here is linear (possessive runs, a split that starts only where a run of
spaces starts): a subject of 25 KB of spaces once took seconds.
"""

from __future__ import annotations

import re

from parser.limits import MAX_SUBJECT, escalation_number

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|fw|aw|wg|sv|vs|antw|rif|r|tr|enc|odp|pd|res|vl|ynt|回复|转发|答复)"
    r"(?:\[\d+\]|\(\d+\))?\s*[:：]\s*|\[(?:ext(?:ernal)?|external email)\]\s*)",
    re.I,
)
_TAG = re.compile(r"\[\s*ESC-(\d+)\s*\]", re.I)
_ESCALATION = re.compile(
    r"^(?:[^:–—|]{0,30}?\b)?escalat(?:ion|ed|e)\b\s*+(?:[:–—|]|-(?=\s))", re.I
)
# Separators between account and summary: a dash with spaces, an en or em dash, ':' or '|'
# before a space (the rest of the separator is stripped from both sides).
_SPLIT = re.compile(r"(?<!\s)\s++(?:-++\s|[–—]|[:|]\s)|[–—]|[:|]\s")
_SEPARATOR = " \t-–—:|"
_SEVERITY = re.compile(
    r"[\[(]\s*+(?:P|sev(?:erity)?\s*+)([1-4])\s*+[\])]"
    r"|\bsev(?:erity)?\s*+(?:[-:]\s*+)?([1-4])\b",
    re.I,
)


def strip_prefixes(subject: str) -> str:
    previous = None
    text = subject.strip()
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text, count=1).strip()
    return text


def escalation_id(subject: str) -> int | None:
    """N of the first [ESC-N] tag in the subject that can name an escalation (an N beyond
    the id column names none: no tag)."""
    for match in _TAG.finditer(subject):
        number = escalation_number(match.group(1))
        if number is not None:
            return number
    return None


def account_and_summary(subject: str) -> tuple[str, str] | None:
    """("Acme", "Login failures") from "Escalation: Acme – Login failures"; None when the
    subject is not in the template's shape. Without a separator the text cannot say which
    it is: ("", "SSO login failures"), the customer to be named in the body. Either part
    may be "" when absent."""
    text = _TAG.sub("", strip_prefixes(subject[:MAX_SUBJECT])).strip()
    match = _ESCALATION.match(text)
    if match is None:
        return None
    rest = text[match.end() :].strip(_SEPARATOR)
    parts = _SPLIT.split(rest, maxsplit=1)
    if len(parts) == 1:
        return "", rest
    return parts[0].strip(_SEPARATOR), parts[1].strip(_SEPARATOR)


def severity(subject: str) -> int | None:
    """An explicit severity marker in the subject: "[P1]", "(Sev 2)", "Severity 3"."""
    match = _SEVERITY.search(subject)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))
