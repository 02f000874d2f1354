"""Read config.toml (tomllib) and the environment into typed Settings.

Every problem is a ConfigError whose message names the file, the key and what is wrong,
in one line: "config.toml: [severity.2] response: '4x' is not a duration (use 30m, 4h, 3d)".
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import timedelta
from email.headerregistry import Address
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publicsuffixlist import PublicSuffixList

from escalator import channels_config, links_config, oauth_config, playbooks_config, web_config
from escalator.calendars_config import calendar_from_table
from escalator.config_keys import check_keys
from escalator.errors import ConfigError
from escalator.settings import (
    DEFAULT_SEVERITIES,
    RUNGS,
    DatabaseSettings,
    DigestSettings,
    HealthSettings,
    ImapSettings,
    ReviewSettings,
    Settings,
    SeverityPolicy,
    SmtpIntakeSettings,
    SmtpSettings,
    TemplateSettings,
    WebSettings,
)
from escalator.weekly_config import accounts_settings, report_settings

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_LADDER_KEYS = ("manager", "director", "vp", "executive")
_TOP_TABLES = {
    "database", "imap", "smtp", "organization", "ladder", "severity", "risk_levels",
    "teams", "categories", "intake", "calendars", "warnings", "templates", "digest",
    "web", "review", "smtp_intake", "health", "accounts", "report", "playbooks",
    "revenue",
}
_ORGANIZATION_KEYS = {"internal_domains", "trusted_authserv_id", "admins", "allowed_external",
                      "max_stakeholders"}
MAX_DURATION = timedelta(days=365)  # past this a due time is a typo (and may overflow)
# (table, key) -> (lowest, highest, what it is): range checked at load
_RANGES: dict[tuple[str, str], tuple[float, float, str]] = {
    ("imap", "port"): (1, 65535, "a TCP port"),
    ("smtp", "port"): (1, 65535, "a TCP port"),
    ("smtp_intake", "port"): (1, 65535, "a TCP port"),
    ("web", "port"): (1, 65535, "a TCP port"),
    ("imap", "poll_seconds"): (1, 86400, "a number of seconds between polls"),
    ("imap", "max_message_bytes"): (1, 2**40, "a size in bytes"),
    ("smtp_intake", "max_message_bytes"): (1, 2**40, "a size in bytes"),
    ("smtp", "timeout_seconds"): (0.1, 3600, "a time limit in seconds"),
    ("smtp", "lease_seconds"): (1, 86400, "a number of seconds"),
}
_DERIVED = {"from_name"}  # set from another key, not a key of its own
_SUFFIXES = PublicSuffixList()  # the bundled Public Suffix List, no network


def parse_duration(text: str) -> timedelta:
    """'30m', '4h', '1.5d', '2w' -> timedelta; ValueError otherwise (also when too big)."""
    m = _DURATION.match(text)
    if not m:
        raise ValueError(text)
    try:
        return timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})
    except OverflowError:
        raise ValueError(text) from None


def parse_address(text: str) -> Address:
    """'Name <a@b.example>' or 'a@b.example' -> one Address; ValueError otherwise."""
    try:
        header = default_policy.header_factory("to", text)
        found = list(header.addresses)
        defects = [d for d in header.defects
                   if "non-ASCII" not in str(d)]  # RFC 6532 addresses are fine
    except Exception:  # the stdlib parser raises IndexError and others on some input
        raise ValueError(text) from None
    if defects or len(found) != 1 or not found[0].username or not found[0].domain:
        raise ValueError(text)
    address: Address = found[0]
    return address


class _Reader:
    """Walks the TOML tables; every error names file and key."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where}: {problem}")

    def table(self, data: Mapping[str, Any], name: str) -> dict[str, Any]:
        value = data.get(name, {})
        if not isinstance(value, dict):
            raise self.fail(f"[{name}]", "must be a table")
        return value

    def check_keys(self, table: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        check_keys(table, where, allowed, self.fail)

    def dataclass_table(self, data: Mapping[str, Any], name: str, cls: Any) -> Any:
        table = self.table(data, name)
        types = {f.name: f.type for f in fields(cls) if f.name not in _DERIVED}
        self.check_keys(table, f"[{name}]", set(types))
        values: dict[str, Any] = {}
        for key, value in table.items():
            expected = types[key]
            ok = {
                "str": isinstance(value, str),
                "int": isinstance(value, int) and not isinstance(value, bool),
                "bool": isinstance(value, bool),
                "float": isinstance(value, int | float) and not isinstance(value, bool),
            }.get(str(expected), True)
            if not ok:
                raise self.fail(f"[{name}] {key}", f"must be {_article(str(expected))}")
            if (name, key) in _RANGES:
                self.check_range(value, f"[{name}] {key}", *_RANGES[name, key])
            values[key] = value
        return cls(**values)

    def check_range(self, value: float, where: str, low: float, high: float,
                    what: str) -> None:
        if not (math.isfinite(value) and low <= value <= high):
            raise self.fail(where, f"{value} is not {what} ({low:g}-{high:g})")

    def address(self, value: Any, where: str) -> Address:
        if not isinstance(value, str):
            raise self.fail(where, "must be an address")
        try:
            return parse_address(value.strip())
        except ValueError:
            raise self.fail(where, f"'{value}' is not an e-mail address "
                                   "(use name@example.com or Name <name@example.com>)") from None

    def addresses(self, value: Any, where: str) -> tuple[str, ...]:
        """Each item parsed as one address; the bare address, lower case, is kept."""
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(a, str) for a in items):
            raise self.fail(where, "must be an address or a list of addresses")
        return tuple(self.address(a, where).addr_spec.lower() for a in items)


def _article(type_name: str) -> str:
    return {"str": "a string", "int": "a whole number", "bool": "true or false",
            "float": "a number"}.get(type_name, type_name)


def load(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> Settings:
    """Load and validate a config file; raise ConfigError with a one-line reason."""
    env = os.environ if env is None else env
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{name}: file not found (copy the example config.toml)") from None
    except OSError as e:
        raise ConfigError(f"{name}: cannot read: {e.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{name}: not valid TOML: {e}") from None
    return from_dict(data, name, env)


def from_dict(data: Mapping[str, Any], name: str = "<config>",
              env: Mapping[str, str] | None = None) -> Settings:
    env = {} if env is None else env
    r = _Reader(name)
    data, channels = channels_config.split(data, env, r.fail)  # [webhooks], chat URLs
    r.check_keys(data, "top level", _TOP_TABLES)

    database: DatabaseSettings = r.dataclass_table(data, "database", DatabaseSettings)
    imap: ImapSettings = r.dataclass_table(data, "imap", ImapSettings)
    smtp: SmtpSettings = r.dataclass_table(data, "smtp", SmtpSettings)
    smtp_intake: SmtpIntakeSettings = r.dataclass_table(data, "smtp_intake",
                                                        SmtpIntakeSettings)
    if env.get("ESCALATOR_IMAP_PASSWORD"):
        imap = replace(imap, password=env["ESCALATOR_IMAP_PASSWORD"])
    if env.get("ESCALATOR_IMAP_OAUTH2_TOKEN"):
        imap = replace(imap, oauth2_token=env["ESCALATOR_IMAP_OAUTH2_TOKEN"])
    if env.get("ESCALATOR_SMTP_PASSWORD"):
        smtp = replace(smtp, password=env["ESCALATOR_SMTP_PASSWORD"])
    imap = oauth_config.check("imap", imap, name, env, r.fail, imap.username)
    smtp = oauth_config.check("smtp", smtp, name, env, r.fail, smtp.username)
    _database_url(r, database.url)
    if "imap" in data:
        for key in ("host", "username"):
            if not getattr(imap, key):
                raise r.fail(f"[imap] {key}", "missing")
        _folders(r, imap)
    mailbox = r.address(smtp.from_address, "[smtp] from_address")
    smtp = replace(smtp, from_address=mailbox.addr_spec.lower(), from_name=mailbox.display_name)

    org = r.table(data, "organization")
    r.check_keys(org, "[organization]", _ORGANIZATION_KEYS)
    domains = _internal_domains(r, org)
    trusted = org.get("trusted_authserv_id")
    if trusted is not None and (not isinstance(trusted, str) or not trusted.strip()):
        raise r.fail("[organization] trusted_authserv_id",
                     "must be your mail server's authserv-id, e.g. \"mx.example.com\"")
    admins = r.addresses(org.get("admins", []), "[organization] admins")
    allowed_external = r.addresses(org.get("allowed_external", []),
                                   "[organization] allowed_external")
    max_stakeholders = _positive_int(r, org, "max_stakeholders", "[organization]", 50)
    r.check_range(max_stakeholders, "[organization] max_stakeholders", 1, 10000,
                  "a number of stakeholders")

    ladder = _ladder(r, r.table(data, "ladder"), "[ladder]", require=True)
    calendars = {
        name: calendar_from_table(name, _sub(r, r.table(data, "calendars"), name, "calendars"),
                                  r.fail)
        for name in r.table(data, "calendars")
    }
    severities = _severities(r, r.table(data, "severity"), set(calendars))
    warnings = _warnings(r, r.table(data, "warnings"))
    risk_levels = _risk_levels(r, r.table(data, "risk_levels"))

    teams_table = r.table(data, "teams")
    teams = {
        team: _ladder(r, _sub(r, teams_table, team, "teams"), f"[teams.{team}]", require=False)
        for team in teams_table
    }
    categories: dict[str, tuple[str, ...]] = {}
    for cat, table in r.table(data, "categories").items():
        sub = _sub(r, {cat: table}, cat, "categories")
        r.check_keys(sub, f"[categories.{cat}]", {"contacts"})
        categories[cat.lower()] = r.addresses(sub.get("contacts", []),
                                              f"[categories.{cat}] contacts")

    intake = r.table(data, "intake")
    r.check_keys(intake, "[intake]", {"max_rejections_per_sender_per_hour", "default_severity"})
    limit = _positive_int(r, intake, "max_rejections_per_sender_per_hour", "[intake]", 10)
    default_sev = _positive_int(r, intake, "default_severity", "[intake]", 3)
    if default_sev not in severities:
        raise r.fail("[intake] default_severity", f"{default_sev} is not a severity (1-4)")

    return Settings(
        path=name, database=database, imap=imap, smtp=smtp, smtp_intake=smtp_intake,
        internal_domains=domains, trusted_authserv_id=trusted and trusted.strip(),
        admins=admins, allowed_external=allowed_external, max_stakeholders=max_stakeholders,
        ladder=ladder, severities=severities,
        risk_levels=risk_levels, default_severity=default_sev, teams=teams,
        categories=categories, max_rejections_per_sender_per_hour=limit,
        calendars=calendars, warnings=warnings,
        templates=_templates(r, r.table(data, "templates")),
        digest=_digest(r, data),
        web=_web(r, data, env), review=_review(r, r.table(data, "review")),
        health=_health(r, r.table(data, "health")),
        accounts=accounts_settings(r.table(data, "accounts"), r.fail),
        report=report_settings(r.table(data, "report"), r.fail, r.addresses),
        playbooks=playbooks_config.playbooks(data, r.fail, lambda v, w: _duration(r, v, w),
                                             set(categories)),
        revenue=playbooks_config.revenue(data, r.fail, lambda v, w: _duration(r, v, w)),
        channels=channels,
    )


def _database_url(r: _Reader, url: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        backend = ""
    if backend not in ("sqlite", "postgresql"):
        raise r.fail("[database] url", "not a database URL (use sqlite:///escalator.db or "
                                       "postgresql+psycopg://user@host/db)")


def _folders(r: _Reader, imap: ImapSettings) -> None:
    """A message moved into the folder it is read from would be handled forever."""
    for key in ("folder", "processed_folder", "failed_folder"):
        if not getattr(imap, key).strip():
            raise r.fail(f"[imap] {key}", "must name a folder")
    for key in ("processed_folder", "failed_folder"):
        if getattr(imap, key).strip().lower() == imap.folder.strip().lower():
            raise r.fail(f"[imap] {key}", f"'{getattr(imap, key)}' is the folder read from "
                                          "([imap] folder): use another")


def warnings(settings: Settings) -> list[str]:
    """What a valid config still leaves unsafe: logged by `run`, shown as a banner."""
    found: list[str] = []
    if not settings.trusted_authserv_id:
        found.append("[organization] trusted_authserv_id is not set: any message whose From "
                     "claims an internal address is trusted, forged or not")
    return found


def _internal_domains(r: _Reader, org: Mapping[str, Any]) -> tuple[str, ...]:
    where = "[organization] internal_domains"
    if "internal_domains" not in org:
        raise r.fail(where, "missing (who may open escalations)")
    domains = org["internal_domains"]
    if not isinstance(domains, list) or not domains or not all(
        isinstance(d, str) and d.strip() for d in domains
    ):
        raise r.fail(where, "must be a non-empty list of domains")
    result = tuple(d.strip().lower().lstrip("@") for d in domains)
    for d in result:
        # "com" or "co.uk" would make half the world a colleague
        if "." not in d or _SUFFIXES.is_public(d):
            raise r.fail(where, f"'{d}' is a public suffix, not your organization's domain")
        if "@" in d or any(c.isspace() for c in d):
            raise r.fail(where, f"'{d}' is not a domain (e.g. example.com)")
    return result


def _health(r: _Reader, table: Mapping[str, Any]) -> HealthSettings:
    keys = {"mailbox_silent_after", "smtp_failing_after"}
    r.check_keys(table, "[health]", keys)
    base = HealthSettings()
    values = {key: _duration(r, table[key], f"[health] {key}") for key in keys if key in table}
    return replace(base, **values)


def _templates(r: _Reader, table: Mapping[str, Any]) -> TemplateSettings:
    r.check_keys(table, "[templates]", {"dir"})
    folder = table.get("dir", "")
    if not isinstance(folder, str):
        raise r.fail("[templates] dir", "must be a string (a folder of template copies)")
    if folder and not Path(folder).is_absolute() and Path(r.path).is_file():
        folder = str(Path(r.path).resolve().parent / folder)  # relative to the config file
    if folder and not Path(folder).is_dir():
        raise r.fail("[templates] dir", f"'{folder}' is not a directory")
    return TemplateSettings(dir=folder)


def _digest(r: _Reader, data: Mapping[str, Any]) -> DigestSettings | None:
    """No [digest] table, no digests; with one, at = "HH:MM" in timezone (IANA)."""
    if "digest" not in data:
        return None
    table = r.table(data, "digest")
    r.check_keys(table, "[digest]", {"at", "timezone"})
    at = table.get("at", "08:00")
    if not isinstance(at, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", at.strip()):
        raise r.fail("[digest] at", f"'{at}' is not a time of day (use HH:MM, e.g. 08:00)")
    zone = table.get("timezone", "UTC")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("[digest] timezone", f"'{zone}' is not a time zone (e.g. Europe/Berlin)"
                     ) from None
    return DigestSettings(at=at.strip(), timezone=str(zone))


def _web(r: _Reader, data: Mapping[str, Any], env: Mapping[str, str]) -> WebSettings:
    web: WebSettings = r.dataclass_table(data, "web", WebSettings)
    return web_config.check(links_config.check(web, r.path, env, r.fail), r.fail)


def _review(r: _Reader, table: Mapping[str, Any]) -> ReviewSettings:
    r.check_keys(table, "[review]", {"remind_after", "max_reminders"})
    base = ReviewSettings()
    after = (_duration(r, table["remind_after"], "[review] remind_after")
             if "remind_after" in table else base.remind_after)
    return ReviewSettings(after, _positive_int(r, table, "max_reminders", "[review]",
                                               base.max_reminders))


def _sub(r: _Reader, parent: Mapping[str, Any], key: str, prefix: str) -> dict[str, Any]:
    value = parent[key]
    if not isinstance(value, dict):
        raise r.fail(f"[{prefix}.{key}]", "must be a table")
    return value


def _positive_int(r: _Reader, table: Mapping[str, Any], key: str, where: str,
                  default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise r.fail(f"{where} {key}", "must be a whole number ≥ 0")
    return value


def _ladder(r: _Reader, table: Mapping[str, Any], where: str,
            require: bool) -> dict[str, tuple[str, ...]]:
    for key in table:
        if key not in _LADDER_KEYS:
            raise r.fail(f"{where} {key}",
                         f"unknown rung (rungs: {', '.join(_LADDER_KEYS)}; csm is the sender)")
    if require:
        for key in _LADDER_KEYS:
            if key not in table:
                raise r.fail(f"{where} {key}", "missing (an address or a list of addresses)")
    return {key: r.addresses(value, f"{where} {key}") for key, value in table.items()}


def _warnings(r: _Reader, table: Mapping[str, Any]) -> tuple[float, ...]:
    r.check_keys(table, "[warnings]", {"at"})
    at = table.get("at", [0.75, 0.9])
    if not isinstance(at, list) or not all(
            isinstance(f, int | float) and not isinstance(f, bool) and 0 < f < 1 for f in at):
        raise r.fail("[warnings] at",
                     "must be a list of fractions between 0 and 1, e.g. [0.75, 0.9]")
    return tuple(sorted(float(f) for f in at))


def _severities(r: _Reader, table: Mapping[str, Any],
                calendars: set[str]) -> dict[int, SeverityPolicy]:
    result = dict(DEFAULT_SEVERITIES)
    for key, sub in table.items():
        where = f"[severity.{key}]"
        if key not in {"1", "2", "3", "4"}:
            raise r.fail(where, "unknown severity (use 1, 2, 3 or 4)")
        if not isinstance(sub, dict):
            raise r.fail(where, "must be a table")
        r.check_keys(sub, where, {"response", "resolution", "first_rung", "calendar", "inform"})
        base = result[int(key)]
        values: dict[str, Any] = {}
        for dkey in ("response", "resolution"):
            if dkey in sub:
                values[dkey] = _duration(r, sub[dkey], f"{where} {dkey}")
        if "first_rung" in sub:
            rung = sub["first_rung"]
            if rung not in RUNGS:
                raise r.fail(f"{where} first_rung",
                             f"'{rung}' is not a rung (use {', '.join(RUNGS)})")
            values["first_rung"] = rung
        if "inform" in sub:
            inform = sub["inform"]
            if not isinstance(inform, list) or not all(x in RUNGS for x in inform):
                raise r.fail(f"{where} inform", f"must be a list of rungs ({', '.join(RUNGS)})")
            values["inform"] = tuple(inform)
        if "calendar" in sub:
            name = sub["calendar"]
            if name not in calendars:
                known = ", ".join(sorted(calendars)) or "none defined"
                raise r.fail(f"{where} calendar",
                             f"'{name}' is not a [calendars.NAME] table ({known})")
            values["calendar"] = name
        result[int(key)] = replace(base, **values)
    return result


def _duration(r: _Reader, value: Any, where: str) -> timedelta:
    try:
        d = parse_duration(str(value))
    except ValueError:
        raise r.fail(where, f"'{value}' is not a duration (use e.g. 30m, 4h, 3d, 2w)") from None
    if d <= timedelta(0):
        raise r.fail(where, f"'{value}' must be longer than zero")
    if d > MAX_DURATION:
        raise r.fail(where, f"'{value}' is longer than {MAX_DURATION.days} days")
    return d


def _risk_levels(r: _Reader, table: Mapping[str, Any]) -> dict[str, int]:
    result = {"high": 2, "medium": 3, "low": 4}
    for key, value in table.items():
        if not isinstance(value, int) or isinstance(value, bool) or value not in (1, 2, 3, 4):
            raise r.fail(f"[risk_levels] {key}", f"'{value}' is not a severity (use 1-4)")
        result[key.lower()] = value
    return result
