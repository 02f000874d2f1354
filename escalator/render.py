"""Jinja2 rendering of every email: a subject, a text part and an autoescaped HTML part."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "email"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=8)
def environment(directory: str = str(TEMPLATES)) -> Environment:
    env = Environment(
        loader=FileSystemLoader([directory, str(TEMPLATES)]),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["when"] = _when
    return env


def _when(value: Any) -> str:
    """A UTC time as people read it in an email: 2026-11-26 14:05 UTC."""
    if value is None:
        return "—"
    return str(value.strftime("%Y-%m-%d %H:%M UTC"))


def render(kind: str, context: dict[str, Any], directory: str | None = None) -> Rendered:
    env = environment(directory or str(TEMPLATES))
    subject = env.get_template(f"{kind}.subject.txt").render(context)
    return Rendered(
        subject=" ".join(subject.split()),
        text=env.get_template(f"{kind}.txt").render(context),
        html=env.get_template(f"{kind}.html").render(context),
    )
