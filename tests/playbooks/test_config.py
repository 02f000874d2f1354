"""[playbooks.NAME] and [revenue] in config.toml: the example equals the defaults; every
mistake is one line naming file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from escalator.config import from_dict, load
from escalator.errors import ConfigError
from escalator.playbooks.defaults import DEFAULT_PLAYBOOKS

ROOT = Path(__file__).resolve().parents[2]
BASE: dict[str, Any] = {
    "organization": {"internal_domains": ["example.com"]},
    "ladder": {"manager": "m@example.com", "director": "d@example.com",
               "vp": "v@example.com", "executive": "e@example.com"},
}


def test_example_config_writes_out_the_defaults() -> None:
    settings = load(ROOT / "config.toml")
    assert settings.playbooks == DEFAULT_PLAYBOOKS
    [rule] = settings.revenue.rules
    assert (rule.arr_at_least, rule.renewal_within.days if rule.renewal_within else 0) == (
        1_000_000, 30)


def test_no_playbooks_table_means_the_defaults_an_empty_one_none() -> None:
    assert from_dict(BASE).playbooks == DEFAULT_PLAYBOOKS
    assert from_dict({**BASE, "playbooks": {}}).playbooks == ()


def test_after_by_title_or_number() -> None:
    books = from_dict({**BASE, "categories": {"Billing": {"contacts": ["b@example.com"]}},
                       "playbooks": {"billing": {"category": "Billing", "tasks": [
                           {"title": "Call the customer", "owner": "category:Billing",
                            "due": "30m"},
                           {"title": "Credit note", "owner": "manager",
                            "due": "1d after 'call the customer'"},
                           {"title": "Follow up", "due": "2d after 2"}]}}}).playbooks
    [book] = books
    assert [t.after for t in book.tasks] == [None, 1, 2]
    assert book.tasks[0].owner == "category:billing" and book.category == ("billing",)


@pytest.mark.parametrize(("table", "message"), [
    ({"x": {"tasks": []}}, "[playbooks.x] tasks: must be a list of tasks"),
    ({"x": {"tasks": [{"title": "a", "due": "1h", "owner": "boss"}]}},
     "[playbooks.x] tasks[1] owner: 'boss' is not an owner"),
    ({"x": {"tasks": [{"title": "a", "due": "soon"}]}},
     "[playbooks.x] tasks[1] due: 'soon' is not a duration"),
    ({"x": {"tasks": [{"title": "a", "due": "1h after 'b'"}]}},
     "[playbooks.x] tasks[1] due: '1h after 'b'': no earlier task is titled 'b'"),
    ({"x": {"tasks": [{"title": "a", "due": "1h"}], "severity": 5}},
     "[playbooks.x] severity: must be a severity (1-4)"),
    ({"x": {"tasks": [{"title": "a", "due": "1h"}], "color": "red"}},
     "[playbooks.x] color: unknown key"),
    ({"x": {"tasks": [{"title": "a", "due": "1h"}], "default_for": 2},
      "y": {"tasks": [{"title": "a", "due": "1h"}], "default_for": [2]}},
     "[playbooks.y] default_for: severity 2 already has the default playbook 'x'"),
])
def test_playbook_mistakes(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as e:
        from_dict({**BASE, "playbooks": table}, "config.toml")
    assert str(e.value).startswith(f"config.toml: {message}"), str(e.value)


@pytest.mark.parametrize(("table", "message"), [
    ({"rules": [{"name": "big", "arr_at_least": "lots"}]},
     "[[revenue.rules]] 'big' arr_at_least: must be a number"),
    ({"rules": [{"name": "big"}]}, "[[revenue.rules]] 'big': no condition"),
    ({"rules": [{"name": "big", "arr_at_least": 1, "action": "panic"}]},
     "[[revenue.rules]] 'big' action: 'panic' is not an action"),
    ({"rules": [{"arr_at_least": 1}]}, "[[revenue.rules]] 1 name: missing"),
    ({"repeat_count": 1}, "[revenue] repeat_count: must be a whole number ≥ 2"),
    ({"threshold": 1}, "[revenue] threshold: unknown key"),
])
def test_revenue_mistakes(table: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as e:
        from_dict({**BASE, "revenue": table}, "config.toml")
    assert str(e.value).startswith(f"config.toml: {message}"), str(e.value)
