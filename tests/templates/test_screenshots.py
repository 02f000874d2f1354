"""Each HTML email rendered by a real browser engine (Debian's headless Chromium).

The PNGs stay in tests/screenshots/ (git-ignored) for a person to look at; the test checks
that Chromium drew the page at the expected width and with more than a blank canvas.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from escalator.render import KINDS, render, sample_context

SHOTS = Path(__file__).resolve().parent.parent / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]

pytestmark = pytest.mark.integration


def screenshot(html: str, png: Path, width: int = 800, height: int = 1200) -> None:
    if not os.access(CHROMIUM, os.X_OK):  # a clear failure, never a silent skip
        raise RuntimeError(f"{CHROMIUM} not found: apt-get install -y chromium "
                           "(scripts/test.sh does), or set CHROMIUM=/path/to/chromium")
    work = Path(tempfile.mkdtemp(prefix="shot-"))
    try:
        page = work / "email.html"
        page.write_text(html, encoding="utf-8")
        subprocess.run(
            [CHROMIUM, *FLAGS, f"--user-data-dir={work / 'profile'}", f"--screenshot={png}",
             f"--window-size={width},{height}", page.as_uri()],
            check=True, capture_output=True, timeout=90,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def png_size(png: Path) -> tuple[int, int]:
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.mark.parametrize("kind", KINDS)
def test_each_html_email_renders_in_chromium(kind: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    png = SHOTS / f"{kind}.png"
    png.unlink(missing_ok=True)
    screenshot(render(kind, sample_context(kind)).html, png)
    assert png_size(png) == (800, 1200)
    assert png.stat().st_size > 20_000  # text, tables and colours, not a blank page


def test_narrow_window_like_a_phone() -> None:
    SHOTS.mkdir(exist_ok=True)
    png = SHOTS / "recap-narrow.png"
    screenshot(render("recap", sample_context("recap")).html, png, width=400, height=1400)
    assert png_size(png) == (400, 1400)
