"""The escalation page lists the reply commands from the registry, as the emails' footers
do: every command and review answer, the Owner: example a real colleague's address."""

from __future__ import annotations

from escalator.web import Dashboard
from parser.commands import REGISTRY
from tests.reports.sample import CSM
from tests.web.test_escalation_page import page, site

__all__ = ["site"]


def test_the_escalation_page_lists_every_command_of_the_registry(site: Dashboard) -> None:
    soup = page(site, "/escalations/ESC-10")
    block = soup.select_one("section.commands")
    assert block is not None and "ESC-10" in block.get_text()
    shown = [code.get_text() for code in block.select("li code")]
    assert shown == [h.text for h in REGISTRY.help(CSM) + REGISTRY.help(CSM, answers=True)]
    assert f"Owner: {CSM}" in shown
    assert len(shown) == len(REGISTRY.specs)
