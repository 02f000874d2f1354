"""Working time: a target on business hours counts only the hours a team works.

A Calendar is a time zone, the working days and hours, and holidays (the `holidays`
library for a country and optional subdivision, plus extra dates). `add(start, duration)`
walks forward through working intervals; 24x7 (no calendar) is plain addition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays as holidays_lib

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MAX_DAYS = 3660  # a walk that finds no working time in ten years is a broken calendar


@dataclass(frozen=True)
class Calendar:
    name: str
    timezone: str = "UTC"
    days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    start: time = time(9, 0)
    end: time = time(17, 0)
    country: str | None = None
    subdivision: str | None = None
    extra_holidays: frozenset[date] = field(default_factory=frozenset)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _holidays(self) -> holidays_lib.HolidayBase | None:
        if not self.country:
            return None
        return holidays_lib.country_holidays(self.country, subdiv=self.subdivision)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.days or day in self.extra_holidays:
            return False
        return self._holidays is None or day not in self._holidays

    def _interval(self, day: date) -> tuple[datetime, datetime] | None:
        """The working hours of a local day, in UTC (zoneinfo handles DST shifts)."""
        if not self.is_working_day(day):
            return None
        opens = datetime.combine(day, self.start, self.zone).astimezone(UTC)
        closes = datetime.combine(day, self.end, self.zone).astimezone(UTC)
        return opens, closes

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant when `duration` of working time has passed after `start`."""
        left = duration
        day = start.astimezone(self.zone).date()
        for _ in range(_MAX_DAYS):
            interval = self._interval(day)
            if interval is not None:
                opens, closes = interval
                begin = max(opens, start)
                if begin < closes:
                    if begin + left <= closes:
                        return begin + left
                    left -= closes - begin
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.name}: no working time within ten years")

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two instants (for reports and warnings)."""
        total = timedelta(0)
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            interval = self._interval(day)
            if interval is not None:
                lo, hi = max(interval[0], start), min(interval[1], end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total


def add(calendar: Calendar | None, start: datetime, duration: timedelta) -> datetime:
    return start + duration if calendar is None else calendar.add(start, duration)
