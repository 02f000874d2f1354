"""The JSON API under /api/v1: a FastAPI application the dashboard mounts.

    GET  /escalations                   the list, filtered as the dashboard's (status,
                                        severity, account, page); `list --json`'s fields
    GET  /escalations/{id}              one, with its events: `show --json`
    POST /escalations/{id}/commands     command lines as a reply gives them, applied
                                        through apply_commands (via "api:NAME")
    GET  /accounts                      the account directory with open escalations
    PUT  /accounts                      upsert, the same as `accounts import`
    GET  /report                        `report --json`
    GET  /openapi.json                  this document

FastAPI builds the OpenAPI document and the validation from the typed models of
api_schemas (pydantic): what the document says is what is checked. Every error is JSON,
{"detail": ..., "problems": [...]}, with a 4xx status; bad input never reaches the
database. Tokens: api_auth.
"""


import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException
from starlette.routing import Mount

from escalator.db import Database
from escalator.service import dashboard, reports, tasks
from escalator.service.accounts import AccountRow, upsert_accounts
from escalator.service.api_tokens import TokenInfo
from escalator.service.recipients import may_take_part
from escalator.service.replies import apply_commands
from escalator.service.views import escalation_view, event_view, iso
from escalator.settings import Settings
from escalator.web import api_schemas as s
from escalator.web.api_auth import dependencies
from escalator.web.site import Site, read_engine
from models import Escalation, Event
from models.escalation import MAX_ID
from parser import limits
from parser.commands import read as read_commands
from parser.screen.sender import is_internal

log = logging.getLogger(__name__)
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": s.Problem, "description": "the body is not JSON"},
    401: {"model": s.Problem, "description": "no token, or one unknown or revoked"},
    422: {"model": s.Problem, "description": "the request does not fit (each problem named)"},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS, 403: {"model": s.Problem, "description": "the token is read-only"}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": s.Problem, "description": "no such escalation"}}
Ref = Annotated[str, Path(description="ESC-12, or 12", examples=["ESC-1"])]
_REF = re.compile(r"(?:ESC-)?0*(\d{1,10})", re.I)


PREFIX = "/api/v1"
open_paths = (PREFIX + "/",)  # the dashboard's token gate lets it by: API tokens guard it


def mount(site: Site) -> Mount:
    """The dashboard's one line: the API at /api/v1, on the site's databases and clock."""
    return WholeMount(PREFIX, app=build_api(site.db, site.settings, site.clock, site.engine))


class WholeMount(Mount):
    """A Mount whose path pattern also takes a line feed (%0A): Starlette's `.` would stop
    at one, and the dashboard would answer an API path with its HTML 404."""

    def __init__(self, path: str, app: Any) -> None:
        super().__init__(path, app=app)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


def build_api(db: Database, settings: Settings,
              clock: Callable[[], datetime] = lambda: datetime.now(UTC),
              engine: Engine | None = None) -> FastAPI:
    """`engine` reads (the dashboard's read engine); writes go through db.transaction()."""
    reads = sessionmaker(engine or read_engine(db), expire_on_commit=False)
    reader, writer = dependencies(db, reads, clock)
    Read = Annotated[TokenInfo, Depends(reader)]
    Write = Annotated[TokenInfo, Depends(writer)]
    app = FastAPI(title="Escalator API", version="1", openapi_url="/openapi.json",
                  docs_url=None, redoc_url=None, servers=[{"url": PREFIX}],
                  description=(__doc__ or "").split("\n\n", 2)[1] if __doc__ else "",
                  generate_unique_id_function=lambda route: route.name,
                  dependencies=[Depends(_known_query)])
    _errors(app)

    @app.get("/escalations", response_model=s.EscalationPage, responses=ERRORS,
             summary="escalations, newest first, a page at a time")
    def list_escalations(
        token: Read,
        status: Annotated[s.Status | None, Query(
            description="open: every escalation not done")] = None,
        severity: Annotated[int | None, Query(ge=1, le=4)] = None,
        account: Annotated[s.Search, Query(  # a plain string: a query has no null
            description="part of the account's name")] = "",
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> dict[str, Any]:
        f = dashboard.Filters(status=status or "", severity=severity,
                              account=account.strip(), page=page)
        with reads() as session:
            rows, total = dashboard.escalation_list(session, f)
        return {"items": [_jsonable(r) for r in rows], "total": total, "page": page,
                "page_size": dashboard.PAGE}

    @app.get("/escalations/{ref}", response_model=s.EscalationDetail,
             responses={**ERRORS, **NOT_FOUND}, summary="one escalation with its events")
    def show_escalation(ref: Ref, token: Read) -> dict[str, Any]:
        number = _number(ref)
        with reads() as session:
            esc = session.get(Escalation, number)
            if esc is None:
                raise HTTPException(404, f"{ref}: no such escalation")
            return _detail(session, settings, esc)

    @app.post("/escalations/{ref}/commands", response_model=s.Applied,
              responses={**WRITE_ERRORS, **NOT_FOUND},
              summary="apply command lines, as a reply to its emails would")
    def apply_escalation_commands(ref: Ref, body: s.Commands, token: Write) -> dict[str, Any]:
        number = _number(ref)
        commands, problems = read_commands(body.text)
        refused = [str(p) for p in problems]
        refused += [f"'{c.line}' names ESC-{c.escalation}, not ESC-{number}"
                    for c in commands if c.escalation not in (None, number)]
        actor = _actor(body.actor, token, settings, refused)
        refused += [f"{c.name.capitalize()}: at most {limit} characters ({len(c.value)} given)"
                    for c in commands
                    if len(c.value) > (limit := COLUMNS.get(c.name, len(c.value)))]
        owners = [c for c in commands if c.name == "owner"]
        if len(owners) > 1:
            refused.append(f"Owner: given {len(owners)} times; one owner at a time")
        refused += [f"Owner: '{c.value}' is not a colleague's address (an internal domain "
                    "or [organization] allowed_external)"
                    for c in owners if not may_take_part(c.value, settings)]
        if not commands and not refused:
            refused.append("no command in text")
        with db.transaction() as session:
            esc = session.get(Escalation, number, with_for_update=True, populate_existing=True)
            if esc is None:
                raise HTTPException(404, f"{ref}: no such escalation")
            if refused:
                raise _unfit("nothing was applied", refused)
            changes = apply_commands(session, settings, esc, commands, actor, clock(),
                                     via=f"api:{token.name}")
            session.flush()
            return {"changes": changes, "escalation": _detail(session, settings, esc)}

    @app.get("/accounts", response_model=s.AccountPage, responses=ERRORS,
             summary="accounts, most exposed first, a page at a time")
    def list_accounts(
        token: Read,
        q: Annotated[s.Search, Query(description="part of the name")] = "",
        page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    ) -> dict[str, Any]:
        with reads() as session:
            rows = reports.accounts(session, limit=dashboard.PAGE,
                                    offset=(page - 1) * dashboard.PAGE, name=q.strip())
        return {"items": rows, "page": page, "page_size": dashboard.PAGE}

    @app.put("/accounts", response_model=s.Upserted, responses=WRITE_ERRORS,
             summary="upsert accounts, as `escalator accounts import` does")
    def put_accounts(body: s.AccountsIn, token: Write) -> dict[str, Any]:
        rows = [_row(i, a) for i, a in enumerate(body.accounts)]
        with db.transaction() as session:
            stats = upsert_accounts(session, rows, clock(), settings=settings)
        log.info("api %s: %s", token.name, stats.summary())
        return {"created": stats.created, "updated": stats.updated,
                "unchanged": stats.unchanged,
                "problems": [_LINE.sub(r"accounts[\1]", p) for p in stats.problems],
                "health": stats.health}

    @app.get("/report", response_model=s.Report, responses=ERRORS,
             summary="roll-ups and SLA figures: `escalator report --json`")
    def get_report(token: Read) -> dict[str, Any]:
        with reads() as session:
            return reports.build_report(session, clock())

    return app


_LINE = re.compile(r"\bline (\d+)")
COLUMNS = {**limits.COMMAND_VALUES, "owner": limits.ADDRESS}  # a command value's column


def _known_query(request: Request) -> None:
    """A query parameter the operation does not know is a 422: `?stauts=done` must not
    quietly list everything."""
    route = request.scope.get("route")
    known = {p.alias for p in getattr(getattr(route, "dependant", None), "query_params", [])}
    unknown = sorted(k for k in request.query_params if k not in known)
    if unknown:
        names = ", ".join(sorted(known)) or "none"
        raise _unfit("unknown query parameter", [
            f"query.{k[:40]}: not a parameter of this operation ({names})"
            for k in unknown[:10]])


def _row(index: int, a: s.AccountIn) -> AccountRow:
    given = a.model_fields_set
    values: dict[str, Any] = {}
    for key in ("segment", "csm", "team", "health"):
        if key in given:
            values[key] = (getattr(a, key) or "").strip()
    for key in ("arr", "renewal_date"):
        if key in given:
            values[key] = getattr(a, key)
    return AccountRow(index, " ".join(a.name.split()), values,
                      tuple(dict.fromkeys(x.strip() for x in a.aliases if x.strip())))


def _actor(given: str | None, token: TokenInfo, settings: Settings,
           refused: list[str]) -> str:
    if given is None:
        return f"api:{token.name}"
    address = given.strip().lower()
    if "@" not in address or not is_internal(address, settings.internal_domains):
        refused.append(f"actor: '{given}' is not an internal address "
                       f"({', '.join(settings.internal_domains)})")
    return address


def _number(ref: str) -> int:
    m = _REF.fullmatch(ref)
    if m is None or int(m.group(1)) > MAX_ID:
        raise HTTPException(404, f"{ref[:40]}: no such escalation (ids look like ESC-12)")
    return int(m.group(1))


def _detail(session: Session, settings: Settings, esc: Escalation) -> dict[str, Any]:
    """`show --json`'s object (escalator.cli.cmd_show builds the same)."""
    view = escalation_view(esc)
    view.update(tasks.json_view(settings, esc, tasks.of(session, esc)))
    view["events"] = [event_view(e) for e in session.scalars(
        select(Event).where(Event.escalation_id == esc.id).order_by(Event.id))]
    return view


def _jsonable(value: Any) -> Any:
    """The dashboard's rows (datetimes for its templates) as `list --json` prints them."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


class Unfit(HTTPException):
    """A 422 naming each problem."""

    def __init__(self, detail: str, problems: list[str]) -> None:
        super().__init__(422, detail)
        self.problems = problems


def _unfit(detail: str, problems: list[str]) -> HTTPException:
    return Unfit(detail, problems)


def _said(err: Any) -> str:
    """pydantic's message, but a pattern said in words (ours only forbid NUL and blanks)."""
    if err.get("type") == "string_pattern_mismatch":
        return "contains a NUL character, or nothing but spaces"
    return str(err.get("msg", ""))


def _errors(app: FastAPI) -> None:
    """Every error as {"detail", "problems"}: the validation's too, one line per field."""

    @app.exception_handler(HTTPException)
    def http_error(request: Request, e: HTTPException) -> JSONResponse:
        body = {"detail": str(e.detail), "problems": getattr(e, "problems", [])}
        return JSONResponse(body, e.status_code, headers=e.headers)

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, e: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in err.get('loc', ()))}: {_said(err)}"
                    for err in e.errors()]
        return JSONResponse({"detail": "the request does not fit", "problems": problems}, 422)

    @app.exception_handler(Exception)
    def failed(request: Request, e: Exception) -> JSONResponse:
        log.error("api %s %s failed", request.method, request.url.path, exc_info=e)
        return JSONResponse({"detail": "this request failed; see the service log",
                             "problems": []}, 500)

    @app.exception_handler(OperationalError)
    def database_away(request: Request, e: OperationalError) -> JSONResponse:
        log.warning("api %s: database: %s", request.url.path,
                    (str(e.orig or e).strip().splitlines() or ["?"])[0])
        return JSONResponse({"detail": "the database is not answering; try again later",
                             "problems": []}, 503, headers={"Retry-After": "30"})




def document() -> dict[str, Any]:
    """The OpenAPI document; docs/openapi.json is this, checked in (scripts/openapi.py
    writes it), so a change of the API shows in review."""
    return build_api(Database("sqlite://"), Settings()).openapi()

