"""Shared helpers: read a test email and parse it with default settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from parser import ParseSettings, Result, parse

EMAILS = Path(__file__).resolve().parent.parent / "emails"


def load(name: str) -> bytes:
    return (EMAILS / name).read_bytes()


def parse_file(name: str, settings: ParseSettings | None = None) -> Result:
    return parse(load(name), settings or ParseSettings())


@pytest.fixture
def settings() -> ParseSettings:
    return ParseSettings()


FUZZ_COUNTS: dict[str, int] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FUZZ_COUNTS:
        total = sum(FUZZ_COUNTS.values())
        parts = ", ".join(f"{k} {v}" for k, v in sorted(FUZZ_COUNTS.items()))
        terminalreporter.write_line(f"parser fuzz: {total} mutated inputs tried ({parts})")
