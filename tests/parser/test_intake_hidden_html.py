"""Only what a reader sees is a template field at intake, as in replies: text an HTML part
hides (display:none and mso-hide:all rows in Outlook, a white cell pasted from Google
Sheets into Gmail, a zero-size font) is no field, and the visible fields are kept. When
the HTML hides text, its plain alternative (made by the sender's client from that HTML)
is not read: it holds the hidden text too."""

from __future__ import annotations

from parser import Intake, Rejection, parse
from parser.html import hides_text, to_text

from .conftest import parse_file
from .test_bounds import SETTINGS, _raw


def _intake(name: str) -> Intake:
    result = parse_file(name)
    assert isinstance(result, Intake), result
    return result


def test_outlook_rows_hidden_by_display_none_and_mso_hide() -> None:
    r = _intake("outlook_hidden_table_rows.eml")
    assert (r.account, r.summary) == ("Initech", "Nightly export failures")
    assert r.severity == 3  # from the visible Risk Level Medium, not the hidden "1"
    assert r.owner == ""  # the hidden ESCALATION OWNER row
    assert r.issue == "Data export jobs failing nightly since the 5.2 upgrade"
    assert (r.risk_level, r.type, r.category) == ("Medium", "Churn Risk", "Product")
    assert r.ask == ("Engineering lead on Thursday’s call",)


def test_gmail_white_cell_and_zero_size_owner_line() -> None:
    r = _intake("gmail_hidden_sheet_cells.eml")
    assert (r.account, r.summary) == ("Hooli", "Billing double-charge on renewal")
    assert (r.risk_level, r.severity) == ("Low", 4)  # not the white "1"
    assert r.owner == ""  # the zero-size "Owner:" line
    assert r.issue == "Billing double-charge on renewal"
    assert r.ask == ("Finance approval for the refund today",)


def test_every_kind_of_hiding_in_the_intake_rendering() -> None:
    page = ('<style>.x{display:none} #y {visibility:hidden}</style><p>Issue: SSO fails</p>'
            '<p class="x">Severity: 1</p><p id="y">Owner: a@example.com</p>'
            '<p hidden>Type: Churn Risk</p><template><p>Category: Product</p></template>'
            '<p style="opacity:0">Risk Level: High</p><p><font color="#FFFFFF">Severity: 2'
            '</font></p><table><tr><td bgcolor="#1F497D" style="color:white">Timeline</td>'
            '<td>today</td></tr></table><div style="max-height:0;overflow:hidden">Ask: x</div>'
            '<p><span style="font-size:1px">CSM: b@example.com</span> seen</p>')
    assert to_text(page) == "Issue: SSO fails\n\nTimeline: today\n\nseen"
    assert hides_text(page)


def test_a_page_that_hides_nothing_reads_as_before() -> None:
    page = ('<p style="color:#1F497D;font-size:11.0pt">Issue: SSO fails</p>'
            '<table><tr><td style="background:white">Severity</td><td>2</td></tr></table>')
    assert to_text(page) == "Issue: SSO fails\n\nSeverity: 2"
    assert not hides_text(page)


def test_hostile_styles_stay_linear() -> None:
    """Runs that the new patterns meet: many inline tags that open and never close, style
    attributes of spaces, colons and colours; each a message read to its end."""
    for html in (b'<span style="display:none">' * 20000 + b"Issue: x",
                 b'<p style="font-size:' + b" " * 50000 + b'0">Issue: x</p>',
                 b'<p style="color' + b":" * 50000 + b'">Issue: x</p>' + b" hidden" * 5000,
                 b"<font color=" + b"#fff " * 20000 + b">Issue: x</font>",
                 b'<span style="color:white">x' * 10000 + b'</span>' * 10000):
        raw = _raw(body=b"<html><body>" + html + b"</body></html>\r\n").replace(
            b"text/plain", b"text/html")
        r = parse(raw, SETTINGS)
        assert isinstance(r, (Intake, Rejection)), r
