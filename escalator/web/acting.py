"""Acting on the escalation page, for a signed-in person (escalator.web.signin):

    POST /escalations/ESC-N/act   action = ack | working | waiting | done | own
                                  | severity (value 1-4) | owner (value an address)
                                  | step (value text) | note (value text)
                                  | task_done | task_take | task_skip (value why)
                                    with ref = a task's number or an ask's A-number

Each goes through apply_commands as the person, via "dashboard": the recap goes out and
the audit event names them. A form without the person's CSRF field, or from another
origin, is refused and changes nothing.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from escalator.service.replies import apply_commands
from escalator.web.actions import same_origin
from escalator.web.pages import escalation_id
from escalator.web.signin import csrf_ok, form_fields, person
from escalator.web.site import Site, error_page, site_of
from models import Escalation
from parser.commands import REGISTRY
from parser.result import Command

log = logging.getLogger(__name__)
STATUS = ("working", "waiting", "done")
TASKS = {"task_done": "done", "task_take": "take", "task_skip": "skip"}  # registry names


def command(action: str, value: str, who: str, ref: str = "") -> Command | None:
    """The form's action as the Command its reply line gives (the command registry's
    parse, so the page accepts what a reply accepts); None for what the page does not offer."""
    line = _line(action, value, who, ref)
    parsed = REGISTRY.parse(*line) if line is not None else None
    return parsed[0] if isinstance(parsed, tuple) and parsed else None


def _line(action: str, value: str, who: str, ref: str) -> tuple[str, str] | None:
    """(command, value) of the reply line the form stands for: "Severity: 2", "Skip: 3 why"."""
    value = value.strip() if action in ("step", "note") else " ".join(value.split())
    fixed = {"ack": ("ack", ""), "own": ("owner", who),
             **{a: ("status", a) for a in STATUS}}
    if action in fixed:
        return fixed[action]
    if action in ("severity", "owner"):  # an address is at most 254 characters
        return (action, value) if len(value) <= 254 else None
    if action in ("step", "note"):
        return ("steps" if action == "step" else "note"), value[:2000 if action == "step" else 4000]
    if action in TASKS and ref.strip():  # "Done: 2", "Take: A1", "Skip: 3 why"
        why = f" {value[:500]}" if action == "task_skip" else ""  # the form's why box
        return TASKS[action], ref.strip()[:20] + why
    return None


def _apply(site: Site, number: int, cmd: Command, who: str) -> list[str] | None:
    now = site.clock()
    with site.db.transaction() as session:
        esc = session.get(Escalation, number, with_for_update=True)
        if esc is None:
            return None
        return apply_commands(session, site.settings, esc, [cmd], who, now, via="dashboard")


async def act(request: Request) -> Response:
    site = site_of(request)
    number = escalation_id(request.path_params["ref"])
    if number is None:
        return error_page("This escalation: no such escalation", 404)
    who = person(request)
    if not who:
        return error_page("Sign in first: the dashboard token only reads.", 403)
    fields = await form_fields(request)
    if fields is None or not same_origin(request) or not csrf_ok(
            request, who, fields.get("csrf", "")):
        return error_page("This form did not come from the escalation page; nothing was "
                          "changed. Open the page again.", 403)
    cmd = command(fields.get("action", ""), fields.get("value", ""), who, fields.get("ref", ""))
    if cmd is None:
        return error_page("That is not an action the page offers (a severity is 1-4, an "
                          "owner an address, a step or note some text).", 400)
    changes = await run_in_threadpool(_apply, site, number, cmd, who)
    if changes is None:
        return error_page(f"ESC-{number}: no such escalation", 404)
    log.info("ESC-%d: %s by %s on the dashboard", number, cmd.name, who)
    return RedirectResponse(f"/escalations/ESC-{number}", 303)


routes: list[BaseRoute] = [Route("/escalations/{ref}/act", act, methods=["POST"])]
