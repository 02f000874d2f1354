"""What every config module shares: how a problem is reported, and the unknown-key check."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from escalator.errors import ConfigError

Fail = Callable[[str, str], ConfigError]  # (where, problem) -> the one-line error


def check_keys(table: Mapping[str, Any], where: str, allowed: Iterable[str],
               fail: Fail) -> None:
    known = set(allowed)
    for key in table:
        if key not in known:
            raise fail(f"{where} {key}", f"unknown key (known: {', '.join(sorted(known))})")
