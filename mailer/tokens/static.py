"""A fixed access token (tests, and providers Escalator has no module for)."""

from __future__ import annotations


class StaticToken:
    flow = "static"
    renewable = False  # a refused static token is a refused login

    def __init__(self, user: str, token: str) -> None:
        self._user = user
        self._token = token

    @property
    def user(self) -> str:
        return self._user

    def access_token(self, rejected: str | None = None) -> str:
        return self._token
