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
STATUS = {"working": "working", "waiting": "waiting", "done": "done"}
TASKS = {"task_done": "done", "task_take": "take", "task_skip": "skip"}  # registry names


def command(action: str, value: str, who: str, ref: str = "") -> Command | None:
    """The Command the parser would make of the same line."""
    if action in TASKS:  # "Done: 2", "Take: A1", "Skip: 3 why", read as a reply's line is
        why = f" {value.strip()[:500]}" if action == "task_skip" else ""  # the form's why box
        parsed = REGISTRY.parse(TASKS[action], ref.strip()[:20] + why)
        return parsed[0] if isinstance(parsed, tuple) and ref.strip() else None
    value = " ".join(value.split()) if action not in ("step", "note") else value.strip()
    if action == "ack":
        return Command("ack", "", "Acknowledge")
    if action in STATUS:
        return Command("status", STATUS[action], f"Status: {action}")
    if action == "own":
        return Command("owner", who, f"Owner: {who}")
    if action == "owner" and "@" in value and len(value) <= 254:
        return Command("owner", value.lower(), f"Owner: {value}")
    if action == "severity" and value in ("1", "2", "3", "4"):
        return Command("severity", value, f"Severity: {value}")
    if action == "step" and value:
        return Command("steps", value[:2000], f"Steps: {value[:2000]}")
    if action == "note" and value:
        return Command("note", value[:4000], f"Note: {value[:4000]}")
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
