"""The OAuth2 keys of [imap] and [smtp]: each problem one line naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from escalator import config
from escalator.errors import ConfigError
from escalator.settings import Settings

BASE = """
[organization]
internal_domains = ["contoso.com"]
[ladder]
manager = "m@contoso.com"
director = "d@contoso.com"
vp = "v@contoso.com"
executive = "ceo@contoso.com"
[imap]
host = "outlook.office365.com"
username = "support@contoso.com"
"""


def load(tmp_path: Path, imap: str, env: dict[str, str] | None = None) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(BASE + imap)
    return config.load(path, env=env or {})


def error(tmp_path: Path, imap: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, imap, env)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_delegated_flow_loads_with_a_key_file_resolved_beside_the_config(tmp_path: Path
                                                                          ) -> None:
    s = load(tmp_path, 'oauth2_flow = "microsoft-delegated"\noauth2_tenant = "contoso"\n'
                       'oauth2_client_id = "c1"\noauth2_key_file = "token.key"\n').imap
    assert (s.oauth2_flow, s.oauth2_tenant, s.oauth2_client_id) == (
        "microsoft-delegated", "contoso", "c1")
    assert s.oauth2_key_file == str(tmp_path / "token.key")


def test_unknown_flow(tmp_path: Path) -> None:
    assert "[imap] oauth2_flow: 'microsoft' is not a flow (use static, microsoft-app" in error(
        tmp_path, 'oauth2_flow = "microsoft"\n')


def test_missing_tenant(tmp_path: Path) -> None:
    assert error(tmp_path, 'oauth2_flow = "microsoft-app"\noauth2_client_id = "c"\n'
                 ).endswith("[imap] oauth2_tenant: missing: the microsoft-app flow needs it")


def test_client_secret_may_come_from_the_environment(tmp_path: Path) -> None:
    flow = 'oauth2_flow = "microsoft-app"\noauth2_tenant = "t"\noauth2_client_id = "c"\n'
    assert "(or ESCALATOR_OAUTH2_CLIENT_SECRET)" in error(tmp_path, flow)
    s = load(tmp_path, flow, {"ESCALATOR_OAUTH2_CLIENT_SECRET": "from-env"}).imap
    assert s.oauth2_client_secret == "from-env"


def test_stored_flow_needs_a_key(tmp_path: Path) -> None:
    flow = 'oauth2_flow = "google-installed"\noauth2_client_id = "c"\n' \
           'oauth2_client_secret = "s"\n'
    assert "[imap] oauth2_key_file: missing" in error(tmp_path, flow)
    assert load(tmp_path, flow, {"ESCALATOR_TOKEN_KEY": "k"}).imap.oauth2_key_file == ""


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "token.key"
    key.write_text("x")
    key.chmod(0o644)
    assert "[imap] oauth2_key_file: " in (message := error(
        tmp_path, 'oauth2_flow = "microsoft-delegated"\noauth2_tenant = "t"\n'
                  f'oauth2_client_id = "c"\noauth2_key_file = "{key}"\n'))
    assert "readable by others (mode 644): chmod 600 it" in message


def test_service_account_file_not_readable_or_not_a_key(tmp_path: Path) -> None:
    flow = 'oauth2_flow = "google-service-account"\noauth2_service_account_file = "{}"\n'
    assert "[imap] oauth2_service_account_file: " in error(tmp_path, flow.format("nope.json"))
    assert "is not readable" in error(tmp_path, flow.format("nope.json"))
    (tmp_path / "sa.json").write_text(json.dumps({"client_email": "x@y"}))
    assert "is not a service account key (no private_key, token_uri)" in error(
        tmp_path, flow.format("sa.json"))


def test_mechanism(tmp_path: Path) -> None:
    assert "'PLAIN' is not XOAUTH2 or OAUTHBEARER" in error(
        tmp_path, 'oauth2_flow = "static"\noauth2_token = "t"\noauth2_mechanism = "PLAIN"\n')
    s = load(tmp_path, 'oauth2_flow = "static"\noauth2_token = "t"\n'
                       'oauth2_mechanism = "oauthbearer"\n').imap
    assert s.oauth2_mechanism == "OAUTHBEARER"


def test_smtp_flow_needs_its_username(tmp_path: Path) -> None:
    assert "[smtp] username: missing: the static flow needs the mailbox address" in error(
        tmp_path, '[smtp]\noauth2_flow = "static"\noauth2_token = "t"\n')
