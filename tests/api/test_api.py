"""The JSON API over real HTTP (uvicorn on loopback), on SQLite and PostgreSQL: tokens, the
escalations as `list/show --json` give them, commands through apply_commands, the CRM's
account upsert, the report, and bad input answered with a 4xx, never a 500."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from escalator import cli
from escalator.service import api_tokens
from escalator.service.reports import build_report
from models import Account, Escalation, Event, OutboxMessage
from tests.api.conftest import NOW, Api
from tests.support.api_server import call


def same(a: object, b: object) -> bool:
    """Equal as JSON text: 3 and 3.0 differ (a script may print either)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_no_token_unknown_token_revoked_token(api: Api) -> None:
    status, body = api.get("/escalations", token=None)
    assert status == 401 and "token" in body["detail"]
    assert api.get("/escalations", token="esc_" + "x" * 43)[0] == 401
    assert api.get("/report", token="not-a-token")[0] == 401
    assert api.get("/escalations")[0] == 200
    with api.db.transaction() as session:
        api_tokens.revoke(session, "dash", NOW)
    status, body = api.get("/escalations/ESC-1")
    assert status == 401 and "revoked" in body["detail"]
    assert api.get("/accounts")[0] == 401


def test_read_only_token_cannot_write(api: Api) -> None:
    status, body = api.send("POST", "/escalations/ESC-1/commands", {"text": "Status: done"},
                            token=api.read)
    assert status == 403 and "read-only" in body["detail"]
    status, _ = api.send("PUT", "/accounts", {"accounts": [{"name": "Initech", "arr": 1}]},
                         token=api.read)
    assert status == 403
    with api.db.transaction() as session:
        assert session.get(Escalation, 1).status == "open"  # type: ignore[union-attr]
        assert session.scalar(select(Account.arr).where(Account.name == "Initech")) == 250000


def _cli_json(api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
              ) -> object:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{api.settings.database.url}"\n'
                      '[organization]\ninternal_domains = ["example.com"]\n[ladder]\n' +
                      "".join(f'{rung} = "{who[0]}"\n'
                              for rung, who in api.settings.ladder.items()))
    capsys.readouterr()
    assert cli.main([*args, "--json", "--config", str(config)]) == 0
    return json.loads(capsys.readouterr().out)


def test_escalations_as_list_and_show_json_print_them(api: Api, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    status, page = api.get("/escalations")
    assert status == 200
    listed = _cli_json(api, tmp_path, capsys, "list")
    assert same(page["items"], list(reversed(listed)))  # type: ignore[call-overload]  # newest
    assert page["total"] == 6 and page["page"] == 1
    for ref in ("ESC-1", "ESC-2", "5"):
        status, shown = api.get(f"/escalations/{ref}")
        assert status == 200
        number = ref.removeprefix("ESC-")
        assert same(shown, _cli_json(api, tmp_path, capsys, "show", f"ESC-{number}"))
    assert [e["kind"] for e in shown["events"]][:1] == ["opened"]


def test_filters_as_the_dashboards(api: Api) -> None:
    def ids(query: str) -> list[str]:
        status, page = api.get("/escalations" + query)
        assert status == 200, page
        return [e["id"] for e in page["items"]]

    assert ids("?status=done") == ["ESC-5", "ESC-2"]
    assert ids("?status=open") == ["ESC-6", "ESC-4", "ESC-3", "ESC-1"]  # open: not done
    assert ids("?severity=2") == ["ESC-3", "ESC-2"]
    assert ids("?account=globex") == ["ESC-2", "ESC-1"]
    assert ids("?account=initech&severity=3") == ["ESC-4"]
    assert ids("?page=2") == []
    assert ids("?account=%25") == []  # a LIKE wildcard is a character here


def test_commands_applied_as_a_reply_would_be(api: Api) -> None:
    status, body = api.send("POST", "/escalations/ESC-3/commands", {
        "text": "Status: working\nSteps: refund the duplicate invoice\nCalled finance.",
        "actor": "Dana.Lead@example.com"})
    assert status == 200, body
    assert body["changes"][:2] == ["status open → working",
                                   "step to resolve added: refund the duplicate invoice"]
    esc = body["escalation"]
    assert esc["status"] == "working" and esc["acknowledged_at"] is not None
    assert esc["steps"] == ["refund the duplicate invoice"]
    assert "dana.lead@example.com" in esc["stakeholders"]
    trail = [(e["kind"], e["actor"], e["detail"]) for e in esc["events"][-3:]]
    assert trail[0] == ("status", "dana.lead@example.com",
                        "status open → working (via api:crm)")
    assert trail[2][0] == "note" and "Called finance." in trail[2][2]
    with api.db.transaction() as session:
        recap = session.scalars(select(OutboxMessage).where(
            OutboxMessage.escalation_id == 3, OutboxMessage.kind == "recap")).one()
        assert "dana.lead@example.com" in [*recap.to_addrs, *recap.cc_addrs]


def test_commands_without_actor_are_the_tokens_and_mail_it_nothing(api: Api) -> None:
    status, body = api.send("POST", "/escalations/4/commands", {"text": "ack\nSeverity: 2"})
    assert status == 200, body
    assert body["changes"][0] == "acknowledged by api:crm"
    assert body["escalation"]["severity"] == 2
    assert body["escalation"]["events"][-1]["actor"] == "api:crm"
    with api.db.transaction() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.escalation_id == 4))
        addresses = {a for r in rows for a in (*r.to_addrs, *r.cc_addrs)}
    assert addresses and all("@" in a for a in addresses)


@pytest.mark.parametrize("body, problem", [
    ({"text": "Stauts: working"}, "did you mean Status"),
    ({"text": "Status: closed"}, "not a status"),
    ({"text": "Owner: someone@elsewhere.test"}, "not a colleague"),
    ({"text": "Owner: a@example.com\nOwner: b@example.com"}, "given 2 times"),
    ({"text": "ESC-2: ack"}, "names ESC-2, not ESC-1"),
    ({"text": "ack", "actor": "outsider@elsewhere.test"}, "not an internal address"),
    ({"text": "Note: a\x00b"}, "NUL"),
    ({"text": "Note: half a \ud800 character"}, "unicode string"),  # JSON's lone surrogate
    ({"text": "x" * 20_001}, "at most 20000"),
    ({"text": "Type: " + "t" * 101}, "Type: at most 100 characters (101 given)"),
    ({"text": "Account: " + "a" * 301}, "Account: at most 300 characters"),
    ({"text": "Owner: " + "o" * 310 + "@example.com"}, "Owner: at most 320 characters"),
    ({"text": ""}, "at least 1"),
    ({"text": "ack", "extra": 1}, "extra"),
    ({"text": 12}, "string"),
])
def test_commands_that_do_not_fit_apply_nothing(api: Api, body: object, problem: str
                                               ) -> None:
    status, answer = api.send("POST", "/escalations/ESC-1/commands", body)
    assert status == 422, answer
    assert problem in " ".join(answer["problems"]), answer
    with api.db.transaction() as session:
        assert session.get(Escalation, 1).status == "open"  # type: ignore[union-attr]
        assert session.scalar(select(Event.kind).where(Event.escalation_id == 1)
                              .order_by(Event.id.desc()).limit(1)) != "ack"


@pytest.mark.parametrize("ref", ["ESC-99", "ESC-0", "ESC-2147483648", "99999999999999999999",
                                 "abc", "ESC-1%00", "ESC-%E2%82%AC", "%0A1", "ESC-1%0D%0A"])
def test_ids_that_do_not_exist_or_fit_are_404(api: Api, ref: str) -> None:
    status, body = api.get(f"/escalations/{ref}")
    assert status == 404, body
    status, body = api.send("POST", f"/escalations/{ref}/commands", {"text": "ack"})
    assert status == 404, body


@pytest.mark.parametrize("query", ["?severity=5", "?severity=99999999999999999999",
                                   "?page=0", "?page=abc", "?status=closed",
                                   "?account=%00", "?account=" + "a" * 201])
def test_filters_that_do_not_fit_are_422(api: Api, query: str) -> None:
    status, body = api.get("/escalations" + query)
    assert status == 422, body
    assert body["detail"] and body["problems"]


def test_crm_upsert_then_list(api: Api) -> None:
    status, body = api.send("PUT", "/accounts", {"accounts": [
        {"name": "Initech", "arr": 310000.5, "health": "38", "renewal_date": "2027-02-01"},
        {"name": "Hooli", "arr": 900000, "segment": "Enterprise", "csm": "carla.csm@example.com",
         "team": "enterprise", "health": "91", "aliases": ["Hooli Inc"]},
        {"name": "Globex Corp", "segment": "Strategic"},  # an alias: Globex Corporation
        {"name": "Umbrella"},  # nothing given: nothing changes
        {"name": "HOOLI", "arr": 1},  # Hooli again in one request: a bad row
    ]})
    assert status == 200, body
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 2, 1)
    assert body["problems"] == ["accounts[4]: name: 'HOOLI' is already on accounts[1]"]
    status, page = api.get("/accounts?q=o")
    assert status == 200
    found = {a["name"]: a for a in page["items"]}
    assert found["Hooli"] | {"open": 0} == {
        "name": "Hooli", "arr": 900000, "renewal_date": None, "open": 0, "urgent": 0,
        "arr_exposure": 0, "health": "91", "segment": "Enterprise", "team": "enterprise",
        "csm": "carla.csm@example.com", "in_directory": True}
    globex = found["Globex Corp"]  # the directory's spelling now (the last name given)
    assert (globex["segment"], globex["arr"], globex["open"]) == ("Strategic", 1200000, 1)
    status, page = api.get("/accounts?q=initech")
    [initech] = page["items"]
    assert (initech["arr"], initech["health"], initech["renewal_date"], initech["segment"]) == (
        310000.5, "38", "2027-02-01", "Mid-Market")  # segment left out: kept


@pytest.mark.parametrize("account, problem", [
    ({"name": ""}, "at least 1"),
    ({"name": "   "}, "nothing but spaces"),
    ({"name": "\x1c\u3000"}, "nothing but spaces"),
    ({"name": "x" * 301}, "at most 300"),
    ({"name": "A\x00B"}, "contains a NUL character"),
    ({"name": "A", "arr": -1}, "greater than or equal to 0"),
    ({"name": "A", "arr": 1e20}, "less than or equal to"),
    ({"name": "A", "renewal_date": "2027-13-01"}, "date"),
    ({"name": "A", "renewal_date": 0}, "YYYY-MM-DD"),
    ({"name": "A", "arr": False}, "valid number"),
    ({"name": "A", "arr": "120000"}, "valid number"),
    ({"name": "A", "health": "h" * 41}, "at most 40"),
    ({"name": "A", "segment": "s\x00"}, "NUL"),
    ({"name": "\udc80"}, "unicode string"),
    ({"name": "A", "colour": "red"}, "Extra inputs"),
])
def test_accounts_that_do_not_fit_are_422(api: Api, account: dict[str, object],
                                         problem: str) -> None:
    status, body = api.send("PUT", "/accounts", {"accounts": [account]})
    assert status == 422, body
    assert problem in " ".join(body["problems"]), body
    with api.db.transaction() as session:
        assert session.scalar(select(Account).where(Account.name == "A")) is None


def test_report_is_report_json(api: Api) -> None:
    status, body = api.get("/report")
    assert status == 200
    with api.db.transaction() as session:
        assert same(body, build_report(session, NOW))


def test_openapi_document_is_served_without_a_token(api: Api) -> None:
    status, doc = call("GET", api.base + "/openapi.json")
    assert status == 200
    assert doc["servers"] == [{"url": "/api/v1"}]
    assert set(doc["paths"]) == {"/escalations", "/escalations/{ref}",
                                 "/escalations/{ref}/commands", "/accounts", "/report"}


@pytest.mark.web_token("dashboard-secret")
def test_the_dashboards_token_is_not_an_api_token(api: Api) -> None:
    status, body = api.get("/escalations", token="dashboard-secret")
    assert status == 401 and body["detail"] == "this API token is unknown or revoked"
    assert api.get("/escalations")[0] == 200  # the API's token, past the dashboard's gate
    status, _ = call("GET", api.base.removesuffix("/api/v1") + "/escalations", api.read)
    assert status == 401  # and the dashboard's pages still want theirs
