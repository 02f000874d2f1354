"""The dashboard's HTTP edge on a known world, SQLite and PostgreSQL: the Host allow-list
(DNS rebinding), ids that do not fit, no caller's input in a header, and the connection
limits that keep held-open sockets from taking the process's file descriptors."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator

import pytest

from escalator import config
from escalator.errors import ConfigError
from escalator.settings import Settings, WebSettings
from escalator.web import Dashboard
from escalator.web_config import allowed_hosts
from tests.web.test_dashboard import get, serve


@pytest.fixture
def world(database_url: str) -> Iterator[tuple[object, Settings]]:
    from tests.reports.sample import populate

    db, settings = populate(database_url)
    yield db, settings
    db.dispose()


def ask(server: Dashboard, path: str, host: str | None = None) -> tuple[int, str, dict[str, str]]:
    connection = http.client.HTTPConnection(*server.server_address, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host} if host else {})
        response = connection.getresponse()
        return response.status, response.read().decode(), {
            k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def test_a_foreign_host_name_is_refused_everywhere_but_healthz(
        world: tuple[object, Settings]) -> None:
    server = serve(world)
    try:
        port = server.server_address[1]
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", "LOCALHOST", f"[::1]:{port}"):
            assert ask(server, "/", host)[0] == 200, host
        for path in ("/", "/readyz", "/metrics", "/escalations/ESC-1"):
            code, body, headers = ask(server, path, f"rebound.evil.example:{port}")
            assert code == 400 and "rebound" not in body, path
            assert headers["content-security-policy"].startswith("default-src 'none'")
        assert ask(server, "/healthz", "rebound.evil.example")[:2] == (200, "ok\n")
    finally:
        server.shutdown()
    server = serve(world, allowed_hosts=("escalator.example.com",))
    try:
        assert ask(server, "/", "escalator.example.com")[0] == 200
        assert ask(server, "/", "127.0.0.1")[0] == 400  # the list replaces the defaults
    finally:
        server.shutdown()


def test_ids_that_do_not_exist_or_do_not_fit_are_404(world: tuple[object, Settings]) -> None:
    server = serve(world)
    try:
        for ref in ("ESC-99", "ESC-99999999999999999999", "99999999999", "ESC-0", "ESC-1x",
                    "-1", "%E2%80%8B1", "ESC-%00"):
            code, html, _ = get(f"{server.url}/escalations/{ref}")
            assert code == 404 and "no such escalation" in html, ref
        assert get(server.url + "/escalations/esc-1")[0] == 200
        assert get(server.url + "/escalations/1")[0] == 200
    finally:
        server.shutdown()


def test_no_caller_input_in_a_response_header(world: tuple[object, Settings]) -> None:
    server = serve(world, token="s3cret")
    try:
        code, _, headers = ask(server, "//evil.example/x?token=s3cret&a=%0d%0aSet-Cookie:%20x=1")
        assert code == 303
        assert headers["location"] == "/evil.example/x?a=%0D%0ASet-Cookie%3A+x%3D1"
        assert headers["set-cookie"].startswith("escalator_token=s3cret;")
        code, _, headers = ask(server, "/x%0d%0aSet-Cookie:%20y=2?token=s3cret")
        assert code == 303 and headers["location"] == "/x%0D%0ASet-Cookie%3A%20y%3D2"
        code, body, headers = ask(server, "/nothing%3Cb%3E", "127.0.0.1")
        assert code == 401 and "<b>" not in body
    finally:
        server.shutdown()


def test_connections_past_the_cap_get_503_and_the_dashboard_answers_after(
        world: tuple[object, Settings]) -> None:
    server = serve(world, max_connections=5, header_timeout_seconds=1)
    held: list[socket.socket] = []
    try:
        for _ in range(5):
            s = socket.create_connection(server.server_address, timeout=10)
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers never finished
            held.append(s)
        extra = socket.create_connection(server.server_address, timeout=10)
        assert extra.recv(4096).startswith(b"HTTP/1.1 503 ")
        assert extra.recv(4096) == b""  # and closed
        extra.close()
        for s in held:  # the header timeout closes each slow one
            assert s.recv(4096) == b""
        assert get(server.url + "/")[0] == 200
    finally:
        for s in held:
            s.close()
        server.shutdown()


BASE = {"organization": {"internal_domains": ["example.com"]},
        "ladder": {k: f"{k}@example.com" for k in ("manager", "director", "vp", "executive")}}


@pytest.mark.parametrize(("web", "message"), [
    ({"allowed_hosts": "x.example.com"}, "[web] allowed_hosts: must be a list of host names"),
    ({"allowed_hosts": ["x.example.com:80"]}, "[web] allowed_hosts: 'x.example.com:80' is not"),
    ({"allowed_hosts": ["https://x.example.com"]}, "[web] allowed_hosts: 'https://x.example"),
    ({"max_connections": 0}, "[web] max_connections: must be a whole number, at least 1"),
    ({"header_timeout_seconds": "5"}, "[web] header_timeout_seconds: must be a whole number"),
])
def test_web_limits_config_errors_are_one_line(web: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as e:
        config.from_dict({**BASE, "web": web}, "config.toml")
    assert str(e.value).startswith(f"config.toml: {message}") and "\n" not in str(e.value)


def test_default_hosts() -> None:
    assert allowed_hosts(WebSettings()) == {"localhost", "127.0.0.1", "::1"}
    assert allowed_hosts(WebSettings(host="10.0.0.5", token="t")) == {
        "localhost", "127.0.0.1", "::1", "10.0.0.5"}
    assert allowed_hosts(WebSettings(host="0.0.0.0", token="t")) == {
        "localhost", "127.0.0.1", "::1"}
    s = config.from_dict({**BASE, "web": {"allowed_hosts": ["Esc.Example.com."]}}, "c.toml")
    assert allowed_hosts(s.web) == {"esc.example.com"}
