"""Typed settings, one frozen dataclass per config table (see config.py for loading)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from escalator.channels_config import ChannelSettings
    from escalator.playbooks.revenue import RevenueRule
    from escalator.playbooks.spec import Playbook
    from escalator.sla.calendar import Calendar
    from escalator.sla.policy import Policy

RUNGS = ("csm", "manager", "director", "vp", "executive")


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = "sqlite:///escalator.db"


@dataclass(frozen=True)
class OAuth2Settings:
    """The OAuth2 keys [imap] and [smtp] share (README: "Microsoft 365 and Google Workspace")."""

    oauth2_flow: str = ""  # "" = password (or oauth2_token); see escalator/oauth_config.py
    oauth2_token: str = ""  # static XOAUTH2 access token instead of a password
    oauth2_tenant: str = ""  # Microsoft: the tenant id or domain
    oauth2_client_id: str = ""
    oauth2_client_secret: str = ""  # or ESCALATOR_OAUTH2_CLIENT_SECRET
    oauth2_authority: str = ""  # Microsoft: default https://login.microsoftonline.com
    oauth2_token_uri: str = ""  # Google installed app: default https://oauth2.googleapis.com/token
    oauth2_auth_uri: str = ""  # Google installed app: default https://accounts.google.com/o/oauth2/auth
    oauth2_service_account_file: str = ""  # Google: the service account's JSON key
    oauth2_key_file: str = ""  # key that encrypts stored tokens (mode 0600); or ESCALATOR_TOKEN_KEY
    oauth2_mechanism: str = "XOAUTH2"  # IMAP: XOAUTH2 or OAUTHBEARER


@dataclass(frozen=True)
class ImapSettings(OAuth2Settings):
    host: str = ""
    port: int = 993
    username: str = ""
    password: str = ""
    ssl: bool = True
    starttls: bool = False
    folder: str = "INBOX"
    processed_folder: str = "Escalator/Processed"
    failed_folder: str = "Escalator/Failed"
    poll_seconds: int = 60
    max_message_bytes: int = 25 * 1024 * 1024
    idle: bool = True  # use IMAP IDLE where the server offers it


@dataclass(frozen=True)
class SmtpSettings(OAuth2Settings):
    host: str = "localhost"
    port: int = 25
    username: str = ""
    password: str = ""
    ssl: bool = False
    starttls: bool = False
    from_address: str = "escalations@example.com"  # the bare address (envelope, Message-ID)
    from_name: str = ""  # the display name of from_address = "Name <address>", if any
    timeout_seconds: float = 30.0
    lease_seconds: int = 300  # a claimed outbox row is retried after this if its sender died


@dataclass(frozen=True)
class SmtpIntakeSettings:
    """Where `run` listens for mail delivered straight to it ("" = no SMTP intake)."""

    host: str = ""
    port: int = 2525
    max_message_bytes: int = 25 * 1024 * 1024  # larger: 552 before the body is taken


@dataclass(frozen=True)
class TemplateSettings:
    dir: str = ""  # a team's own copies of templates/email/*; "" = the packaged ones


@dataclass(frozen=True)
class DigestSettings:
    at: str = "08:00"  # local time of the daily digest, HH:MM
    timezone: str = "UTC"  # IANA name, e.g. "Europe/Berlin"


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"  # the dashboard; anything but loopback requires a token
    port: int = 8025
    token: str = ""  # Bearer token (or ?token=) the dashboard asks for
    # signed links (escalator/links_config.py): none without public_url
    public_url: str = ""  # where people reach the dashboard, e.g. https://esc.example.com
    action_link_days: int = 7  # an emailed action link expires after this
    secret: str = ""  # signs the links; or ESCALATOR_WEB_SECRET (wins), or secret_file
    secret_file: str = ""  # the key in a file of mode 0600, made once if it does not exist
    allowed_hosts: tuple[str, ...] = ()  # Host headers served; () = loopback (escalator.web_config)
    max_connections: int = 100  # served at once; the rest get a 503, so intake keeps its fds
    header_timeout_seconds: int = 10  # a request's headers must arrive within this
    idle_timeout_seconds: int = 5  # a kept-alive connection without a new request closes


@dataclass(frozen=True)
class ReviewSettings:
    remind_after: timedelta = timedelta(days=3)  # post-escalation review reminder
    max_reminders: int = 2


@dataclass(frozen=True)
class HealthSettings:
    """When [organization] admins are alerted (see the health checks)."""

    mailbox_silent_after: timedelta = timedelta(minutes=15)
    smtp_failing_after: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class AccountSettings:
    """Health-score triggers: the CSM is asked to consider an escalation (accounts import)."""

    health_threshold: float | None = None  # health falls below it: ask (None: off)
    health_drop: float | None = None  # health falls by at least this many points: ask
    sync_url: str = ""  # `accounts sync` and `run`: a CSV by http(s) URL or file path
    sync_every: timedelta = timedelta(hours=1)  # how often `run` syncs (with sync_url)


@dataclass(frozen=True)
class ReportSettings:
    """The weekly leadership report ([report] weekly_to, day, at, timezone)."""

    weekly_to: tuple[str, ...] = ()
    day: int = 0  # 0 = Monday ... 6 = Sunday
    at: str = "08:00"  # local time, HH:MM
    timezone: str = "UTC"


@dataclass(frozen=True)
class RevenueSettings:
    """[revenue]: rules that raise the severity by the account; repeat escalations."""

    rules: tuple[RevenueRule, ...] = ()
    repeat_count: int = 3  # the Nth escalation on an account within repeat_within: flagged
    repeat_within: timedelta = timedelta(days=90)


def _default_playbooks() -> tuple[Playbook, ...]:
    from escalator.playbooks.defaults import DEFAULT_PLAYBOOKS

    return DEFAULT_PLAYBOOKS


@dataclass(frozen=True)
class SeverityPolicy:
    response: timedelta
    resolution: timedelta
    first_rung: str
    calendar: str | None = None
    inform: tuple[str, ...] = ()  # rungs copied on the new-escalation notice


DEFAULT_SEVERITIES: dict[int, SeverityPolicy] = {
    1: SeverityPolicy(timedelta(hours=1), timedelta(days=1), "vp", inform=("executive",)),
    2: SeverityPolicy(timedelta(hours=4), timedelta(days=3), "director"),
    3: SeverityPolicy(timedelta(hours=24), timedelta(days=10), "manager"),
    4: SeverityPolicy(timedelta(hours=48), timedelta(days=30), "csm"),
}


@dataclass(frozen=True)
class Settings:
    path: str = "<defaults>"
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    imap: ImapSettings = field(default_factory=ImapSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    smtp_intake: SmtpIntakeSettings = field(default_factory=SmtpIntakeSettings)
    internal_domains: tuple[str, ...] = ("example.com",)
    trusted_authserv_id: str | None = None
    admins: tuple[str, ...] = ()  # alerted when Escalator is unwell
    allowed_external: tuple[str, ...] = ()  # outside addresses that may be owner/stakeholder
    max_stakeholders: int = 50  # per escalation; a reply adding more is answered
    # rung name -> addresses; "csm" is always the escalation's own CSM
    ladder: dict[str, tuple[str, ...]] = field(default_factory=dict)
    severities: dict[int, SeverityPolicy] = field(default_factory=lambda: dict(DEFAULT_SEVERITIES))
    risk_levels: dict[str, int] = field(
        default_factory=lambda: {"high": 2, "medium": 3, "low": 4}
    )
    default_severity: int = 3
    teams: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    max_rejections_per_sender_per_hour: int = 10
    calendars: dict[str, Calendar] = field(default_factory=dict)
    warnings: tuple[float, ...] = (0.75, 0.9)
    templates: TemplateSettings = field(default_factory=TemplateSettings)
    digest: DigestSettings | None = None  # no [digest] table: no daily digests
    web: WebSettings = field(default_factory=WebSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    accounts: AccountSettings = field(default_factory=AccountSettings)
    report: ReportSettings | None = None  # no [report] weekly_to: no weekly report
    playbooks: tuple[Playbook, ...] = field(default_factory=_default_playbooks)
    revenue: RevenueSettings = field(default_factory=RevenueSettings)
    channels: ChannelSettings = field(default_factory=lambda: _no_channels())

    @cached_property  # the sweep and every reschedule read it: build it once
    def policy(self) -> Policy:
        from escalator.sla.policy import Policy

        return Policy(self.severities, self.calendars, self.warnings)


def _no_channels() -> ChannelSettings:
    from escalator.channels_config import ChannelSettings  # webhooks, Slack, Teams

    return ChannelSettings()
