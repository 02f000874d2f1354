"""Free ports and a self-signed certificate for 127.0.0.1 (openssl, offline)."""

from __future__ import annotations

import socket
import ssl
import subprocess
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SelfSignedCert:
    """A key and certificate for CN=localhost, IP 127.0.0.1, written into `directory`."""

    def __init__(self, directory: Path) -> None:
        self.cert_path = directory / "cert.pem"
        self.key_path = directory / "key.pem"
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", str(self.key_path), "-out", str(self.cert_path),
            ],
            check=True, capture_output=True,
        )
        self.key_path.chmod(0o644)  # read by Dovecot's config parser before it drops root

    def client_context(self) -> ssl.SSLContext:
        """Trusts only this certificate, with hostname checks on."""
        return ssl.create_default_context(cafile=str(self.cert_path))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(self.cert_path), str(self.key_path))
        return context
