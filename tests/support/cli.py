"""Drive the installed CLI as a user would: a config file and `escalator ...` subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from escalator.settings import ImapSettings, SmtpSettings

LADDER = {
    "manager": "maya.manager@example.com",
    "director": "dan.director@example.com",
    "vp": "vera.vp@example.com",
    "executive": "erin.ceo@example.com",
}


def write_config(path: Path, url: str, imap: ImapSettings, smtp: SmtpSettings,
                 extra: str = "") -> Path:
    ladder = "\n".join(f'{k} = "{v}"' for k, v in LADDER.items())
    path.write_text(f"""
[database]
url = "{url}"

[imap]
host = "{imap.host}"
port = {imap.port}
username = "{imap.username}"
password = "{imap.password}"
ssl = false
folder = "INBOX"
processed_folder = "Processed"
failed_folder = "Failed"

[smtp]
host = "{smtp.host}"
port = {smtp.port}
from_address = "escalations@example.com"
timeout_seconds = 10

[organization]
internal_domains = ["example.com"]

[ladder]
{ladder}
{extra}
""")
    return path


def ready_cli(directory: Path, url: str, imap: ImapSettings, smtp: SmtpSettings,
              extra: str = "") -> Cli:
    """A config in `directory` and a schema at its database: what `init-db` leaves."""
    cli = Cli(write_config(directory / "config.toml", url, imap, smtp, extra))
    cli.run("init-db")
    return cli


@dataclass
class Cli:
    config: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "escalator.cli", *args, "--config", str(self.config)],
            capture_output=True, text=True, timeout=120, cwd=self.config.parent,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"escalator {' '.join(args)} failed ({proc.returncode}):\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)
