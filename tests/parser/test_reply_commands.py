"""Reply commands beyond the basics: a typo'd label is a problem naming what it most
likely meant (never a note), a line may name its escalation ("ESC-12: ack"), `Account:`
corrects the account; and no input makes the reply path slow (the patterns are linear:
these inputs would take minutes to hours with backtracking)."""

from __future__ import annotations

import pytest

from parser import ParseSettings, Reply, parse, quoting, signature
from parser import commands as cmd


def _reply(body: str) -> Reply:
    raw = ("From: a.person@example.com\r\nTo: escalations@example.com\r\n"
           "Subject: Re: [ESC-3] Initech\r\nMessage-ID: <r1@mail.example.com>\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body)
    result = parse(raw.encode(), ParseSettings())
    assert isinstance(result, Reply), result
    return result


@pytest.mark.parametrize(("line", "meant"), [
    ("Stauts: waiting", "Status"), ("Severty: 1", "Severity"), ("Ownr: x@example.com", "Owner"),
    ("Categroy: Billing", "Category"), ("Acount: Globex", "Account"), ("Stesp: call back", "Steps"),
])
def test_a_typod_command_is_a_problem_naming_the_command_meant(line: str, meant: str) -> None:
    r = _reply(f"{line}\r\nack\r\n")
    assert [(c.name, c.value) for c in r.commands] == [("ack", "")]  # and no note
    [problem] = r.problems
    assert f"did you mean {meant}:?" in problem.message and line in problem.message


@pytest.mark.parametrize("prose", [
    "Update: customer called", "Stats: 3 tickets open since Monday", "Noted: will follow up",
    "Root cause: expired certificate", "Next steps: call the CTO", "Time: 3pm works",
])
def test_prose_with_a_colon_stays_a_note(prose: str) -> None:
    r = _reply(prose + "\r\n")
    assert r.problems == ()
    assert [(c.name, c.value) for c in r.commands] == [("note", prose)]


def test_lines_may_name_their_escalation() -> None:
    r = _reply("ESC-12: ack\r\nESC-14 Status: working\r\n[ESC-14]: customer called back\r\n"
               "Severity: 2\r\n")
    assert [(c.name, c.value, c.escalation) for c in r.commands] == [
        ("ack", "", 12), ("status", "working", 14), ("severity", "2", None),
        ("note", "customer called back", 14),
    ]


def test_account_command_and_customer_alias() -> None:
    r = _reply("Account: Globex Corporation\r\nCustomer: Initech\r\n")
    assert [(c.name, c.value) for c in r.commands] == [
        ("account", "Globex Corporation"), ("account", "Initech")]
    assert [str(p) for p in _reply("Account:\r\n").problems] == [
        "Account: empty — write the text after the colon"]


SPACES = " " * 10_000
ADVERSARIAL = [
    SPACES,
    "Status" + SPACES + "x",
    "best" + SPACES + "x",
    "On" + SPACES + "wrote" + SPACES,
    "wrote:" + SPACES + "x",
    "a" + SPACES + "wrote:" + "\n> x",
    "-" * 10_000,
    "-" * 5_000 + "x" + "-" * 5_000 + " y",
    ">" * 10_000,
    "> " * 5_000,
    "From:" + SPACES + "x\nSent:" + SPACES + "\nTo:" + SPACES,
    ("Sent from my" + " " * 45) * 200,
    "x" * 50_000,
    "On Mon, 1 Dec 2026 " * 2_000 + "wrote",
    "ESC-1." * 20_000,
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_text_is_read_in_one_pass(text: str) -> None:
    split = quoting.split(text, "Jane Smith <jane@example.com>")
    found, _ = cmd.read(split.new)
    assert all(c.name in ("note", "ack") for c in found)
    signature.start(text.split("\n"), "Jane Smith <jane@example.com>")
    assert quoting.unquote(text).count(">") <= text.count(">")


def test_adversarial_body_through_parse() -> None:
    body = ("Status: working\r\n" + "\r\n".join(
        ["> " * 2000, SPACES, "-" * 10_000, "Status" + SPACES + ": done"]))
    r = _reply(body)
    assert ("status", "working") in [(c.name, c.value) for c in r.commands]
    assert ("status", "done") not in [(c.name, c.value) for c in r.commands]
