"""`escalator demo` shows the whole flow with no config and leaves nothing behind."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path


def test_demo_runs_the_flow_with_no_config(tmp_path: Path) -> None:
    before = set(Path(tempfile.gettempdir()).glob("escalator-demo-*"))
    proc = subprocess.run([sys.executable, "-m", "escalator.cli", "demo"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "ESC-1 opened" in out
    assert "✉ to carla.csm@example.com: [ESC-1] Received" in out
    assert "✉ to dan.director@example.com: [ESC-1] New escalation" in out
    assert "✉ to dan.director@example.com: [ESC-1] Warning" in out
    assert out.count("✉ to vera.vp@example.com: [ESC-1] SLA breach") == 1
    assert "status open → working" in out and "status working" in out
    assert "erin.ceo" not in out  # acknowledged: the ladder stopped below the executive
    # a CS manager's words: dates with their times, no jargon of the code
    for jargon in ("seed-004", "tick", "notices", "[+", "SQLite", "SMTP intake"):
        assert jargon not in out, jargon
    assert re.search(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d\d:\d\d UTC  "
                     r"Carla \(carla\.csm@example\.com\) emails the mailbox", out, re.M)
    assert re.search(r"the response is due by \w{3} \d{1,2} \w{3} \d\d:\d\d UTC", out)
    assert list(tmp_path.iterdir()) == []  # no config, no database left here
    assert set(Path(tempfile.gettempdir()).glob("escalator-demo-*")) == before
