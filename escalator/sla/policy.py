"""The SLA policy the rules read: per-severity targets, their calendars, warning fractions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from escalator.settings import DEFAULT_SEVERITIES, SeverityPolicy
from escalator.sla.calendar import Calendar, add


@dataclass(frozen=True)
class Policy:
    severities: dict[int, SeverityPolicy] = field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    calendars: dict[str, Calendar] = field(default_factory=dict)
    warnings: tuple[float, ...] = (0.75, 0.9)

    def calendar(self, severity: int) -> Calendar | None:
        name = self.severities[severity].calendar
        return self.calendars[name] if name else None

    def window(self, severity: int, target: str) -> timedelta:
        p = self.severities[severity]
        return p.response if target == "response" else p.resolution

    def after(self, severity: int, start: datetime, duration: timedelta) -> datetime:
        """`duration` of this severity's working time after `start` (24x7: plain addition)."""
        return add(self.calendar(severity), start, duration)

    def working(self, severity: int, start: datetime, end: datetime) -> timedelta:
        cal = self.calendar(severity)
        return end - start if cal is None else cal.working_time(start, end)
