"""Only what a reader sees: the elements of an HTML reply a person cannot see.

Hidden by an inline style, a rule of a <style> block on a class, id or tag, or the
`hidden` attribute: display:none, visibility:hidden, mso-hide:all, opacity:0, a zero (or
sub-2px) font size, zero width or height with overflow hidden, text of the same colour as
its background (white on an unset background is white on the page). One pass over the
elements, each style read once.
"""

from __future__ import annotations

import re

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
    """Simple selectors (tag, .class, #id, tag.class) of <style> rules, with their styles."""
    rules: dict[str, dict[str, str]] = {}
    for block in soup.find_all("style"):
        for rule in block.get_text()[:200_000].split("}"):
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
