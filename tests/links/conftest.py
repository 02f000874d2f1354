"""Link tests that need a database run on SQLite and on PostgreSQL (`any_db`)."""

from tests.escalator.conftest import any_db, database_url

__all__ = ["any_db", "database_url"]
