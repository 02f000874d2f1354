"""Service tests that need it run on SQLite and on PostgreSQL, like the integration tests."""

from tests.integration.conftest import database_url

__all__ = ["database_url"]
