"""[web] public_url, action_link_days and the secret: checked at load, one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalator.config import from_dict, load
from escalator.errors import ConfigError

BASE = {"organization": {"internal_domains": ["example.com"]},
        "ladder": {"manager": "m@example.com", "director": "d@example.com",
                   "vp": "v@example.com", "executive": "e@example.com"}}
LONG = "s" * 24


def web(env: dict[str, str] | None = None, **table: object) -> object:
    return from_dict({**BASE, "web": table}, "config.toml", env or {}).web


def error(env: dict[str, str] | None = None, **table: object) -> str:
    with pytest.raises(ConfigError) as e:
        web(env, **table)
    return str(e.value)


def test_defaults_no_links() -> None:
    w = web()
    assert (w.public_url, w.action_link_days, w.secret) == ("", 7, "")  # type: ignore[attr-defined]


def test_public_url_is_kept_without_its_trailing_slash() -> None:
    w = web(public_url="https://esc.example.com/", secret=LONG)
    assert w.public_url == "https://esc.example.com"  # type: ignore[attr-defined]


@pytest.mark.parametrize("url", ["esc.example.com", "ftp://esc.example.com", "https://",
                                 "https://esc.example.com/?a=1", "https://u@esc.example.com"])
def test_a_public_url_that_is_no_web_address_is_refused(url: str) -> None:
    assert error(public_url=url, secret=LONG).startswith(
        "config.toml: [web] public_url: '")


def test_the_environment_secret_wins() -> None:
    w = web({"ESCALATOR_WEB_SECRET": "e" * 20}, public_url="https://x.example.com", secret=LONG)
    assert w.secret == "e" * 20  # type: ignore[attr-defined]


def test_short_secrets_and_odd_days_are_refused() -> None:
    assert error(secret="short") == ("config.toml: [web] secret: too short: use at least 16 "
                                     "random characters")
    assert "ESCALATOR_WEB_SECRET: too short" in error({"ESCALATOR_WEB_SECRET": "x"})
    assert error(action_link_days=0) == ("config.toml: [web] action_link_days: 0 is not a "
                                         "number of days (1-365)")
    assert "must be a whole number" in error(action_link_days="7")


def test_without_a_secret_the_key_file_sits_beside_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[organization]\ninternal_domains = ["example.com"]\n'
                      '[ladder]\nmanager = "m@example.com"\ndirector = "d@example.com"\n'
                      'vp = "v@example.com"\nexecutive = "e@example.com"\n'
                      '[web]\npublic_url = "https://esc.example.com"\n')
    assert load(config, {}).web.secret_file == str(tmp_path / "web-secret.key")
    (tmp_path / "web-secret.key").write_text("k" * 40)
    (tmp_path / "web-secret.key").chmod(0o644)
    with pytest.raises(ConfigError, match=r"\[web\] secret_file: .* is readable by others"):
        load(config, {})
