"""The table of reply commands, in help order: one module of this package per name, each
with its SPEC. Every email's footer lists those with footer=True."""

from __future__ import annotations

from importlib import import_module

from parser.commands.registry import Registry
from parser.commands.spec import Spec

NAMES = ("ack", "status", "severity", "owner", "account", "steps", "type", "category", "links",
         "done", "skip", "take", "note", "satisfied", "root_cause", "prevention")

SPECS: tuple[Spec, ...] = tuple(import_module(f"parser.commands.{name}").SPEC for name in NAMES)
REGISTRY = Registry(SPECS)
