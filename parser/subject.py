"""What does a subject line say: which ESC-N does it name, and which account and summary?

"Re: FW: Escalation: Acme Corp – Login failures" -> ("Acme Corp", "Login failures").
Reply and forward prefixes are stripped in any number and the languages clients use.
"""

from __future__ import annotations

import re

_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|fw|aw|wg|sv|vs|antw|rif|r|tr|enc|odp|pd|res|vl|ynt|回复|转发|答复)"
    r"(?:\[\d+\]|\(\d+\))?\s*[:：]\s*|\[(?:ext(?:ernal)?|external email)\]\s*)",
    re.I,
)
_TAG = re.compile(r"\[\s*ESC-(\d+)\s*\]", re.I)
_ESCALATION = re.compile(
    r"^(?:[^:–—|]{0,30}?\b)?escalat(?:ion|ed|e)\b\s*(?:[:–—|]|-(?=\s))\s*(?P<rest>.*)$",
    re.I,
)
# Separators between account and summary: a dash with spaces, an en or em dash, ':' or '|'.
_SPLIT = re.compile(r"\s+-+\s+|\s*[–—]\s*|\s*[:|]\s+")
_SEVERITY = re.compile(
    r"[\[(]\s*(?:P|sev(?:erity)?\s*)([1-4])\s*[\])]|\bsev(?:erity)?\s*[-:]?\s*([1-4])\b", re.I
)


def strip_prefixes(subject: str) -> str:
    previous = None
    text = subject.strip()
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text, count=1).strip()
    return text


def escalation_id(subject: str) -> int | None:
    """N of an [ESC-N] tag anywhere in the subject."""
    match = _TAG.search(subject)
    return int(match.group(1)) if match else None


def account_and_summary(subject: str) -> tuple[str, str] | None:
    """("Acme", "Login failures") from "Escalation: Acme – Login failures"; None when the
    subject is not in the template's shape. Either part may be "" when absent."""
    text = _TAG.sub("", strip_prefixes(subject)).strip()
    match = _ESCALATION.match(text)
    if match is None:
        return None
    rest = match.group("rest").strip()
    parts = _SPLIT.split(rest, maxsplit=1)
    account = parts[0].strip(" -–—:|")
    summary = parts[1].strip(" -–—:|") if len(parts) > 1 else ""
    return account, summary


def severity(subject: str) -> int | None:
    """An explicit severity marker in the subject: "[P1]", "(Sev 2)", "Severity 3"."""
    match = _SEVERITY.search(subject)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))
