"""How well does each reply splitter find the new text of a reply? Scores Escalator's own
splitter (parser.quoting + parser.html) and the two maintained libraries installed
(email-reply-parser, mail-parser-reply) on the four reply corpora's expectations.json.

Every corpus states its expectations in its own library's model (fragments, replies[i]).
Each check is translated into one question about the three parts every splitter yields:
`new` (the sender's text without signature), `signature`, and `history` (the quoted or
forwarded message); `reply` is new + signature as they stood. Checks about a library's
internal structure (fragment counts and flags, ML features, sender heuristics, options)
have no such translation and are counted as "n/a", listed per corpus.

A few checks do translate but measure a behaviour Escalator deliberately does not have
(DESIGN.md, "Reply commands": commands are read from the new text at the TOP of a reply,
above the quoted original, never from quoted or forwarded history). They are counted as
"n/a" too, by a rule on the check and its input (never on our output), and the rule's
one-line reason is printed with the results: see NOT_OUR_BEHAVIOUR.

    .venv/bin/python bench/reply_corpora.py [--verbose] [--corpora DIR]
"""

from __future__ import annotations

import argparse
import email
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from email import iterators
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parser import quoting  # noqa: E402
from parser.html import to_text  # noqa: E402


@dataclass
class Parts:
    new: str
    signature: str
    history: str
    reply: str


Splitter = Callable[[str], Parts]


def own(text: str, sender: str = "") -> Parts:
    split = quoting.split(text, sender)
    return Parts(split.new, split.signature, split.history, split.reply)


def own_html(html: str) -> Parts:
    return own(to_text(html, cut_quote=True))


def github_port(text: str) -> Parts:
    from email_reply_parser import EmailReplyParser

    fragments = EmailReplyParser.read(text).fragments
    new = [f.content for f in fragments if not (f.hidden or f.quoted or f.signature)]
    sig = [f.content for f in fragments if f.signature and not f.quoted]
    hist = [f.content for f in fragments if f.quoted or (f.hidden and not f.signature)]
    reply = [f.content for f in fragments if not (f.hidden or f.quoted)]
    return Parts("\n".join(new).strip(), "\n".join(sig).strip(), "\n".join(hist).strip(),
                 "\n".join(reply).strip())


def alfonsrv(text: str) -> Parts:
    from mailparser_reply import EmailReplyParser

    languages = ["en", "de", "da", "nl", "ja", "pl", "sv", "fr", "it", "es"]
    replies = EmailReplyParser(languages=languages).read(text).replies
    if not replies:
        return Parts("", "", "", "")
    first = replies[0]
    return Parts(first.body.strip(), first.signatures.strip(),
                 "\n".join(r.content for r in replies[1:]), first.content.strip())


# Only our splitter takes the sender (talon's signature checks give one); the libraries
# are scored on the text alone, as their own tests run them.
SENDER_AWARE: dict[Splitter, Callable[[str, str], Parts]] = {own: own}

SPLITTERS: dict[str, tuple[Splitter, Splitter]] = {
    "own (parser.quoting)": (own, own_html),
    "email-reply-parser": (github_port, lambda h: github_port(to_text(h))),
    "mail-parser-reply": (alfonsrv, lambda h: alfonsrv(to_text(h))),
}

NO_WS = re.compile(r"\s+")

# Check kinds that measure a behaviour Escalator deliberately does not have; each reason
# must be defensible from DESIGN.md ("Reply commands").
BELOW_QUOTE = "visible text at or below the first quoted block"
FORWARD_KEPT = "a forwarded message kept as part of the reply"
NOT_OUR_BEHAVIOUR = {
    BELOW_QUOTE: "bottom-posted/interleaved replies: the check wants text at or below the "
                 "first quote visible; DESIGN.md reads commands only from the text above "
                 "the quoted original",
    FORWARD_KEPT: "the library leaves a forwarded message in the reply; Escalator reads "
                  "the forwarder's note as new text and the forwarded message as history "
                  "(DESIGN.md: intake 'forwarded or not'; commands never from history)",
}


def _html_text(html: str) -> str:
    return NO_WS.sub("", to_text(html))


class Scorer:
    def __init__(self, corpus: Path, plain: Splitter, html: Splitter) -> None:
        self.corpus = corpus
        self.plain = plain
        self.html = html
        self.cache: dict[tuple[str, str], Parts] = {}
        self.results: Counter[str] = Counter()
        self.na: Counter[str] = Counter()
        self.failures: list[str] = []

    def parts(self, key: str, text: str, html: bool = False) -> Parts:
        if (key, str(html)) not in self.cache:
            self.cache[(key, str(html))] = (self.html if html else self.plain)(text)
        return self.cache[(key, str(html))]

    def record(self, name: str, op: str, ok: bool, detail: str = "") -> None:
        self.results["pass" if ok else "fail"] += 1
        if not ok:
            self.failures.append(f"{name} [{op}] {detail}"[:300])


def _quoted_line(text: str) -> int | None:
    """Offset of the input's first '>'-quoted line."""
    match = re.search(r"^[ \t]*>", text, re.M)
    return match.start() if match else None


def _below_first_quote(text: str, needle: str) -> bool:
    """The needle occurs in the input only below its first '>'-quoted line."""
    first, at = _quoted_line(text), text.find(needle)
    return first is not None and at > first


def _read(path: Path, newline: str | None = None) -> str:
    with open(path, encoding="utf-8", newline=newline) as handle:
        return handle.read()


def score_fragment_corpus(s: Scorer, expectations: dict[str, Any], keep_crlf: bool) -> None:
    """github-email_reply_parser and zapier-email-reply-parser: the fragment model."""
    for name, entry in expectations["emails"].items():
        text = _read(s.corpus / "emails" / name, "" if keep_crlf else None)
        flags: dict[str, list[bool]] = {}
        for check in entry["checks"]:
            if check["op"] == "fragment_flags":
                flags[check["flag"]] = check["equals"]
        hidden = flags.get("hidden")
        if hidden is None and ("quoted" in flags or "signature" in flags):
            q, g = flags.get("quoted", []), flags.get("signature", [])
            hidden = [a or b for a, b in zip(q or g, g or q, strict=False)]
        quoted = flags.get("quoted", [])
        first_quoted = quoted.index(True) if True in quoted else None
        for check in entry["checks"]:
            op = check["op"]
            if op == "read_completes_within_seconds":
                start = time.perf_counter()
                s.plain(text)
                s.record(name, op, time.perf_counter() - start < check["seconds"])
                continue
            p = s.parts(name, text)
            if op == "parse_reply_equals":
                s.record(name, op, p.new == check["text"].rstrip(), repr(p.new[:120]))
            elif op == "reply_stripped_equals":
                s.record(name, op, p.new.strip() == check["text"], repr(p.new[:120]))
            elif op == "reply_contains" and _below_first_quote(text, check["substring"]):
                s.na[f"{op} ({BELOW_QUOTE})"] += 1
            elif op == "reply_contains":
                s.record(name, op, check["substring"] in p.new, check["substring"])
            elif op == "parse_reply_not_contains":
                s.record(name, op, check["substring"] not in p.new, check["substring"])
            elif op in ("fragment_matches", "fragment_contains", "fragment_equals",
                        "fragment_startswith") and hidden is not None:
                index = check["index"]
                if index >= len(hidden):
                    s.na[op] += 1
                    continue
                visible = not hidden[index]
                if visible and first_quoted is not None and index >= first_quoted:
                    s.na[f"{op} ({BELOW_QUOTE})"] += 1
                    continue
                needle = check.get("regex") or check.get("substring") or check.get("text") \
                    or check.get("prefix") or ""
                # a visible fragment must be in the new text, a hidden one in what we hide
                # (signature or history): "not in new" would fail a hidden "--" whenever the
                # new text also happens to contain "--"
                where = p.new if visible else f"{p.signature}\n{p.history}"
                if op == "fragment_matches":
                    found = re.search(needle, where, re.M) is not None
                else:
                    found = "\n".join(line.rstrip() for line in needle.strip().split("\n")) \
                        in where
                s.record(name, f"{op} (visible={visible})", found,
                         f"{needle[:60]!r} in {'new' if visible else 'hidden'}={found}")
            else:
                s.na[op] += 1
    for case in expectations.get("non_fixture_tests", []):
        if case["op"] == "parse_reply_equals":
            s.record(case["test"], case["op"], s.plain(case["input"]).new == case["text"])


def score_alfonsrv(s: Scorer, expectations: dict[str, Any]) -> None:
    for name, entry in expectations["emails"].items():
        text = _read(s.corpus / "emails" / name)
        p = s.parts(name, text)
        for check in entry["checks"]:
            op, index, field = check["op"], check.get("index", 0), check.get("field", "")
            if check.get("options") or "david" in check.get("languages", []):
                s.na[op + " (library option or custom vocabulary)"] += 1
                continue
            needle = check.get("substring") or check.get("text") or check.get("prefix") or ""
            if op == "replies_count":
                s.record(name, op, bool(p.history.strip()) == (check["equals"] > 1),
                         f"history={bool(p.history.strip())}")
            elif op == "latest_reply_line_count":
                s.record(name, op, len(p.reply.split("\n")) == check["equals"])
            elif index >= 1 and op in ("reply_field_contains", "reply_field_equals"):
                s.record(name, f"{op} older",
                         NO_WS.sub("", needle) in NO_WS.sub("", p.history), needle[:60])
            elif index >= 1:
                s.na[op + " (older reply's internal fields)"] += 1
            elif field == "signatures":
                if op == "reply_field_contains":
                    ok = needle in p.signature and needle not in p.new
                elif op == "reply_field_not_contains":
                    ok = needle not in p.signature
                elif op == "reply_field_equals":
                    ok = p.signature == needle
                else:
                    ok = p.signature.startswith(needle)
                s.record(name, f"{op} signatures", ok, f"{needle[:60]!r} sig={p.signature[:80]!r}")
            elif field in ("body", "content"):
                target = p.new if field == "body" else p.reply
                if op == "reply_field_contains":
                    ok = needle in target
                elif op == "reply_field_not_contains":
                    ok = needle not in target
                elif op == "reply_field_equals":
                    ok = target == needle
                else:
                    ok = target.startswith(needle)
                s.record(name, f"{op} {field}", ok, f"{needle[:60]!r} got={target[:100]!r}")
            else:
                s.na[op] += 1


def _first_plain(path: Path) -> str:
    with open(path) as handle:
        msg = email.message_from_file(handle)
    text = ""
    for part in iterators.typed_subpart_iterator(msg, subtype="plain"):
        for sub in part.walk():
            payload = sub.get_payload(decode=True)
            if isinstance(payload, bytes):
                text += payload.decode("utf8")
        break
    return text


FORWARDED = re.compile(r"forwarded\s*message", re.I)


def score_talon(s: Scorer, expectations: dict[str, Any]) -> None:
    fixtures = s.corpus / "fixtures"
    for name, entry in expectations["emails"].items():
        for check in entry["checks"]:
            op = check["op"]
            if op == "plain_reply_equals":
                p = s.parts(name, _first_plain(fixtures / name))
                s.record(name, op, p.reply == check["expected"], repr(p.reply[:120]))
            elif op in ("plain_reply_non_empty", "plain_reply_not_contains"):
                p = s.parts(name + "#whole", _read(fixtures / name))
                ok = bool(p.reply) if op == "plain_reply_non_empty" else (
                    check["substring"] not in p.reply)
                s.record(name, op, ok, repr(p.reply[:120]))
            elif op in ("html_reply_as_text_equals", "html_reply_equals"):
                p = s.parts(name, _read(fixtures / name), html=True)
                expected = check["expected"]
                if op == "html_reply_equals":
                    expected = _html_text(expected)
                s.record(name, op, NO_WS.sub("", p.reply) == NO_WS.sub("", expected),
                         repr(p.reply[:120]))
            elif op == "signature_extract":
                sender_path = fixtures / name.replace("_body", "_sender")
                sender = _read(sender_path).strip() if sender_path.exists() else ""
                body = _read(fixtures / name)
                aware = SENDER_AWARE.get(s.plain)
                p = aware(body, sender) if aware else s.parts(name, body)
                s.record(name, op, p.new.strip() == check["expected_text"], repr(p.new[-120:]))
            else:
                s.na[op] += 1
    for case in expectations["inline_cases"]["cases"]:
        if FORWARDED.search(case["expected"]):
            s.na[f"inline {case['function']} ({FORWARD_KEPT})"] += 1
            continue
        if case["function"] == "extract_from_html":
            p = s.html(case["input"])
            got, want = NO_WS.sub("", p.reply), _html_text(case["expected"])
        else:
            p = s.plain(case["input"])
            got, want = p.reply, case["expected"]
            if case.get("comparison") == "whitespace_removed":
                got = NO_WS.sub("", got)
        s.record(case["test"], "inline " + case["function"], got == want, repr(got[:120]))


COMMON = re.compile(r"const COMMON_FIRST_FRAGMENT = '((?:[^'\\]|\\.)*)';", re.S)
TEST_FUNCTION = re.compile(r"export function (\w+)\(test\)\s*\{(.*?)\n\}", re.S)
GET_EMAIL = re.compile(r'get_email\("([\w-]+)"\)')
JS_STRING = r'"((?:[^"\\]|\\.)*)"'
FIRST_EQUALS = re.compile(
    rf"test\.equal\((COMMON_FIRST_FRAGMENT|{JS_STRING}),\s*(?:fragments\[0\]|\w+)"
    r"(?:\.toString\(\))?(?:\.trim\(\))?\)")
VISIBLE_EQUALS = re.compile(rf"test\.equal\({JS_STRING},\s*email\.getVisibleText\(\)\)")
FIRST_MATCHES = re.compile(r"test\.equal\(true,\s*/((?:[^/\\\n]|\\.)+)/(\w*)\.test\("
                           r"fragments\[0\](?:\.toString\(\))?\)\)")


def _js(text: str) -> str:
    return str(json.loads('"' + text.replace("\\\n", "") + '"'))


def score_crisp(s: Scorer, _: dict[str, Any]) -> None:
    """crisp-oss/email-reply-parser (a clone): the checks of test/test.js on fragment 0
    (the reply without its signature) and getVisibleText, read from the file itself."""
    source = (s.corpus / "test" / "test.js").read_text()
    match = COMMON.search(source)
    common = _js(match.group(1)) if match else ""
    for name, body in TEST_FUNCTION.findall(source):
        found = GET_EMAIL.search(body)
        path = s.corpus / "test" / "fixtures" / f"{found.group(1)}.txt" if found else None
        if path is None or not path.exists():
            s.na["inline or missing fixture"] += 1
            continue
        p = s.parts(path.name, _read(path))
        checks = 0
        for first in FIRST_EQUALS.finditer(body):
            expected = common if first.group(1) == "COMMON_FIRST_FRAGMENT" else _js(first.group(2))
            trimmed = ".trim()" in first.group(0)
            got = p.new.strip() if trimmed else p.new
            want = expected.strip() if trimmed else expected.rstrip()
            s.record(name, "first fragment equals", got == want, repr(got[:100]))
            checks += 1
        for visible in VISIBLE_EQUALS.finditer(body):
            want = _js(visible.group(1))
            s.record(name, "visible text equals", p.new.strip() == want.strip(), repr(p.new[:100]))
            checks += 1
        for regex in FIRST_MATCHES.finditer(body):
            flags = re.M if "m" in regex.group(2) else 0
            ok = re.search(regex.group(1), p.reply, flags) is not None
            s.record(name, "first fragment matches", ok, regex.group(1)[:60])
            checks += 1
        if not checks:
            s.na["fragment structure only"] += 1


# corpora outside the repository (their licence or size): a clone under --extra, by name
EXTRA = {"crisp-oss-email-reply-parser": score_crisp}

CORPORA = {
    "github-email_reply_parser": lambda s, e: score_fragment_corpus(s, e, keep_crlf=True),
    "zapier-email-reply-parser": lambda s, e: score_fragment_corpus(s, e, keep_crlf=False),
    "alfonsrv-mail-parser-reply": score_alfonsrv,
    "mailgun-talon": score_talon,
}


def run(corpora: Path, only: str | None = None,
        extra: Path | None = None) -> dict[str, dict[str, Scorer]]:
    table: dict[str, dict[str, Scorer]] = {}
    sources: dict[str, tuple[Path, Callable[[Scorer, dict[str, Any]], None]]] = {
        name: (corpora / name, score) for name, score in CORPORA.items()}
    if extra is not None:
        sources.update({name: (extra / name, score) for name, score in EXTRA.items()
                        if (extra / name).is_dir()})
    for label, (plain, html) in SPLITTERS.items():
        if only and only not in label:
            continue
        for corpus, (folder, score) in sources.items():
            listed = folder / "expectations.json"
            expectations = json.loads(listed.read_text()) if listed.exists() else {}
            scorer = Scorer(folder, plain, html)
            try:
                score(scorer, expectations)
            except Exception as error:  # a library crashing on an input is a result too
                scorer.failures.append(f"crashed: {type(error).__name__}: {error}")
            table.setdefault(label, {})[corpus] = scorer
    return table


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("--corpora", type=Path, default=ROOT / "tests" / "emails" / "corpora")
    args.add_argument("--verbose", action="store_true")
    args.add_argument("--only")
    args.add_argument("--extra", type=Path, help="folder of corpora cloned outside the "
                      "repository: " + ", ".join(EXTRA))
    args.add_argument("--messages", type=Path, default=None,
                      help="also parse every raw message of the corpora in this folder "
                      "(default: --corpora)")
    options = args.parse_args()
    table = run(options.corpora, options.only, options.extra)
    for label, row in table.items():
        print(f"\n{label}")
        for corpus, s in row.items():
            total = s.results["pass"] + s.results["fail"]
            rate = 100 * s.results["pass"] / total if total else 0.0
            print(f"  {corpus:30} {s.results['pass']:4}/{total:<4} {rate:5.1f}%   "
                  f"n/a {sum(s.na.values())}")
            if options.verbose:
                for failure in s.failures:
                    print("     FAIL", failure)
                for op, count in sorted(s.na.items()):
                    print(f"     n/a {count} x {op}")
    messages_table(options.messages or options.corpora)
    used = {kind for row in table.values() for s in row.values() for op in s.na
            for kind in NOT_OUR_BEHAVIOUR if kind in op}
    if used:
        print("\nn/a because the check measures a behaviour Escalator deliberately lacks:")
        for kind in sorted(used):
            print(f"  - {kind}: {NOT_OUR_BEHAVIOUR[kind]}")


def messages_table(corpora: Path) -> None:
    """Whole raw messages through parser.parse, per corpus: parsed without exception (no
    "could not be read"), and for the automatic mail the corpus names (sisimai's bounces,
    feedback reports and auto-replies) how much is recognised as such (ignored, never
    answered, not kept as an outsider's)."""
    from parser import Ignored, ParseSettings, Rejection, parse

    settings = ParseSettings(mailbox_address="escalations@example.com",
                             message_id_domain="example.com", internal_domains=("example.com",))
    print("\nwhole messages through parser.parse")
    for name, pattern in (("mailgun-talon", "fixtures/**/*.eml"),
                          ("spamscope-mail-parser", "mails/*"),
                          ("sisimai-set-of-emails", "maildir/**/*.eml")):
        folder = corpora / name
        if not folder.is_dir():
            continue
        expected = json.loads((folder / "expectations.json").read_text()).get("emails", {}) \
            if (folder / "expectations.json").exists() else {}
        total = parsed = automatic = named = 0
        for path in sorted(folder.glob(pattern)):
            if not path.is_file():
                continue
            result = parse(path.read_bytes(), settings)
            total += 1
            unreadable = isinstance(result, Rejection) and any(
                "could not be read" in p.message for p in result.problems)
            parsed += not unreadable
            if str(path.relative_to(folder)) in expected:
                named += 1
                automatic += isinstance(result, Ignored) and not result.keep_in_failed
        line = f"  {name:30} parsed {parsed:4}/{total:<4}"
        if named:
            line += f"   automatic mail recognised {automatic:4}/{named:<4}"
        print(line)


if __name__ == "__main__":
    main()
