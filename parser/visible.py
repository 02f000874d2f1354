"""Only what a reader sees: the elements of an HTML reply a person cannot see.

Hidden by an inline style, a rule of a <style> block on a class, id or tag, or the
`hidden` attribute: display:none, visibility:hidden, mso-hide:all, opacity:0, a zero (or
sub-2px) font size, zero width or height with overflow hidden, text of the same colour as
its background (white on an unset background is white on the page). One pass over the
elements, each style read once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bs4 import BeautifulSoup
from bs4.element import Tag

_DECLARATION = re.compile(r"([a-z-]{1,40})\s*+:\s*+([^;]{0,200})")
_SIMPLE_SELECTOR = re.compile(r"^[a-z0-9]*(?:[.#][\w-]{1,80})?$", re.I)
_NUMBER = re.compile(r"^(-?[0-9]*\.?[0-9]+)\s*([a-z%]*)")
_NAMED = {"white": "#ffffff", "black": "#000000", "transparent": "transparent"}
PAGE = "#ffffff"  # what an unset background shows in every mail client
TEXT = "#000000"


def _colour(value: str) -> str:
    value = value.strip().lower().replace("!important", "").strip()
    value = _NAMED.get(value, value)
    if re.fullmatch(r"#[0-9a-f]{3}", value):
        value = "#" + "".join(c * 2 for c in value[1:])
    rgb = re.fullmatch(r"rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,[^)]*)?\)",
                       value)
    if rgb:
        value = "#" + "".join(f"{min(int(n), 255):02x}" for n in rgb.groups())
    return value


def _styles(text: str) -> dict[str, str]:
    return {k.lower(): v.strip().lower() for k, v in _DECLARATION.findall(text.lower())}


def _zero(value: str, below: float = 0.0) -> bool:
    match = _NUMBER.match(value.strip())
    if match is None:
        return False
    number, unit = float(match.group(1)), match.group(2)
    return number <= 0 or (unit in ("px", "pt", "") and number < below)


def hides(style: dict[str, str]) -> bool:
    if style.get("display", "").startswith("none"):
        return True
    if style.get("visibility", "").startswith(("hidden", "collapse")):
        return True
    if style.get("mso-hide", "").startswith("all"):
        return True
    if "opacity" in style and _zero(style["opacity"]):
        return True
    if "font-size" in style and _zero(style["font-size"], below=2):
        return True
    flat = any(_zero(style.get(k, "1")) for k in ("width", "height", "max-width", "max-height"))
    return flat and style.get("overflow", "").startswith("hidden")


def _sheet(soup: BeautifulSoup) -> dict[str, dict[str, str]]:
    return rules_of(block.get_text() for block in soup.find_all("style"))


def rules_of(sheets: Iterable[str]) -> dict[str, dict[str, str]]:
    """Simple selectors (tag, .class, #id, tag.class) of <style> rules, with their styles."""
    rules: dict[str, dict[str, str]] = {}
    for sheet in sheets:
        for rule in sheet[:200_000].split("}"):
            selectors, brace, body = rule.rpartition("{")
            if not brace:
                continue
            style = _styles(body)
            for selector in selectors[-300:].split(","):
                selector = selector.strip().lower()
                if _SIMPLE_SELECTOR.match(selector):
                    rules.setdefault(selector, {}).update(style)
    return rules


def _style_of(tag: Tag, rules: dict[str, dict[str, str]]) -> dict[str, str]:
    style: dict[str, str] = {}
    if rules:
        name = tag.name.lower()
        found = tag.get("class")
        classes: list[str] = list(found) if isinstance(found, list) else (
            found.split() if isinstance(found, str) else [])
        keys = [name, *(f".{c.lower()}" for c in classes),
                *(f"{name}.{c.lower()}" for c in classes)]
        ident = tag.get("id")
        if isinstance(ident, str):
            keys.append(f"#{ident.lower()}")
        for key in keys:
            style.update(rules.get(key, {}))
    inline = tag.get("style")
    if isinstance(inline, str):
        style.update(_styles(inline))
    return style


def drop_hidden(soup: BeautifulSoup) -> None:
    """Remove every element a reader cannot see, with its subtree."""
    rules = _sheet(soup)
    hidden: list[Tag] = []
    stack: list[tuple[Tag, str, str]] = [(soup, TEXT, PAGE)]
    while stack:
        node, colour, background = stack.pop()
        for child in node.children:
            if not isinstance(child, Tag):
                continue
            style = _style_of(child, rules)
            if child.has_attr("hidden") or child.name in ("template",) or hides(style):
                hidden.append(child)
                continue
            fill = style.get("background-color") or style.get("background", "").split(" ")[0]
            bgcolor = child.get("bgcolor")
            back = _colour(fill) if fill else (
                _colour(bgcolor) if isinstance(bgcolor, str) else background)
            if back == "transparent":
                back = background
            ink = _colour(style["color"]) if "color" in style else colour
            font = child.get("color") if child.name == "font" else None
            if isinstance(font, str):
                ink = _colour(font)
            if ink == back and _has_text(child):
                hidden.append(child)
                continue
            stack.append((child, ink, back))
    for tag in hidden:
        tag.decompose()


def _has_text(tag: Tag) -> bool:
    return any(str(s).strip() for s in tag.find_all(string=True, recursive=False))


# -- the same, for the intake's streaming pass (parser.html._lean): per tag, from its
# attributes, before the markup is thinned out

# each pattern opens with a literal, which the regex engine finds by a fast scan
_HINTS = re.compile(
    r"display\s{0,9}:\s{0,9}none|visibility|mso-hide|opacity|overflow\s{0,9}:\s{0,9}hidden"
    r"|hidden[\s=>/]|<template")
_HINT_WORDS = ("display", "visibility", "mso-hide", "opacity", "hidden", "<template")
_FONT_SIZE = re.compile(r"font-size\s{0,9}:\s{0,9}([0-9.]{0,12})")
_INK = re.compile(r"""color\s{0,9}[:=]\s{0,9}["']?([^;"'}>]{1,40})""")
_BACKS = (re.compile(r"""background(?:-color)?\s{0,9}:\s{0,9}([^;"'}> ]{1,40})"""),
          re.compile(r"""bgcolor\s{0,9}=\s{0,9}["']?([^;"'}> ]{1,40})"""))


def may_hide(html: str) -> tuple[bool, bool]:
    """(may hide by a style or attribute, may hide by colour): when neither, the page shows
    all its text and the fast path reads it as before. Colour hides only when some text
    colour is white (the page) or one of the page's background colours."""
    low = html.lower()
    hiding = any(w in low for w in _HINT_WORDS) and _HINTS.search(low) is not None
    if not hiding:
        sizes = (_NUMBER.match(v) for v in _FONT_SIZE.findall(low))
        hiding = any(m is not None and float(m.group(1)) < 2 for m in sizes)
    inks = {_colour(m.group(1)) for m in _INK.finditer(low)
            if not low[m.start() - 1 : m.start()].isalnum()
            and low[m.start() - 1 : m.start()] != "-"}  # not background-color, bgcolor
    backs = {_colour(v.split(" ")[0]) for b in _BACKS for v in b.findall(low)} | {PAGE}
    return hiding, bool(inks & backs) or TEXT in backs


def lean_attributes(name: str, attrs: dict[str, str], rules: dict[str, dict[str, str]],
                    colours: bool) -> str:
    """What the streaming pass needs of a tag's attributes: " hidden", its colours as a
    short style (with `colours`), or nothing."""
    style: dict[str, str] = {}
    if rules:
        classes = attrs.get("class", "").lower().split()
        keys = [name, *(f".{c}" for c in classes), *(f"{name}.{c}" for c in classes)]
        if "id" in attrs:
            keys.append(f"#{attrs['id'].lower()}")
        for key in keys:
            style.update(rules.get(key, {}))
    if "style" in attrs:
        style.update(_styles(attrs["style"]))
    if "hidden" in attrs or name == "template" or hides(style):
        return " hidden"
    if not colours:
        return ""
    out = []
    ink = style.get("color") or (attrs.get("color") if name == "font" else None)
    if ink:
        out.append(f"color:{_colour(ink)}")
    fill = (style.get("background-color") or style.get("background", "").split(" ")[0]
            or attrs.get("bgcolor"))
    if fill:
        out.append(f"background-color:{_colour(fill)}")
    return f' style="{";".join(out)}"' if out else ""


def seen_colours(style: str, ink: str, back: str) -> tuple[str, str]:
    """The text and background colour inside an element given its lean style."""
    found = _styles(style)
    fill = found.get("background-color", "")
    if fill and fill != "transparent":
        back = fill
    return found.get("color", ink), back
