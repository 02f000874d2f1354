"""What does an HTML body say as plain lines, and where does its quoted history begin?

BeautifulSoup (html.parser) reads whatever clients send. Block elements become lines,
list items get a bullet, a table row becomes "label: value" so the template reader sees
the same shape as in plain text, links keep their address as "text <url>".
Replies are cut where a client starts its quoted history: Gmail's gmail_quote, Outlook's
border-top header div, divRplyFwdMsg and appendonsend, Apple's blockquote type=cite,
Thunderbird's moz-cite-prefix, Yahoo's yahoo_quoted, an <hr> before a header block.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning
from bs4.element import (
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)

from parser import html_stream, visible
from parser.html_stream import BLOCK as _BLOCK
from parser.html_stream import SKIP as _SKIP

QUOTE_MARK = "\u2063QUOTE\u2063"  # invisible separator: cannot occur in typed text

_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")
_BORDER_TOP = re.compile(r"border-top\s*:\s*solid", re.I)
_HEADER_START = re.compile(
    r"^\s*+(from|von|de|da|van|fra|från|od|差出人|发件人|date|sent|to|subject|datum|gesendet|"
    r"envoyé|inviato|enviado|verzonden|sendt|skickat|wysłano)\s*+:", re.I
)

warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


# Quote containers: the element holds the whole quote (and its attribution line); later
# text, a disclaimer say, is the sender's. Removed on their own.
_CONTAINERS = (
    "div.gmail_quote", "blockquote.gmail_quote", "div.moz-cite-prefix", "blockquote[type=cite]",
    "div.yahoo_quoted", "blockquote.protonmail_quote", "div.zmail_extra", "blockquote",
)
# Header starts: Outlook writes the header block, then the quoted body as siblings, so
# everything from here on is history.
_HEADER_STARTS = (
    "div#appendonsend", "div#divRplyFwdMsg", "div#OLK_SRC_BODY_SECTION",
    "span#OLK_SRC_BODY_SECTION", "div#mail-editor-reference-message-container",
)


def _header_start(soup: BeautifulSoup) -> Tag | None:
    """The first element where a header-style quoted history begins, if any."""
    candidates: list[Tag] = []
    for selector in _HEADER_STARTS:
        found = soup.select_one(selector)
        if found is not None:
            candidates.append(found)
    for div in soup.find_all("div", style=_BORDER_TOP):
        if _HEADER_START.match(div.get_text(" ", strip=True)):
            candidates.append(div)
            break
    for hr in soup.find_all("hr"):
        after = hr.find_next(string=lambda s: isinstance(s, str) and s.strip() != "")
        if after is not None and _HEADER_START.match(str(after)):
            candidates.append(hr)
            break
    if not candidates:
        return None
    order = {id(el): i for i, el in enumerate(soup.find_all(True))}
    return min(candidates, key=lambda el: order.get(id(el), 1 << 30))


def _cut_quotes(soup: BeautifulSoup) -> None:
    start = _header_start(soup)
    if start is not None:
        start.insert_before(NavigableString(QUOTE_MARK))
    for selector in _CONTAINERS:
        for element in soup.select(selector):
            if not element.decomposed:
                element.decompose()


def _render(node: Tag, out: list[str], ordered: list[int]) -> None:
    """The tree as text, walked with a stack of its own: nesting however deep (a hostile
    body of 20,000 <div>) costs no recursion."""
    Step = tuple[str, Any, list[str], list[int]]
    stack: list[Step] = [("children", node, out, ordered)]
    while stack:
        kind, item, into, lists = stack.pop()
        if kind == "children":
            stack.extend(("child", c, into, lists) for c in reversed(item.contents))
        elif kind == "child":
            _child(item, into, lists, stack)
        elif kind == "text":
            into.append(item)
        elif kind == "pop_list":
            lists.pop()
        elif kind == "link":
            before, href = item
            label = "".join(into[before:]).strip()
            if href.lower().startswith(("http://", "https://")) and href not in label:
                into.append(f" <{href}>")
        elif kind == "cell":
            cells, parts = item
            text = _tidy("".join(parts))
            if text:
                cells.append(text)
        elif kind == "row":
            into.extend(("\n", html_stream.row_text(item), "\n"))


def _child(child: Any, out: list[str], ordered: list[int],
           stack: list[tuple[str, Any, list[str], list[int]]]) -> None:
    if isinstance(child, (Comment, ProcessingInstruction, Declaration, Doctype)):
        return
    if isinstance(child, NavigableString):
        text = _SPACES.sub(" ", str(child))
        if text:
            out.append(text)
        return
    if not isinstance(child, Tag):
        return
    name = child.name.lower()
    if name in _SKIP:
        return
    if name == "br":
        out.append("\n")
        return
    if name == "hr":
        out.append("\n\n")
        return
    if name == "tr":  # "first cell: other cells", the way a label | value table reads
        cells: list[str] = []
        stack.append(("row", cells, out, ordered))
        # direct children only, without find_all's matching machinery (a hot path)
        for cell in reversed([c for c in child.children
                              if isinstance(c, Tag) and c.name in ("td", "th")]):
            parts: list[str] = []
            stack.append(("cell", (cells, parts), out, ordered))
            stack.append(("children", cell, parts, []))
        return
    block = name in _BLOCK
    if block:
        out.append("\n")
        stack.append(("text", "\n", out, ordered))
    if name in ("ol", "ul"):
        ordered.append(0 if name == "ol" else -1)
        stack.append(("pop_list", None, out, ordered))
    elif name == "li":
        if ordered and ordered[-1] >= 0:
            ordered[-1] += 1
            out.append(f"{ordered[-1]}. ")
        else:
            out.append("• ")
    elif name == "a":
        href = str(child.get("href") or "").strip()
        stack.append(("link", (len(out), href), out, ordered))
    stack.append(("children", child, out, ordered))


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.split("\n")]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip()


# Parsing cost grows with the number of tags: Outlook wraps every run of text in spans,
# fonts and <o:p>. For reading the template these inline tags and attributes other than
# href carry nothing, so they are dropped before parsing (not when cutting quotes: the
# quote markers live in ids, classes and styles).
# <head>, <style> and comments go before parsing; found by str.find, not a lazy regex,
# which is quadratic on many "<head" with no "</head>" (20,000 of them: minutes)
_BLOCKS = (("<head", "</head"), ("<style", "</style"), ("<!--", "-->"))
_INLINE = re.compile(r"</?(?:span|font|o:p|st1:[a-z]+)\b[^>]*>", re.I)
_TAG = re.compile(r"<([a-zA-Z][\w:-]*)(\s[^<>]*)?>")
_HREF = re.compile(r"""\bhref\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.I)


def _bare_tag(match: re.Match[str]) -> str:
    href = _HREF.search(match.group(2) or "")
    return f"<{match.group(1)} href={href.group(1)}>" if href else f"<{match.group(1)}>"


def _opener_at(low: str, opener: str, start: int) -> int:
    """The next `opener` at or after start ("<head" not "<header"), or -1."""
    i = low.find(opener, start)
    while i >= 0 and opener != "<!--" and low[i + len(opener) : i + len(opener) + 1].isalnum():
        i = low.find(opener, i + 1)
    return i


def _closer_end(low: str, closer: str, start: int) -> int:
    """The end of the next `closer` (spaces and ">" after a tag's name) at or after start."""
    i = low.find(closer, start)
    while i >= 0:
        end = i + len(closer)
        if closer == "-->":
            return end
        j = low.find(">", end)
        if j >= 0 and not low[end:j].strip():
            return j + 1
        i = low.find(closer, i + 1)
    return -1


def _without_blocks(html: str) -> str:
    """The HTML without its <head>, <style> elements and comments, in one pass."""
    low = html.lower()
    out: list[str] = []
    pos = 0
    live = {opener: closer for opener, closer in _BLOCKS}
    starts = {opener: _opener_at(low, opener, 0) for opener in live}
    while live:
        for opener in list(live):
            if starts[opener] < pos:
                starts[opener] = _opener_at(low, opener, pos)
            if starts[opener] < 0:
                del live[opener]
        if not live:
            break
        opener = min(live, key=lambda o: starts[o])
        begin = starts[opener]
        end = _closer_end(low, live[opener], begin + len(opener))
        if end < 0:  # never closed: no later one of its kind is either
            del live[opener]
            continue
        out.append(html[pos:begin])
        pos = end
    out.append(html[pos:])
    return "".join(out)


def _lean(html: str, seen: bool = True) -> str:
    hiding, colours = visible.may_hide(html) if seen else (False, False)
    if not (hiding or colours):  # nothing on the page is hidden: the fast path
        return _TAG.sub(_bare_tag, _INLINE.sub("", _without_blocks(html)))
    return _lean_seen(html, colours)


def hides_text(html: str) -> bool:
    """Does the page hide text from its reader? Then a plain alternative made from it (by
    the sender's client) holds that text too, and only the HTML says what was seen."""
    if not any(visible.may_hide(html)):
        return False
    html = _defused(html)
    try:
        return (html_stream.render(_lean(html), _tidy).split()
                != html_stream.render(_lean(html, seen=False), _tidy).split())
    except AssertionError:
        return False


_ATTR = re.compile(r"""([^\s=/>"']{1,80})(?:\s*+=\s*+("[^"]*"|'[^']*'|[^\s>]+))?""")
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>", re.I)


def _attrs(text: str) -> dict[str, str]:
    return {k.lower(): v.strip("\"'") for k, v in _ATTR.findall(text or "")}


def _style_sheets(html: str) -> list[str]:
    """The text of each <style> element, found by str.find (linear on many unclosed)."""
    low, sheets, at = html.lower(), [], 0
    while (match := _STYLE_BLOCK.search(html, at)) is not None:
        end = low.find("</style", match.end())
        if end < 0:
            break
        sheets.append(html[match.end():end])
        at = end
    return sheets


def _lean_seen(html: str, colours: bool) -> str:
    """_lean keeping what the streaming pass needs to leave out what a reader cannot see
    (parser.visible): a hidden element as `<tag hidden>`, colours as a short style, and
    an inline tag (span, font) only when it carries either, with its own end tag."""
    rules = visible.rules_of(_style_sheets(html))
    kept: dict[str, list[bool]] = {}

    def inline(match: re.Match[str]) -> str:
        tag = match.group(0)
        closing = tag.startswith("</")
        name = (match.group(1) or "").lower()
        stack = kept.setdefault(name, [])
        if closing:
            return f"</{name}>" if stack and stack.pop() else ""
        extra = visible.lean_attributes(name, _attrs(match.group(2)), rules, colours)
        if not tag.endswith("/>"):
            stack.append(bool(extra))
        return f"<{name}{extra}>" if extra else ""

    def bare(match: re.Match[str]) -> str:
        attrs = _attrs(match.group(2) or "")
        name = match.group(1)
        extra = visible.lean_attributes(name.lower(), attrs, rules, colours)
        href = _HREF.search(match.group(2) or "")
        return f"<{name}{' href=' + href.group(1) if href else ''}{extra}>"

    return _TAG.sub(bare, _INLINE_SEEN.sub(inline, _without_blocks(html)))


_INLINE_SEEN = re.compile(r"</?(span|font|o:p|st1:[a-z]+)\b([^>]*)>", re.I)


_UNCLOSED = 200  # more tags than this left open before the next "<": a hostile body


def _defused(html: str) -> str:
    """What the standard library's HTMLParser (under BeautifulSoup too) reads in linear
    time: it rescans an unclosed comment, and a run of tags that never close ("<head <head
    …"), once per "<" (20,000 of them: minutes). An unclosed comment hides the rest of the
    page in a browser, so it goes; unclosed tags in such numbers become text."""
    at = html.find("<!--")
    while at >= 0:
        end = html.find("-->", at + 4)
        if end < 0:
            html = html[:at]
            break
        at = html.find("<!--", end + 3)
    starts = [m.start() for m in re.finditer("<", html)]
    ends = [*starts[1:], len(html)] if starts else []
    unclosed = [a for a, b in zip(starts, ends, strict=True) if html.find(">", a, b) < 0]
    if len(unclosed) <= _UNCLOSED:
        return html
    out: list[str] = []
    pos = 0
    for a in unclosed:
        out.extend((html[pos:a], "&lt;"))
        pos = a + 1
    out.append(html[pos:])
    return "".join(out)


def to_text(html: str, cut_quote: bool = False) -> str:
    """The HTML as plain lines; with cut_quote, only what sits above the quoted history."""
    html = _defused(html)
    if not cut_quote:  # no element to find: one streaming pass, no soup
        try:
            return _tidy(html_stream.render(_lean(html), _tidy))
        except AssertionError:
            pass  # markup the parser rejects: let the soup path say so, as it always has
    soup = soup_of(html if cut_quote else _lean(html))
    visible.drop_hidden(soup)  # what the reader cannot see is not read
    if cut_quote:  # a reply: nor the quote
        _cut_quotes(soup)
    parts: list[str] = []
    _render(soup, parts, [])
    text = _tidy("".join(parts))
    if cut_quote and QUOTE_MARK in text:
        text = text.split(QUOTE_MARK, 1)[0].rstrip()
    return text.replace(QUOTE_MARK, "")
