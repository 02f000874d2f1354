"""The streaming HTML renderer (intake path) reads HTML exactly as the BeautifulSoup tree
walk did: same lines for every HTML body in tests/emails, and the awkward shapes clients
send (void end tags, stray row text, lists in cells, entity forms) read the same way."""

from __future__ import annotations

import email
from email.message import Message

import pytest

from parser import html, visible

from .conftest import EMAILS


def _soup_walk(markup: str) -> str:
    """The tree walk the streaming pass replaced, kept here as the reference."""
    soup = html.soup_of(html._lean(markup))
    visible.drop_hidden(soup)  # what a reader cannot see, as the soup path does
    parts: list[str] = []
    html._render(soup, parts, [])
    return html._tidy("".join(parts))


def _html_parts() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for path in sorted(EMAILS.glob("*.eml")):
        message: Message = email.message_from_bytes(path.read_bytes())
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if part.get_content_type() == "text/html" and isinstance(payload, bytes):
                found.append((path.name, payload.decode("utf-8", "replace")))
    return found


@pytest.mark.parametrize(("name", "markup"), _html_parts(), ids=lambda v: str(v)[:40])
def test_same_lines_as_the_soup_walk(name: str, markup: str) -> None:
    assert html.to_text(markup) == _soup_walk(markup), name


@pytest.mark.parametrize(
    ("markup", "lines"),
    [
        ("<img>word </img>&nbsp;Issue:", "word Issue:"),  # "</img>" ends nothing
        ("<table><tr>stray<td>Account</td><td>Initech</td></tr>"
         "<tr><th>Severity</th><td>2</td></tr></table>", "Account: Initech\n\nSeverity: 2"),
        ("<ol><li>one<li>two</ol><table><tr><td>Steps</td><td><ul><li>a</li></ul>"
         "<ol><li>b</li></ol></td></tr></table>", "1. one\n2. two\n\nSteps: • a\n\n1. b"),
        ("Caf&eacute; &foo; &#150; &#x41; &lt", "Café &foo – A &lt"),
        ('<p>See <a href="https://x.example/r?a=1&amp;b=2">the recording</a></p>',
         "See the recording <https://x.example/r?a=1&b=2>"),
        ("<head><title>T</title><style>p{}</style></head>Hi<br>there<hr>From: a@b.c",
         "Hi\nthere\n\nFrom: a@b.c"),
    ],
)
def test_awkward_shapes(markup: str, lines: str) -> None:
    assert html.to_text(markup) == lines == _soup_walk(markup)


def test_markup_the_parser_rejects_still_raises_as_before() -> None:
    with pytest.raises(Exception, match="rejected"):
        html.to_text("<p>a</p><![eamily x]>")
