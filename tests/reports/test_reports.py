"""build_report on a known world (tests/reports/sample.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from escalator.pages import report_html, report_text
from escalator.service.reports import build_report
from tests.reports.sample import T0, populate


@pytest.fixture
def report(database_url: str) -> dict[str, Any]:
    db, _ = populate(database_url)
    with db.transaction() as session:
        result = build_report(session, T0 + timedelta(days=3))
    db.dispose()
    return result


def test_accounts_open_urgent_and_exposure(report: dict[str, Any]) -> None:
    got = {a["name"]: (a["open"], a["urgent"], a["arr_exposure"]) for a in report["accounts"]}
    assert got == {
        "Globex Corporation": (1, 1, 1_200_000),  # ESC-2 is done
        "Initech": (2, 2, 250_000),
        "Umbrella": (0, 0, 0),  # ESC-5 is done
        "Acme <Rockets>": (1, 0, 0),  # created by its email: ARR unknown
    }
    assert [a["name"] for a in report["accounts"]][:2] == ["Globex Corporation", "Initech"]
    assert report["totals"] == {"open": 4, "urgent": 3, "accounts_exposed": 3,
                                "arr_exposure": 1_450_000}


def test_exposure_by_type_and_category(report: dict[str, Any]) -> None:
    assert report["arr_exposure_by_type"] == {"Churn Risk": 1_450_000, "Visibility": 0}
    assert report["by_type"]["Churn Risk"] == {"open": 3, "accounts": 2,
                                               "arr_exposure": 1_450_000}
    assert report["by_category"]["Product"] == {"open": 2, "accounts": 2,
                                                "arr_exposure": 1_450_000}
    assert report["by_category"]["Billing"]["arr_exposure"] == 250_000


def test_renewals_segments_and_teams(report: dict[str, Any]) -> None:
    # on 2026-11-05: Globex renews 11-20 (within 30), Initech 2027-01-20 (within 90)
    windows = {w["within_days"]: w for w in report["renewals"]}
    assert [i["name"] for i in windows[30]["items"]] == ["Globex Corporation"]
    assert windows[60]["accounts"] == 1
    assert (windows[90]["accounts"], windows[90]["open"]) == (2, 3)
    assert report["by_segment"]["Enterprise"] == {"accounts": 1, "open": 1, "urgent": 1,
                                                  "arr_exposure": 1_200_000}
    assert "SMB" not in report["by_segment"]  # Umbrella has nothing open
    assert report["by_team"]["enterprise"]["open"] == 1


def test_sla_figures(report: dict[str, Any]) -> None:
    sla = report["sla"]
    assert sla["mtta_minutes"]["2"] == {"count": 1, "mean": 30.0, "median": 30.0}
    assert sla["mttr_hours"]["2"] == {"count": 1, "mean": 10.0, "median": 10.0}
    assert sla["mttr_hours"]["4"]["mean"] == 48.0
    assert sla["breach_rate"]["response"]["1"] == {"escalations": 1, "breached": 1,
                                                   "rate": 1.0}
    assert sla["breach_rate"]["response"]["3"]["breached"] == 0
    assert sla["highest_rung"]["executive"] == 1  # ESC-1: vp, then response breach
    assert sum(sla["highest_rung"].values()) == 6
    [week] = [w for w in sla["weekly"] if w["week"] == "2026-11-02"]
    assert week == {"week": "2026-11-02", "opened": 6, "resolved": 2, "breaches": 1}


def test_median_of_an_even_count_is_the_middle_pair(database_url: str) -> None:
    from escalator.service.intake import handle_message
    from tests.reports.sample import intake_mail, reply_mail

    db, s = populate(database_url)
    # ESC-7 (sev 2) acknowledged after 90 minutes: severity 2 now has 30 and 90
    handle_message(db, s, intake_mail("Initech", "Second", "Help Needed", "Product", 2), T0)
    handle_message(db, s, reply_mail(db, 7, "carla.csm@example.com", "ack"),
                   T0 + timedelta(minutes=90))
    with db.transaction() as session:
        sla = build_report(session, T0 + timedelta(days=3))["sla"]
    db.dispose()
    assert sla["mtta_minutes"]["2"] == {"count": 2, "mean": 60.0, "median": 60.0}


def test_text_and_html_renderings(report: dict[str, Any]) -> None:
    text = "\n".join(report_text(report))
    assert "open escalations: 4 (3 urgent) on 3 accounts; ARR exposure $1.45M" in text
    html = report_html(report)
    assert "Acme &lt;Rockets&gt;" in html and "<script" not in html
    assert html.count("<svg") >= 4
