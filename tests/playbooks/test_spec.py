"""Which playbook an escalation gets."""

from __future__ import annotations

from datetime import timedelta

from escalator.playbooks import Playbook, TaskSpec, choose
from escalator.playbooks.defaults import DEFAULT_PLAYBOOKS

ONE = (TaskSpec("x", "csm", timedelta(hours=1)),)


def test_defaults_by_risk_level_then_by_severity() -> None:
    assert choose(DEFAULT_PLAYBOOKS, 3, "High", "", "").name == "high"  # type: ignore[union-attr]
    assert choose(DEFAULT_PLAYBOOKS, 2, None, "", "").name == "high"  # type: ignore[union-attr]
    assert choose(DEFAULT_PLAYBOOKS, 3, None, "", "").name == "medium"  # type: ignore[union-attr]
    assert choose(DEFAULT_PLAYBOOKS, 4, "low", "", "").name == "low"  # type: ignore[union-attr]
    assert choose((), 1, None, "", "") is None


def test_most_specific_wins_first_on_a_tie() -> None:
    billing = Playbook("billing", ONE, category=("billing",))
    billing_high = Playbook("billing-high", ONE, category=("billing",), risk_level=("high",))
    other = Playbook("other", ONE, category=("billing",))
    books = (billing, other, billing_high, *DEFAULT_PLAYBOOKS)
    assert choose(books, 2, "High", "", "Billing") is billing_high
    assert choose(books, 3, "Medium", "", "Billing") is billing
    assert choose(books, 3, "Medium", "", "Product").name == "medium"  # type: ignore[union-attr]
