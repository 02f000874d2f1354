"""Business-hours targets count only working time, in the calendar's zone, minus holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from escalator import config
from escalator.errors import ConfigError
from escalator.settings import DEFAULT_SEVERITIES
from escalator.sla import Calendar, Policy, targets_for

NY = Calendar("ny", timezone="America/New_York", country="US")
BERLIN = Calendar("de", timezone="Europe/Berlin", days=(0, 1, 2, 3, 4), start=time(8),
                  end=time(16), extra_holidays=frozenset({date(2026, 12, 24)}))


def ny(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(y, m, d, h, mi, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


def test_within_one_working_day() -> None:
    assert NY.add(ny(2026, 11, 24, 10), timedelta(hours=4)) == ny(2026, 11, 24, 14)


def test_evening_rolls_to_next_morning() -> None:
    # Tuesday 16:00 + 4h working = Wednesday 12:00 (1h Tuesday, 3h Wednesday)
    assert NY.add(ny(2026, 11, 24, 16), timedelta(hours=4)) == ny(2026, 11, 25, 12)


def test_weekend_and_us_holiday_are_skipped() -> None:
    # Wednesday 2026-11-25 15:00 + 8h: Thanksgiving (Thu 26) is a US holiday, so
    # 2h Wednesday, then Friday 09:00 + 6h = Friday 15:00
    assert NY.add(ny(2026, 11, 25, 15), timedelta(hours=8)) == ny(2026, 11, 27, 15)
    # Friday 16:00 + 2h: 1h Friday, then Monday 10:00
    assert NY.add(ny(2026, 11, 27, 16), timedelta(hours=2)) == ny(2026, 11, 30, 10)


def test_before_opening_starts_at_opening_and_extra_holidays_count() -> None:
    start = datetime(2026, 12, 23, 5, 0, tzinfo=UTC)  # 06:00 in Berlin, before opening
    # Wed 23rd 08:00-16:00 (8h), Thu 24th is an extra holiday, Fri 25th is a working day
    # here (no country calendar): 10h -> Fri 25th 10:00 Berlin = 09:00 UTC
    assert BERLIN.add(start, timedelta(hours=10)) == datetime(2026, 12, 25, 9, tzinfo=UTC)


def test_working_time_is_the_inverse_of_add() -> None:
    start = ny(2026, 11, 20, 11, 30)
    for hours in (1, 5, 9, 30):
        end = NY.add(start, timedelta(hours=hours))
        assert NY.working_time(start, end) == timedelta(hours=hours)


def test_dst_change_keeps_local_hours() -> None:
    # US DST ends 2026-11-01: local 09:00 is 13:00 UTC before and 14:00 UTC after
    friday = ny(2026, 10, 30, 16)
    assert NY.add(friday, timedelta(hours=2)) == ny(2026, 11, 2, 10)


def test_severity_on_a_calendar_counts_working_time_only() -> None:
    sev = dict(DEFAULT_SEVERITIES)
    from dataclasses import replace

    sev[3] = replace(sev[3], calendar="ny")
    policy = Policy(sev, {"ny": NY})
    # 24h of working time: 2h Wed, Thanksgiving, 8h Fri, 8h Mon, 6h Tue -> Tue 15:00
    t = targets_for(policy, 3, ny(2026, 11, 25, 15))
    assert t.response_due_at == ny(2026, 12, 1, 15)
    assert targets_for(policy, 2, ny(2026, 11, 25, 15)).response_due_at == ny(2026, 11, 25, 19)


BASE = """
[organization]
internal_domains = ["a.test"]
[ladder]
manager = "m@a.test"
director = "d@a.test"
vp = "v@a.test"
executive = "e@a.test"
"""


@pytest.mark.parametrize("extra, message", [
    ('[calendars.x]\ntimezone = "Mars/Olympus"\n', "[calendars.x] timezone: 'Mars/Olympus'"),
    ('[calendars.x]\ncountry = "ZZ"\n', "[calendars.x] country: 'ZZ' is not a holiday calendar"),
    ('[calendars.x]\nhours = "17:00-09:00"\n', "[calendars.x] hours: '17:00-09:00' has no working"),
    ('[calendars.x]\ndays = []\n', "[calendars.x] days: no working days"),
    ('[severity.3]\ncalendar = "nope"\n',
     "[severity.3] calendar: 'nope' is not a [calendars.NAME]"),
    ('[warnings]\nat = [1.5]\n', "[warnings] at: must be a list of fractions"),
])
def test_bad_calendars_refuse_to_start(tmp_path, extra: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "c.toml"
    path.write_text(BASE + extra)
    with pytest.raises(ConfigError) as e:
        config.load(path, env={})
    assert message in str(e.value)
