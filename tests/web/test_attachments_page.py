"""The escalation page lists the attachments of the CSM's email: an attached email by its
subject, sender and date (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from escalator.service.intake import handle_message
from escalator.web import Dashboard
from tests.reports.sample import T0, populate
from tests.web.test_dashboard import get, serve

EMAILS = Path(__file__).resolve().parent.parent / "emails"


@pytest.fixture
def site(database_url: str) -> Iterator[Dashboard]:
    db, settings = populate(database_url)
    handle_message(db, settings, (EMAILS / "outlook_attach_item.eml").read_bytes(),
                   T0 + timedelta(hours=7))
    server = serve((db, settings))
    yield server
    server.shutdown()
    db.dispose()


def test_escalation_page_lists_the_attached_email(site: Dashboard) -> None:
    status, html, _ = get(site.url + "/escalations/ESC-7")
    assert status == 200 and "Billing errors on three invoices" in html
    attachments = html.split("<b>Attachments</b>", 1)[1].split("</ul>", 1)[0]
    assert ("Email “Invoices are wrong again” from Pat Okafor "
            "&lt;pat.okafor@customer.example&gt;") in attachments
    assert "2025-03-04 17:02 UTC" in attachments
    assert "Status: done" not in html  # the attached email's text is nowhere


def test_escalation_page_without_attachments_has_no_list(site: Dashboard) -> None:
    status, html, _ = get(site.url + "/escalations/ESC-1")
    assert status == 200 and "<b>Attachments</b>" not in html


