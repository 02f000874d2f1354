"""The [accounts] health triggers and the [report] weekly report, read from config.toml.

    [accounts]  health_threshold = 50   health_drop = 20
    [report]    weekly_to = ["cs-leaders@example.com"]  day = "monday"  at = "08:00"
                timezone = "Europe/Berlin"
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from escalator.config_keys import Fail, check_keys
from escalator.settings import AccountSettings, ReportSettings

Addresses = Callable[[Any, str], tuple[str, ...]]
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def accounts_settings(table: Mapping[str, Any], fail: Fail) -> AccountSettings:
    check_keys(table, "[accounts]", {"health_threshold", "health_drop", "sync_url",
                                      "sync_every"}, fail)
    values: dict[str, Any] = sync_settings(table, fail)
    for key in ("health_threshold", "health_drop"):
        if key not in table:
            continue
        value = table[key]
        if (not isinstance(value, int | float) or isinstance(value, bool)
                or not math.isfinite(value) or value < 0 or value > 1_000_000):
            raise fail(f"[accounts] {key}", f"'{value}' is not a number of health points "
                                            "(e.g. 50)")
        values[key] = float(value)
    if values.get("health_drop") == 0:
        raise fail("[accounts] health_drop", "must be more than 0 (leave it out: no drop rule)")
    return AccountSettings(**values)


def sync_settings(table: Mapping[str, Any], fail: Fail) -> dict[str, Any]:
    """[accounts] sync_url (an http(s) URL or a file path) and sync_every (a duration)."""
    from escalator.config import parse_duration

    values: dict[str, Any] = {}
    url = table.get("sync_url", "")
    if not isinstance(url, str):
        raise fail("[accounts] sync_url", "must be a URL or a file path (a string)")
    if url.strip():
        values["sync_url"] = url.strip()
    if "sync_every" in table:
        try:
            every = parse_duration(str(table["sync_every"]))
        except ValueError:
            every = timedelta(0)
        if not timedelta(minutes=1) <= every <= timedelta(days=31):
            raise fail("[accounts] sync_every", f"'{table['sync_every']}' is not a duration "
                                                "from 1m to 31d (e.g. 1h, 1d)")
        values["sync_every"] = every
    return values


def report_settings(table: Mapping[str, Any], fail: Fail,
                    addresses: Addresses) -> ReportSettings | None:
    """No [report] table, or an empty weekly_to: no weekly report."""
    check_keys(table, "[report]", {"weekly_to", "day", "at", "timezone"}, fail)
    to = addresses(table.get("weekly_to", []), "[report] weekly_to")
    day = table.get("day", "monday")
    if not isinstance(day, str) or day.strip().lower() not in DAYS:
        raise fail("[report] day", f"'{day}' is not a day of the week (e.g. monday)")
    at = table.get("at", "08:00")
    if not isinstance(at, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", at.strip()):
        raise fail("[report] at", f"'{at}' is not a time of day (use HH:MM, e.g. 08:00)")
    zone = table.get("timezone", "UTC")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise fail("[report] timezone", f"'{zone}' is not a time zone (e.g. Europe/Berlin)"
                   ) from None
    if not to:
        return None
    return ReportSettings(weekly_to=to, day=DAYS.index(day.strip().lower()), at=at.strip(),
                          timezone=str(zone))
