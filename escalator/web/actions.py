"""The pages of signed action links: GET /a/<token> shows, the button's POST acts.

Scanners (Safe Links, Defender, Mimecast, Proofpoint) open every link of an email and run
its page's scripts, so the GET only reads: it names the escalation, its state and the
action, with one button. The button posts the page's CSRF field (signed, bound to this
link) and applies the action as the link's recipient, `via link`. The signature is the
authority: these paths are open without the dashboard's token, for that one action only.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from escalator import links
from escalator.service import links as link_service
from escalator.service.views import escalation_view
from escalator.web.auth import host_name
from escalator.web.site import NO_BANNER, Site, error_page, page, site_of

log = logging.getLogger(__name__)
open_paths = ("/a/",)
MAX_FORM = 4096  # bytes: the form has one field
# what to reply instead, per action
REPLY_LINES = {"ack": "ack", "working": "Status: working", "waiting": "Status: waiting",
               "done": "Status: done"}
STATUS = {"tampered": 403, "foreign": 403, "expired": 410, "used": 410}


def _reply_line(action: str, recipient: str) -> str:
    return REPLY_LINES.get(action, f"Owner: {recipient}")


def _page(site: Site, token: str, seen: link_service.Look, now: datetime, *, form: str = "",
          done: bool = False, status_code: int = 200, problem: str = "") -> HTMLResponse:
    claim, esc = seen.claim, seen.esc
    context: dict[str, Any] = {
        "esc": escalation_view(esc, json=False) if esc is not None else None,
        "acknowledged": esc is not None and esc.acknowledged_at is not None,
        "claim": claim, "label": links.ACTIONS.get(claim.action, "") if claim else "",
        "reply_line": _reply_line(claim.action, claim.recipient) if claim else "",
        "refused": links.REASONS.get(seen.refused, ""), "reason": seen.refused,
        "already": seen.already, "changes": seen.changes, "done": done, "form": form,
        "problem": problem, "now": now, "action_path": f"/a/{token}" if form else "",
    }
    if seen.refused:
        status_code = STATUS[seen.refused]
    response = page("web/action.html", NO_BANNER, status_code, nav="", **context)
    # the button's POST must name its origin (with no-referrer a browser sends "null")
    response.headers["referrer-policy"] = "same-origin"
    return response


def _signer(site: Site) -> links.Signer | None:
    return links.signer(site.settings.web)


def _show(site: Site, token: str) -> Response:
    signer = _signer(site)
    if signer is None:
        return error_page("Action links are off here ([web] public_url is not set).", 404)
    now = site.clock()
    with Session(site.engine) as session:
        seen = link_service.look(session, signer, token, now)
        ready = not (seen.refused or seen.already)
        return _page(site, token, seen, now,
                     form=links.form_token(signer, token, now) if ready else "")


def _act(site: Site, token: str, field: str, same_origin: bool) -> Response:
    signer = _signer(site)
    if signer is None:
        return error_page("Action links are off here ([web] public_url is not set).", 404)
    now = site.clock()
    if not same_origin or not links.form_ok(signer, token, field, now):
        with Session(site.engine) as session:
            seen = link_service.look(session, signer, token, now)
        if seen.refused:
            return _page(site, token, seen, now)
        return _page(site, token, seen, now, status_code=403,
                     form=links.form_token(signer, token, now),
                     problem="This button's page is out of date, or the request did not "
                             "come from it: nothing was changed. Press the button again.")
    with site.db.transaction() as session:
        seen = link_service.act(session, site.settings, signer, token, now)
        if seen.changes and seen.esc is not None:
            log.info("ESC-%d: %s by link (%s)", seen.esc.id, seen.claim.action if seen.claim
                     else "?", seen.claim.recipient if seen.claim else "?")
        return _page(site, token, seen, now, done=bool(seen.changes))


def same_origin(request: Request) -> bool:
    """A browser's POST names the page it came from; it must be this site (or none, as a
    plain client sends)."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = host_name(request.headers.get("host", ""))
    parts = urlsplit(origin)
    return bool(parts.hostname) and host_name(parts.netloc) == host


async def show(request: Request) -> Response:
    site = site_of(request)
    return await run_in_threadpool(_show, site, request.path_params["token"])


async def act(request: Request) -> Response:
    site = site_of(request)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return error_page("This form is larger than the page sends.", 413)
    field = parse_qs(body.decode("latin-1")).get("csrf", [""])[0]
    return await run_in_threadpool(_act, site, request.path_params["token"], field,
                                   same_origin(request))


routes: list[BaseRoute] = [
    Route("/a/{token}", show, methods=["GET", "HEAD"]),
    Route("/a/{token}", act, methods=["POST"]),
]
