"""Engine, sessions, the one transaction helper, and schema creation through Alembic."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, ExceptionContext
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from escalator.errors import DatabaseError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "models" / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        _sqlite_immediate(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    _log_outages(engine, _safe(url))
    return engine


def _log_outages(engine: Engine, where: str) -> None:
    """One line when the server stops answering and one when it answers again, however
    many connections and retries come between (a flood of errors tells nobody more)."""
    away: list[str] = []

    @event.listens_for(engine, "handle_error")
    def _error(ctx: ExceptionContext) -> None:
        if (ctx.is_disconnect or isinstance(ctx.sqlalchemy_exception, OperationalError)
                and ctx.connection is None) and not away:
            away.append((str(ctx.original_exception).strip().splitlines() or ["?"])[0])
            log.warning("database %s unreachable: %s", where, away[0])

    @event.listens_for(engine, "connect")
    def _connect(_dbapi_conn: Any, _record: Any) -> None:
        if away:
            away.clear()
            log.info("database %s reachable again", where)


def _sqlite_immediate(engine: Engine) -> None:
    """Take SQLite's write lock at BEGIN: two processes then queue instead of deadlocking."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's BEGIN below be the only one
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        from escalator.service import logbook

        logbook.install(self._sessions)  # one log line per notice, after its commit

    def on_event(self, hook: Callable[[Session, Any, Any], object]) -> None:
        """Call `hook(session, escalation, event)` for each audit event written in a
        session of this database (service/publish.py: webhooks and chat)."""
        from escalator.service.events import HOOK

        self._sessions.configure(info={HOOK: hook})

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    def session(self) -> Session:
        return self._sessions()

    def check_current(self) -> None:
        """Refuse to work on a schema that init-db has not brought up to date."""
        try:
            with self.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
        except OperationalError as e:
            raise DatabaseError(f"{_safe(self.url)}: cannot connect: {_first_line(e)}") from None
        head = ScriptDirectory.from_config(_alembic_config(self.url)).get_current_head()
        if current != head:
            raise DatabaseError(
                f"{_safe(self.url)}: schema is {current or 'empty'}, expected {head}: "
                "run 'escalator init-db'"
            )

    def dispose(self) -> None:
        self.engine.dispose()


def _alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def init_db(url: str) -> str:
    """Create or upgrade the schema; return the revision now in place."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            cfg = _alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        return ScriptDirectory.from_config(_alembic_config(url)).get_current_head() or ""
    except SQLAlchemyError as e:
        raise DatabaseError(f"{_safe(url)}: {_first_line(e)}") from None
    finally:
        engine.dispose()


def _first_line(e: Exception) -> str:
    return str(getattr(e, "orig", e) or e).strip().splitlines()[0]


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "database"
