"""The weekly report email in Debian's headless Chromium at desktop and phone width: the
PNGs (tests/screenshots/weekly_*.png) are for a person to look at; the test checks the page
was drawn at that width, has its inline SVG charts, and fits the phone without scrolling
sideways (the charts shrink)."""

from __future__ import annotations

import pytest

from escalator.render import render, sample_context
from tests.templates.test_screenshots import SHOTS, png_size, screenshot

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("name", "width", "height"), [("desktop", 1024, 2400),
                                                       ("phone", 390, 3200)])
def test_weekly_report_email_renders_at_desktop_and_phone_width(name: str, width: int,
                                                                height: int) -> None:
    html = render("weekly", sample_context("weekly")).html
    assert html.count("<svg") == 3 and "max-width:100%" in html
    SHOTS.mkdir(exist_ok=True)
    png = SHOTS / f"weekly_{name}.png"
    png.unlink(missing_ok=True)
    screenshot(html, png, width=width, height=height)
    assert png_size(png) == (width, height)
    assert png.stat().st_size > 40_000
