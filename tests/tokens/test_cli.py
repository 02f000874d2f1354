"""Through the CLI, as a person sets it up and leaves it running: `auth login` (device code),
`auth status`, and `escalator run` / `poll --once` on a Microsoft 365-style delegated sign-in
against the loopback OAuth2 server, Dovecot (oauth2 passdb) and aiosmtpd (XOAUTH2)."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from escalator.db import Database
from models import OutboxMessage
from tests.support.cli import LADDER, Cli
from tests.support.dovecot import Account, Dovecot
from tests.support.oauth_server import OAuthServer
from tests.support.samples import raw_email
from tests.support.smtp_server import Received, SmtpServer
from tests.support.tls import free_port

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")]
WAIT = 30.0
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
ADMIN = "ops@example.com"
SENDER = "escalations@example.com"  # [smtp] signs in as an app of its own: it still works


def _config(tmp_path: Path, url: str, account: Account, smtp: SmtpServer, oauth: OAuthServer,
            web_port: int = 0) -> Cli:
    oauth_keys = (f'oauth2_flow = "microsoft-delegated"\noauth2_tenant = "{oauth.tenant}"\n'
                  f'oauth2_client_id = "escalator-cli"\noauth2_authority = "{oauth.base}"\n'
                  'oauth2_key_file = "token.key"\n')
    ladder = "\n".join(f'{k} = "{v}"' for k, v in LADDER.items())
    path = tmp_path / "config.toml"
    path.write_text(f"""
[database]
url = "{url}"

[imap]
host = "127.0.0.1"
port = {account.server.port}
username = "{account.user}"
ssl = false
processed_folder = "Processed"
failed_folder = "Failed"
poll_seconds = 1
{oauth_keys}
[smtp]
host = "127.0.0.1"
port = {smtp.port}
username = "{account.user}"
from_address = "escalations@example.com"
timeout_seconds = 10
{oauth_keys}
[organization]
internal_domains = ["example.com"]

[ladder]
{ladder}

[web]
port = {web_port or free_port()}
""")
    oauth.add_client("escalator-cli", None, DEVICE_CODE, "refresh_token")
    oauth.add_user(account.user)
    cli = Cli(path)
    cli.run("init-db")
    return cli


def _login(cli: Cli, oauth: OAuthServer, user: str) -> str:
    """`escalator auth login`: read the code it prints, approve it as the person would."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "escalator.cli", "auth", "login", "--config", str(cli.config)],
        cwd=cli.config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        found = re.search(r"enter the code (\S+?)\.?$", line.strip())
        if found:
            assert "/devicelogin" in line
            oauth.approve(found.group(1), user)
            break
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, f"{''.join(lines)}{out}\n{err}"
    return "".join(lines) + out


@pytest.fixture
def signed_in(tmp_path: Path, database_url: str, oauth_dovecot: Dovecot,
              oauth_smtp_server: SmtpServer, oauth: OAuthServer) -> tuple[Cli, Account]:
    account = oauth_dovecot.add_user()
    cli = _config(tmp_path, database_url, account, oauth_smtp_server, oauth)
    out = _login(cli, oauth, account.user)
    assert "signed in; the refresh token is stored" in out
    return cli, account


def test_auth_login_device_code_then_status(signed_in: tuple[Cli, Account],
                                            oauth: OAuthServer) -> None:
    cli, account = signed_in
    key = cli.config.parent / "token.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600  # made by `auth login`
    assert len(oauth.grants(DEVICE_CODE)) == 1  # one sign-in serves [imap] and [smtp]

    status = cli.run("auth", "status")
    assert f"[imap] {account.user}: microsoft-delegated, account {account.user}; " \
           "access token expires " in status.stdout
    assert status.stdout.rstrip().endswith("refresh works")
    [row] = json.loads(cli.run("auth", "status", "--json").stdout)
    assert (row["flow"], row["refresh_ok"], row["error"]) == ("microsoft-delegated", True, None)
    assert len(oauth.grants("refresh_token")) == 2  # each status used the refresh token once


@contextmanager
def _running(cli: Cli) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "escalator.cli", "-v", "run", "--config", str(cli.config)],
        cwd=cli.config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=WAIT)


def _wait_for(what: str, done: object, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if done():  # type: ignore[operator]
            return
        if proc.poll() is not None:
            raise AssertionError(f"escalator run exited: {proc.communicate()}")
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {WAIT} s")


def _acked(smtp: SmtpServer, n: int) -> bool:
    return any(f"csm{n}@example.com" in m.rcpt_tos for m in list(smtp.messages))


def test_run_renews_an_expired_token_and_intake_goes_on_after_a_restart(
        signed_in: tuple[Cli, Account], oauth: OAuthServer, oauth_dovecot: Dovecot,
        oauth_smtp_server: SmtpServer) -> None:
    cli, account = signed_in
    with _running(cli) as proc:
        account.append("INBOX", raw_email(1))
        _wait_for("ack 1", lambda: _acked(oauth_smtp_server, 1), proc)
        refreshes = len(oauth.grants("refresh_token"))
        oauth.expire_access_tokens()  # the hour is up while it runs
        oauth_dovecot.restart()  # the IDLE session drops: the next login needs a new token
        account.append("INBOX", raw_email(2))
        _wait_for("ack 2", lambda: _acked(oauth_smtp_server, 2), proc)
    assert len(oauth.grants("refresh_token")) == refreshes + 1  # IMAP and SMTP shared it
    assert [e["id"] for e in cli.json("list")] == ["ESC-1", "ESC-2"]

    # a restart: the rotated refresh token (the first one is dead now) comes from the database
    oauth.expire_access_tokens()
    account.append("INBOX", raw_email(3))
    assert "1 processed" in cli.run("poll", "--once").stdout
    assert _acked(oauth_smtp_server, 3)
    [*_, first, last] = oauth.grants("refresh_token")
    assert last.refresh_token != first.refresh_token


def test_revoked_refresh_token_stops_intake_loudly_and_loses_nothing(
        signed_in: tuple[Cli, Account], oauth: OAuthServer, oauth_dovecot: Dovecot,
        oauth_smtp_server: SmtpServer) -> None:
    cli, account = signed_in
    oauth.revoke(account.user)  # a password reset
    oauth_dovecot.restart()
    account.append("INBOX", raw_email(1))

    proc = cli.run("poll", "--once", check=False)
    assert proc.returncode == 1
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(f"escalator: microsoft-delegated for {account.user}: refresh "
                           "refused: invalid_grant")
    assert line.endswith("(sign in again: escalator auth login)")
    assert len(account.messages("INBOX")) == 1  # still there, for after the new sign-in

    web = free_port()
    text = cli.config.read_text().replace("[organization]\n",
                                          f'[organization]\nadmins = ["{ADMIN}"]\n')
    cli.config.write_text(re.sub(r"\[web\]\nport = \d+", f"[web]\nport = {web}", text))
    with _running(cli) as run:
        ready: dict[str, object] = {}

        def readyz_names_it() -> bool:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{web}/readyz", timeout=2)
            except urllib.error.HTTPError as e:
                ready.update(json.loads(e.read()))
            except OSError:
                return False
            return "invalid_grant" in json.dumps(ready) and bool(_outbox_alerts(cli))

        _wait_for("/readyz naming the token, the alert written", readyz_names_it, run)
        run.send_signal(signal.SIGTERM)
        _, err = run.communicate(timeout=WAIT)
    [logged] = [line for line in err.splitlines() if "escalator.oauth" in line]
    assert "invalid_grant" in logged  # one line, however often the poller tried again
    assert len(account.messages("INBOX")) == 1
    # [smtp] signs in with the same refused grant: the alert waits in the outbox, said so
    [(state, body)] = _outbox_alerts(cli)
    assert state == "pending" and "this alert waits in the outbox" in body
    assert not [m for m in oauth_smtp_server.messages if ADMIN in m.rcpt_tos]

    status = cli.run("auth", "status", check=False)
    assert status.returncode == 1 and "REFRESH FAILS" in status.stdout
    asked = len(oauth.grants("refresh_token"))
    assert "invalid_grant" in status.stdout and asked == len(oauth.grants("refresh_token"))

    # signing in again is all it takes
    _login(cli, oauth, account.user)
    assert "1 processed" in cli.run("poll", "--once").stdout
    assert account.messages("INBOX") == []




def _outbox_alerts(cli: Cli) -> list[tuple[str, str]]:
    """(status, text) of the admin alerts in the outbox, read from the database."""
    url = re.search(r'url = "([^"]+)"', cli.config.read_text())
    assert url is not None
    db = Database(url.group(1))
    try:
        with db.transaction() as session:
            return [(r.status, r.text_body) for r in session.execute(
                select(OutboxMessage.status, OutboxMessage.text_body)
                .where(OutboxMessage.kind == "alert").order_by(OutboxMessage.id))]
    finally:
        db.dispose()


def _alerts(smtp: SmtpServer) -> list[Received]:
    return [m for m in list(smtp.messages) if ADMIN in m.rcpt_tos]


@contextmanager
def _running_logged(cli: Cli, log: Path) -> Iterator[subprocess.Popen[str]]:
    """`escalator -v run` with its log in a file the test reads while it runs."""
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "escalator.cli", "-v", "run", "--config", str(cli.config)],
            cwd=cli.config.parent, stdout=subprocess.DEVNULL, stderr=err, text=True)
        try:
            yield proc
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=WAIT)


def test_revoked_refresh_token_mails_the_admins_once_an_hour_through_working_smtp(
        signed_in: tuple[Cli, Account], oauth: OAuthServer, oauth_dovecot: Dovecot,
        oauth_smtp_server: SmtpServer, tmp_path: Path) -> None:
    cli, account = signed_in
    oauth.add_client("alerts-app", "s3cret", "client_credentials", mailbox=SENDER)
    head, rest = cli.config.read_text().split("[smtp]\n")
    _, tail = rest.split("[organization]\n")
    cli.config.write_text(
        f'{head}[smtp]\nhost = "127.0.0.1"\nport = {oauth_smtp_server.port}\n'
        f'username = "{SENDER}"\nfrom_address = "{SENDER}"\ntimeout_seconds = 10\n'
        f'oauth2_flow = "microsoft-app"\noauth2_tenant = "{oauth.tenant}"\n'
        f'oauth2_client_id = "alerts-app"\noauth2_client_secret = "s3cret"\n'
        f'oauth2_authority = "{oauth.base}"\n\n'
        f'[organization]\nadmins = ["{ADMIN}"]\n{tail}')
    oauth.revoke(account.user)  # a password reset
    oauth_dovecot.restart()
    account.append("INBOX", raw_email(1))

    with _running_logged(cli, tmp_path / "run1.log") as run:
        _wait_for("the admin alert", lambda: _alerts(oauth_smtp_server), run)
    [alert] = _alerts(oauth_smtp_server)
    mail = alert.message()
    assert mail["Subject"] == f"[Escalator alert] the sign-in of {account.user} was refused " \
                              "for good"
    body = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"{account.user} (microsoft-delegated, [imap]) since " in body
    assert "refresh refused: invalid_grant" in body and "escalator auth login" in body
    assert len(account.messages("INBOX")) == 1  # nothing read, nothing lost

    # a restart within the hour: the grant is refused again, the alert is not repeated
    log = tmp_path / "run2.log"
    with _running_logged(cli, log) as run:
        _wait_for("the alert held back", lambda: "admin alert (token) not repeated"
                  in log.read_text(), run)
    assert "invalid_grant" in log.read_text()
    assert len(_alerts(oauth_smtp_server)) == 1
    assert [state for state, _ in _outbox_alerts(cli)] == ["sent"]  # one written, sent
    assert len(account.messages("INBOX")) == 1


def test_two_instances_on_one_database_refresh_once(
        signed_in: tuple[Cli, Account], oauth: OAuthServer) -> None:
    cli, _ = signed_in
    oauth.expire_access_tokens()
    before = len(oauth.grants("refresh_token"))
    polls = [subprocess.Popen(
        [sys.executable, "-m", "escalator.cli", "poll", "--once", "--config", str(cli.config)],
        cwd=cli.config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)]
    results = [p.communicate(timeout=WAIT) + (p.returncode,) for p in polls]
    assert [code for _, _, code in results] == [0, 0], results
    assert len(oauth.grants("refresh_token")) == before + 1  # one won; the other read it


def test_auth_login_google_consent_then_poll(
        tmp_path: Path, database_url: str, oauth_dovecot: Dovecot,
        oauth_smtp_server: SmtpServer, oauth: OAuthServer) -> None:
    """The installed-app consent: a link printed, the browser sent back to a loopback port."""
    account = oauth_dovecot.add_user()
    cli = _config(tmp_path, database_url, account, oauth_smtp_server, oauth)
    google = (f'oauth2_flow = "google-installed"\noauth2_client_id = "desktop-1"\n'
              f'oauth2_client_secret = "desktop-secret"\n'
              f'oauth2_token_uri = "{oauth.token_uri}"\n'
              f'oauth2_auth_uri = "{oauth.base}/authorize"\noauth2_key_file = "token.key"\n')
    text = re.sub(r'oauth2_flow = "microsoft-delegated"\n(oauth2_[a-z_]+ = "[^"]*"\n)+',
                  google, cli.config.read_text())
    cli.config.write_text(text)
    oauth.add_client("desktop-1", "desktop-secret", "authorization_code", "refresh_token")
    oauth.consent_as(account.user)

    proc = subprocess.Popen(
        [sys.executable, "-m", "escalator.cli", "auth", "login", "--config", str(cli.config)],
        cwd=cli.config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip().startswith(f"{oauth.base}/authorize?"):
            break
    else:
        raise AssertionError(f"no consent link: {proc.communicate()}")
    link = line.strip()
    assert "code_challenge=" in link and "access_type=offline" in link
    back = _browser(link, oauth)  # the browser: consent, then the redirect to the CLI
    assert back.startswith("http://localhost:")
    urllib.request.urlopen(back.replace("localhost", "127.0.0.1", 1), timeout=WAIT).read()
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 0, f"{out}\n{err}"
    assert "refresh token works and is stored" in out
    [row] = json.loads(cli.run("auth", "status", "--json").stdout)
    assert (row["flow"], row["refresh_ok"]) == ("google-installed", True)

    account.append("INBOX", raw_email(1))
    assert "1 processed" in cli.run("poll", "--once").stdout
    assert _acked(oauth_smtp_server, 1)


def _browser(link: str, oauth: OAuthServer) -> str:
    """GET the consent link; return where the authorization server sends the browser."""
    import ssl

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(
        Stay, urllib.request.HTTPSHandler(context=ssl.create_default_context(
            cafile=oauth.ca_file)))
    try:
        opener.open(link, timeout=WAIT)
    except urllib.error.HTTPError as e:
        assert e.code == 302, e.read()
        return str(e.headers["Location"])
    raise AssertionError("no redirect")
