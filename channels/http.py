"""POST a JSON body with httpx and turn the answer into the channel errors (base.py).

2xx is delivered; 410 is Gone; 408, 409, 425, 429 and 5xx are worth another try later;
any other answer is permanent (the receiver refuses this body). No connection, or no
answer within the timeout, is Unavailable for that receiver alone.
"""

from __future__ import annotations

from typing import Self

import httpx

from channels.base import Gone, Unavailable
from mailer.errors import PermanentDeliveryError, TemporaryDeliveryError

RETRY = {408, 409, 425, 429}


def client(timeout: float) -> httpx.Client:
    # no redirects: a receiver that moved must be moved in the config, not followed blindly
    return httpx.Client(timeout=timeout, follow_redirects=False,
                        headers={"User-Agent": "Escalator"})


class HttpTransport:
    """One httpx client for a batch of posts: `with transport:` opens it, the end closes it."""

    timeout: float = 10.0
    _http: httpx.Client | None = None

    def __enter__(self) -> Self:
        self._http = client(self.timeout)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    @property
    def http(self) -> httpx.Client:
        assert self._http is not None, "use the transport in a with block"
        return self._http


def post(http: httpx.Client, where: str, url: str, body: str,
         headers: dict[str, str] | None = None) -> None:
    """`where` names the destination in errors ("webhook crm"); never the URL, which for
    Slack and Teams is the secret itself."""
    try:
        answer = http.post(url, content=body.encode("utf-8"),
                           headers={"Content-Type": "application/json", **(headers or {})})
    except httpx.TimeoutException as e:
        raise Unavailable(f"{where}: no answer within {http.timeout.read} s ({e})") from e
    except httpx.TransportError as e:
        raise Unavailable(f"{where}: {e or type(e).__name__}") from e
    code = answer.status_code
    if 200 <= code < 300:
        return
    reason = f"{where}: HTTP {code} {answer.reason_phrase} {answer.text[:200]}".strip()
    if code == 410:
        raise Gone(reason)
    if code in RETRY or code >= 500:
        raise TemporaryDeliveryError(reason)
    raise PermanentDeliveryError(reason)
