"""Whose fault an error is, decided on errors the real databases raise."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from escalator.service.failures import (
    clean,
    describe,
    is_environmental,
    message_key,
    referable,
)
from tests.support.database import PG_ADMIN, fresh_postgres
from tests.support.tls import free_port


def _error(engine: Engine, *statements: str) -> Exception:
    with pytest.raises(Exception) as caught, engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    assert isinstance(caught.value, Exception)
    return caught.value


def test_postgresql_away_or_busy_is_environmental() -> None:
    url = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://", 1)
    nobody = create_engine(url.replace(":5432/", f":{free_port()}/"))
    assert is_environmental(_error(nobody, "SELECT 1"))  # connection refused
    with fresh_postgres() as fresh:
        engine = create_engine(fresh)
        cancelled = _error(engine, "SET statement_timeout = 1", "SELECT pg_sleep(5)")
        assert is_environmental(cancelled)
        engine.dispose()


def test_postgresql_refusing_the_data_is_the_messages_fault() -> None:
    with fresh_postgres() as url:
        engine = create_engine(url)
        too_long = _error(engine, "CREATE TABLE t (v varchar(3))", "INSERT INTO t VALUES ('abcd')")
        assert not is_environmental(too_long)
        assert describe(too_long) == ("StringDataRightTruncation: value too long for type "
                                      "character varying(3)")
        with engine.connect() as conn, pytest.raises(Exception) as nul:
            conn.execute(text("SELECT :v"), {"v": "a\x00b"})
        assert not is_environmental(nul.value)
        assert not is_environmental(_error(engine, "SELECT 1/0"))
        assert not is_environmental(_error(engine, "SELECT * FROM no_such_table"))
        engine.dispose()


def test_sqlite_locked_is_environmental_and_a_bad_query_is_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    holder = create_engine(url)
    waiter = create_engine(url, connect_args={"timeout": 0})
    with holder.connect() as conn:
        conn.execute(text("CREATE TABLE t (v text)"))
        conn.commit()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        assert is_environmental(_error(waiter, "INSERT INTO t VALUES ('x')"))
        conn.rollback()
    assert not is_environmental(_error(waiter, "SELECT * FROM no_such_table"))


def test_the_machines_errors_are_environmental_a_bug_is_not() -> None:
    assert is_environmental(OSError(errno.EMFILE, "Too many open files"))
    assert is_environmental(MemoryError())
    assert not is_environmental(ValueError("bad"))
    assert not is_environmental(OverflowError("int too large"))


def test_values_are_made_fit_for_any_column() -> None:
    assert clean("a\x00b\udc80c", 10) == "ab?c"
    assert clean("x" * 400, 320) == "x" * 320
    assert message_key("abc@example.com") == "abc@example.com"
    long_key = message_key("m" * 1100 + "@example.com")
    assert long_key.startswith("sha256:") and len(long_key) == 71
    assert long_key == message_key("m" * 1100 + "@example.com")  # the same message, the same key
    assert message_key("é" * 600).startswith("sha256:")  # over 998 bytes
    assert message_key("a\x00b").startswith("sha256:")
    assert referable("abc@example.com") == "abc@example.com"
    assert referable("m" * 300) is None and referable("") is None
    assert referable(long_key) is None  # a digest is no Message-ID
