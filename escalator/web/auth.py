"""Who may read the dashboard: the Host allow-list and the read-only token.

The Host check stops DNS rebinding: a page of evil.example whose name turns to 127.0.0.1
reaches the loopback dashboard with `Host: evil.example`, and is refused. The token (Bearer
header, or ?token= once, then a cookie) guards everything but the open paths (/healthz, and
the pages a module declares open: sign-in, action links); on loopback it is optional.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, quote, urlencode

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from escalator.web.site import error_page

COOKIE = "escalator_token"


def host_name(header: str) -> str:
    """"Example.COM:8025" → "example.com"; "[::1]:8025" → "::1"."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0].rstrip(".") if header.count(":") == 1 else header


def is_open(path: str, open_paths: Iterable[str]) -> bool:
    """An open path "/a/" covers everything under it; "/healthz" only itself."""
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in open_paths)


class HostAllowList:
    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app, self.hosts = app, hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != "/healthz" and "*" not in self.hosts:
            if host_name(Headers(scope=scope).get("host", "")) not in self.hosts:
                # the name asked for is not echoed: it is the caller's input
                response: Response = PlainTextResponse(
                    "This address is not served here; open the dashboard by its own name "
                    "([web] allowed_hosts).\n", 400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class TokenGate:
    def __init__(self, app: ASGIApp, token: str, open_paths: tuple[str, ...],
                 signed_in: Callable[[Scope], bool] = lambda scope: False) -> None:
        self.app, self.token, self.open_paths = app, token, open_paths
        self.signed_in = signed_in  # a signed-in person reads without the token

    def offered(self, scope: Scope) -> bool:
        headers = Headers(scope=scope)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        offered = [query.get("token", ""),
                   cookie_parser(headers.get("cookie", "")).get(COOKIE, "")]
        auth = headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            offered.append(auth[7:].strip())
        want = self.token.encode()
        return any(o and hmac.compare_digest(o.encode(), want) for o in offered)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.token or is_open(scope["path"], self.open_paths):
            await self.app(scope, receive, send)
            return
        response: Response
        if not self.offered(scope) and not self.signed_in(scope):
            response = error_page("A token is needed: open the link with ?token=… or send "
                                  "Authorization: Bearer …", 401)
            response.headers["WWW-Authenticate"] = 'Bearer realm="escalator"'
            await response(scope, receive, send)
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"))
        if any(k == "token" for k, _ in query):  # keep it in a cookie, out of address and links
            rest = urlencode([(k, v) for k, v in query if k != "token"])
            # the path is the caller's: quoted, and one leading slash (never //elsewhere)
            location = "/" + quote(scope["path"].lstrip("/"), safe="/-._~") + (
                f"?{rest}" if rest else "")
            response = RedirectResponse(location, 303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict",
                                secure=scope.get("scheme") == "https")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
