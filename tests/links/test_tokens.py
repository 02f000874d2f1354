"""Signed tokens: one recipient, one escalation, one action, until they expire; a token
changed anywhere by one character, or signed with another key, grants nothing."""

from __future__ import annotations

import os
import stat
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from escalator import links
from escalator.links import LinkRefused, Signer
from escalator.settings import WebSettings

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEY = "k" * 32
ALPHABET = string.ascii_letters + string.digits + "-_."


def token(**kw: object) -> str:
    args: dict[str, object] = {"escalation_id": 12, "action": "ack"} | kw
    return Signer(KEY).sign("action", "VP@example.com", NOW, 7, **args)  # type: ignore[arg-type]


def refusal(tok: str, now: datetime = NOW, key: str = KEY, **kw: object) -> str:
    with pytest.raises(LinkRefused) as e:
        Signer(key).read(tok, now, purpose="action", **kw)  # type: ignore[arg-type]
    return e.value.reason


def test_a_token_says_who_what_and_until_when() -> None:
    claim = Signer(KEY).read(token(), NOW, purpose="action", recipient="vp@example.com",
                             escalation_id=12, action="ack")
    assert (claim.purpose, claim.recipient, claim.escalation_id, claim.action) == \
        ("action", "vp@example.com", 12, "ack")
    assert claim.expires_at == NOW + timedelta(days=7)
    assert set(token()) <= set(ALPHABET)  # fits a URL path unquoted


def test_every_one_character_change_is_refused() -> None:
    tok = token()
    for i, c in enumerate(tok):
        for other in {ALPHABET[(ALPHABET.index(c) + 1) % len(ALPHABET)], "A" if c != "A" else "B"}:
            changed = tok[:i] + other + tok[i + 1:]
            assert refusal(changed) == "tampered", (i, c, other)


def test_cut_short_or_lengthened_is_refused() -> None:
    tok = token()
    assert refusal(tok[:-1]) == "tampered"
    assert refusal(tok + "A") == "tampered"
    assert refusal("") == "tampered"
    assert refusal("not-a-token") == "tampered"


def test_expiry_follows_the_injected_clock() -> None:
    tok = token()
    Signer(KEY).read(tok, NOW + timedelta(days=7) - timedelta(seconds=1), purpose="action")
    assert refusal(tok, now=NOW + timedelta(days=7)) == "expired"
    assert refusal(tok, now=NOW + timedelta(days=30)) == "expired"


def test_wrong_recipient_escalation_action_or_purpose_is_foreign() -> None:
    tok = token()
    assert refusal(tok, recipient="ceo@example.com") == "foreign"
    assert refusal(tok, escalation_id=13) == "foreign"
    assert refusal(tok, action="done") == "foreign"
    signin = Signer(KEY).sign("signin", "vp@example.com", NOW, 1)
    assert refusal(signin) == "foreign"
    assert Signer(KEY).read(signin, NOW, purpose="signin").recipient == "vp@example.com"


def test_another_key_is_refused() -> None:
    assert refusal(token(), key="another key, also long enough") == "tampered"


def test_an_action_link_needs_a_known_action_and_an_escalation() -> None:
    with pytest.raises(ValueError):
        token(action="delete")
    with pytest.raises(ValueError):
        token(escalation_id=None)


def test_no_public_url_no_links() -> None:
    assert links.signer(WebSettings(secret=KEY)) is None
    web = WebSettings(public_url="https://esc.example.com", secret=KEY)
    s = links.signer(web)
    assert s is not None
    url = links.action_url(web, s, "vp@example.com", 12, "done", NOW)
    assert url.startswith("https://esc.example.com/a/")
    assert s.read(url.rsplit("/", 1)[1], NOW, purpose="action").action == "done"


def test_the_key_file_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = str(tmp_path / "web-secret.key")
    web = WebSettings(public_url="https://esc.example.com", secret_file=path)
    first = links.signer(web)
    assert first is not None
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = Path(path).read_text()
    links._file_key.cache_clear()
    second = links.signer(web)
    assert second is not None and Path(path).read_text() == text
    assert second.read(first.sign("signin", "a@example.com", NOW, 1), NOW, purpose="signin")
    assert os.listdir(tmp_path) == ["web-secret.key"]  # no temporary file left


def test_a_key_file_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    from escalator.errors import ConfigError

    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the key's folder should be")
    web = WebSettings(public_url="https://esc.example.com", secret_file=str(folder / "k"))
    with pytest.raises(ConfigError, match=r"^\[web\] secret_file: cannot create '.*': "):
        links.signer(web)
