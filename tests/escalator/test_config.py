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
    # the example mails nobody it was not told to: teams, categories, digest wait to be filled in
    assert (settings.teams, settings.categories, settings.digest) == ({}, {}, None)
    assert settings.health.mailbox_silent_after == timedelta(minutes=15)


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


@pytest.mark.parametrize("extra, message", [
    ("[severity.2]\nresponse = \"999999w\"\n",
     "[severity.2] response: '999999w' is longer than 365 days"),
    ("[severity.2]\nresolution = \"99999999999999999999999w\"\n",
     "[severity.2] resolution: '99999999999999999999999w' is not a duration"),
    ("[severity.1]\nresponse = \"0m\"\n", "[severity.1] response: '0m' must be longer"),
    ("[review]\nremind_after = \"400d\"\n", "[review] remind_after: '400d' is longer"),
    ("[smtp]\ntimeout_seconds = 0\n", "[smtp] timeout_seconds: 0 is not a time limit"),
    ("[smtp]\ntimeout_seconds = nan\n", "[smtp] timeout_seconds: nan is not a time limit"),
    ("[smtp]\ntimeout_seconds = inf\n", "[smtp] timeout_seconds: inf is not a time limit"),
    ("[smtp]\nlease_seconds = -5\n", "[smtp] lease_seconds: -5 is not a number of seconds"),
    ("[smtp]\nport = 65536\n", "[smtp] port: 65536 is not a TCP port (1-65535)"),
    ("[smtp]\nport = 0\n", "[smtp] port: 0 is not a TCP port"),
    ("[imap]\nhost = \"x\"\nusername = \"u\"\nport = 70000\n",
     "[imap] port: 70000 is not a TCP port"),
    ("[imap]\nhost = \"x\"\nusername = \"u\"\npoll_seconds = -5\n",
     "[imap] poll_seconds: -5 is not a number of seconds between polls"),
    ("[imap]\nhost = \"x\"\nusername = \"u\"\npoll_seconds = 0\n",
     "[imap] poll_seconds: 0 is not"),
    ("[imap]\nhost = \"x\"\nusername = \"u\"\nmax_message_bytes = -1\n",
     "[imap] max_message_bytes: -1 is not a size in bytes"),
    ("[smtp_intake]\nmax_message_bytes = 0\n",
     "[smtp_intake] max_message_bytes: 0 is not a size in bytes"),
    ("[smtp_intake]\nport = 99999\n", "[smtp_intake] port: 99999 is not a TCP port"),
    ("[web]\nport = -1\n", "[web] port: -1 is not a TCP port"),
    ("[warnings]\nat = [0.75, 1.0]\n", "[warnings] at: must be a list of fractions"),
    ("[warnings]\nat = [0, 0.5]\n", "[warnings] at: must be a list of fractions"),
    ("[intake]\ndefault_severity = 7\n", "[intake] default_severity: 7 is not a severity"),
    ("[intake]\nmax_rejections_per_sender_per_hour = -1\n",
     "[intake] max_rejections_per_sender_per_hour: must be a whole number"),
    ("[review]\nmax_reminders = -2\n", "[review] max_reminders: must be a whole number"),
    ("[health]\nmailbox_silent_after = \"soon\"\n",
     "[health] mailbox_silent_after: 'soon' is not a duration"),
    ("[health]\nsmtp_failing_after = \"0m\"\n",
     "[health] smtp_failing_after: '0m' must be longer than zero"),
    ("[health]\nsilent = \"1h\"\n", "[health] silent: unknown key"),
    ("[smtp]\nfrom_name = \"x\"\n", "[smtp] from_name: unknown key"),
    ("[smtp]\nfrom_address = \"Escalations <escalations@acme.test\"\n",
     "[smtp] from_address: 'Escalations <escalations@acme.test' is not an e-mail address"),
    ("[smtp]\nfrom_address = \"a@acme.test, b@acme.test\"\n",
     "[smtp] from_address: 'a@acme.test, b@acme.test' is not an e-mail address"),
    ("[smtp]\nfrom_address = \"escalations@\"\n", "[smtp] from_address: 'escalations@'"),
    ("[categories.Billing]\ncontacts = [\"billing lead@acme.test\"]\n",
     "[categories.Billing] contacts: 'billing lead@acme.test' is not an e-mail address"),
    ("[teams.ent]\nmanager = \"acme.test>\"\n", "[teams.ent] manager: 'acme.test>' is not"),
    ("[organization]\nadmins = [\"it\"]\n", "[organization] admins: 'it' is not an e-mail"),
    ("[organization]\nallowed_external = 3\n",
     "[organization] allowed_external: must be an address or a list"),
    ("[organization]\nmax_stakeholders = 0\n",
     "[organization] max_stakeholders: 0 is not a number of stakeholders"),
    ("[database]\nurl = \"escalator.db\"\n", "[database] url: not a database URL"),
    ("[database]\nurl = \"mysql://x@y/z\"\n", "[database] url: not a database URL"),
    ("[imap]\nhost = \"x\"\nusername = \"u\"\nprocessed_folder = \"inbox\"\n",
     "[imap] processed_folder: 'inbox' is the folder read from"),
    ("[imap]\nhost = \"x\"\nusername = \"u\"\nfailed_folder = \" \"\n",
     "[imap] failed_folder: must name a folder"),
    ("[organization]\ntrusted_authserv_id = \"\"\n",
     "[organization] trusted_authserv_id: must be your mail server's authserv-id"),
])
def test_out_of_range_values_name_the_key(tmp_path: Path, extra: str, message: str) -> None:
    # [organization] overrides MINIMAL's own table: TOML refuses a table defined twice
    text = MINIMAL + extra
    if extra.startswith("[organization]"):
        text = MINIMAL.replace("[organization]\n", "[organization]\n" + extra.split("\n", 1)[1])
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        config.load(path, env={})
    assert str(e.value).startswith(f"{path}: {message}"), str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("domain", ["com", "co.uk", "github.io", "localhost", "@com"])
def test_public_suffix_is_not_an_internal_domain(tmp_path: Path, domain: str) -> None:
    path = write(tmp_path, MINIMAL.replace('"acme.test"', f'"{domain}"'))
    with pytest.raises(ConfigError, match=r"\[organization\] internal_domains: '.*' is a public"):
        config.load(path, env={})


def test_addresses_keep_name_and_address_apart(tmp_path: Path) -> None:
    text = MINIMAL.replace('manager = "m@acme.test"', 'manager = "Maya Manager <M@Acme.test>"')
    text = text.replace("[organization]\n", "[organization]\nadmins = [\"IT <it@acme.test>\"]\n"
                        "allowed_external = [\"Pat <pat@partner.example>\"]\n")
    text += """
[smtp]
from_address = "Escalations <escalations@acme.test>"
[categories.Billing]
contacts = ["\\"Lead, Billing\\" <billing@acme.test>"]
[health]
mailbox_silent_after = "5m"
"""
    s = config.load(write(tmp_path, text), env={})
    assert (s.smtp.from_address, s.smtp.from_name) == ("escalations@acme.test", "Escalations")
    assert s.ladder["manager"] == ("m@acme.test",)
    assert s.categories["billing"] == ("billing@acme.test",)
    assert (s.admins, s.allowed_external) == (("it@acme.test",), ("pat@partner.example",))
    assert s.health.mailbox_silent_after == timedelta(minutes=5)
    assert s.max_stakeholders == 50


def test_warnings_say_forged_from_is_trusted_without_authserv_id(tmp_path: Path) -> None:
    s = config.load(write(tmp_path, MINIMAL), env={})
    [line] = config.warnings(s)
    assert "trusted_authserv_id" in line and "forged" in line
    trusted = MINIMAL.replace("[organization]\n",
                              "[organization]\ntrusted_authserv_id = \"mx.acme.test\"\n")
    assert config.warnings(config.load(write(tmp_path, trusted), env={})) == []


def test_the_bare_mailbox_address_reaches_the_parser_and_message_ids(tmp_path: Path) -> None:
    from escalator.service.intake import parse_settings
    from escalator.service.outbox import message_domain

    text = MINIMAL + '[smtp]\nfrom_address = "Escalations <Escalations@Acme.test>"\n'
    s = config.load(write(tmp_path, text), env={})
    ps = parse_settings(s)
    assert (ps.mailbox_address, ps.message_id_domain) == ("escalations@acme.test", "acme.test")
    assert message_domain(s) == "acme.test"
