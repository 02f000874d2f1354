"""Held-open connections against the dashboard of `escalator run`: how many file
descriptors the process holds, and whether intake and the dashboard go on working.

    .venv/bin/python bench/web_connections.py [--connections 1000] [--nofile 1024]
        [--code DIR]    (DIR: another checkout to measure, e.g. the http.server one)

`run` starts with RLIMIT_NOFILE soft limit --nofile (1024 is systemd's default), takes mail
on its SMTP intake, and delivers to an aiosmtpd here. The bench opens --connections
sockets to the dashboard, each sending half a request and holding on; while they are held
it hands 5 escalations to the intake and asks /healthz; then it closes them and asks again.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.cli import LADDER  # noqa: E402
from tests.support.samples import raw_email  # noqa: E402
from tests.support.smtp_server import SmtpServer  # noqa: E402
from tests.support.tls import free_port  # noqa: E402


def fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def healthz(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            return str(r.status)
    except Exception as e:  # what a probe would see
        return type(e).__name__ + (f" {e.code}" if hasattr(e, "code") else "")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--nofile", type=int, default=1024)
    ap.add_argument("--code", default="")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, args.connections + 256), hard))
    web, intake = free_port(), free_port()
    env = dict(os.environ, PYTHONPATH=args.code or str(ROOT))
    with tempfile.TemporaryDirectory() as tmp, SmtpServer() as relay:
        config = Path(tmp) / "config.toml"
        ladder = "\n".join(f'{k} = "{v}"' for k, v in LADDER.items())
        config.write_text(f"""[database]\nurl = "sqlite:///{tmp}/esc.db"
[smtp]\nhost = "127.0.0.1"\nport = {relay.port}\nfrom_address = "escalations@example.com"
[smtp_intake]\nhost = "127.0.0.1"\nport = {intake}
[web]\nport = {web}
[organization]\ninternal_domains = ["example.com"]
[ladder]\n{ladder}\n""")
        subprocess.run([sys.executable, "-m", "escalator.cli", "init-db", "--config",
                        str(config)], cwd=tmp, env=env, check=True, capture_output=True)

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (args.nofile, hard))

        proc = subprocess.Popen([sys.executable, "-m", "escalator.cli", "run", "--config",
                                 str(config)], cwd=tmp, env=env, preexec_fn=limit,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            while healthz(web) != "200":
                if proc.poll() is not None:
                    raise SystemExit(f"run exited {proc.returncode}: {proc.communicate()[1]}")
                time.sleep(0.1)
            base = fds(proc.pid)
            peak = [base]
            sampling = threading.Event()

            def sample() -> None:
                while not sampling.is_set():
                    try:
                        peak[0] = max(peak[0], fds(proc.pid))
                    except OSError:
                        return
                    time.sleep(0.005)

            sampler = threading.Thread(target=sample)
            sampler.start()
            held, refused = [], 0
            for _ in range(args.connections):
                try:
                    s = socket.create_connection(("127.0.0.1", web), timeout=5)
                    s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    held.append(s)
                except OSError:
                    refused += 1
            time.sleep(1.0)
            sampling.set()
            sampler.join()
            holding = fds(proc.pid)
            during = healthz(web)
            sent = 0
            for n in range(1, 6):
                try:
                    with smtplib.SMTP("127.0.0.1", intake, timeout=10) as c:
                        c.sendmail(f"csm{n}@example.com", ["escalations@example.com"],
                                   raw_email(n))
                        sent += 1
                except Exception as e:
                    print(f"  intake of escalation {n} failed: {type(e).__name__}: {e}")
            states = [_state(s) for s in held]
            for s in held:
                s.close()
            time.sleep(1.0)
            after = healthz(web)
            listed = subprocess.run(
                [sys.executable, "-m", "escalator.cli", "list", "--json", "--config",
                 str(config)], cwd=tmp, env=env, capture_output=True, text=True,
            ).stdout.count('"id"')
            print(f"connections opened {len(held)} (refused at connect {refused}); after 1 s: "
                  f"{states.count('held')} held, {states.count('503')} answered 503, "
                  f"{states.count('closed')} closed")
            print(f"run's fds: {base} at rest, {peak[0]} at most while they opened, {holding} "
                  f"while held (soft limit {args.nofile})")
            print(f"/healthz while held: {during}; after they closed: {after}")
            print(f"escalations handed to intake {sent}/5, recorded {listed}")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                err = proc.communicate(timeout=30)[1]
            except subprocess.TimeoutExpired:
                proc.kill()
                err = proc.communicate()[1]
            errors = [line for line in err.splitlines() if "Too many open files" in line]
            print(f"run exited {proc.returncode}; 'Too many open files' in its log: "
                  f"{len(errors)} lines")


def _state(s: socket.socket) -> str:
    s.setblocking(False)
    try:
        data = s.recv(64, socket.MSG_PEEK)
    except BlockingIOError:
        return "held"
    except OSError:
        return "closed"
    return "503" if data.startswith(b"HTTP/1.1 503") else "closed" if not data else "other"


if __name__ == "__main__":
    main()
