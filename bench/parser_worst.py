"""How long does parse() take on the inputs that were slow (issue 11 item 12), and on the
largest messages it reads? CPU seconds per message, one process.

    python bench/parser_worst.py [--size-mb 5]
"""

from __future__ import annotations

import argparse
import quopri
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parser import ParseSettings, parse  # noqa: E402

SETTINGS = ParseSettings(internal_domains=("example.com",))


def _raw(subject: bytes, body: bytes, sender: bytes = b"Dana <dana@example.com>",
         ctype: bytes = b"text/plain", cte: bytes = b"8bit") -> bytes:
    return (b"From: " + sender + b"\r\nTo: escalations@example.com\r\nSubject: " + subject +
            b"\r\nMessage-ID: <w-1@mail.example.com>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: " + ctype + b"; charset=utf-8\r\nContent-Transfer-Encoding: " +
            cte + b"\r\n\r\n" + body)


def cases(mb: int) -> dict[str, bytes]:
    size = mb * 1024 * 1024
    words = b"\r\n ".join([b"=?utf-8?q?" + b"_" * 60 + b"?="] * 350)
    return {
        "10 KB of spaces, then ':'": _raw(b"Escalation: Acme - x",
                                          b"Issue: x\r\n" + b" " * 10240 + b":\r\n"),
        "42 KB quoted-printable spaces": _raw(
            b"Re: [ESC-1] x", quopri.encodestring(b"ack" + b" " * 42000 + b":"),
            cte=b"quoted-printable"),
        "25 KB folded encoded subject": _raw(b"Escalation: Acme" + words + b"x", b"Issue: x"),
        "160 KB of esc-1. in a bounce": _raw(b"Undelivered Mail Returned to Sender",
                                             b"esc-1." * 27000,
                                             sender=b"MAILER-DAEMON@mx.example.net"),
        "100 KB of '>' and of '-'": _raw(b"Re: [ESC-1] x",
                                         b"ack\r\n" + b">" * 102400 + b"\r\n" + b"-" * 102400),
        f"{mb} MB plain text": _raw(b"Escalation: Acme - x",
                                    b"Issue: x\r\n" + (b"word " * 19 + b"\r\n") * (size // 100)),
        f"{mb} MB HTML intake": _raw(b"Escalation: Acme - x",
                                     b"<div><span>Issue: x</span></div>" * (size // 34),
                                     ctype=b"text/html"),
        f"{mb} MB HTML reply": _raw(b"Re: [ESC-1] x", b"<div><span>ack</span></div>"
                                    * (size // 28), ctype=b"text/html"),
        f"{mb} MB bounce": _raw(b"Undelivered Mail Returned to Sender",
                                (b"esc-1." * 16 + b"\r\n") * (size // 98),
                                sender=b"MAILER-DAEMON@mx.example.net"),
    }


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--size-mb", type=int, default=5)
    for name, raw in cases(args.parse_args().size_mb).items():
        parse(raw, SETTINGS)  # warm: patterns compiled once per process
        start = time.process_time()
        result = parse(raw, SETTINGS)
        print(f"  {name:34} {time.process_time() - start:6.3f} s  {type(result).__name__}")


if __name__ == "__main__":
    main()
