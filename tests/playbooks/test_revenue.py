"""Revenue-aware targets, pure: which rule applies and why; a raise never loosens a target."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from escalator.playbooks import AccountFacts, RevenueRule, evaluate, raised_targets
from escalator.settings import RUNGS, SeverityPolicy
from escalator.sla import Policy, targets_for

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
BIG_OR_RENEWING = RevenueRule("Large or renewing", arr_at_least=1_000_000,
                              renewal_within=timedelta(days=30))


def test_two_million_renewing_in_20_days_goes_one_severity_up_with_reasons() -> None:
    facts = AccountFacts("Initech", 2_000_000, date(2026, 12, 22), "Enterprise", "60")
    r = evaluate([BIG_OR_RENEWING], facts, 2, NOW)
    assert r.severity == 1 and r.rung_steps == 0
    [why] = r.applied
    assert why == ("severity 2 → 1 by the rule 'Large or renewing': ARR $2,000,000 ≥ "
                   "$1,000,000; renewal on 2026-12-22 in 20 days (within 30)")


def test_any_and_all() -> None:
    small_renewing = AccountFacts("A", 50_000, date(2026, 12, 10))
    assert evaluate([BIG_OR_RENEWING], small_renewing, 3, NOW).severity == 2
    both = RevenueRule("both", match="all", arr_at_least=1e6, renewal_within=timedelta(30))
    assert evaluate([both], small_renewing, 3, NOW).applied == ()
    far = AccountFacts("B", None, date(2027, 6, 1))
    assert evaluate([BIG_OR_RENEWING], far, 3, NOW).applied == ()
    past = AccountFacts("C", None, date(2026, 11, 1))  # a renewal gone by is not "within"
    assert evaluate([BIG_OR_RENEWING], past, 3, NOW).applied == ()


def test_segment_health_and_rung_up() -> None:
    rules = [RevenueRule("strategic", action="rung_up", segment=("strategic",)),
             RevenueRule("unhealthy", health_below=40), RevenueRule("red", health=("red",))]
    r = evaluate(rules, AccountFacts("A", segment="Strategic", health="35"), 4, NOW)
    assert (r.severity, r.rung_steps, len(r.applied)) == (3, 1, 2)
    assert "starts one rung higher by the rule 'strategic'" in r.applied[0]
    assert evaluate(rules, AccountFacts("A", health="Red"), 1, NOW).applied == (
        "severity stays 1 (the top) by the rule 'red': health Red",)
    t = raised_targets(Policy(), 4, r, NOW)
    assert t.first_rung == "director"  # severity 3's manager, one rung higher


def test_unknown_account_facts_match_nothing() -> None:
    rules = [BIG_OR_RENEWING, RevenueRule("h", health_below=50)]
    assert evaluate(rules, AccountFacts("x", health="green"), 3, NOW).applied == ()


durations = st.integers(1, 60 * 24 * 60).map(lambda m: timedelta(minutes=m))
policies = st.fixed_dictionaries({
    s: st.builds(SeverityPolicy, durations, durations, st.sampled_from(RUNGS))
    for s in (1, 2, 3, 4)}).map(lambda sev: Policy(severities=sev))


@given(policies, st.integers(1, 4), st.lists(st.sampled_from(["severity_up", "rung_up"]),
                                             max_size=5),
       st.integers(0, 60 * 24 * 365))
def test_a_raised_severity_never_lowers_a_target(policy: Policy, severity: int,
                                                 actions: list[str], offset: int) -> None:
    """Whatever the policy (a raised severity may even have longer windows), each target
    of the raised escalation is due no later, and its first rung is no lower."""
    opened = NOW + timedelta(minutes=offset)
    rules = [RevenueRule(f"r{i}", action=a, arr_at_least=0) for i, a in enumerate(actions)]
    r = evaluate(rules, AccountFacts("A", arr=5.0), severity, opened)
    base = targets_for(policy, severity, opened)
    up = raised_targets(policy, severity, r, opened)
    assert up.response_due_at <= base.response_due_at
    assert up.resolution_due_at <= base.resolution_due_at
    assert RUNGS.index(up.first_rung) >= RUNGS.index(base.first_rung)
    assert r.severity <= severity and len(r.applied) == len(actions)
