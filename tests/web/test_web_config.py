"""[web] and [review] in config.toml: defaults, values, and one-line errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from escalator import config
from escalator.errors import ConfigError

BASE: dict[str, Any] = {
    "organization": {"internal_domains": ["example.com"]},
    "ladder": {k: f"{k}@example.com" for k in ("manager", "director", "vp", "executive")},
}


def load(**tables: Any) -> Any:
    return config.from_dict({**BASE, **tables}, "config.toml")


def test_defaults() -> None:
    s = load()
    assert (s.web.host, s.web.port, s.web.token) == ("127.0.0.1", 8025, "")
    assert (s.review.remind_after, s.review.max_reminders) == (timedelta(days=3), 2)


def test_values() -> None:
    s = load(web={"host": "0.0.0.0", "port": 9000, "token": "t"},
             review={"remind_after": "36h", "max_reminders": 0})
    assert (s.web.host, s.web.port, s.web.token) == ("0.0.0.0", 9000, "t")
    assert (s.review.remind_after, s.review.max_reminders) == (timedelta(hours=36), 0)


@pytest.mark.parametrize(("tables", "message"), [
    ({"web": {"hots": "x"}}, "config.toml: [web] hots: unknown key"),
    ({"web": {"port": 70000}}, "config.toml: [web] port: 70000 is not a TCP port"),
    ({"web": {"port": "80"}}, "config.toml: [web] port: must be a whole number"),
    ({"review": {"remind": "3d"}}, "config.toml: [review] remind: unknown key"),
    ({"review": {"remind_after": "soon"}}, "config.toml: [review] remind_after: 'soon'"),
    ({"review": {"max_reminders": -1}}, "config.toml: [review] max_reminders: must be"),
])
def test_errors_are_one_line(tables: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as e:
        load(**tables)
    assert str(e.value).startswith(message) and "\n" not in str(e.value)


def test_example_config_documents_both_tables() -> None:
    s = config.load(Path(__file__).resolve().parents[2] / "config.toml", env={})
    assert s.web.port == 8025 and s.review.max_reminders == 2
