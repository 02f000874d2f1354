"""A real OAuth2 authorization server on 127.0.0.1 (HTTPS), built on Authlib's server core.

Authlib's grants and endpoints do the protocol (RFC 6749 refresh and client credentials,
RFC 8628 device code, RFC 7523 JWT bearer for Google service accounts, RFC 7662
introspection for Dovecot); this file keeps their records in memory and adapts
http.server to them. It serves what msal and google-auth look for:

    GET  /{tenant}/v2.0/.well-known/openid-configuration     (msal's tenant discovery)
    POST /{tenant}/oauth2/v2.0/token, /token                 every grant
    POST /{tenant}/oauth2/v2.0/devicecode                    device authorization
    POST /introspect                                         Dovecot's oauth2 passdb
    GET  /authorize                  an installed app's consent (authorization code, PKCE)

Refresh tokens rotate (each use returns a new one; the old one is then refused with
invalid_grant). Test controls: `approve(user_code, user)`, `expire_access_tokens()`,
`revoke(user)`, `lifetime` (expires_in of new access tokens), and `issued` (a record of
every token issued, by grant type).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Request  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749 import grants as rfc6749
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload  # type: ignore[import-untyped]
from authlib.oauth2.rfc6750 import BearerTokenGenerator  # type: ignore[import-untyped]
from authlib.oauth2.rfc7523 import JWTBearerGrant  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import CodeChallenge  # type: ignore[import-untyped]
from authlib.oauth2.rfc7662 import IntrospectionEndpoint  # type: ignore[import-untyped]
from authlib.oauth2.rfc8628 import DeviceAuthorizationEndpoint, DeviceCodeGrant  # type: ignore[import-untyped]
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import RSAKey

from tests.support.tls import SelfSignedCert

ALL_AUTH = ["client_secret_basic", "client_secret_post", "none"]


@dataclass
class Client:
    client_id: str
    secret: str | None = None  # None: a public client (device code, no secret)
    grants: tuple[str, ...] = ()
    public_key: str = ""  # JWT bearer: the service account's key
    mailbox: str = ""  # client credentials: the one mailbox this app has FullAccess to

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return ""

    def get_allowed_scope(self, scope: str | None) -> str:
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # installed apps: any port on the loopback host (RFC 8252 section 7.3)
        return redirect_uri.startswith(("http://localhost:", "http://127.0.0.1:"))

    def check_client_secret(self, client_secret: str) -> bool:
        return self.secret is not None and client_secret == self.secret

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return (method == "none") == (self.secret is None)

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grants

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grants


@dataclass
class Issued:
    access_token: str
    client_id: str
    user: str
    scope: str
    grant_type: str
    expires_at: float
    refresh_token: str = ""
    revoked: bool = False
    refresh_revoked: bool = False

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return int(self.expires_at - time.time())

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> str:
        return self.user


@dataclass
class _Device:
    client_id: str
    scope: str
    user_code: str
    expires_at: float

    def get_client_id(self) -> str:
        return self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_user_code(self) -> str:
        return self.user_code

    def is_expired(self) -> bool:
        return time.time() >= self.expires_at


@dataclass
class _Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str | None
    code_challenge_method: str | None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


class _Request(OAuth2Request):  # type: ignore[misc]
    def __init__(self, method: str, uri: str, headers: Any, form: dict[str, str]) -> None:
        super().__init__(method, uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def form(self) -> dict[str, str]:
        return self._form

    @property
    def args(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.uri).query))


@dataclass
class OAuthState:
    clients: dict[str, Client] = field(default_factory=dict)
    tokens: dict[str, Issued] = field(default_factory=dict)  # by access token
    refresh: dict[str, Issued] = field(default_factory=dict)  # by refresh token
    devices: dict[str, _Device] = field(default_factory=dict)  # by device code
    approved: dict[str, str] = field(default_factory=dict)  # user code -> user
    codes: dict[str, _Code] = field(default_factory=dict)  # authorization codes
    consenting: str = ""  # who is at the browser when an /authorize request comes
    delegated: set[tuple[str, str]] = field(default_factory=set)  # (service account, user)
    users: set[str] = field(default_factory=set)


class OAuthServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, tenant: str = "contoso", cert: SelfSignedCert | None = None) -> None:
        super().__init__()
        self.tenant = tenant
        self.lifetime = 3600
        self.state = OAuthState()
        self.issued: list[Issued] = []
        self.lock = threading.RLock()
        self.root = Path(tempfile.mkdtemp(prefix="oauth-"))
        self.cert = cert or SelfSignedCert(self.root)  # making one takes a second or two
        self.register_token_generator("default", BearerTokenGenerator(
            lambda *a, **k: generate_token(40), lambda *a, **k: generate_token(48),
            lambda client, grant_type: self.lifetime))
        for grant in (_Refresh, _ClientCredentials, _DeviceCode, _JwtBearer):
            self.register_grant(grant)
        self.register_grant(_AuthorizationCode, [CodeChallenge(required=False)])
        self.register_endpoint(_DeviceEndpoint)
        self.register_endpoint(_Introspection)
        self._http: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> OAuthServer:
        http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        http.socket = self.cert.server_context().wrap_socket(http.socket, server_side=True)
        self._http = http
        threading.Thread(target=http.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop answering (the certificate stays, for a `start()` again)."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None

    def __enter__(self) -> OAuthServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def base(self) -> str:
        assert self._http is not None
        return f"https://127.0.0.1:{self._http.server_address[1]}"

    @property
    def token_uri(self) -> str:
        return f"{self.base}/token"

    @property
    def ca_file(self) -> str:
        return str(self.cert.cert_path)

    # -- set-up and test controls -----------------------------------------------
    def add_client(self, client_id: str, secret: str | None = None, *grants: str,
                   mailbox: str = "") -> Client:
        client = Client(client_id, secret, grants or ("refresh_token",), mailbox=mailbox)
        self.state.clients[client_id] = client
        return client

    def add_user(self, user: str) -> None:
        self.state.users.add(user)

    def service_account(self, email: str, *subjects: str) -> dict[str, str]:
        """A Google service-account key file (dict) with domain-wide delegation to subjects."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        client = self.add_client(email, None, JWTBearerGrant.GRANT_TYPE)
        client.public_key = public.decode()
        for subject in subjects:
            self.state.delegated.add((email, subject))
        pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
        return {"type": "service_account", "project_id": "escalator-test",
                "private_key_id": generate_token(16), "private_key": pem,
                "client_email": email, "client_id": "1234567890",
                "token_uri": self.token_uri}

    def grant_refresh_token(self, client_id: str, user: str, scope: str = "") -> str:
        """As if `user` had consented once (Google's installed-app flow): a refresh token."""
        with self.lock:
            record = Issued("", client_id, user, scope, "consent", 0.0, generate_token(48))
            self.state.refresh[record.refresh_token] = record
            return record.refresh_token

    def consent_as(self, user: str) -> None:
        """The next /authorize request is `user` at the browser, saying yes."""
        self.state.consenting = user

    def approve(self, user_code: str, user: str) -> None:
        """The person at the browser entered the code and consented."""
        with self.lock:
            self.state.approved[user_code] = user

    def expire_access_tokens(self) -> None:
        with self.lock:
            for record in self.state.tokens.values():
                record.expires_at = time.time() - 1

    def revoke(self, user: str) -> None:
        """A password reset: every token of `user` is refused from now on."""
        with self.lock:
            for record in [*self.state.tokens.values(), *self.state.refresh.values()]:
                if record.user == user:
                    record.revoked = record.refresh_revoked = True

    def active_user(self, access_token: str) -> str | None:
        """Who a live access token belongs to (what the SMTP server checks)."""
        with self.lock:
            record = self.state.tokens.get(access_token)
            if record is None or record.is_expired() or record.is_revoked():
                return None
            return record.user

    def grants(self, grant_type: str) -> list[Issued]:
        with self.lock:
            return [i for i in self.issued if i.grant_type == grant_type]

    # -- Authlib's framework hooks ----------------------------------------------
    def query_client(self, client_id: str) -> Client | None:
        return self.state.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        client = request.client
        user = request.user or client.mailbox
        record = Issued(token["access_token"], client.client_id, str(user),
                        token.get("scope", ""), request.payload.grant_type,
                        time.time() + int(token["expires_in"]),
                        token.get("refresh_token", ""))
        self.state.tokens[record.access_token] = record
        if record.refresh_token:
            self.state.refresh[record.refresh_token] = record
        self.issued.append(record)

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else _Request(*request)

    def handle_response(self, status: int, body: Any, headers: Any
                        ) -> tuple[int, Any, dict[str, str]]:
        return status, body, dict(headers or [])

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass


class _Refresh(rfc6749.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation, as Entra does

    def authenticate_refresh_token(self, refresh_token: str) -> Issued | None:
        record = self.server.state.refresh.get(refresh_token)
        return None if record is None or record.refresh_revoked else record

    def authenticate_user(self, record: Issued) -> str:
        return record.user

    def revoke_old_credential(self, record: Issued) -> None:
        record.refresh_revoked = True


class _AuthorizationCode(rfc6749.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        self.server.state.codes[code] = _Code(
            code, request.client.client_id, data.get("redirect_uri", ""),
            data.get("scope", ""), request.user, data.get("code_challenge"),
            data.get("code_challenge_method"))

    def query_authorization_code(self, code: str, client: Client) -> _Code | None:
        found = self.server.state.codes.get(code)
        return found if found is not None and found.client_id == client.client_id else None

    def delete_authorization_code(self, code: _Code) -> None:
        self.server.state.codes.pop(code.code, None)

    def authenticate_user(self, code: _Code) -> str:
        return code.user


class _ClientCredentials(rfc6749.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_AUTH


class _DeviceCode(DeviceCodeGrant):  # type: ignore[misc]
    def query_device_credential(self, device_code: str) -> _Device | None:
        found: _Device | None = self.server.state.devices.get(device_code)
        return found

    def query_user_grant(self, user_code: str) -> tuple[str, bool] | None:
        user = self.server.state.approved.get(user_code)
        return None if user is None else (user, True)

    def should_slow_down(self, credential: _Device) -> bool:
        return False


class _DeviceEndpoint(DeviceAuthorizationEndpoint):  # type: ignore[misc]
    INTERVAL = 1  # msal sleeps this long between polls
    CLIENT_AUTH_METHODS = ALL_AUTH

    def get_verification_uri(self) -> str:
        return f"{self.server.base}/devicelogin"

    def save_device_credential(self, client_id: str, scope: str, data: dict[str, Any]
                               ) -> None:
        self.server.state.devices[data["device_code"]] = _Device(
            client_id, scope, data["user_code"], time.time() + data["expires_in"])


class _JwtBearer(JWTBearerGrant):  # type: ignore[misc]
    def resolve_issuer_client(self, issuer: str) -> Client | None:
        found: Client | None = self.server.state.clients.get(issuer)
        return found

    def resolve_client_public_key(self, client: Client) -> RSAKey:
        return RSAKey.import_key(client.public_key)

    def authenticate_user(self, subject: str) -> str | None:
        return subject if subject in self.server.state.users else None

    def has_granted_permission(self, client: Client, user: str) -> bool:
        return (client.client_id, user) in self.server.state.delegated

    def get_audiences(self) -> list[str]:
        # google-auth signs for Google's token endpoint whatever token_uri says
        return [self.server.token_uri, "https://oauth2.googleapis.com/token"]


class _Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = ["client_secret_basic"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> Issued | None:
        found: Issued | None = self.server.state.tokens.get(token_string)
        return found

    def check_permission(self, token: Issued, client: Client, request: Any) -> bool:
        return "introspection" in client.grants

    def introspect_token(self, token: Issued) -> dict[str, Any]:
        return {"active": True, "username": token.user, "client_id": token.client_id,
                "scope": token.scope, "exp": int(token.expires_at)}


def _handler(server: OAuthServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None
                    ) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                if name.lower() == "location":
                    self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if urlsplit(self.path).path == "/authorize":  # the person says yes at once
                query = dict(parse_qsl(urlsplit(self.path).query))
                request = _Request("GET", server.base + self.path, self.headers, query)
                with server.lock:
                    user = server.state.consenting
                    grant = server.get_consent_grant(request, end_user=user)
                    self._answer(*server.create_authorization_response(
                        request, grant_user=user, grant=grant))
            elif self.path == f"/{server.tenant}/v2.0/.well-known/openid-configuration":
                base = f"{server.base}/{server.tenant}"
                self._answer(200, {
                    "issuer": f"{base}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                })
            else:
                self._answer(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(self.rfile.read(length).decode()))
            request = ("POST", server.base + self.path, self.headers, form)
            path = urlsplit(self.path).path
            with server.lock:
                if path.endswith("/token"):
                    answer = server.create_token_response(request)
                elif path.endswith("/devicecode"):
                    answer = server.create_endpoint_response("device_authorization", request)
                elif path == "/introspect":
                    answer = server.create_endpoint_response("introspection", request)
                else:
                    answer = 404, {"error": "not_found"}, {}
            self._answer(*answer)

    return Handler
