"""Check the signed-link keys of [web]; each problem is one line naming the key.

    public_url        where people reach the dashboard; "" = no links in emails
    action_link_days  an action link expires after this many days (default 7)
    secret            the signing key; ESCALATOR_WEB_SECRET wins over it
    secret_file       else the key in this file (mode 0600), made on first use; by default
                      web-secret.key beside the config file when public_url is set

Instances that serve the same links (two `escalator run`s) must share the key: set the
secret or point secret_file at a shared file, or links one signs the other refuses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from escalator.errors import ConfigError
from escalator.oauth_config import key_file_problem
from escalator.settings import WebSettings

SECRET_ENV = "ESCALATOR_WEB_SECRET"
DEFAULT_SECRET_FILE = "web-secret.key"
MIN_SECRET = 16  # characters; a shorter secret is a guessable one
MAX_DAYS = 365  # also how long the table of used links keeps a digest


def check(web: WebSettings, config_path: str, env: Mapping[str, str],
          fail: Callable[[str, str], ConfigError]) -> WebSettings:
    """`web` with the secret from the environment and paths resolved; ConfigError if unusable."""
    if not 1 <= web.action_link_days <= MAX_DAYS:
        raise fail("[web] action_link_days",
                   f"{web.action_link_days} is not a number of days (1-{MAX_DAYS})")
    if env.get(SECRET_ENV):
        web = replace(web, secret=env[SECRET_ENV])
    if web.secret and len(web.secret) < MIN_SECRET:
        where = SECRET_ENV if env.get(SECRET_ENV) else "[web] secret"
        raise fail(where, f"too short: use at least {MIN_SECRET} random characters")
    if not web.public_url:
        return web
    web = replace(web, public_url=_public_url(web.public_url, fail))
    if web.secret:
        return web
    path = _resolve(web.secret_file or DEFAULT_SECRET_FILE, config_path)
    problem = key_file_problem(path)
    if problem:
        raise fail("[web] secret_file", problem)
    return replace(web, secret_file=path)


def _public_url(url: str, fail: Callable[[str, str], ConfigError]) -> str:
    parts = urlsplit(url.strip())
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query
            or parts.fragment or "@" in parts.netloc):
        raise fail("[web] public_url", f"'{url}' is not a web address for people to open "
                                       "(use https://escalations.example.com)")
    return url.strip().rstrip("/")


def _resolve(path: str, config_path: str) -> str:
    """Relative to the config file, as [templates] dir is."""
    if not Path(path).is_absolute() and Path(config_path).is_file():
        return str(Path(config_path).resolve().parent / path)
    return path
