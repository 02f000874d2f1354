"""Which of our own Message-IDs (<esc-N.KIND.HEX@domain>) does a text name?"""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=16)
def pattern(domain: str) -> re.Pattern[str]:
    return re.compile(r"\besc-(\d+)\.[A-Za-z0-9_.-]*@" + re.escape(domain) + r"\b", re.I)


def escalation_ids(text: str, domain: str) -> list[int]:
    return [int(n) for n in pattern(domain).findall(text)]


def first_id(text: str, domain: str) -> str | None:
    """Our first full Message-ID in a text, without angle brackets."""
    match = pattern(domain).search(text)
    return match.group(0) if match else None
