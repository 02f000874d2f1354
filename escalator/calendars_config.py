"""[calendars.NAME] tables -> Calendar objects, with one-line errors naming the key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from escalator.config_keys import Fail, check_keys
from escalator.sla.calendar import DAYS, Calendar

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
KEYS = {"timezone", "days", "hours", "country", "subdivision", "extra_holidays"}



def calendar_from_table(name: str, table: Mapping[str, Any], fail: Fail) -> Calendar:
    where = f"[calendars.{name}]"
    check_keys(table, where, KEYS, fail)
    tz = str(table.get("timezone", "UTC"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"{where} timezone",
                   f"'{tz}' is not a time zone (e.g. Europe/Berlin)") from None
    days_raw = table.get("days", ["mon", "tue", "wed", "thu", "fri"])
    if not isinstance(days_raw, list) or not all(
            isinstance(d, str) and d.lower()[:3] in DAYS for d in days_raw):
        raise fail(f"{where} days", "must be a list of mon, tue, wed, thu, fri, sat, sun")
    days = tuple(sorted({DAYS.index(d.lower()[:3]) for d in days_raw}))
    if not days:
        raise fail(f"{where} days", "no working days: the targets could never be met")
    hours = str(table.get("hours", "09:00-17:00"))
    m = _HOURS.match(hours)
    if not m or int(m.group(1)) > 23 or int(m.group(3)) > 24 or int(m.group(2)) > 59 \
            or int(m.group(4)) > 59:
        raise fail(f"{where} hours", f"'{hours}' is not a span of hours (e.g. 09:00-17:00)")
    start = time(int(m.group(1)), int(m.group(2)))
    end = time(23, 59, 59) if int(m.group(3)) == 24 else time(int(m.group(3)), int(m.group(4)))
    if end <= start:
        raise fail(f"{where} hours", f"'{hours}' has no working hours (end before start)")
    country = table.get("country")
    subdivision = table.get("subdivision")
    if country is not None:
        try:
            holidays_lib.country_holidays(str(country), subdiv=subdivision)
        except NotImplementedError:
            raise fail(f"{where} country",
                       f"'{country}' is not a holiday calendar (ISO code, e.g. US, DE)") from None
        except Exception as e:  # the library says which subdivision it does not know
            raise fail(f"{where} subdivision", f"'{subdivision}': {e}") from None
    elif subdivision is not None:
        raise fail(f"{where} subdivision", "needs a country")
    extra_raw = table.get("extra_holidays", [])
    extra: set[date] = set()
    for value in extra_raw if isinstance(extra_raw, list) else [extra_raw]:
        if isinstance(value, date):
            extra.add(value)
            continue
        try:
            extra.add(date.fromisoformat(str(value)))
        except ValueError:
            raise fail(f"{where} extra_holidays",
                       f"'{value}' is not a date (YYYY-MM-DD)") from None
    return Calendar(name=name, timezone=tz, days=days, start=start, end=end,
                    country=str(country) if country else None,
                    subdivision=str(subdivision) if subdivision else None,
                    extra_holidays=frozenset(extra))
