"""[webhooks.NAME] and the chat URLs of [teams.NAME] and [categories.NAME]: read, or one line."""

from __future__ import annotations

from typing import Any

import pytest

from escalator import config
from escalator.errors import ConfigError
from escalator.settings import Settings

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BASE: dict[str, Any] = {
    "organization": {"internal_domains": ["example.com"]},
    "ladder": {"manager": "m@example.com", "director": "d@example.com",
               "vp": "v@example.com", "executive": "e@example.com"},
}


def load(extra: dict[str, Any], env: dict[str, str] | None = None) -> Settings:
    return config.from_dict({**BASE, **extra}, "config.toml", env)


def test_webhooks_and_chat_routes_are_read_beside_the_ladders() -> None:
    s = load({
        "webhooks": {"crm": {"url": "https://crm.example.com/h", "secret": SECRET,
                             "events": ["opened", "done"], "timeout_seconds": 5}},
        "teams": {"emea": {"manager": "lead@example.com",
                           "slack_webhook": "https://hooks.slack.com/services/T/B/X",
                           "teams_webhook": "https://example.webhook.office.com/w"}},
        "categories": {"Billing": {"contacts": ["billing@example.com"],
                                   "slack_webhook": "https://hooks.slack.com/services/T/B/Y"}},
    })
    crm = s.channels.webhooks["crm"]
    assert (crm.target.url, crm.target.timeout_seconds, crm.events) == (
        "https://crm.example.com/h", 5.0, frozenset({"opened", "done"}))
    assert s.teams["emea"] == {"manager": ("lead@example.com",)}  # the ladder, as before
    assert s.categories["billing"] == ("billing@example.com",)
    assert s.channels.urls("slack") == {
        "team:emea": "https://hooks.slack.com/services/T/B/X",
        "category:billing": "https://hooks.slack.com/services/T/B/Y"}
    assert s.channels.urls("teams") == {"team:emea": "https://example.webhook.office.com/w"}


def test_every_event_type_by_default_and_the_secret_from_the_environment() -> None:
    s = load({"webhooks": {"ops-feed": {"url": "http://127.0.0.1:9/h"}}},
             {"ESCALATOR_WEBHOOK_SECRET_OPS_FEED": SECRET})
    sub = s.channels.webhooks["ops-feed"]
    assert sub.target.secret == SECRET and len(sub.events) == 10


def test_no_channel_tables_no_channels() -> None:
    assert not load({}).channels.configured


@pytest.mark.parametrize(("extra", "message"), [
    ({"webhooks": {"crm": {"url": "https://x.example.com", "secret": SECRET, "colour": 1}}},
     "config.toml: [webhooks.crm] colour: unknown key (known: events, secret, "
     "timeout_seconds, url)"),
    ({"webhooks": {"crm": {"secret": SECRET}}},
     "config.toml: [webhooks.crm] url: missing (where to POST the events)"),
    ({"webhooks": {"crm": {"url": "http://crm.example.com/h", "secret": SECRET}}},
     "config.toml: [webhooks.crm] url: must be an https:// URL (http:// only to localhost)"),
    ({"webhooks": {"crm": {"url": "https://crm.example.com/h", "secret": "short"}}},
     "config.toml: [webhooks.crm] secret: missing or shorter than 16 characters"),
    ({"webhooks": {"crm": {"url": "https://crm.example.com/h", "secret": SECRET,
                           "events": ["opened", "closed"]}}},
     "config.toml: [webhooks.crm] events: must be a list of event types (opened, "),
    ({"webhooks": {"crm": {"url": "https://crm.example.com/h", "secret": SECRET,
                           "timeout_seconds": 0}}},
     "config.toml: [webhooks.crm] timeout_seconds: must be a number of seconds"),
    ({"webhooks": "https://crm.example.com"},
     "config.toml: [webhooks]: must be a table of [webhooks.NAME] tables"),
    ({"teams": {"emea": {"slack_webhook": "ftp://hooks.slack.com/x"}}},
     "config.toml: [teams.emea] slack_webhook: must be an https:// URL"),
    ({"categories": {"billing": {"teams_webhook": 3}}},
     "config.toml: [categories.billing] teams_webhook: must be a URL"),
    ({"teams": {"emea": {"discord_webhook": "https://x.example.com"}}},
     "config.toml: [teams.emea] discord_webhook: unknown rung"),
])
def test_a_wrong_key_is_one_line_naming_file_and_key(extra: dict[str, Any],
                                                     message: str) -> None:
    with pytest.raises(ConfigError) as e:
        load(extra)
    assert str(e.value).startswith(message) and "\n" not in str(e.value)
