"""Sign-in by email, and the session it leaves:

    GET  /signin            the address form
    POST /signin            an internal address gets a one-time link by email; any address
                            gets the same page (no telling who may sign in), an outside one
                            no email
    GET  /signin/TOKEN      a page with one button (scanners open links: a GET signs no one in)
    POST /signin/TOKEN      the button (CSRF field, same origin): spends the link, sets the
                            session cookie (HttpOnly, SameSite=Lax, Secure over TLS)
    POST /signout

Links and their single use are escalator.links'; the session is an itsdangerous-signed
address with a time stamp under the same [web] key, good for SESSION_HOURS.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from escalator import links
from escalator.service import outbox
from escalator.service.recipients import may_take_part
from escalator.web.actions import same_origin
from escalator.web.site import NO_BANNER, Site, error_page, page, site_of
from models import OutboxMessage

log = logging.getLogger(__name__)
open_paths = ("/signin", "/signin/", "/signout")
COOKIE = "escalator_session"
SESSION_HOURS = 12
LINK_MINUTES = 30
LINKS_PER_HOUR = 5  # to one address: the form cannot be used to flood a colleague's inbox
MAX_FORM = 4096


def _serializer(site: Site) -> URLSafeTimedSerializer | None:
    web = site.settings.web
    if not web.public_url:
        return None
    return URLSafeTimedSerializer(links.secret_key(web),
                                  salt="escalator.session")


def person(request: Request) -> str:
    """The signed-in address, or ""."""
    s = _serializer(site_of(request))
    value = request.cookies.get(COOKIE, "")
    if s is None or not value:
        return ""
    try:
        address = s.loads(value, max_age=SESSION_HOURS * 3600)
    except BadSignature:
        return ""
    return address if isinstance(address, str) and "@" in address else ""


def csrf(request: Request, who: str) -> str:
    """The hidden field of a signed-in person's forms: their session, signed again."""
    s = _serializer(site_of(request))
    assert s is not None
    token: str = s.dumps(["csrf", who])
    return token


def csrf_ok(request: Request, who: str, field: str) -> bool:
    s = _serializer(site_of(request))
    if s is None or not who:
        return False
    try:
        return bool(s.loads(field, max_age=SESSION_HOURS * 3600) == ["csrf", who])
    except BadSignature:
        return False


async def form_fields(request: Request) -> dict[str, str] | None:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return None
    return {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


def _page(message: str = "", form: str = "", token: str = "", status: int = 200) -> Response:
    return page("web/signin.html", NO_BANNER, status, nav="", message=message, form=form,
                token=token)


async def ask(request: Request) -> Response:
    if _serializer(site_of(request)) is None:
        return _page("Sign-in by email needs [web] public_url in the config.", status=503)
    return _page()


def _send_link(site: Site, address: str) -> None:
    settings, now = site.settings, site.clock()
    if not may_take_part(address, settings):
        log.info("sign-in asked for an address that may not sign in")
        return
    signer = links.signer(settings.web)
    assert signer is not None
    token = signer.sign("signin", address, now, 1)
    with site.db.transaction() as session:
        recent = session.scalars(select(OutboxMessage.to_addrs).where(
            OutboxMessage.kind == "signin", OutboxMessage.created_at > now - timedelta(hours=1)))
        if sum(address in to for to in recent) >= LINKS_PER_HOUR:
            log.warning("sign-in links for %s: %d this hour already; no more", address,
                        LINKS_PER_HOUR)
            return
        outbox.enqueue(session, settings, kind="signin", now=now, to=[address], context={
            "person": address, "minutes": LINK_MINUTES,
            "link": f"{settings.web.public_url}/signin/{token}"})


async def send(request: Request) -> Response:
    site = site_of(request)
    fields = await form_fields(request)
    if fields is None or not same_origin(request) or _serializer(site) is None:
        return error_page("This form cannot be sent from here.", 400)
    address = fields.get("address", "").strip().lower()[:254]
    await run_in_threadpool(_send_link, site, address)
    return _page("If that address may sign in, a sign-in link is on its way to it. "
                 f"It works once, for {LINK_MINUTES} minutes.")


def _claim(site: Site, token: str, now: datetime) -> tuple[links.Claim | None, str]:
    signer = links.signer(site.settings.web)
    if signer is None:
        return None, "sign-in by email is not set up here"
    try:
        claim = signer.read(token, now, purpose="signin")
    except links.LinkRefused as e:
        return None, str(e)
    issued = claim.expires_at - timedelta(days=1)
    if now >= issued + timedelta(minutes=LINK_MINUTES):
        return None, links.REASONS["expired"]
    with site.db.transaction() as session:
        if links.is_used(session, token):
            return None, links.REASONS["used"]
    return claim, ""


def _show(site: Site, token: str) -> Response:
    now = site.clock()
    claim, problem = _claim(site, token, now)
    if claim is None:
        return _page(f"Not signed in: {problem}. Ask for a new link below.", status=400)
    signer = links.signer(site.settings.web)
    assert signer is not None
    return _page(f"Sign in as {claim.recipient}?", form=links.form_token(signer, token, now),
                 token=token)


async def show(request: Request) -> Response:
    return await run_in_threadpool(_show, site_of(request), request.path_params["token"])


def _spend(site: Site, token: str, field: str) -> tuple[str, str]:
    now = site.clock()
    claim, problem = _claim(site, token, now)
    signer = links.signer(site.settings.web)
    if claim is None or signer is None:
        return "", problem
    if not links.form_ok(signer, token, field, now):
        return "", "this form did not come from the sign-in page; open the link again"
    try:
        with site.db.transaction() as session:
            links.spend(session, token, claim, now)
    except links.LinkRefused as e:
        return "", str(e)
    return claim.recipient, ""


async def sign_in(request: Request) -> Response:
    site = site_of(request)
    fields = await form_fields(request)
    if fields is None or not same_origin(request):
        return error_page("This form cannot be sent from here.", 400)
    who, problem = await run_in_threadpool(_spend, site, request.path_params["token"],
                                           fields.get("csrf", ""))
    if not who:
        return _page(f"Not signed in: {problem}.", status=400)
    s = _serializer(site)
    assert s is not None
    log.info("%s signed in to the dashboard", who)
    response = RedirectResponse("/", 303)
    response.set_cookie(COOKIE, s.dumps(who), max_age=SESSION_HOURS * 3600, httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
    return response


async def sign_out(request: Request) -> Response:
    response = RedirectResponse("/signin", 303)
    response.delete_cookie(COOKIE)
    return response


routes: list[BaseRoute] = [
    Route("/signin", ask, methods=["GET", "HEAD"]),
    Route("/signin", send, methods=["POST"]),
    Route("/signin/{token}", show, methods=["GET", "HEAD"]),
    Route("/signin/{token}", sign_in, methods=["POST"]),
    Route("/signout", sign_out, methods=["POST"]),
]
