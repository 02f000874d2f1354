"""[accounts] health triggers and [report] weekly report: read, or one line naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalator import config
from escalator.errors import ConfigError
from tests.escalator.test_config import MINIMAL, write


def test_example_config_has_both_tables_off() -> None:
    settings = config.load(Path(__file__).resolve().parents[2] / "config.toml", env={})
    assert settings.accounts.health_threshold is None and settings.report is None


def test_both_tables_read(tmp_path: Path) -> None:
    settings = config.load(write(tmp_path, MINIMAL + """
[accounts]
health_threshold = 50
health_drop = 12.5
[report]
weekly_to = ["CS Leads <cs-leads@acme.test>", "vp@acme.test"]
day = "Friday"
at = "16:30"
timezone = "Europe/Berlin"
"""), env={})
    assert (settings.accounts.health_threshold, settings.accounts.health_drop) == (50, 12.5)
    assert settings.report is not None
    assert settings.report.weekly_to == ("cs-leads@acme.test", "vp@acme.test")
    assert (settings.report.day, settings.report.at, settings.report.timezone) == (
        4, "16:30", "Europe/Berlin")


@pytest.mark.parametrize(("table", "message"), [
    ('[accounts]\nhealth_threshold = "low"', "[accounts] health_threshold: 'low' is not a number"),
    ("[accounts]\nhealth_drop = 0", "[accounts] health_drop: must be more than 0"),
    ("[accounts]\nthreshold = 50", "[accounts] threshold: unknown key"),
    ('[report]\nweekly_to = ["x"]', "[report] weekly_to: 'x' is not an e-mail address"),
    ('[report]\nweekly_to = ["a@acme.test"]\nday = "mon"',
     "[report] day: 'mon' is not a day of the week"),
    ('[report]\nweekly_to = ["a@acme.test"]\nat = "8am"', "[report] at: '8am' is not a time"),
    ('[report]\nweekly_to = ["a@acme.test"]\ntimezone = "Mars/Base"',
     "[report] timezone: 'Mars/Base' is not a time zone"),
])
def test_problems_name_the_key(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(write(tmp_path, MINIMAL + table + "\n"), env={})
    assert str(caught.value).startswith(f"{tmp_path / 'config.toml'}: {message}")
    assert "\n" not in str(caught.value)
