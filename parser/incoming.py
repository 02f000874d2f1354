"""One message on its way through the screens: the parsed mail, its envelope, the
settings, and the body, decoded only when a step first asks for it."""

from __future__ import annotations

from parser.body import Body, read_body
from parser.envelope import envelope_of
from parser.mail import Mail
from parser.result import Envelope
from parser.settings import ParseSettings


class Incoming:
    def __init__(self, mail: Mail, settings: ParseSettings) -> None:
        self.mail = mail
        self.settings = settings
        self.envelope: Envelope = envelope_of(mail)
        self._body: Body | None = None

    @property
    def body(self) -> Body:
        if self._body is None:
            self._body = Body() if self.mail.headers_only else read_body(self.mail.msg)
        return self._body
