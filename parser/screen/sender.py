"""Is the sender one of us? Only internal domains (and their subdomains) open or change
escalations. With a trusted authserv-id configured, an internal From must also show
dmarc=pass in that server's Authentication-Results, else it is treated as an outsider."""

from __future__ import annotations

import authres  # type: ignore[import-untyped]

from parser.incoming import Incoming
from parser.result import Ignored, Result


def is_internal(address: str, domains: tuple[str, ...]) -> bool:
    domain = address.rpartition("@")[2].lower()
    return bool(domain) and any(
        domain == d.lower() or domain.endswith("." + d.lower()) for d in domains
    )


def dmarc_passes(incoming: Incoming, authserv_id: str) -> bool:
    for value in incoming.mail.all_headers("Authentication-Results"):
        try:
            header = authres.AuthenticationResultsHeader.parse(
                "Authentication-Results: " + value
            )
        except Exception:  # an unparsable header proves nothing
            continue
        if str(header.authserv_id).lower() != authserv_id.lower():
            continue
        if any(r.method == "dmarc" and r.result == "pass" for r in header.results):
            return True
    return False


def check(incoming: Incoming) -> Result | None:
    sender = incoming.envelope.sender
    settings = incoming.settings
    if not is_internal(sender, settings.internal_domains):
        return Ignored(incoming.envelope, f"outsider {sender or '(no sender)'}", True)
    if settings.trusted_authserv_id and not dmarc_passes(incoming, settings.trusted_authserv_id):
        return Ignored(incoming.envelope, f"outsider {sender} (dmarc fail)", True)
    return None
