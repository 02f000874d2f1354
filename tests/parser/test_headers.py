"""Headers as clients write them: From/To/Cc split into addresses before any encoded word
is decoded ("Müller, Bernd" stays a name, "vp@…" in a name is never an address), raw
UTF-8 addresses (RFC 6532), and encoded words under the one charset policy."""

from __future__ import annotations

from parser import Ignored, Intake, ParseSettings, Reply, parse

from .conftest import parse_file

SETTINGS = ParseSettings(mailbox_address="escalations@example.com",
                         message_id_domain="example.com", internal_domains=("example.com",))


def _raw(from_: bytes, subject: bytes = b"Escalation: Acme Corp - Login failures",
         extra: bytes = b"", body: bytes = b"Issue: SSO fails for every user\r\n") -> bytes:
    return (b"From: " + from_ + b"\r\nTo: Escalations <escalations@example.com>\r\n"
            b"Subject: " + subject + b"\r\nDate: Wed, 5 Mar 2025 08:41:16 +0000\r\n"
            b"Message-ID: <h-1@mail.example.com>\r\n" + extra +
            b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body)


def test_exchange_last_first_name_in_an_encoded_word_is_one_name() -> None:
    r = parse_file("exchange_last_first_from.eml", SETTINGS)
    assert isinstance(r, Intake), r
    assert r.envelope.sender == "bernd.muller@example.com"
    assert r.envelope.sender_name == "Müller, Bernd"
    assert r.envelope.cc == ("lea.francois@example.com", "marco.ruiz@example.com")
    assert r.envelope.subject == (
        "Escalation: Initech – Export jobs failing since the 5.2 upgrade")
    assert (r.account, r.summary) == ("Initech", "Export jobs failing since the 5.2 upgrade")


def test_utf8_q_word_with_an_encoded_comma() -> None:
    r = parse(_raw(b"=?utf-8?Q?M=C3=BCller=2C_Bernd?= <bernd.muller@example.com>"), SETTINGS)
    assert isinstance(r, Intake), r
    assert (r.envelope.sender, r.envelope.sender_name) == (
        "bernd.muller@example.com", "Müller, Bernd")


def test_an_address_inside_an_encoded_display_name_is_never_the_sender() -> None:
    for from_ in (b"=?utf-8?q?vp-cs=40example.com?= <attacker@evil.example>",
                  b"=?utf-8?B?dnAtY3NAZXhhbXBsZS5jb20=?= <attacker@evil.example>",
                  b"=?utf-8?q?=3Cvp-cs=40example.com=3E?= <attacker@evil.example>",
                  b'"vp-cs@example.com" <attacker@evil.example>'):
        r = parse(_raw(from_), SETTINGS)
        assert isinstance(r, Ignored), (from_, r)
        assert r.envelope.sender == "attacker@evil.example"
        assert r.reason == "outsider attacker@evil.example"


def test_an_encoded_word_standing_for_the_whole_address_gives_no_sender() -> None:
    r = parse(_raw(b"=?utf-8?q?vp-cs=40example.com?="), SETTINGS)
    assert isinstance(r, Ignored) and r.envelope.sender == ""


def test_raw_utf8_address_rfc6532_intake_and_reply() -> None:
    from_ = "Jörg Groß <jörg.groß@example.com>".encode()
    r = parse(_raw(from_), SETTINGS)
    assert isinstance(r, Intake), r
    assert (r.envelope.sender, r.envelope.sender_name) == ("jörg.groß@example.com", "Jörg Groß")
    reply = parse(_raw(from_, b"Re: [ESC-7] Acme Corp - Login failures",
                       b"In-Reply-To: <esc-7.ack.1a2b@example.com>\r\n",
                       b"Status: working\r\n"), SETTINGS)
    assert isinstance(reply, Reply), reply
    assert reply.envelope.sender == "jörg.groß@example.com"
    assert [c.name for c in reply.commands] == ["status"]


def test_cc_list_with_encoded_and_quoted_last_first_names() -> None:
    extra = (b"Cc: =?utf-8?Q?Fran=C3=A7ois=2C_L=C3=A9a?= <lea@example.com>,\r\n"
             b" \"Ruiz, Marco\" <marco@example.com>, plain@example.com,\r\n"
             b" =?utf-8?q?=3Cnot-me=40example.com=3E?= <real@example.com>\r\n")
    r = parse(_raw(b"Dana <dana@example.com>", extra=extra), SETTINGS)
    assert isinstance(r, Intake)
    assert r.envelope.cc == (
        "lea@example.com", "marco@example.com", "plain@example.com", "real@example.com")


def test_quoted_name_holding_an_address_is_not_a_cc() -> None:
    extra = b'Cc: "<vp@example.com>" <x@example.com>, Bo <bo@example.com>\r\n'
    r = parse(_raw(b"Dana <dana@example.com>", extra=extra), SETTINGS)
    assert isinstance(r, Intake) and r.envelope.cc == ("x@example.com", "bo@example.com")


def test_iso_2022_jp_subject_with_nec_extensions() -> None:
    # "①㈱サンプル" as Japanese Outlook writes it: NEC row 13 under ESC $ B
    word = b"=?ISO-2022-JP?B?GyRCLSEtaiU1JXMlVyVrGyhC?="
    r = parse(_raw(b"Taro <taro@example.com>", b"Escalation: " + word + b" - Login"),
              SETTINGS)
    assert isinstance(r, Intake), r
    assert r.envelope.subject == "Escalation: ①㈱サンプル - Login"
    assert r.account == "①㈱サンプル"


def test_iso_2022_jp_display_name_with_ibm_extension() -> None:
    # 髙橋 (the IBM-extension 髙, as in many family names)
    r = parse(_raw(b"=?ISO-2022-JP?B?GyRCfGI2NhsoQg==?= <takahashi@example.com>"), SETTINGS)
    assert isinstance(r, Intake) and r.envelope.sender_name == "髙橋"


def test_gb2312_label_read_as_gb18030_in_headers() -> None:
    # 朱镕基: 镕 is outside GB2312; Chinese clients still label the text gb2312
    word = b"=?gb2312?B?" + __import__("base64").b64encode("朱镕基".encode("gb18030")) + b"?="
    r = parse(_raw(word + b" <zhu@example.com>"), SETTINGS)
    assert isinstance(r, Intake) and r.envelope.sender_name == "朱镕基"


def test_a_character_split_over_two_encoded_words() -> None:
    # "–" (E2 80 93) cut between two words, as some mailers fold long subjects
    subject = b"=?utf-8?Q?Escalation:_Acme_=E2=80?=\r\n =?utf-8?Q?=93_Login?="
    r = parse(_raw(b"Dana <dana@example.com>", subject), SETTINGS)
    assert isinstance(r, Intake) and r.envelope.subject == "Escalation: Acme – Login"


def test_text_around_encoded_words_keeps_its_spaces() -> None:
    subject = b"Re: =?utf-8?q?Caf=C3=A9?= Renee =?utf-8?q?=E2=80=93?= Login"
    r = parse(_raw(b"Dana <dana@example.com>", b"Escalation: " + subject), SETTINGS)
    assert r.envelope.subject == "Escalation: Re: Café Renee – Login"


def test_raw_8bit_windows_1252_subject_and_malformed_word() -> None:
    subject = b"Escalation: Caf\xe9 Ren\xe9e =?utf-8?q?broken - Login"
    r = parse(_raw(b"Dana <dana@example.com>", subject), SETTINGS)
    assert r.envelope.subject == "Escalation: Café Renée =?utf-8?q?broken - Login"


def test_iso_2022_jp_body_with_nec_and_ibm_extensions() -> None:
    # Japanese Outlook: 7-bit ISO-2022-JP carrying CP932's rows (①, ㈱, 髙)
    body = (b"ACCOUNT: \x1b$B-j%5%s%W%k\x1b(B\r\nSEVERITY: 2\r\n"
            b"ISSUE SUMMARY: \x1b$B-!|b66MM$N\x1b(BPDF\x1b$B$,J8;z2=$1$9$k\x1b(B\r\n")
    raw = (b"From: Taro <taro@example.com>\r\nTo: escalations@example.com\r\n"
           b"Subject: =?ISO-2022-JP?B?GyRCJSglOSUrJWwhPCU3JWclcxsoQg==?=\r\n"
           b"Message-ID: <jp-ext@example.com>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=ISO-2022-JP\r\n"
           b"Content-Transfer-Encoding: 7bit\r\n\r\n" + body)
    r = parse(raw, SETTINGS)
    assert isinstance(r, Intake), r
    assert (r.account, r.severity) == ("㈱サンプル", 2)
    assert r.summary == "①髙橋様のPDFが文字化けする"


def test_damaged_iso_2022_jp_keeps_every_readable_character() -> None:
    from parser.charsets import decode_bytes

    damaged = b"a \x1b$B-!(\x1b(B b \x1b$B\x7f\x7f-!\x1b(B c"  # a cut pair, a bad pair
    assert decode_bytes(damaged, "ISO-2022-JP") == "a ①\ufffd b \ufffd① c"
    assert decode_bytes("① in UTF-8".encode(), "iso-2022-jp") == "① in UTF-8"  # mislabelled
