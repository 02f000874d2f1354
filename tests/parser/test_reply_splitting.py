"""Where the new text of a reply ends: regressions for the splitter fixes measured on the
reply corpora (bench/reply_corpora.py). Bodies are written line by line the way the
clients (and the corpus files) write them."""

from __future__ import annotations

from parser import ParseSettings, Reply, parse
from parser.quoting import split


def _reply(body: str, sender: str = "Jane Smith <jane.smith@example.com>") -> Reply:
    raw = (
        f"From: {sender}\r\nTo: escalations@example.com\r\n"
        "Subject: RE: [ESC-3] Initech\r\nMessage-ID: <r2@example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    ).encode()
    result = parse(raw, ParseSettings())
    assert isinstance(result, Reply), result
    return result


def _commands(reply: Reply) -> list[tuple[str, str]]:
    return [(c.name, c.value) for c in reply.commands]


# Outlook (via Google Apps Sync) puts an indented rule of dashes above its *From:* block.
OUTLOOK_RULE = (
    "Outlook with a reply\n\n\n ------------------------------\n\n"
    "*From:* Google Apps Sync Team [mailto:mail-noreply@google.com]\n"
    "*Sent:* Thursday, February 09, 2012 1:36 PM\n*To:* jow@xxxx.com\n"
    "*Subject:* Google Apps Sync was updated!\n\n\n\nDear Google Apps Sync user,\n"
)


def test_outlook_rule_of_dashes_starts_the_history() -> None:
    s = split(OUTLOOK_RULE)
    assert s.new == "Outlook with a reply"
    assert s.history.startswith(" ------------------------------\n\n*From:*")


def test_outlook_rule_keeps_a_quoted_command_out() -> None:
    body = OUTLOOK_RULE.replace("Outlook with a reply", "ack").replace(
        "Dear Google Apps Sync user,", "Status: done").replace("\n", "\r\n")
    assert _commands(_reply(body)) == [("ack", "")]


def test_a_long_rule_not_above_headers_is_text() -> None:
    s = split("Status: working\n\n--------------------\nNote: rollback at 5pm\n")
    assert s.history == ""
    assert "Note: rollback at 5pm" in s.new


def test_dashed_title_without_history_words_is_text() -> None:
    body = ("Please enter your feedback below. Thank you.\n\n"
            "------------------------------------- Enter Feedback Below "
            "-------------------------------------\n\nThe user experience was great.")
    s = split(body)
    assert s.history == "" and s.new == body


def test_dashed_banners_that_say_history_still_cut() -> None:
    for banner in ("-----Original Message-----", "---- John Smith wrote ----",
                   "-----Oprindelig meddelelse-----", "--- Some title ---"):
        body = (f"ack\n\n{banner}\nFrom: a@example.com\nSent: Monday\nTo: b@example.com\n\n"
                "Status: done")
        assert split(body).new == "ack", banner


def test_trailing_spaces_are_not_part_of_the_new_text() -> None:
    s = split("Hi folks\n\nWhat is the best way to clear a bucket after \nrunning a test?\n")
    assert s.new == "Hi folks\n\nWhat is the best way to clear a bucket after\nrunning a test?"


def test_signature_alone_below_an_inline_quote_is_not_new_text() -> None:
    body = ("On Tue, Apr 29, 2014 at 4:22 PM, Example Dev <sugar@example.com>wrote:\n\n"
            "> okay.  Well, here's some stuff I can write.\n>\n\n"
            "I will reply under this one\n\n>\n> okay?\n>\n\n\n--\n"
            "Hey there, this is my signature\n")
    s = split(body)
    assert s.new == ""
    assert s.signature == "--\nHey there, this is my signature"


def test_attribution_broken_by_a_quoted_printable_soft_break() -> None:
    body = ("I have sent an invite for 10:30am Monday PDT (today).  I\nhope you can join.\n\n"
            "Regards,\n\nChristopher Edwards\n\n\n"
            "On Mon, Jun 3, 2024 at 12:53=E2=80=AFAM Cody Hart <omerritt@example.com> w=\n"
            "rote:\n\n> Hi Christopher Edwards,\n>\n> Status: done\n")
    s = split(body)
    assert s.new == "I have sent an invite for 10:30am Monday PDT (today).  I\nhope you can join."
    assert s.signature == "Regards,\n\nChristopher Edwards"
    assert s.history.startswith("On Mon, Jun 3, 2024") and "Status: done" not in s.new


def test_signature_opening_with_the_senders_name() -> None:
    body = ("Thanks Sasha, I can't go any higher and is why I limited it to the\n"
            "homepage.\n\nStavros Xxxxxx\nvia mobile\n")
    assert split(body).signature == ""  # no sender known: nothing to go by
    s = split(body, "Stavros Xxxxxx")
    assert s.signature == "Stavros Xxxxxx\nvia mobile"
    assert s.new.endswith("homepage.")


def test_sender_signature_from_the_address_and_below_a_rule() -> None:
    s = split("Body text here.\n\n#sig#John E. Doe, Ph.D.\n#sig#President\n"
              "#sig#john@example.com\n", "john@example.com")
    assert s.new == "Body text here." and s.signature.startswith("#sig#John E. Doe")
    s = split("Body text here.\n\n----------------\n\nAM_LOGO_CLR\n\nMe John Doe\n\n"
              "t. 555-931-0702\n\nhttp://example.com/\n", "John Doe <jd@example.com>")
    assert s.new == "Body text here." and s.signature.startswith("----------------")


def test_senders_name_in_running_text_is_not_a_signature() -> None:
    body = ("Status: done\n\nJane Smith will take it from here and follow up with the customer "
            "about the refund on Friday.\n")
    assert split(body, "Jane Smith <jane.smith@example.com>").signature == ""
    body = "Status: done\n\nJane Smith\nDirector, Customer Success\n" + "x" * 120 + "\n"
    assert split(body, "Jane Smith <jane.smith@example.com>").signature == ""


def test_reply_signature_with_the_senders_name_adds_no_note() -> None:
    r = _reply("Status: done\r\n\r\nJane Smith\r\nDirector, Customer Success\r\n"
               "+1 555 0100\r\n")
    assert _commands(r) == [("status", "done")]
    assert "Jane Smith" not in r.text


def test_a_command_below_the_senders_name_is_not_signature() -> None:
    r = _reply("ack\r\n\r\nJane to own it from here.\r\nStatus: working\r\n")
    assert _commands(r) == [
        ("ack", ""), ("status", "working"), ("note", "Jane to own it from here.")]
