"""Intake from each client's real shape: Outlook desktop HTML tables, Apple Mail and Gmail
forwards, legacy and Japanese charsets, a missing charset label."""

from __future__ import annotations

from parser import Intake, ParseSettings

from .conftest import parse_file


def _intake(name: str) -> Intake:
    result = parse_file(name)
    assert isinstance(result, Intake), result
    return result


def test_outlook_desktop_html_only_with_label_table() -> None:
    r = _intake("outlook_desktop_html_table.eml")
    assert (r.account, r.summary) == ("Initech", "Nightly export failures")
    assert r.issue == "Data export jobs failing nightly since the 5.2 upgrade"
    assert (r.risk_level, r.severity) == ("Medium", 3)
    assert (r.type, r.category) == ("Churn Risk", "Product")
    assert r.actions_taken == (
        "Re-ran the failed exports by hand on 03/03", "Opened engineering ticket ENG-4412")
    assert r.ask == ("Engineering lead on Thursday’s call",)
    assert r.links == (
        "https://jira.example.com/browse/ENG-4412", "https://status.example.com/incidents/981")
    assert r.envelope.sender == "lena.fischer@example.com"  # lower-cased


def test_apple_mail_forward_keeps_forwarder_as_sender() -> None:
    r = _intake("apple_mail_forward.eml")
    assert r.envelope.sender == "tom.berger@example.com"
    # RFC 2047 word for the em dash, in a folded subject
    assert r.envelope.subject == "Fwd: Escalation: Umbrella Health — SSO outage for clinicians"
    assert (r.account, r.summary) == ("Umbrella Health", "SSO outage for clinicians")
    assert r.issue == "SSO login fails for all clinicians at two hospitals"
    assert r.call_recording == ""  # "Call Recording (If applicable)" with no link
    assert r.timeline == "Since Friday 28/02"
    assert r.actions_taken == ("Escalated to support, case 55120",)
    assert r.ask == ("Executive outreach to their CIO",)


def test_gmail_forward_subject_line_stands_in_for_a_vague_subject() -> None:
    r = _intake("gmail_forward_vague_subject.eml")
    assert r.envelope.sender == "sara.lind@example.com"
    assert (r.account, r.summary) == ("Hooli", "Billing double-charge on renewal")
    assert (r.severity, r.risk_level) == (2, "Medium")  # explicit severity wins
    assert r.ask == ("Finance approval for the refund today",)


def test_windows_1252_labelled_latin_1() -> None:
    r = _intake("windows1252_8bit.eml")
    assert r.account == "Café Renée"
    assert r.issue == "Invoices for Café Renée stopped after the renewal – “urgent” per CFO"
    assert (r.risk_level, r.severity) == ("Low", 4)
    assert r.envelope.sender_name == "Zoé Martin"


def test_iso_2022_jp_ticket_form() -> None:
    r = _intake("iso2022jp.eml")
    assert r.account == "株式会社サンプル"
    assert r.summary == "請求書のPDFが文字化けする"
    assert r.severity == 3
    assert r.envelope.subject == "エスカレーション"


def test_missing_charset_on_8bit_utf8_and_subdomain_sender() -> None:
    r = _intake("missing_charset_8bit.eml")
    assert (r.account, r.summary) == ("Müller GmbH", "Lieferverzug")
    assert r.issue == "Lieferung verspätet – Kunde droht mit Kündigung"


def test_risk_levels_come_from_settings() -> None:
    settings = ParseSettings(risk_levels={"high": 1, "medium": 3, "low": 4})
    r = parse_file("seed004_gmail.eml", settings)
    assert isinstance(r, Intake) and r.severity == 1
