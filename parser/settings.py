"""The plain settings the parser needs; built from the config by the caller."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ParseSettings:
    mailbox_address: str = "escalations@example.com"  # our own address: its mail is ignored
    message_id_domain: str = "example.com"  # our Message-IDs: <esc-N.kind.hex@domain>
    internal_domains: tuple[str, ...] = ("example.com",)
    risk_levels: dict[str, int] = field(
        default_factory=lambda: {"high": 2, "medium": 3, "low": 4}
    )
    max_message_bytes: int = 25 * 1024 * 1024
    trusted_authserv_id: str | None = None
