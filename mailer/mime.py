"""The MIME encoders an outgoing email needs, written straight to wire form (RFC 2045-2047).

email.policy.default turns every header into an object by parsing it, and parses it again
when the message is serialised: 2-5 ms per email, the outbox's largest cost. The values
here are already clean (one line, no control characters), so they are encoded once, by
rules simple enough to check: RFC 2047 encoded words only for the words that need them,
folding at spaces under MAX_LINE, bodies through binascii's quoted-printable or base64.
"""

from __future__ import annotations

import binascii
import re
from email.charset import Charset

MAX_LINE = 78  # RFC 5322's "SHOULD"; 998 is the hard limit, never reached from here
CRLF = "\r\n"
_UTF8 = Charset("utf-8")
_WORD_MAX = 75  # RFC 2047: an encoded word is at most 75 characters
_SPECIALS = re.compile(r'[][\\()<>@,:;".]')  # a display name with these is quoted
_QUOTED = re.compile(r'[\\"]')
_NOT_7BIT = re.compile(rb"[^\t\n\x20-\x7e]")  # controls or 8-bit: needs an encoding


def needs_encoding(word: str) -> bool:
    """Non-ASCII, or ASCII that a reader would take for an encoded word."""
    return not word.isascii() or "=?" in word


def encoded_words(text: str) -> list[str]:
    """`text` as RFC 2047 UTF-8 encoded words (q or b, whichever is shorter), each <= 75."""
    return [w for w in _UTF8.header_encode_lines(text, iter(lambda: _WORD_MAX, None)) if w]


def unstructured(text: str, *, utf8: bool) -> list[str]:
    """A Subject-like value as words to fold: runs of words that need it encoded together.

    Under SMTPUTF8 (RFC 6532) UTF-8 goes as it is; encoded words then only hide text
    that looks like one. Consecutive encoded words must be one run: a reader drops the
    space between two encoded words, not between an encoded word and plain text.
    """
    out: list[str] = []
    run: list[str] = []
    for word in text.split(" "):
        if "=?" in word or (not utf8 and not word.isascii()):
            run.append(word)
            continue
        if run:
            out.extend(encoded_words(" ".join(run)))
            run = []
        out.append(word)
    if run:
        out.extend(encoded_words(" ".join(run)))
    return out


def address(name: str, addr_spec: str, *, utf8: bool) -> str:
    """'Name <a@b.example>' for a header: a non-ASCII name encoded unless under SMTPUTF8,
    a name with specials quoted, a non-ASCII domain in IDNA unless under SMTPUTF8."""
    if not utf8 and not addr_spec.isascii():
        local, _, domain = addr_spec.rpartition("@")
        try:
            addr_spec = f"{local}@{domain.encode('idna').decode('ascii')}"
        except UnicodeError:  # not a valid IDN: only SMTPUTF8 can carry it as it is
            pass
    if not name:
        return addr_spec
    if needs_encoding(name) and (not utf8 or "=?" in name):
        return f"{' '.join(encoded_words(name))} <{addr_spec}>"
    if _SPECIALS.search(name):
        name = '"' + _QUOTED.sub(r"\\\g<0>", name) + '"'
    return f"{name} <{addr_spec}>"


def fold(name: str, words: list[str]) -> str:
    """'Name: words' as header lines under MAX_LINE, broken at spaces, ending in CRLF.

    The line break replaces a space: unfolding (removing the CRLF) gives the value back.
    A single word longer than a line stays whole.
    """
    lines: list[str] = []
    line = name + ":"
    for word in words:
        if len(line) + 1 + len(word) > MAX_LINE and line != name + ":":
            lines.append(line)
            line = ""
        line += " " + word
    lines.append(line)
    return CRLF.join(lines) + CRLF


def text_part(text: str, subtype: str) -> tuple[str, bytes]:
    """(Content-Type and Content-Transfer-Encoding header lines, body) for text/`subtype`.

    Short-lined ASCII goes as 7bit; anything else as quoted-printable, or as base64 when
    that is shorter (mostly non-Latin text). Line ends become CRLF, a last one is added.
    """
    data = text.encode("utf-8", "replace").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not data.endswith(b"\n"):
        data += b"\n"
    if not _NOT_7BIT.search(data) and max(map(len, data.split(b"\n"))) <= MAX_LINE:
        cte, body = "7bit", data
    else:
        cte, body = "quoted-printable", binascii.b2a_qp(data, istext=True)
        if len(body) > len(data) * 4 // 3 + len(data) // 57 + 2:
            cte, body = "base64", b"".join(binascii.b2a_base64(data[i:i + 57])
                                           for i in range(0, len(data), 57))
    head = (f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
            f"Content-Transfer-Encoding: {cte}{CRLF}")
    return head, body.replace(b"\n", b"\r\n")
