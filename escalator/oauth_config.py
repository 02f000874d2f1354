"""Check the OAuth2 keys of [imap] and [smtp]; each problem is one line naming the key.

    oauth2_flow = ""                        password login (or a static oauth2_token)
                  "static"                  oauth2_token as it is
                  "microsoft-app"           oauth2_tenant, oauth2_client_id, oauth2_client_secret
                  "microsoft-delegated"     oauth2_tenant, oauth2_client_id; `auth login` once
                  "google-service-account"  oauth2_service_account_file (domain-wide delegation)
                  "google-installed"        oauth2_client_id, oauth2_client_secret; `auth login`

The flows that keep a refresh token ("stored") encrypt it with ESCALATOR_TOKEN_KEY or the
key in oauth2_key_file, a file only its owner may read (mode 0600; `auth login` makes it).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from escalator.errors import ConfigError
from escalator.settings import OAuth2Settings

FLOWS = ("static", "microsoft-app", "microsoft-delegated", "google-service-account",
         "google-installed")
STORED_FLOWS = ("microsoft-delegated", "google-installed")
_REQUIRED = {
    "static": ("oauth2_token",),
    "microsoft-app": ("oauth2_tenant", "oauth2_client_id", "oauth2_client_secret"),
    "microsoft-delegated": ("oauth2_tenant", "oauth2_client_id"),
    "google-service-account": ("oauth2_service_account_file",),
    "google-installed": ("oauth2_client_id", "oauth2_client_secret"),
}
KEY_ENV = "ESCALATOR_TOKEN_KEY"
SECRET_ENV = "ESCALATOR_OAUTH2_CLIENT_SECRET"

S = TypeVar("S", bound=OAuth2Settings)


def check(table: str, s: S, config_path: str, env: Mapping[str, str],
          fail: Callable[[str, str], ConfigError], username: str) -> S:
    """`s` with secrets from the environment and paths resolved; ConfigError if unusable."""
    flow = s.oauth2_flow
    if not flow:
        return s
    if flow not in FLOWS:
        raise fail(f"[{table}] oauth2_flow", f"'{flow}' is not a flow (use {', '.join(FLOWS)})")
    if env.get(SECRET_ENV) and not s.oauth2_client_secret:
        s = replace(s, oauth2_client_secret=env[SECRET_ENV])
    for key in _REQUIRED[flow]:
        if not getattr(s, key):
            extra = f" (or {SECRET_ENV})" if key == "oauth2_client_secret" else ""
            raise fail(f"[{table}] {key}", f"missing: the {flow} flow needs it{extra}")
    if not username:
        raise fail(f"[{table}] username", f"missing: the {flow} flow needs the mailbox address")
    if s.oauth2_mechanism.upper() not in ("XOAUTH2", "OAUTHBEARER"):
        raise fail(f"[{table}] oauth2_mechanism",
                   f"'{s.oauth2_mechanism}' is not XOAUTH2 or OAUTHBEARER")
    s = replace(s, oauth2_mechanism=s.oauth2_mechanism.upper())
    if flow == "google-service-account":
        path = _resolve(s.oauth2_service_account_file, config_path)
        _service_account(path, lambda problem: fail(
            f"[{table}] oauth2_service_account_file", problem))
        s = replace(s, oauth2_service_account_file=path)
    if flow in STORED_FLOWS:
        if not s.oauth2_key_file and not env.get(KEY_ENV):
            raise fail(f"[{table}] oauth2_key_file",
                       f"missing: the {flow} flow stores a refresh token, encrypted with the "
                       f"key in this file (or in {KEY_ENV})")
        if s.oauth2_key_file:
            path = _resolve(s.oauth2_key_file, config_path)
            problem = key_file_problem(path)
            if problem:
                raise fail(f"[{table}] oauth2_key_file", problem)
            s = replace(s, oauth2_key_file=path)
    return s


def _resolve(path: str, config_path: str) -> str:
    """Relative to the config file, as [templates] dir is."""
    if not Path(path).is_absolute() and Path(config_path).is_file():
        return str(Path(config_path).resolve().parent / path)
    return path


def key_file_problem(path: str) -> str:
    """Why the key file cannot be used ("" if it can, or if it does not exist yet)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if not Path(path).parent.is_dir():
            return f"'{path}': its folder does not exist"
        return ""  # `escalator auth login` creates it
    except OSError as e:
        return f"'{path}': {e.strerror}"
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"'{path}' is readable by others (mode {stat.S_IMODE(mode):o}): chmod 600 it"
    if not os.access(path, os.R_OK):
        return f"'{path}' is not readable"
    return ""


def _service_account(path: str, fail: Callable[[str], ConfigError]) -> None:
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise fail(f"'{path}' is not readable: {e.strerror}") from None
    except ValueError:
        raise fail(f"'{path}' is not a JSON key file") from None
    missing = [k for k in ("client_email", "private_key", "token_uri")
               if not isinstance(info, dict) or not info.get(k)]
    if missing:
        raise fail(f"'{path}' is not a service account key (no {', '.join(missing)})")
