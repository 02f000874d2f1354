"""HTML as plain lines in one streaming pass, for reading a template (no quote cutting).

The same rendering as parser.html's tree walk over BeautifulSoup's html.parser tree, made
straight from the standard library's HTMLParser events: building the soup costs about
five times the parse itself, and an Outlook HTML-only email is mostly tags. The element
stack follows BeautifulSoup's html.parser rules exactly (void elements, an end tag closes
up to the most recent open element of its name, a stray end tag is ignored, text runs
split at every tag and comment) so both renderings give the same lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from bs4.dammit import EntitySubstitution, UnicodeDammit

from parser.visible import PAGE, TEXT, seen_colours

BLOCK = {
    "p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
    "blockquote", "pre", "hr", "section", "article", "header", "footer", "dl", "dt", "dd",
    "address", "center", "form", "fieldset", "tbody", "thead",
}
SKIP = {"style", "script", "head", "title", "meta", "link", "xml", "o:smarttagtype"}
_VOID = {
    "area", "base", "basefont", "bgsound", "br", "col", "command", "embed", "frame", "hr",
    "image", "img", "input", "isindex", "keygen", "link", "menuitem", "meta", "nextid",
    "param", "source", "spacer", "track", "wbr",
}
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")
_NUMBER_THEN_TEXT = {10: re.compile("^([0-9]+)(.*)"), 16: re.compile("^([0-9a-f]+)(.*)")}


def row_text(cells: list[str]) -> str:
    """A table row: "first cell: other cells", the way a label | value table reads."""
    if len(cells) >= 2 and not cells[0].endswith((":", "：")) and "\n" not in cells[0]:
        return cells[0] + ": " + "\n".join(cells[1:])
    return "\n".join(cells)


@dataclass
class _Frame:
    name: str
    kind: str  # "skip" (subtree dropped) | "row" | "cell" | "a" | "list" | "block" | ""
    out: list[str]  # where this element writes
    start: int = 0  # for "a": where its label began in out
    href: str = ""
    cells: list[str] = field(default_factory=list)  # for "row"
    ordered: list[int] = field(default_factory=list)  # for "cell": the list stack to restore
    ink: str = TEXT  # text and background colour inside (parser.visible's defaults)
    back: str = PAGE


class _Renderer(HTMLParser):
    def __init__(self, tidy: Callable[[str], str]) -> None:
        super().__init__(convert_charrefs=False)  # references decoded as BeautifulSoup does
        self.tidy = tidy
        self.out: list[str] = []
        self.root = self.out
        self.stack: list[_Frame] = []
        self.ordered: list[int] = []
        self.dropped = 0  # open elements whose subtree is not rendered
        self.text: list[str] = []
        self.closed_voids: list[str] = []  # "<img>" closed at once: a later "</img>" is moot

    def _flush(self) -> None:
        if self.text:
            text = _SPACES.sub(" ", "".join(self.text))
            self.text = []
            top = self.stack[-1] if self.stack else None
            if top is not None and top.ink == top.back and text.strip():
                return  # the same colour as its background: a reader sees nothing
            if text and not self.dropped:
                self.out.append(text)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        # an unknown name stays literal text, "&name" (the semicolon is not kept)
        self.text.append(EntitySubstitution.HTML_ENTITY_TO_CHARACTER.get(name) or f"&{name}")

    def handle_charref(self, name: str) -> None:
        base = 16 if name[:1] in ("x", "X") else 10
        digits = name[1:] if base == 16 else name
        try:
            number, rest = int(digits, base), ""
        except ValueError:  # "&#150abc": a number, then text
            match = _NUMBER_THEN_TEXT[base].match(digits)
            if match is None:
                self.text.append(digits)
                return
            number, rest = int(match.group(1), base), match.group(2)
        self.text.append(UnicodeDammit.numeric_character_reference(number)[0] + rest)

    def handle_comment(self, data: str) -> None:
        self._flush()

    def handle_decl(self, decl: str) -> None:
        self._flush()

    def handle_pi(self, data: str) -> None:
        self._flush()

    def unknown_decl(self, data: str) -> None:
        self._flush()
        if data.upper().startswith("CDATA["):  # BeautifulSoup keeps CDATA as text
            self.text.append(data[len("CDATA[") :])
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs)
        self._end(tag)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs)
        if tag in _VOID:  # closed at once (BeautifulSoup's html.parser builder does so)
            self._end(tag)
            self.closed_voids.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.closed_voids:
            self.closed_voids.remove(tag)  # the end of a void element closed already
        else:
            self._end(tag)

    def _open(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        parent = self.stack[-1] if self.stack else None
        in_row = parent is not None and parent.kind == "row"
        hidden = False
        ink, back = (parent.ink, parent.back) if parent is not None else (TEXT, PAGE)
        for name, value in attrs:  # set by parser.html._lean from parser.visible's rules
            if name == "hidden":
                hidden = True
            elif name == "style" and value:
                ink, back = seen_colours(value, ink, back)
        if self.dropped or hidden or tag in SKIP or (in_row and tag not in ("td", "th")):
            self.stack.append(_Frame(tag, "skip", self.out))
            self.dropped += 1
            return
        if tag in ("br", "hr"):  # rendered where they stand; anything inside is not
            self.out.append("\n" if tag == "br" else "\n\n")
            self.stack.append(_Frame(tag, "skip", self.out))
            self.dropped += 1
            return
        if in_row:  # a cell: rendered on its own, with a fresh list stack
            cell = _Frame(tag, "cell", self.out, ordered=self.ordered, ink=ink, back=back)
            self.stack.append(cell)
            self.out, self.ordered = [], []
            return
        frame = _Frame(tag, "block" if tag in BLOCK else "", self.out, ink=ink, back=back)
        self.stack.append(frame)
        if tag == "tr":
            frame.kind = "row"
            self.out = []  # text directly in a row, outside its cells, is not rendered
            return
        if frame.kind == "block":
            self.out.append("\n")
        if tag in ("ol", "ul"):
            self.ordered.append(0 if tag == "ol" else -1)
            frame.kind = "list"
        elif tag == "li":
            if self.ordered and self.ordered[-1] >= 0:
                self.ordered[-1] += 1
                self.out.append(f"{self.ordered[-1]}. ")
            else:
                self.out.append("• ")
        elif tag == "a":
            href = ""
            for name, value in attrs:  # the last of repeated attributes wins, as in the soup
                if name == "href":
                    href = value or ""
            frame.kind, frame.start, frame.href = "a", len(self.out), href.strip()

    def _end(self, tag: str) -> None:
        self._flush()
        depth = next((k for k in range(len(self.stack) - 1, -1, -1)
                      if self.stack[k].name == tag), None)
        if depth is None:
            return  # nothing of that name open: ignored, as BeautifulSoup does
        while len(self.stack) > depth:
            self._close(self.stack.pop())

    def _close(self, frame: _Frame) -> None:
        if frame.kind == "skip":
            self.dropped -= 1
            return
        if frame.kind == "cell":
            text = self.tidy("".join(self.out))
            self.out, self.ordered = frame.out, frame.ordered
            if text:
                self.stack[-1].cells.append(text)
            return
        if frame.kind == "row":
            self.out = frame.out
            self.out.extend(("\n", row_text(frame.cells), "\n"))
            return
        if frame.kind == "list":
            self.ordered.pop()
        elif frame.kind == "a":
            label = "".join(self.out[frame.start :]).strip()
            href = frame.href
            if href.lower().startswith(("http://", "https://")) and href not in label:
                self.out.append(f" <{href}>")
        if frame.name in BLOCK:
            self.out.append("\n")

    def finish(self) -> str:
        self.close()
        self._flush()
        while self.stack:
            self._close(self.stack.pop())
        return "".join(self.root)


def render(html: str, tidy: Callable[[str], str]) -> str:
    """The lines of an HTML document, untidied; `tidy` tidies each table cell's text."""
    renderer = _Renderer(tidy)
    renderer.feed(html)
    return renderer.finish()
