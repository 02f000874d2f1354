"""The dashboard's pages (templates/web/), read-only:

    /                     overview: overdue first, open by severity and rung, ARR exposure
    /escalations          the list, filtered by ?status= &severity= &account= (&page=)
    /escalations/ESC-N    one escalation's timeline
    /accounts             accounts by ARR exposure (?q= part of a name, &page=)
    /report               the full report page (as `report --html` writes it)
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from escalator.pages import report_html
from escalator.service import dashboard, reports
from escalator.web.site import Banner, Site, error_page, page, site_of
from models.escalation import STATUSES

log = logging.getLogger(__name__)
MAX_ID = 2**31 - 1  # the widest id every database holds; past it, no such escalation
Handler = Callable[[Request, Session, Site, datetime, Banner], Response]


def with_session(handler: Handler) -> Callable[[Request], Response]:
    """A read session and the banner for a page; a failure is a one-line page, and the
    banner (a red check, say) tells why."""
    @functools.wraps(handler)
    def endpoint(request: Request) -> Response:
        site = site_of(request)
        banner: Banner = {"red": [], "warnings": list(site.warnings)}
        try:
            with Session(site.engine) as session:
                banner = site.banner(session)
                return handler(request, session, site, site.clock(), banner)
        except Exception:
            log.exception("dashboard page %s failed", request.url.path)
            return error_page("This page failed; see the service log.", 500, banner)
    return endpoint


def escalation_id(ref: str) -> int | None:
    """"ESC-12" or "12" → 12; anything else, or past what a database holds, → None."""
    m = re.fullmatch(r"(?:ESC-)?(\d{1,10})", ref, re.I)
    return int(m.group(1)) if m and 0 < int(m.group(1)) <= MAX_ID else None


@with_session
def overview(request: Request, session: Session, site: Site, now: datetime,
             banner: Banner) -> Response:
    return page("web/overview.html", banner, nav="overview", now=now,
                **dashboard.overview(session, now))


@with_session
def escalation_list(request: Request, session: Session, site: Site, now: datetime,
                    banner: Banner) -> Response:
    q = dict(request.query_params)
    f = _filters(q)
    rows, total = dashboard.escalation_list(session, f, now)
    return page("web/escalations.html", banner, nav="escalations", rows=rows, total=total,
                f=f, page_size=dashboard.PAGE, now=now, statuses=STATUSES,
                link=_link(request.url.path, q))


@with_session
def escalation(request: Request, session: Session, site: Site, now: datetime,
               banner: Banner) -> Response:
    ref = request.path_params["ref"]
    number = escalation_id(ref)
    found = dashboard.timeline(session, number, now) if number else None
    if found is None:
        shown = f"ESC-{number}" if number else "This escalation"
        return error_page(f"{shown}: no such escalation", 404, banner)
    from escalator.web.signin import csrf, person

    who = person(request)
    return page("web/escalation.html", banner, nav="escalations", now=now, person=who,
                csrf=csrf(request, who) if who else "", **found)


@with_session
def accounts(request: Request, session: Session, site: Site, now: datetime,
             banner: Banner) -> Response:
    q = dict(request.query_params)
    number = _int(q.get("page")) or 1
    rows = reports.accounts(session, limit=dashboard.PAGE, offset=(number - 1) * dashboard.PAGE,
                            name=q.get("q", ""))
    return page("web/accounts.html", banner, nav="accounts", rows=rows, page=number,
                q=q.get("q", ""), page_size=dashboard.PAGE, link=_link(request.url.path, q))


@with_session
def report(request: Request, session: Session, site: Site, now: datetime,
           banner: Banner) -> Response:
    return HTMLResponse(report_html(reports.build_report(session, now), nav=True))


routes: list[BaseRoute] = [
    Route("/", overview),
    Route("/escalations", escalation_list),
    Route("/escalations/{ref}", escalation),
    Route("/accounts", accounts),
    Route("/report", report),
]


def _filters(q: dict[str, str]) -> dashboard.Filters:
    status = q.get("status", "").lower()
    severity = _int(q.get("severity"))
    return dashboard.Filters(
        status=status if status in STATUSES else "",
        severity=severity if severity in (1, 2, 3, 4) else None,
        account=q.get("account", "").strip()[:200], page=_int(q.get("page")) or 1)


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 7 else None


def _link(path: str, q: dict[str, str]) -> Callable[..., str]:
    """The same page with some query values changed: link(page=2)."""
    def link(**changes: Any) -> str:
        merged = {k: v for k, v in {**q, **changes}.items() if v not in ("", None)}
        merged.pop("token", None)
        return path + ("?" + urlencode(merged) if merged else "")
    return link
