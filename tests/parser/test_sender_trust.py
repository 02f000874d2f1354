"""Sender trust with [organization] trusted_authserv_id: only the topmost Authentication-Results
of our own server counts, and its dmarc=pass must be for the From's domain."""

from __future__ import annotations

import pytest

from parser import Ignored, Intake, ParseSettings, parse

TRUSTED = ParseSettings(trusted_authserv_id="mx.example.com")


def _msg(results: list[str], sender: str = "vp-cs@example.com") -> bytes:
    # a receiving server prepends: the first header here is the topmost, ours
    headers = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    return (f"{headers}From: {sender}\r\nTo: escalations@example.com\r\n"
            "Subject: Escalation: Acme – Login broken\r\nMessage-ID: <m1@mail.example.net>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nIssue: login broken\r\n").encode()


def test_our_topmost_pass_for_the_from_domain_is_trusted() -> None:
    ok = parse(_msg(["mx.example.com; spf=pass smtp.mailfrom=example.com; "
                     "dkim=pass header.d=example.com; dmarc=pass (p=reject) "
                     "header.from=example.com"]), TRUSTED)
    assert isinstance(ok, Intake)
    # a version after the id, and upper case, are the same server
    assert isinstance(parse(_msg(["MX.example.com 1; dmarc=pass header.from=Example.COM"]),
                            TRUSTED), Intake)


@pytest.mark.parametrize("results", [
    # the outsider's own header below ours says pass: ours, on top, says fail
    ["mx.example.com; dmarc=fail header.from=example.com",
     "mx.example.com; dmarc=pass header.from=example.com"],
    # ours has no dmarc verdict; the forged one below does
    ["mx.example.com; spf=pass smtp.mailfrom=evil.example",
     "mx.example.com; dmarc=pass header.from=example.com"],
    # dmarc passed, for the attacker's own domain, not the From's
    ["mx.example.com; dmarc=pass header.from=evil.example"],
    # another server's pass proves nothing
    ["mx.evil.example; dmarc=pass header.from=example.com"],
    # ours unreadable: a lower one is not asked instead
    ["mx.example.com; dmarc=pass header.from=example.com (((",
     "mx.example.com; dmarc=pass header.from=example.com"],
    [],
])
def test_forged_or_foreign_verdicts_are_an_outsider(results: list[str]) -> None:
    r = parse(_msg(results), TRUSTED)
    assert isinstance(r, Ignored) and r.keep_in_failed and r.reason.endswith("(dmarc fail)")


def test_without_the_setting_the_from_alone_decides() -> None:
    # the documented weakness the start-up warning names
    assert isinstance(parse(_msg([]), ParseSettings()), Intake)
