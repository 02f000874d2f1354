"""Template reading: subjects, labels in every typing style, placeholders, severity, and
the Rejection that names every missing field."""

from __future__ import annotations

import pytest

from parser import Intake, ParseSettings, Rejection, parse, subject


@pytest.mark.parametrize("line,expected", [
    ("Escalation: Acme Corp – Login failures", ("Acme Corp", "Login failures")),
    ("RE: Fwd: FW: AW: WG: SV: Escalation: Acme — Login", ("Acme", "Login")),
    ("Re: Re: Escalation - Coca-Cola - Billing: wrong tax", ("Coca-Cola", "Billing: wrong tax")),
    ("Escalation: Acme | Login", ("Acme", "Login")),
    ("Escalation: Acme: Login", ("Acme", "Login")),
    ("URGENT Escalation: Acme – Login", ("Acme", "Login")),
    ("Escalation: Acme", ("", "Acme")),  # no separator: which it is, the body must say
    ("Escalation: SSO login failures", ("", "SSO login failures")),
    ("Escalation: Acme - ", ("", "Acme")),
])
def test_subject_split(line: str, expected: tuple[str, str]) -> None:
    assert subject.account_and_summary(line) == expected


def test_subject_not_in_template_shape() -> None:
    assert subject.account_and_summary("Lunch on Friday?") is None
    assert subject.escalation_id("Re: [ESC-42] Acme") == 42


def _intake(body: str, subj: str = "Escalation ticket") -> Intake | Rejection:
    raw = ("From: csm@example.com\r\nTo: escalations@example.com\r\n"
           f"Subject: {subj}\r\nMessage-ID: <t@example.com>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body).encode()
    result = parse(raw, ParseSettings())
    assert isinstance(result, (Intake, Rejection))
    return result


def test_labels_in_every_style() -> None:
    r = _intake(
        "**Account:** Wayne Enterprises\n"
        "* **Issue**: Batch jobs time out\n"
        "☐ Sev 2\n"
        "1. Timeline: by Friday\n"
        "Steps to Resolve:\n- restart workers\n- raise the timeout\n"
        "Relevant Links:\nhttps://wiki.example.com/runbook, see also <https://x.example.com/a>\n"
        "Description:\nFirst paragraph.\n\nSecond paragraph.\n"
        "Status: Open\n"
    )
    assert isinstance(r, Intake)
    assert (r.account, r.issue, r.severity, r.timeline) == (
        "Wayne Enterprises", "Batch jobs time out", 2, "by Friday")
    assert r.steps == ("restart workers", "raise the timeout")
    assert r.links == ("https://wiki.example.com/runbook", "https://x.example.com/a")
    assert r.description == "First paragraph.\n\nSecond paragraph."


def test_account_field_wins_over_subject() -> None:
    r = _intake("ACCOUNT: Globex Corporation\nIssue: x\n", "Escalation: Globex – Outage")
    assert isinstance(r, Intake) and (r.account, r.summary) == ("Globex Corporation", "Outage")


def test_placeholders_count_as_missing_and_every_missing_field_is_named() -> None:
    r = _intake("ACCOUNT: _______________\nSEVERITY: 1 / 2 / 3 / 4\nISSUE SUMMARY:\n"
                "_______________\n", "Escalation: [Customer Name] – [Issue Summary]")
    assert isinstance(r, Rejection)
    assert [str(p) for p in r.problems] == [
        "Account: not found — put it in the subject as 'Escalation: <Account> – <Summary>' "
        "or on an 'Account:' or 'Customer:' line",
        "Summary: not found — put it in the subject as 'Escalation: <Account> – <Summary>' "
        "or on an 'Issue:' line",
    ]


def test_severity_question_is_left_unset_with_a_note() -> None:
    r = _intake("ACCOUNT: Acme\nSEVERITY: 1 / 2 / 3 / 4\nISSUE SUMMARY: Outage\n")
    assert isinstance(r, Intake) and r.severity is None
    assert [n.field for n in r.notes] == ["Severity"]
    assert "question" in r.notes[0].message


@pytest.mark.parametrize("value,severity", [
    ("Severity: 2", 2), ("SEVERITY: 1 - CRITICAL", 1), ("Sev 3", 3), ("P1", 1),
    ("Priority: P4", 4), ("Severity: High", 2),
])
def test_severity_forms(value: str, severity: int) -> None:
    r = _intake(f"Account: Acme\nIssue: Outage\n{value}\nRisk Level: Low\n")
    assert isinstance(r, Intake) and r.severity == severity and r.risk_level == "Low"


def test_no_severity_and_no_risk_level_is_none() -> None:
    r = _intake("Account: Acme\nIssue: Outage\n")
    assert isinstance(r, Intake) and r.severity is None and r.risk_level is None


def test_risk_level_template_blank_is_a_note() -> None:
    r = _intake("Account: Acme\nIssue: Outage\nRisk Level: High / Medium\n")
    assert isinstance(r, Intake) and r.risk_level is None and r.severity is None


def test_attachments_are_metadata_only() -> None:
    raw = (
        "From: csm@example.com\r\nSubject: Escalation: Acme – Outage\r\nMessage-ID: <a@x>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="M"\r\n\r\n'
        "--M\r\nContent-Type: text/plain\r\n\r\nIssue: it broke\r\n"
        "--M\r\nContent-Type: application/pdf\r\n"
        'Content-Disposition: attachment; filename="=?utf-8?Q?r=C3=A9sum=C3=A9.pdf?="\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--M--\r\n"
    ).encode()
    r = parse(raw, ParseSettings())
    assert isinstance(r, Intake)
    assert [(a.filename, a.content_type, a.size) for a in r.attachments] == [
        ("résumé.pdf", "application/pdf", 9)]
