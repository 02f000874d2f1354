"""Is a template value usable, and what is it once normalised? Severity, risk level,
lists, links, and the template's own blanks ("_______________", "[Customer Name]",
"1 / 2 / 3 / 4"), which count as missing.
"""

from __future__ import annotations

import re

from parser.result import Problem
from parser.template import RawField

_PLACEHOLDER = re.compile(
    r"^(?:[_\-.…\s]{3,}|\[[^\]]*\]|<[^>@:/]*>|\(?tbd\)?|xx+|n/?a)$"
    r"|^(?:\d\s*/\s*){2,}\d$"
    r"|^(?:high|medium|low)(?:\s*[/|]\s*(?:high|medium|low))+$",
    re.I,
)
_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.I)
_SEVERITY = re.compile(
    r"^(?:sev(?:erity)?\s*+(?:[-:]\s*+)?|p|priority\s*+)?([0-9]+)(?![0-9./])",
    re.I,
)
_SEVERITY_WORDS = {"critical": 1, "urgent": 1, "high": 2, "major": 2, "medium": 3,
                   "moderate": 3, "low": 4, "minor": 4}
_RISK = re.compile(r"\b(high|medium|med|low)\b", re.I)
TYPES = ("Help Needed", "Churn Risk", "Visibility")
CATEGORIES = ("Product", "Services", "Partnership", "Externalities", "Billing", "Engineering",
              "Support", "Security", "Legal", "Sales")


def shown(value: str, limit: int = 80) -> str:
    """A value as quoted back in an answer: its start, when it is long."""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def is_placeholder(value: str) -> bool:
    """The template's own blanks: "____", "[Customer Name]", "1 / 2 / 3 / 4", "High / Medium"."""
    text = value.strip().strip("*_ ").strip()
    return bool(value.strip()) and (not text or bool(_PLACEHOLDER.match(text)))


def text_of(raw: RawField | None, paragraphs: bool = False) -> str:
    """A field's value as one text; blanks and placeholders dropped."""
    if raw is None:
        return ""
    parts = [raw.inline] + [line for line, _ in raw.lines]
    kept = [p for p in parts if p == "" or not is_placeholder(p)]
    joiner = "\n" if paragraphs else " "
    text = joiner.join(p for p in kept if p or paragraphs)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def raw_text(raw: RawField | None) -> str:
    """A field's value as typed, template blanks included (for judging, not keeping)."""
    if raw is None:
        return ""
    return " ".join(p for p in [raw.inline] + [line for line, _ in raw.lines] if p).strip()


def items_of(raw: RawField | None) -> tuple[str, ...]:
    """A list field's items: bullet lines, with their continuation lines joined on."""
    if raw is None:
        return ()
    items: list[str] = []
    if raw.inline and not is_placeholder(raw.inline):
        items.extend(p.strip() for p in raw.inline.split(";") if p.strip())
    has_bullets = any(bullet for _, bullet in raw.lines)
    joinable = False
    for line, bullet in raw.lines:
        if not line:
            joinable = False
            continue
        if has_bullets and not bullet and joinable and items:
            items[-1] = f"{items[-1]} {line}"
            continue
        items.append(line)
        joinable = True
    return tuple(item for item in items if not is_placeholder(item))


def urls(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for url in _URL.findall(text):
        url = url.rstrip(".,;:!?>")
        if url not in found:
            found.append(url)
    return tuple(found)


def severity(value: str) -> tuple[int | None, Problem | None]:
    value = value.strip().strip("*_").strip()
    if not value:
        return None, None
    if re.fullmatch(r"(?:[1-4]\s*[/|,]\s*){2,}[1-4]", value):
        return None, Problem(
            "Severity", f"'{shown(value)}' is the template's question, not an answer — "
            "left unset; choose one of 1–4"
        )
    match = _SEVERITY.match(value)
    if match is not None:
        digits = match.group(1).lstrip("0")
        if digits in ("1", "2", "3", "4"):
            return int(digits), None
        return None, Problem("Severity", f"{shown(match.group(1))} — not a severity; use 1–4")
    word = value.split()[0].lower().strip(".,;:-")
    if word in _SEVERITY_WORDS:
        return _SEVERITY_WORDS[word], None
    return None, Problem("Severity", f"'{shown(value)}' — not a severity; use 1–4")


def risk_level(value: str) -> tuple[str | None, Problem | None]:
    value = value.strip()
    if not value:
        return None, None
    levels = {{"med": "medium"}.get(m.lower(), m.lower()) for m in _RISK.findall(value)}
    if len(levels) == 1:
        return levels.pop().capitalize(), None
    if len(levels) > 1:
        return None, Problem(
            "Risk Level", f"'{shown(value)}' names more than one level — left unset; choose High, "
            "Medium or Low"
        )
    return None, Problem(
        "Risk Level", f"'{shown(value)}' — not a risk level; use High, Medium or Low")


def choice(value: str, options: tuple[str, ...]) -> str:
    """A known option in its usual spelling, else the value as typed."""
    for option in options:
        if value.strip().lower() == option.lower():
            return option
    return value.strip()
