"""The dashboard's Starlette app, assembled from the route lists of its modules.

Adding a page module is one line in MODULES: it has `routes` (Starlette routes) and may have
`open_paths` (paths served without the read-only token: the module checks who may use them).
A sub-application (the API) is one Mount line in `mounts`.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from escalator import web_config
from escalator.web import acting, actions, api, auth, health, pages, signin
from escalator.web.site import Site, error_page

log = logging.getLogger(__name__)
MODULES = (health, pages, actions, signin, acting)

HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "img-src data:; form-action 'self'; frame-ancestors 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # a form POST then names its origin (not "null")
    "cache-control": "no-store",
}


def build_app(site: Site) -> Starlette:
    routes: list[BaseRoute] = [r for m in MODULES for r in m.routes]
    mounts: list[BaseRoute] = [api.mount(site)]
    open_paths = tuple(p for m in (*MODULES, api) for p in getattr(m, "open_paths", ()))
    app = Starlette(routes=routes + mounts, exception_handlers={
        HTTPException: _http_error, Exception: _server_error})
    app.add_middleware(auth.TokenGate, token=site.settings.web.token, open_paths=open_paths,
                       signed_in=lambda scope: bool(signin.person(Request(scope))))
    app.add_middleware(auth.HostAllowList, hosts=web_config.allowed_hosts(site.settings.web))
    app.add_middleware(Outer, site=site)
    return app


class Outer:
    """Outermost: the site for every route (request.state.site), and the security headers
    on every response, refusals included."""

    def __init__(self, app: ASGIApp, site: Site) -> None:
        self.app, self.site = app, site

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})["site"] = self.site

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(
                    (k.encode(), v.encode()) for k, v in HEADERS.items()
                    if k.encode() not in have)]
            await send(message)

        await self.app(scope, receive, with_headers)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_page(f"{request.url.path}: no such page", 404)
    if exc.status_code == 405:
        response = error_page("This page only reads; there is nothing to send here.", 405)
        response.headers.update(exc.headers or {})
        return response
    return error_page(str(exc.detail), exc.status_code)


def _server_error(request: Request, exc: Exception) -> Response:
    log.error("dashboard %s failed", request.url.path, exc_info=exc)
    return error_page("This page failed; see the service log.", 500)
