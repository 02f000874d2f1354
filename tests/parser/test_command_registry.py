"""The reply commands are one table (parser/commands/table.py): the line reader, the typo
guesses, the review answers' reader and the help lines all come from it, so a command
added to a registry of one's own is read, guessed and listed with no other change."""

from __future__ import annotations

import pkgutil

import pytest

import parser.commands as package
from parser.commands import NAMES, REGISTRY, SPECS, Registry, Spec, read, read_answers, typo
from parser.commands.spec import Parsed
from parser.result import Command, Problem

NOT_COMMANDS = {"answers", "reader", "registry", "spec", "table"}  # the package's machinery


def _flag(value: str) -> Parsed:
    colour = value.lower()
    if colour in ("red", "amber", "green"):
        return colour
    return Problem("Flag", f"'{value}' — not a flag; use red, amber or green")


FLAG = Spec("flag", "Flag: red | amber | green", _flag, labels=("flag", "rag"),
            plausible=lambda value: bool(value.strip()))
OWN = Registry((*SPECS, FLAG))


def test_every_module_of_the_package_is_in_the_table_once() -> None:
    modules = {m.name for m in pkgutil.iter_modules(package.__path__)} - NOT_COMMANDS
    assert sorted(modules) == sorted(NAMES)
    assert REGISTRY.names == NAMES
    assert all(spec.name == name for spec, name in zip(SPECS, NAMES, strict=True))


def test_the_table_holds_every_command_of_the_issue() -> None:
    assert set(NAMES) == {"ack", "status", "severity", "owner", "account", "steps", "type",
                          "category", "links", "done", "skip", "take", "note", "satisfied",
                          "root_cause", "prevention"}
    assert [s.name for s in REGISTRY.answers] == ["satisfied", "root_cause", "prevention"]


def test_every_label_is_read_as_its_command() -> None:
    for spec in REGISTRY.commands:
        for label in spec.labels:
            value = {"status": "working", "severity": "2", "owner": "pat@example.com",
                     "links": "https://x.example/1"}.get(spec.name, "some text")
            found, problems = read(f"{label.title()}: {value}")
            assert problems == (), label
            assert [c.name for c in found] == [spec.name], label
        for word in spec.words:
            assert [c.name for c in read(word.upper() + ".")[0]] == [spec.name], word


def test_the_footer_help_is_the_registrys() -> None:
    assert [h.text for h in REGISTRY.help("pat@example.com", footer=True)] == [
        "ack", "Status: open | working | waiting | done", "Severity: 1-4",
        "Owner: pat@example.com", "Account: the customer's name", "Steps: ...", "Note: ..."]
    assert [h.text for h in REGISTRY.help("x@y", answers=True)] == [
        "Satisfied: yes", "Root cause: ...", "Prevention: ..."]
    every = [h.text.split(":")[0] for h in REGISTRY.help("x@y")]
    assert every == ["ack", "Status", "Severity", "Owner", "Account", "Steps", "Type",
                     "Category", "Links", "Done", "Skip", "Take", "Note"]


def test_a_command_of_its_own_registry_is_read_typo_guessed_and_listed() -> None:
    text = "ack\nFlag: Amber\nRAG: red\nFlag: purple\nStatus: working"
    found, problems = read(text, OWN)
    assert [(c.name, c.value) for c in found] == [
        ("ack", ""), ("flag", "amber"), ("flag", "red"), ("status", "working")]
    assert problems == (Problem("Flag", "'purple' — not a flag; use red, amber or green"),)
    assert typo("Flagg: red", OWN) == "Flag"
    assert "Flag: red | amber | green" in [h.text for h in OWN.help("x@y", footer=True)]
    # the parser's own registry knows no flag: the same lines are a note there
    found, problems = read("Flag: Amber", REGISTRY)
    assert [(c.name, c.value) for c in found] == [("note", "Flag: Amber")]
    assert typo("Flagg: red", REGISTRY) is None


def test_a_registry_refuses_a_name_or_label_twice_and_needs_its_free_text() -> None:
    with pytest.raises(ValueError, match="'flag' is in the registry twice"):
        Registry((*SPECS, FLAG, FLAG))
    with pytest.raises(ValueError, match="label 'sev' of 'flag' is 'severity'"):
        Registry((*SPECS, Spec("flag", "Flag: x", _flag, labels=("sev",))))
    with pytest.raises(ValueError, match="free-text command 'note'"):
        Registry(s for s in SPECS if s.name != "note")


def test_the_review_answers_are_read_by_their_specs_as_commands() -> None:
    answers = read_answers("Satisfied: Yes.\nRoot cause:\n  the nightly job\n  ran twice\n\n"
                           "Prevention: a lock")
    assert answers.commands == (
        Command("satisfied", "yes", "Satisfied: Yes."),
        Command("root_cause", "the nightly job ran twice", "Root cause:"),
        Command("prevention", "a lock", "Prevention: a lock"))
    assert (answers.satisfied, answers.root_cause) == (True, "the nightly job ran twice")
    for spelling in ("Root cause", "root-cause", "ROOTCAUSE", "Root - cause", "root--cause"):
        assert read_answers(f"{spelling}: x").root_cause == "x", spelling
    # to the line reader they are free text (the service takes them out of the note)
    assert [c.name for c in read("Root cause: the job")[0]] == ["note"]
    assert typo("Root cause: the job") is None


def test_a_registry_without_bare_words_matches_no_empty_line() -> None:
    bare = Registry(s for s in SPECS if not s.words)
    assert bare.bare.match("") is None and bare.bare.match("...") is None
    assert read("ack\n...", bare)[0] == (Command("note", "ack\n...", "ack"),)


def test_a_command_given_by_name_is_parsed_as_its_line_would_be() -> None:
    assert REGISTRY.parse("status", "Working") == (
        Command("status", "working", "Status: Working"),)
    assert REGISTRY.parse("ack", "") == (Command("ack", "", "ack"),)
    assert REGISTRY.parse("links", "see https://a.example/1 and https://a.example/2") == (
        Command("links", "https://a.example/1", "Links: see https://a.example/1 and "
                "https://a.example/2"),
        Command("links", "https://a.example/2", "Links: see https://a.example/1 and "
                "https://a.example/2"))
    assert REGISTRY.parse("satisfied", "No") == (Command("satisfied", "no", "Satisfied: No"),)
    assert REGISTRY.parse("severity", "7") == Problem("Severity", "7 — not a severity; use 1–4")
    problem = REGISTRY.parse("stauts", "done")
    assert isinstance(problem, Problem) and problem.field == "stauts"
    assert "use one of ack, status," in problem.message
    assert OWN.parse("flag", "RED") == (Command("flag", "red", "Flag: RED"),)
