"""The channels package's public names are a contract, and it stays an edge."""

import subprocess
import sys
from pathlib import Path

import channels


def test_public_names() -> None:
    assert sorted(channels.__all__) == [
        "CHANNELS", "CHAT", "ChatMessage", "ChatTransport", "EmailTransport", "Gone", "ORDERED",
        "Outgoing", "Transport", "Unavailable", "WebhookTarget", "WebhookTransport"]
    assert all(hasattr(channels, name) for name in channels.__all__)


def test_channels_know_no_database_and_load_no_config() -> None:
    """Each transport takes small settings of its own (STYLE.md §6): no database, no
    config loading (escalator.settings comes in with mailer.smtp's SmtpSettings only)."""
    code = ("import sys, channels; "
            "print(sorted({'models', 'parser', 'sqlalchemy', 'escalator.config', "
            "'escalator.service'} & set(sys.modules)))")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "[]"
