"""config.toml: every problem is one line naming the file, the key and what is wrong."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from escalator import config
from escalator.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = """
[organization]
internal_domains = ["acme.test"]
[ladder]
manager = "m@acme.test"
director = "d@acme.test"
vp = "v@acme.test"
executive = ["ceo@acme.test", "coo@acme.test"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_example_config_documents_and_loads() -> None:
    settings = config.load(ROOT / "config.toml", env={})
    assert settings.severities[1].response == timedelta(hours=1)
    assert settings.severities[4].first_rung == "csm"
    assert settings.ladder["executive"] == ("ceo@example.com", "coo@example.com")
    assert settings.categories["billing"] == ("billing-lead@example.com",)


def test_minimal_config_takes_the_seed_002_defaults(tmp_path: Path) -> None:
    s = config.load(write(tmp_path, MINIMAL), env={})
    assert [s.severities[n].response for n in (1, 2, 3, 4)] == [
        timedelta(hours=1), timedelta(hours=4), timedelta(hours=24), timedelta(hours=48)]
    assert [s.severities[n].first_rung for n in (1, 2, 3, 4)] == [
        "vp", "director", "manager", "csm"]
    assert s.risk_levels == {"high": 2, "medium": 3, "low": 4}
    assert s.database.url == "sqlite:///escalator.db"


def test_overrides_and_environment_secrets(tmp_path: Path) -> None:
    text = MINIMAL + """
[imap]
host = "imap.acme.test"
username = "esc@acme.test"
[severity.2]
response = "2h"
first_rung = "manager"
[risk_levels]
High = 1
"""
    s = config.load(write(tmp_path, text), env={"ESCALATOR_IMAP_PASSWORD": "pw1",
                                                  "ESCALATOR_SMTP_PASSWORD": "pw2"})
    assert s.severities[2].response == timedelta(hours=2)
    assert s.severities[2].resolution == timedelta(days=3)
    assert s.severities[2].first_rung == "manager"
    assert s.risk_levels["high"] == 1
    assert (s.imap.password, s.smtp.password) == ("pw1", "pw2")


@pytest.mark.parametrize("extra, message", [
    ("[severity.2]\nresponse = \"4x\"\n",
     "[severity.2] response: '4x' is not a duration"),
    ("[severity.3]\nfirst_rung = \"ceo\"\n",
     "[severity.3] first_rung: 'ceo' is not a rung"),
    ("[severity.7]\nresponse = \"1h\"\n", "[severity.7]: unknown severity"),
    ("[imap]\nhost = \"x\"\nusername = \"u\"\nhots = \"y\"\n", "[imap] hots: unknown key"),
    ("[imap]\nusername = \"u\"\n", "[imap] host: missing"),
    ("[imap]\nhost = \"x\"\nusername = \"u\"\nport = \"993\"\n",
     "[imap] port: must be a whole number"),
    ("[risk_levels]\nHigh = 9\n", "[risk_levels] High: '9' is not a severity"),
    ("[teams.ent]\nboss = \"b@acme.test\"\n", "[teams.ent] boss: unknown rung"),
    ("[widgets]\nx = 1\n", "top level widgets: unknown key"),
])
def test_bad_values_name_file_and_key(tmp_path: Path, extra: str, message: str) -> None:
    path = write(tmp_path, MINIMAL + extra)
    with pytest.raises(ConfigError) as e:
        config.load(path, env={})
    assert str(e.value).startswith(str(path) + ": ")
    assert message in str(e.value)
    assert "\n" not in str(e.value)


def test_missing_ladder_rung_and_domains(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[ladder\] vp: missing"):
        config.load(write(tmp_path, MINIMAL.replace('vp = "v@acme.test"\n', "")), env={})
    with pytest.raises(ConfigError, match=r"\[organization\] internal_domains: missing"):
        config.load(write(tmp_path, "[ladder]\n"), env={})


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        config.load(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(write(tmp_path, "[database\nurl = 1"))


@pytest.mark.parametrize("text", ["[severity.2]\nresponse = \"4x\"\n", "not = [toml"])
def test_cli_reports_one_line_and_exit_code(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, MINIMAL + text)
    proc = subprocess.run([sys.executable, "-m", "escalator.cli", "tick", "--config", str(path)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"escalator: {path}: ")
    assert "Traceback" not in proc.stderr
