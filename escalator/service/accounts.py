"""The account directory: `accounts import FILE.csv`, and which account an escalation is for.

Import is an upsert keyed by the account key (models.account.account_key): a row whose
name or alias is already known updates that account, only where a value differs, so the
same file twice changes nothing. A bad row is reported with its line number and skipped;
the rest of the file still imports, in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from escalator.errors import EscalatorError
from escalator.service import health_trigger
from escalator.settings import Settings
from models import Account, AccountAlias, Escalation, EscalationAccount
from models.account import account_key

COLUMNS = ("name", "arr", "segment", "renewal_date", "csm", "team", "health", "aliases")
FIELDS = ("arr", "segment", "renewal_date", "csm", "team", "health")
_MONEY = re.compile(r"^[$€£]?\s*(\d[\d,_ ]*(?:\.\d+)?)$")


class AccountFileError(EscalatorError):
    """The account CSV cannot be read at all (missing file, no name column, not text)."""


@dataclass(frozen=True)
class AccountRow:
    line: int
    name: str
    values: dict[str, Any]  # FIELDS -> parsed value
    aliases: tuple[str, ...]


@dataclass
class ImportStats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)  # "line 7: arr: 'abc' is not a number"
    health: list[str] = field(default_factory=list)  # health triggers: who was asked, or why not

    def summary(self) -> str:
        return (f"accounts: {self.created} created, {self.updated} updated, "
                f"{self.unchanged} unchanged, {len(self.problems)} bad rows"
                + (f", {len(self.health)} health alerts" if self.health else ""))


# -- parsing (pure) ------------------------------------------------------------------
def parse_csv(text: str) -> tuple[list[AccountRow], list[str]]:
    """CSV text -> the good rows and one problem per bad row, with its line number."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(h or "").strip().lower().replace(" ", "_") for h in reader.fieldnames or []]
    if "name" not in header:
        raise AccountFileError(f"no 'name' column in the header (columns: {', '.join(COLUMNS)})")
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise AccountFileError(f"unknown column '{unknown[0]}' (columns: {', '.join(COLUMNS)})")
    reader.fieldnames = header
    rows: list[AccountRow] = []
    problems: list[str] = []
    for record in reader:
        line = reader.line_num
        cells = {k: (v or "").strip() for k, v in record.items() if k}
        if not any(cells.values()):
            continue
        try:
            rows.append(_row(line, cells))
        except ValueError as e:
            problems.append(f"line {line}: {e}")
    return rows, problems


def _row(line: int, cells: dict[str, str]) -> AccountRow:
    name = " ".join(cells.get("name", "").split())
    if not name:
        raise ValueError("name: empty")
    values: dict[str, Any] = {k: cells.get(k, "") for k in ("segment", "csm", "team", "health")}
    values["arr"] = parse_arr(cells.get("arr", ""))
    values["renewal_date"] = parse_date(cells.get("renewal_date", ""))
    aliases = tuple(a.strip() for a in re.split(r"[;|]", cells.get("aliases", "")) if a.strip())
    return AccountRow(line, name, values, aliases)


def parse_arr(text: str) -> float | None:
    if not text:
        return None
    m = _MONEY.match(text)
    if not m:
        raise ValueError(f"arr: '{text}' is not a number (e.g. 120000 or $120,000.50)")
    return float(re.sub(r"[,_ ]", "", m.group(1)))


def parse_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"renewal_date: '{text}' is not a date (use YYYY-MM-DD)") from None


# -- the upsert ----------------------------------------------------------------------
def import_accounts(session: Session, text: str, now: datetime, *,
                    settings: Settings | None) -> ImportStats:
    """`settings`: for the health triggers (health_trigger.py); None asks nobody."""
    rows, problems = parse_csv(text)
    return upsert_accounts(session, rows, now, problems, settings=settings)


def upsert_accounts(session: Session, rows: list[AccountRow], now: datetime,
                    problems: list[str] | None = None, *,
                    settings: Settings | None) -> ImportStats:
    """The one upsert of the directory: `accounts import`, `accounts sync` and the API's
    PUT /accounts. A value left out of a row's `values` stays as it is (the CSV gives
    every column; an API call only the ones it names)."""
    stats = ImportStats(problems=list(problems or []))
    keys = {a.key: a for a in session.scalars(select(AccountAlias))}
    seen: dict[str, int] = {}
    for row in rows:
        first = seen.setdefault(account_key(row.name), row.line)
        problem = (f"name: '{row.name}' is already on line {first}" if first != row.line
                   else _upsert(session, keys, row, now, stats, settings))
        if problem:
            stats.problems.append(f"line {row.line}: {problem}")
    stats.problems.sort(key=_line_number)
    return stats


def _line_number(problem: str) -> int:
    return int(problem.removeprefix("line ").split(":", 1)[0])


def _upsert(session: Session, keys: dict[str, AccountAlias], row: AccountRow, now: datetime,
            stats: ImportStats, settings: Settings | None = None) -> str | None:
    names = [row.name, *row.aliases]
    found = {keys[k].account_id for k in map(account_key, names) if k in keys}
    accounts = {i: session.get(Account, i) for i in found}
    directory = [a for a in accounts.values() if a is not None and a.source == "directory"]
    if len(directory) > 1:
        taken = sorted(a.name for a in directory)
        return f"name and aliases name more than one account ({', '.join(taken)})"
    stubs = [a for a in accounts.values() if a is not None and a.source != "directory"]
    account = directory[0] if directory else (stubs.pop(0) if stubs else None)
    created = account is None
    if account is None:
        account = Account(name=row.name, source="directory", created_at=now, **row.values)
        session.add(account)
        session.flush()
    renamed = not created and account.name != row.name  # a stub adopted, or a new spelling
    before = None if created else _health_before(session, account, row, settings)
    changed = _assign(account, row)
    if before is not None and settings is not None:
        said = health_trigger.ask_csm(session, settings, account, before, now)
        if said:
            stats.health.append(said)
    for stub in stubs:  # escalations came first under another alias: one account now
        _merge(session, keys, stub, account)
        changed = renamed = True
    if renamed:  # list, show and the emails use the directory's spelling from now on
        session.execute(update(Escalation).where(Escalation.id.in_(
            select(EscalationAccount.escalation_id)
            .where(EscalationAccount.account_id == account.id))).values(account=account.name))
    for alias in names:
        key = account_key(alias)
        if key not in keys:
            keys[key] = AccountAlias(key=key, account_id=account.id, alias=alias)
            session.add(keys[key])
            changed = True
    if created:
        stats.created += 1
    elif changed:
        stats.updated += 1
    else:
        stats.unchanged += 1
    return None


def _health_before(session: Session, account: Account, row: AccountRow,
                   settings: Settings | None) -> str | None:
    """The health this upsert moves away from, read under the row's lock (FOR UPDATE on
    PostgreSQL; SQLite's write lock is taken at BEGIN): two imports at once see each
    other's reading, so one crossing asks once. None when health does not change."""
    new = row.values.get("health", account.health)  # left out (an API call): unchanged
    if not health_trigger.enabled(settings) or account.health == new:
        return None
    session.refresh(account, ["health"], with_for_update=True)
    return account.health if account.health != new else None


def _assign(account: Account, row: AccountRow) -> bool:
    changed = False
    wanted = {"name": row.name, "source": "directory", **row.values}
    for attr, value in wanted.items():
        if getattr(account, attr) != value:
            setattr(account, attr, value)
            changed = True
    return changed


def _merge(session: Session, keys: dict[str, AccountAlias], stub: Account,
           into: Account) -> None:
    session.execute(update(EscalationAccount).where(EscalationAccount.account_id == stub.id)
                    .values(account_id=into.id))
    for alias in keys.values():
        if alias.account_id == stub.id:
            alias.account_id = into.id
    session.flush()
    session.delete(stub)


# -- intake --------------------------------------------------------------------------
@dataclass(frozen=True)
class AccountLink:
    name: str
    created: bool  # not in the directory: created for this escalation
    typed: str  # the name as the email gave it
    team: str
    account_id: int = 0


def link_escalation(session: Session, esc: Escalation, now: datetime) -> AccountLink:
    """Find (or create) the escalation's account, link them, and use the account's name."""
    [link] = find_accounts(session, [esc.account], now)
    session.add(EscalationAccount(escalation_id=esc.id, account_id=link.account_id))
    esc.account = link.name
    return link


def find_accounts(session: Session, typed: Sequence[str], now: datetime) -> list[AccountLink]:
    """The account of each typed name, in order: one query for all of them, and the stubs
    for names not yet known written together (intake's batch)."""
    keys = [account_key(t) for t in typed]
    found = _find(session, set(keys))
    first_spelling = {k: t for k, t in zip(keys, typed, strict=True) if k not in found}
    created = _create_stubs(session, first_spelling, now) if first_spelling else set()
    if created != set(first_spelling):  # another instance created some at the same time
        found.update(_find(session, set(first_spelling) - created))
    stubs = {k: (i, first_spelling[k], "") for k, i in _ids(session, created).items()}
    found.update(stubs)
    return [AccountLink(found[k][1], k in stubs, t, found[k][2], found[k][0])
            for k, t in zip(keys, typed, strict=True)]


def _create_stubs(session: Session, names: dict[str, str], now: datetime) -> set[str]:
    """Accounts for keys not in the directory; returns the keys this transaction took. A key
    another instance took at the same moment is left to it (ON CONFLICT DO NOTHING waits
    for that instance's commit) and our account for it deleted: no savepoint per name."""
    keys = sorted(names)  # the same order in every instance: no deadlock on the keys
    ids = session.scalars(
        insert(Account).returning(Account.id, sort_by_parameter_order=True),
        [{"name": names[k], "source": "intake", "created_at": now, "segment": "", "csm": "",
          "team": "", "health": ""} for k in keys]).all()
    dialect = session.get_bind().dialect.name
    upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    taken = set(session.scalars(
        upsert(AccountAlias).values([{"key": k, "account_id": i, "alias": names[k]}
                                     for k, i in zip(keys, ids, strict=True)])
        .on_conflict_do_nothing(index_elements=["key"]).returning(AccountAlias.key)))
    unused = [i for k, i in zip(keys, ids, strict=True) if k not in taken]
    if unused:
        session.execute(delete(Account).where(Account.id.in_(unused)))
    return taken


def _ids(session: Session, keys: set[str]) -> dict[str, int]:
    if not keys:
        return {}
    return {key: account_id for key, account_id in session.execute(
        select(AccountAlias.key, AccountAlias.account_id).where(AccountAlias.key.in_(keys)))}


def _find(session: Session, keys: set[str]) -> dict[str, tuple[int, str, str]]:
    return {key: (account_id, name, team) for key, account_id, name, team in session.execute(
        select(AccountAlias.key, Account.id, Account.name, Account.team)
        .join(Account, AccountAlias.account_id == Account.id)
        .where(AccountAlias.key.in_(keys)))}


def csm_team(session: Session, csm: str) -> str:
    """The team of a CSM's accounts in the directory: whose ladder an unknown account climbs."""
    return csm_teams(session, [csm]).get(csm.lower(), "")


def csm_teams(session: Session, csms: Iterable[str]) -> dict[str, str]:
    """csm_team for many CSMs in one query: lower-cased address -> team."""
    wanted = {c.lower() for c in csms}
    if not wanted:
        return {}
    teams: dict[str, str] = {}
    for csm, team in session.execute(
            select(func.lower(Account.csm), Account.team)
            .where(func.lower(Account.csm).in_(wanted), Account.team != "")
            .order_by(Account.id)):
        teams.setdefault(csm, team)
    return teams


def read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            return f.read()
    except FileNotFoundError:
        raise AccountFileError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise AccountFileError(f"{path}: not UTF-8 text (save the CSV as UTF-8)") from None
    except OSError as e:
        raise AccountFileError(f"{path}: cannot read: {e.strerror}") from None
