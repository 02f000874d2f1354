"""Who calls the API: an API token (escalator.service.api_tokens) as a Bearer header.

    no token, or one unknown or revoked     401, WWW-Authenticate: Bearer
    a read-only token on a write            403

The dashboard's [web] token is not an API token: each integration has its own, revocable.
"""


import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from escalator.db import Database
from escalator.service import api_tokens
from escalator.service.api_tokens import TokenInfo

log = logging.getLogger(__name__)
_BEARER = HTTPBearer(auto_error=False, scheme_name="token",
                     description="an API token: `escalator api-token create NAME [--write]`")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="escalator-api"'}

Reader = Callable[..., TokenInfo]


def dependencies(db: Database, reads: sessionmaker[Session],
                 clock: Callable[[], datetime]) -> tuple[Reader, Reader]:
    """The `reader` (any live token) and `writer` (a read-write one) dependencies."""

    def reader(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
               ) -> TokenInfo:
        if credentials is None:
            raise HTTPException(401, "an API token is needed: Authorization: Bearer <token> "
                                "(escalator api-token create NAME)", CHALLENGE)
        with reads() as session:
            info = api_tokens.verify(session, credentials.credentials)
        if info is None:
            raise HTTPException(401, "this API token is unknown or revoked", CHALLENGE)
        now = clock()
        if api_tokens.due_for_use_mark(info, now):
            try:
                with db.transaction() as session:
                    api_tokens.mark_used(session, info.name, now)
            except Exception as e:  # a busy database must not fail the request for this
                log.debug("api token %s: last use not recorded: %s", info.name, e)
        return info

    def writer(info: Annotated[TokenInfo, Depends(reader)]) -> TokenInfo:
        if not info.write:
            raise HTTPException(403, f"API token '{info.name}' is read-only "
                                "(escalator api-token create NAME --write)")
        return info

    return reader, writer
