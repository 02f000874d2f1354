"""Slack and Teams: the messages validated against the published schemas, posted to a real
HTTP receiver on loopback, routed per team and per category (tests/channels/schemas/README.md
says which schemas and where they came from)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

from channels.chat import ChatMessage
from channels.slack import render as slack_render
from channels.teams import CONTENT_TYPE
from channels.teams import render as teams_render
from escalator.db import Database
from escalator.service.accounts import import_accounts
from escalator.service.delivery import deliver
from escalator.service.sweep import sweep
from mailer.smtp import SmtpSender
from tests.channels.helpers import T0, command, open_escalation, rows, settings_for
from tests.delivery.helpers import Clock
from tests.support.http_receiver import HttpReceiver
from tests.support.smtp_server import SmtpServer

pytestmark = pytest.mark.integration

CARD = json.loads((Path(__file__).parent / "schemas" / "adaptive-card.json").read_text())


def check_slack(payload: dict[str, Any]) -> None:
    """Every block through slack_sdk's models: their checks pass and nothing is unknown."""
    assert isinstance(payload["text"], str) and payload["text"]
    for block in payload["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None, block
        parsed.validate_json()
        assert parsed.to_dict() == block


def check_teams(payload: dict[str, Any]) -> None:
    assert payload["type"] == "message"
    (attachment,) = payload["attachments"]
    assert attachment["contentType"] == CONTENT_TYPE
    jsonschema.Draft6Validator(CARD).validate(attachment["content"])


AWKWARD = ChatMessage(
    'ESC-7 opened: "Acme & Sons" <GmbH> – SSO {down}' + "x" * 200,
    "Line one with *stars* and `ticks`\nline two: 100% <script>",
    tuple((f"Label {i}", f"value {i} & more") for i in range(12)),
    tuple((f"Open {i}", f"https://esc.example.com/escalations/ESC-{i}") for i in range(7)))


def test_slack_blocks_of_awkward_text_are_valid_and_within_slacks_limits() -> None:
    payload = json.loads(slack_render(AWKWARD))
    check_slack(payload)
    header = payload["blocks"][0]["text"]["text"]
    assert len(header) == 150 and header.endswith("…")
    assert "&lt;script&gt;" in payload["blocks"][1]["text"]["text"]
    assert len(payload["blocks"][2]["fields"]) == 10
    assert len(payload["blocks"][3]["elements"]) == 5
    too_long = {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}
    unknown = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": "red"}
    for bad in (too_long, unknown):  # the check does check
        with pytest.raises((SlackObjectFormationError, AssertionError)):
            check_slack({"text": "x", "blocks": [bad]})


def test_the_teams_card_of_awkward_text_matches_the_adaptive_card_schema() -> None:
    payload = json.loads(teams_render(AWKWARD))
    check_teams(payload)
    card = payload["attachments"][0]["content"]
    assert card["body"][0]["text"] == AWKWARD.title  # TextBlock text is not markup-escaped
    with pytest.raises(jsonschema.ValidationError):  # the schema does check: a wrong size
        jsonschema.Draft6Validator(CARD).validate({**card, "body": [
            {**card["body"][0], "size": "enormous"}]})


def _posts(receiver: HttpReceiver, path: str) -> list[dict[str, Any]]:
    return [p.json() for p in receiver.requests if p.path == path]


def _title(path: str, posted: dict[str, Any]) -> str:
    if path.startswith("/slack"):
        check_slack(posted)
        return str(posted["blocks"][0]["text"]["text"])
    check_teams(posted)
    return str(posted["attachments"][0]["content"]["body"][0]["text"])


def test_new_breached_and_status_changes_go_to_the_team_and_the_category(
        any_db: Database, receiver: HttpReceiver, smtp_server: SmtpServer) -> None:
    settings = settings_for(any_db, smtp_server, {
        "web": {"public_url": "https://esc.example.com", "secret": "s" * 32},
        "teams": {"emea": {"manager": "emea.lead@example.com",
                           "slack_webhook": receiver.url("/slack-emea"),
                           "teams_webhook": receiver.url("/teams-emea")}},
        "categories": {"billing": {"slack_webhook": receiver.url("/slack-billing")}},
    })
    with any_db.transaction() as session:
        import_accounts(session, "name,csm,team\nAccount 1,csm1@example.com,emea\n", T0,
                        settings=None)
    open_escalation(any_db, settings, 1, body="Issue: one\nSeverity: 1\n")  # team emea
    open_escalation(any_db, settings, 2, body="Issue: two\nSeverity: 3\nCategory: Billing\n")
    open_escalation(any_db, settings, 3, body="Issue: three\nSeverity: 3\n")  # neither
    command(any_db, settings, 1, "note", "not for chat", T0 + timedelta(minutes=1))
    command(any_db, settings, 2, "status", "working", T0 + timedelta(minutes=2))
    sweep(any_db, settings, T0 + timedelta(hours=2))  # ESC-1's 1 h response target missed
    command(any_db, settings, 1, "status", "done", T0 + timedelta(hours=3))
    deliver(any_db, settings, lambda: SmtpSender(settings.smtp), clock=Clock())

    titles = {path: [_title(path, p) for p in _posts(receiver, path)]
              for path in ("/slack-emea", "/teams-emea", "/slack-billing")}
    assert titles["/slack-emea"] == titles["/teams-emea"]
    emea = titles["/slack-emea"]
    assert emea[0] == "ESC-1 opened: Account 1 – test"
    assert [t.split(":")[0] for t in emea] == ["ESC-1 opened", "ESC-1 missed a target",
                                               "ESC-1 is done"]
    assert titles["/slack-billing"] == ["ESC-2 opened: Account 2 – test",
                                        "ESC-2 is working: Account 2 – test"]
    button = _posts(receiver, "/slack-emea")[0]["blocks"][-1]["elements"][0]
    assert button["url"] == "https://esc.example.com/escalations/ESC-1"
    card = _posts(receiver, "/teams-emea")[0]["attachments"][0]["content"]
    assert card["actions"][0]["url"] == "https://esc.example.com/escalations/ESC-1"
    chat = [r for r in rows(any_db) if r.channel in ("slack", "teams")]
    assert all(r.status == "sent" for r in chat) and len(chat) == 8
    # the incoming-webhook URL is a secret: never stored in the outbox
    assert not any("/slack-" in (r.payload or "") + str(r.to_addrs) for r in chat)


def test_a_chat_post_answered_with_an_error_is_retried(
        any_db: Database, receiver: HttpReceiver, smtp_server: SmtpServer) -> None:
    settings = settings_for(any_db, smtp_server, {
        "categories": {"billing": {"teams_webhook": receiver.url("/teams")}}})
    receiver.status = 500
    clock = Clock()
    open_escalation(any_db, settings, 2, body="Issue: two\nCategory: billing\n")
    deliver(any_db, settings, lambda: SmtpSender(settings.smtp), clock=clock)
    assert receiver.requests == [] and len(receiver.seen) == 1
    receiver.status = 200
    clock.advance(minutes=1)
    deliver(any_db, settings, lambda: SmtpSender(settings.smtp), clock=clock)
    assert [_title("/teams", p) for p in _posts(receiver, "/teams")] == [
        "ESC-1 opened: Account 2 – test"]




def test_a_chat_channel_is_one_module_and_one_line(
        any_db: Database, receiver: HttpReceiver, smtp_server: SmtpServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A channel added to channels.CHAT (what a new module's line there does) has its
    config key, its rendering, its transport and ordered delivery with nothing else."""
    import channels

    def render(message: ChatMessage) -> str:
        return json.dumps({"title": message.title})

    monkeypatch.setitem(channels.CHAT, "plain", render)
    monkeypatch.setattr(channels, "ORDERED", ("webhook", *channels.CHAT))
    settings = settings_for(any_db, smtp_server, {
        "categories": {"billing": {"plain_webhook": receiver.url("/plain")}}})
    open_escalation(any_db, settings, 1, body="Issue: one\nSeverity: 3\nCategory: Billing\n")
    command(any_db, settings, 1, "status", "working", T0 + timedelta(minutes=1))
    deliver(any_db, settings, lambda: SmtpSender(settings.smtp), clock=Clock())
    assert [p["title"] for p in _posts(receiver, "/plain")] == [
        "ESC-1 opened: Account 1 – test", "ESC-1 is working: Account 1 – test"]
    assert all(r.status == "sent" for r in rows(any_db) if r.channel == "plain")
