"""`escalator demo` shows the whole flow with no config and leaves nothing behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def test_demo_runs_the_flow_with_no_config(tmp_path: Path) -> None:
    work, temp = tmp_path / "work", tmp_path / "temp"
    work.mkdir()
    temp.mkdir()
    # a temporary folder of the test's own: another demo running meanwhile can't disturb it
    env = {**os.environ, "TMPDIR": str(temp)}
    proc = subprocess.run([sys.executable, "-m", "escalator.cli", "demo"], cwd=work, env=env,
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
    assert list(work.iterdir()) == []  # no config, no database left here
    assert list(temp.iterdir()) == []  # nor anything in the temporary folder
