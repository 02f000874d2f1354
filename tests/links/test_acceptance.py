"""Acceptance for issue 14's links, from outside: `escalator run` takes an escalation from
Dovecot and mails the real SMTP test server; a plain HTTP client (urllib, no browser, no
cookies) follows the links in the emails it received. GET changes nothing; the form's POST
applies the action once, recorded via link, and the recap goes out; a token changed by
one character is refused. Each recipient's copy went to them alone."""

from __future__ import annotations

import os
import re
import stat
import time
import urllib.error
import urllib.parse
import urllib.request
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests.integration.test_run import _running, _still_running
from tests.support.cli import Cli, write_config
from tests.support.dovecot import Account
from tests.support.smtp_server import SmtpServer
from tests.support.tls import free_port

pytestmark = pytest.mark.integration
WAIT = 60.0  # generous: this proves the wiring, not the speed
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/a/[A-Za-z0-9_.-]+)")


def http(url: str, form: dict[str, str] | None = None) -> tuple[int, str]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=20) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def words(page: str) -> str:
    return BeautifulSoup(page, "html.parser").get_text(" ", strip=True)


def post_form(url: str, page: str) -> tuple[int, str]:
    """Submit the page's one form as a browser would: its action, its fields."""
    form = BeautifulSoup(page, "html.parser").find("form")
    assert form is not None, "no form on the page"
    fields = {str(i["name"]): str(i.get("value", "")) for i in form.find_all("input")}
    return http(urllib.parse.urljoin(url, str(form["action"])), fields)


def wait_for(smtp: SmtpServer, proc: Any, test: Any, what: str) -> list[EmailMessage]:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = [m.message() for m in list(smtp.messages) if test(m)]
        if found:
            return found
        _still_running(proc)
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {WAIT} s")


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def links_in(msg: EmailMessage) -> dict[str, str]:
    found = {}
    for line in text_of(msg).splitlines():
        m = LINK.search(line)
        if m:
            found[line[:m.start()].strip()] = m.group(1)
    html = msg.get_body(("html",))
    assert html is not None
    assert sorted(LINK.findall(str(html.get_content()))) == sorted(found.values())
    return found


def escalation(cli: Cli) -> dict[str, Any]:
    shown: dict[str, Any] = cli.json("show", "ESC-1")
    return shown


def test_a_plain_client_follows_the_links_of_the_emails_it_received(
        tmp_path: Path, database_url: str, dovecot: Account, smtp_server: SmtpServer) -> None:
    port = free_port()
    config = write_config(tmp_path / "config.toml", database_url, dovecot.settings(),
                          smtp_server.settings(),
                          f'\n[web]\nport = {port}\npublic_url = "http://127.0.0.1:{port}/"\n')
    cli = Cli(config)
    cli.run("init-db")
    msg = EmailMessage()
    msg["From"] = "Carla CSM <carla.csm@example.com>"
    msg["To"] = "escalations@example.com"
    msg["Cc"] = "Pat Peer <pat.peer@example.com>"
    msg["Subject"] = "Escalation: Initech – Invoices wrong again"
    msg["Message-ID"] = "<accept-1@mail.example.com>"
    msg.set_content("Issue: invoices wrong for the third month\nSeverity: 2\n")
    dovecot.append("INBOX", bytes(msg))
    with _running(cli) as proc:
        [notice] = wait_for(smtp_server, proc, lambda m: ".new." in m.data.decode(
            "latin-1").split("Message-ID:", 1)[1][:80], "new-escalation notice")
        director = "dan.director@example.com"
        [copy] = [m for m in smtp_server.messages if m.message() is not None
                  and str(m.message()["Message-ID"]) == str(notice["Message-ID"])]
        assert copy.rcpt_tos == (director,)  # the envelope: that one person
        links = links_in(notice)
        assert set(links) == {"Acknowledge", "Working", "Waiting on customer", "Done"}
        key = tmp_path / "web-secret.key"  # made on first use, readable by its owner only
        assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
        before = escalation(cli)
        assert before["acknowledged_at"] is None and before["status"] == "open"

        for label, url in links.items():  # GET, as every scanner does: nothing changes
            code, page = http(url)
            assert code == 200 and "ESC-1" in page and "<form" in page, label
        assert escalation(cli) == before

        url = links["Acknowledge"]
        cut = url.index("/a/") + 10
        tampered = url[:cut] + ("x" if url[cut] != "x" else "y") + url[cut + 1:]
        code, page = http(tampered)
        assert code == 403 and "This link cannot be used" in page and "<form" not in page
        _, good_page = http(url)
        fields = {str(i["name"]): str(i.get("value", "")) for i in
                  BeautifulSoup(good_page, "html.parser").find_all("input")}
        assert http(tampered, fields)[0] == 403  # the right form, the wrong token
        assert escalation(cli) == before

        code, page = post_form(url, good_page)  # the form's POST acts
        assert code == 200
        assert "Done: acknowledged by dan.director@example.com" in words(page)
        after = escalation(cli)
        assert after["acknowledged_at"] is not None
        [ack] = [e for e in after["events"] if e["kind"] == "ack"]
        assert (ack["actor"], ack["detail"]) == (
            director, "acknowledged by dan.director@example.com (via link)")
        code, page = post_form(url, good_page)  # the same POST again
        assert code == 410 and "used already" in page
        assert escalation(cli)["events"] == after["events"]

        def recap(m: Any) -> bool:
            return "Recap: acknowledged by" in str(m.message()["Subject"])

        deadline = time.monotonic() + WAIT
        while len(recaps := wait_for(smtp_server, proc, recap, "recap")) < 3 \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        people = {a for _, a in getaddresses([str(recaps[0]["To"]), str(recaps[0]["Cc"])])}
        assert {director, "carla.csm@example.com", "pat.peer@example.com"} <= people
        envelopes = [m.rcpt_tos for m in smtp_server.messages if recap(m)]
        assert all(len(e) == 1 for e in envelopes) and len(envelopes) == len(people)
        assert len({str(m["Message-ID"]) for m in recaps}) == len(recaps)
        assert len({str(m["In-Reply-To"]) for m in recaps}) == 1  # one thread
        assert "acknowledged by dan.director@example.com" in text_of(recaps[0])
