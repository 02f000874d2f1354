"""Is the sender one of us? Only internal domains (and their subdomains) open or change
escalations. With a trusted authserv-id configured, an internal From must also show
dmarc=pass for the From's own domain in that server's Authentication-Results, else it is
treated as an outsider. Only the topmost header with that id counts: our server adds its
own above whatever the message came with (RFC 8601 §5), so any lower one is the sender's."""

from __future__ import annotations

from typing import Any

import authres  # type: ignore[import-untyped]

from parser.incoming import Incoming
from parser.result import Ignored, Result


def is_internal(address: str, domains: tuple[str, ...]) -> bool:
    domain = address.rpartition("@")[2].lower()
    return bool(domain) and any(
        domain == d.lower() or domain.endswith("." + d.lower()) for d in domains
    )


def dmarc_passes(incoming: Incoming, authserv_id: str) -> bool:
    header = _ours(incoming.mail.all_headers("Authentication-Results"), authserv_id)
    if header is None:
        return False
    domain = incoming.envelope.sender.rpartition("@")[2].lower().rstrip(".")
    return bool(domain) and any(
        r.method == "dmarc" and r.result == "pass" and _header_from(r) == domain
        for r in header.results)


def _ours(values: list[str], authserv_id: str) -> Any:
    """The topmost Authentication-Results with our authserv-id, parsed; None if none, or if
    ours cannot be read (a lower one is never asked instead)."""
    for value in values:
        words = value.split(";", 1)[0].split()
        if not words or words[0].lower() != authserv_id.lower():
            continue
        try:
            return authres.AuthenticationResultsHeader.parse("Authentication-Results: " + value)
        except Exception:  # the library raises its own errors and others on odd input
            return None
    return None


def _header_from(result: Any) -> str:
    for prop in result.properties:
        if prop.type == "header" and prop.name == "from":
            return str(prop.value).lower().rstrip(".")
    return ""


def check(incoming: Incoming) -> Result | None:
    sender = incoming.envelope.sender
    settings = incoming.settings
    if not is_internal(sender, settings.internal_domains):
        return Ignored(incoming.envelope, f"outsider {sender or '(no sender)'}", True)
    if settings.trusted_authserv_id and not dmarc_passes(incoming, settings.trusted_authserv_id):
        return Ignored(incoming.envelope, f"outsider {sender} (dmarc fail)", True)
    return None
