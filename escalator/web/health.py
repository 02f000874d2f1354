"""/healthz (liveness, open), /readyz (escalator.health as JSON) and /metrics (Prometheus)."""

from __future__ import annotations

import json
import logging

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from escalator import metrics
from escalator.web.site import site_of

log = logging.getLogger(__name__)
open_paths = ("/healthz",)  # an orchestrator's probe: says nothing but "ok"


async def healthz(request: Request) -> Response:  # this loop answers; no database
    return PlainTextResponse("ok\n")


def readyz(request: Request) -> Response:
    site = site_of(request)
    with Session(site.engine) as session:
        checks = site.checks(session)
    ready = all(c.ok for c in checks)
    body = {"ready": ready,
            "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
    return Response(json.dumps(body, indent=2) + "\n", 200 if ready else 503,
                    media_type="application/json")


def metrics_page(request: Request) -> Response:
    from prometheus_client import CONTENT_TYPE_LATEST

    try:
        data = metrics.exposition(site_of(request).metrics)
    except Exception:
        log.exception("metrics failed")
        return PlainTextResponse("metrics failed; see the service log\n", 500)
    return Response(data, media_type=CONTENT_TYPE_LATEST)


routes: list[BaseRoute] = [
    Route("/healthz", healthz),
    Route("/readyz", readyz),
    Route("/metrics", metrics_page),
]
