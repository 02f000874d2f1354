"""Check [web]'s connection limits and Host allow-list; each problem is one line naming the key.

    allowed_hosts          names the Host header may carry; default: the loopback names, the
                           [web] host when it names one address, and the host of public_url
    max_connections        connections served at once; more get a 503 and are closed
    header_timeout_seconds a request's headers must arrive within this, or the connection closes
    idle_timeout_seconds   a kept-alive connection with no new request closes after this
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlsplit

from escalator.errors import ConfigError
from escalator.settings import WebSettings

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("", "0.0.0.0", "::")


def check(web: WebSettings, fail: Callable[[str, str], ConfigError]) -> WebSettings:
    """`web` as given, its allowed_hosts a tuple; ConfigError if a key is unusable."""
    if not isinstance(web.allowed_hosts, list | tuple):
        raise fail("[web] allowed_hosts", "must be a list of host names")
    for name in web.allowed_hosts:
        if not isinstance(name, str) or not name.strip() or any(c in name for c in "/ @:"):
            raise fail("[web] allowed_hosts", f"{name!r} is not a host name (e.g. "
                       "\"escalator.example.com\", without port; or \"*\" for any)")
    for key in ("max_connections", "header_timeout_seconds", "idle_timeout_seconds"):
        value = getattr(web, key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(f"[web] {key}", "must be a whole number, at least 1")
    return replace(web, allowed_hosts=tuple(web.allowed_hosts))


def allowed_hosts(web: WebSettings) -> frozenset[str]:
    """The Host names served, lower case, without brackets; "*" means any."""
    if web.allowed_hosts:
        return frozenset(h.strip().lower().rstrip(".").strip("[]") for h in web.allowed_hosts)
    hosts = set(LOOPBACK_NAMES)
    if web.host not in WILDCARDS:
        hosts.add(web.host.lower().strip("[]"))
    public = urlsplit(web.public_url).hostname
    if public:
        hosts.add(public.lower())
    return frozenset(hosts)
