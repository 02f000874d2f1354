"""A real, throwaway Dovecot for the IMAP tests.

One `Dovecot` runs on 127.0.0.1 (a free port) out of a short temp dir: passwd-file users
(added while it runs: Dovecot re-reads the file when it changes), maildir homes owned by
uid 65534 (Dovecot refuses uid 0 for mail), in the foreground (-F) so SIGTERM stops it.
`ssl=True` adds a self-signed certificate: STARTTLS on the plain port and an IMAPS port.

The helpers (append, messages, folders, create_folder) talk IMAP through imapclient
directly, not through mailer/, so a test checks the code under test with other code.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import ssl as ssl_module
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient  # type: ignore[import-untyped]

from escalator.settings import ImapSettings
from tests.support.tls import SelfSignedCert, free_port

DOVECOT_BINARY = os.environ.get("DOVECOT", "/usr/sbin/dovecot")
MAIL_UID = 65534  # nobody/nogroup
PASSWORD = "secret"
POOL_SIZE = 500

_CONFIG = """\
instance_name = escalator-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = 127.0.0.1
protocols = imap
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
# every test logs in from 127.0.0.1: no slow-down after the wrong-password tests
auth_failure_delay = 0
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
ssl = {ssl}
{ssl_files}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={uid} home={root}/home/%u
}}
first_valid_uid = 1
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
}}
{extra}
"""


def _descendants(pid: int) -> list[int]:
    """The pids below `pid` (Linux /proc), deepest last."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:  # a process that exits meanwhile takes its /proc folder along
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


class DovecotMissing(RuntimeError):
    """Dovecot is not installed: a clear failure, never a silent skip."""


@dataclass(frozen=True)
class Account:
    """One mail user on a running Dovecot (the unit a test gets)."""

    server: Dovecot
    user: str
    password: str = PASSWORD

    def settings(self, **overrides: object) -> ImapSettings:
        return self.server.settings(self.user, **overrides)

    def append(self, folder: str, raw: bytes) -> None:
        self.server.append(self.user, folder, raw)

    def messages(self, folder: str = "INBOX") -> list[bytes]:
        return self.server.messages(self.user, folder)

    def folders(self) -> list[str]:
        return self.server.folders(self.user)

    def create_folder(self, folder: str) -> None:
        self.server.create_folder(self.user, folder)


class Dovecot:
    """Start with `start()` (or `with Dovecot() as d:`); every helper takes the user."""

    def __init__(self, *, ssl: bool = False, extra_config: str = "") -> None:
        if not os.access(DOVECOT_BINARY, os.X_OK):
            raise DovecotMissing(
                f"{DOVECOT_BINARY} not found: the IMAP tests need a real Dovecot "
                "(apt-get install -y dovecot-imapd, or set DOVECOT=/path/to/dovecot)"
            )
        # short path: Dovecot's unix sockets live under it and must stay < 108 bytes
        self.root = Path(tempfile.mkdtemp(prefix="dc-", dir="/tmp"))
        self.root.chmod(0o755)  # the login and mail processes must traverse it
        (self.root / "home").mkdir()
        os.chown(self.root / "home", MAIL_UID, MAIL_UID)
        (self.root / "users").write_text(
            "".join(f"user{n}:{{PLAIN}}{PASSWORD}\n" for n in range(1, POOL_SIZE + 1))
        )
        self.port = free_port()
        self.imaps_port = free_port() if ssl else 0
        self.cert = SelfSignedCert(self.root) if ssl else None
        ssl_files = (
            f"ssl_cert = <{self.cert.cert_path}\nssl_key = <{self.cert.key_path}"
            if self.cert
            else ""
        )
        (self.root / "dovecot.conf").write_text(
            _CONFIG.format(
                port=self.port, imaps_port=self.imaps_port, root=self.root, uid=MAIL_UID,
                ssl="yes" if ssl else "no", ssl_files=ssl_files, extra=extra_config,
            )
        )
        self._process: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)

    # -- lifecycle ---------------------------------------------------------------
    def start(self, timeout: float = 15.0) -> Dovecot:
        conf = str(self.root / "dovecot.conf")
        self._process = subprocess.Popen(
            [DOVECOT_BINARY, "-F", "-c", conf],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5) as s:
                    if s.recv(64).startswith(b"* OK"):
                        return self
            except OSError:
                pass
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode() if self._process.stderr else ""
                raise RuntimeError(f"dovecot exited at start: {err.strip()} {self.log()}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"dovecot not ready after {timeout} s: {self.log()}")
            time.sleep(0.02)

    def stop(self) -> None:
        """SIGTERM the master, then its leftover imap processes: every connection drops."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        children = _descendants(process.pid)  # imap processes outlive the master otherwise
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if process.stderr:
            process.stderr.close()

    def restart(self) -> None:
        """Stop and start on the same port; open connections are dropped."""
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    # -- users -------------------------------------------------------------------
    def add_user(self) -> Account:
        """A fresh, empty user; its password is also accepted as its XOAUTH2 token."""
        n = next(self._names)
        if n > POOL_SIZE:  # past the pool: add one and wait out Dovecot's 1 s re-read
            with open(self.root / "users", "a") as f:
                f.write(f"user{n}:{{PLAIN}}{PASSWORD}\n")
            time.sleep(1.1)
        return Account(self, f"user{n}")

    def settings(self, user: str, **overrides: object) -> ImapSettings:
        values: dict[str, object] = dict(
            host="127.0.0.1", port=self.port, username=user, password=PASSWORD,
            ssl=False, starttls=False, poll_seconds=1,
        )
        values.update(overrides)
        return ImapSettings(**values)  # type: ignore[arg-type]

    def ssl_context(self) -> ssl_module.SSLContext:
        if self.cert is None:
            raise RuntimeError("this Dovecot was started without ssl")
        return self.cert.client_context()

    # -- mailbox helpers ---------------------------------------------------------
    def _client(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=30)
        client.login(user, PASSWORD)
        return client

    def append(self, user: str, folder: str, raw: bytes) -> None:
        with self._client(user) as c:
            if folder != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            c.append(folder, raw)

    def messages(self, user: str, folder: str = "INBOX") -> list[bytes]:
        """The raw messages of a folder, oldest first, \\Deleted ones left out."""
        with self._client(user) as c:
            if not c.folder_exists(folder):
                return []
            c.select_folder(folder, readonly=True)
            uids = c.search(["UNDELETED"])
            fetched = c.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            return [fetched[uid][b"BODY[]"] for uid in sorted(fetched)]

    def folders(self, user: str) -> list[str]:
        with self._client(user) as c:
            return sorted(str(name) for _flags, _sep, name in c.list_folders())

    def create_folder(self, user: str, folder: str) -> None:
        with self._client(user) as c:
            c.create_folder(folder)

    def capabilities(self, user: str) -> list[str]:
        """What the server offers after login (for servers built without MOVE, say)."""
        with self._client(user) as c:
            return [cap.decode() for cap in c.capabilities()]
