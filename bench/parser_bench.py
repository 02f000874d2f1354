"""How many messages a second does parse() read, beside the bare standard-library parse
of the same bytes (compat32 and policy.default)? One core, one process.

    .venv/bin/python bench/parser_bench.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parser import Intake, ParseSettings, parse  # noqa: E402

EMAILS = ROOT / "tests" / "emails"


def _multipart_3kb() -> bytes:
    """The Gmail seed-004 email, padded with a Cc list and a signature to about 3 KB."""
    raw = (EMAILS / "seed004_gmail.eml").read_bytes()
    cc = b"Cc: " + b", ".join(b"Person %d <person%d@example.com>" % (i, i) for i in range(12))
    raw = raw.replace(b"Cc: Marco Ruiz <marco.ruiz@example.com>", cc, 1)
    return raw.replace(b"Best,\r\nDana\r\n", b"Best,\r\nDana\r\n" + b"-- \r\nDana Whitfield | "
                       b"Senior CSM | Example Inc. | +1 555 0100\r\n" * 6, 1)


def _rate(label: str, fn: Callable[[bytes], object], raw: bytes, seconds: float) -> float:
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(20):
            fn(raw)
        count += 20
    rate = count / (time.perf_counter() - start)
    print(f"  {label:36} {rate:9,.0f} msgs/s")
    return rate


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--seconds", type=float, default=2.0)
    seconds = args.parse_args().seconds
    settings = ParseSettings()
    cases = {
        "multipart/alternative seed-004": (_multipart_3kb(), 1000),
        "Outlook desktop HTML-only": (
            (EMAILS / "outlook_desktop_html_table.eml").read_bytes(), 300),
    }
    for name, (raw, target) in cases.items():
        assert isinstance(parse(raw, settings), Intake), name
        print(f"{name} ({len(raw):,} bytes; target {target:,}/s)")
        ours = _rate("parser.parse", lambda b: parse(b, settings), raw, seconds)
        _rate("email.message_from_bytes compat32", email.message_from_bytes, raw, seconds)
        _rate("email.message_from_bytes default", lambda b: email.message_from_bytes(
            b, policy=email.policy.default), raw, seconds)
        print(f"  {'meets target' if ours >= target else 'BELOW TARGET'}")


if __name__ == "__main__":
    main()
