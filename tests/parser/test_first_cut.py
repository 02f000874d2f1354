"""The common shapes: seed-004 from Gmail, the seed-002 ticket form, an Outlook reply."""

from parser import Intake, Reply

from .conftest import parse_file


def test_seed004_gmail_multipart() -> None:
    result = parse_file("seed004_gmail.eml")
    assert isinstance(result, Intake)
    assert result.account == "Acme Corp"
    assert result.summary == "Recurring login failures + risk of churn"
    assert result.issue == "Recurring feature complaints + risk of churn"
    assert result.risk_level == "High" and result.severity == 2
    assert result.timeline == "Ongoing since 02/10"
    assert result.call_recording == "https://example.zoom.us/rec/share/abc123"
    assert result.actions_taken == (
        "Attempted de-escalation on 02/24",
        "Provided workaround, offered training, logged in CRM",
    )
    assert result.ask == ("Executive outreach", "Join call for support")
    assert result.envelope.sender == "dana.whitfield@example.com"
    assert result.envelope.cc == ("marco.ruiz@example.com",)


def test_ticket_form() -> None:
    result = parse_file("ticket_form_plain.eml")
    assert isinstance(result, Intake)
    assert (result.account, result.severity, result.csm) == (
        "Globex Industries", 1, "Priya Natarajan")
    assert result.summary == "Complete outage of the reporting module since Monday"
    assert result.business_impact == "Month-end close blocked for 40 finance users"
    assert result.actions_taken == (
        "Opened P1 support ticket #88213", "Daily syncs with their IT lead")
    assert result.resolution_requested == "Hotfix or rollback of release 5.2"
    assert result.timeline == "Before March 10"
    assert result.owner == "Sam Okafor"


def test_outlook_reply_reads_only_the_new_text() -> None:
    result = parse_file("reply_outlook_ack.eml")
    assert isinstance(result, Reply)
    assert result.escalation_id == 12
    names = [(c.name, c.value) for c in result.commands]
    assert names[:2] == [("ack", ""), ("status", "working")]
    assert names[2][0] == "note" and "CTO" in names[2][1]
    assert ("status", "done") not in names and ("severity", "1") not in names
