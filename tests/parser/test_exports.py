"""The public surface of `parser` is a contract: one entry point and its result types."""

import parser


def test_all_is_pinned() -> None:
    assert parser.__all__ == [
        "Attachment", "Command", "Envelope", "Ignored", "Intake", "ParseSettings",
        "Problem", "Rejection", "Reply", "Result", "parse",
    ]


def test_every_exported_name_exists() -> None:
    for name in parser.__all__:
        assert hasattr(parser, name), name
