"""Where does an email we sent begin inside a reply's text, however it is quoted?

Clients quote with ">" marks, by indenting, or (Outlook) with no marks at all; they
re-wrap lines at other widths and render our HTML part their own way. What survives all
of that is the sequence of words, so texts are compared as word sequences: lower-cased
runs of letters and digits, punctuation and line breaks ignored. Our email starts at the
first place where a run of its words (RUN of them, or all that is left of the reply)
appears in the reply, extended back over any of its words just above.

Linear: each reply position is looked up once in an index of our word K-grams, and each
candidate alignment stops after RUN words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

K = 5  # words in a looked-up shingle
RUN = 16  # words of ours in a row that mark the quote, wherever it stands
_GAP = 12  # words a client may add or drop inside a quote ("<https://…>" after a link)
_PLACES = 4  # positions of ours tried per shingle (a repeated phrase has several)
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _numbered(lines: Sequence[str]) -> tuple[list[str], list[int]]:
    found: list[str] = []
    where: list[int] = []
    for number, line in enumerate(lines):
        for word in _WORD.findall(line):
            found.append(word.lower())
            where.append(number)
    return found, where


def _index(ours: list[str]) -> dict[tuple[str, ...], list[int]]:
    index: dict[tuple[str, ...], list[int]] = {}
    for b in range(len(ours) - K + 1):
        places = index.setdefault(tuple(ours[b : b + K]), [])
        if len(places) < _PLACES:
            places.append(b)
    return index


def _align(r: list[str], a: int, o: list[str], b: int) -> tuple[int, bool]:
    """How many of our words follow from (a, b), allowing small gaps; and whether the
    alignment ran to the end of the reply."""
    matched = 0
    while a < len(r) and b < len(o) and matched < RUN:
        if r[a] == o[b]:
            matched, a, b = matched + 1, a + 1, b + 1
            continue
        for d in range(1, _GAP + 1):
            if r[a + d : a + d + 2] == o[b : b + 2] and b + 2 <= len(o):
                a += d
                break
            if o[b + d : b + d + 2] == r[a : a + 2] and a + 2 <= len(r):
                b += d
                break
        else:
            return matched, False
    return matched, a >= len(r)


def _back(r: list[str], where: list[int], a: int, o: list[str], b: int) -> tuple[int, int]:
    """Extend a match at (a, b) back over our words just above it, never across a blank
    line (the reply's own text stands above one: "Status: working" may be ours too)."""
    while a > 0 and b > 0 and where[a] - where[a - 1] <= 1:
        if r[a - 1] == o[b - 1]:
            a, b = a - 1, b - 1
            continue
        for d in range(1, 4):  # a word or three added or dropped, then two that agree
            if a - 1 - d >= 1 and r[a - 2 - d : a - d] == o[b - 2 : b]:
                a, b = a - d - 2, b - 2
                break
            if b - 1 - d >= 1 and o[b - 2 - d : b - d] == r[a - 2 : a]:
                a, b = a - 2, b - d - 2
                break
        else:
            break
    return a, b


def start(lines: Sequence[str], sent: Sequence[str]) -> int | None:
    """The first line of `lines` where one of the `sent` texts begins, or None."""
    r, where = _numbered(lines)
    best: int | None = None
    for text in sent:
        o, ours_where = _numbered(text.split("\n"))
        if len(o) < K:
            continue
        # a quote begins where one of our lines begins: a match that starts inside one
        # of our lines is the reply's own text agreeing with ours by chance
        starts = {n for n in range(len(o)) if n == 0 or ours_where[n] != ours_where[n - 1]}
        index = _index(o)
        need = min(RUN, len(o))
        for a in range(len(r) - K + 1):
            if best is not None and where[a] >= best:
                break
            found = None
            for b in index.get(tuple(r[a : a + K]), ()):
                matched, to_end = _align(r, a, o, b)
                if not (matched >= need or to_end):
                    continue
                a0, b0 = _back(r, where, a, o, b)
                if b0 in starts or b in starts:
                    found = where[a0 if b0 in starts else a]
                    break
            if found is not None:
                best = found if best is None else min(best, found)
                break
    return best
