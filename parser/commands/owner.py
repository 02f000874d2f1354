"""Owner: an address (a colleague's; the service refuses anyone else's)."""

import re
from email.utils import parseaddr

from parser.commands.spec import Parsed, Spec
from parser.result import Problem

_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def parse(value: str) -> Parsed:
    address = parseaddr(value)[1].lower()
    if _ADDRESS.match(address):
        return address
    return Problem("Owner", f"'{value}' — not an e-mail address; use name@domain")


def plausible(value: str) -> bool:
    return "@" in value


# {owner}: the footer puts a real colleague's address there (escalator.render.example_owner)
SPEC = Spec("owner", "Owner: {owner}", parse, labels=("owner",), plausible=plausible)
