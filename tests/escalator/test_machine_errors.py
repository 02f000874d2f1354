"""An error of the machine is a retry, never a rejection: a process out of file descriptors.

A child process opens its database connection, then holds every descriptor its limit
(RLIMIT_NOFILE) allows and is handed one escalation: the parser's first use of a codec, or
the first rendering of a template, needs a file and gets EMFILE. The message must stay in
the inbox (RETRY, no row, no answer) and be recorded once descriptors are free again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from escalator.db import Database, init_db
from escalator.jobs import intake_batch_handler
from mailer.outcome import Outcome
from models import Escalation, Inbound, OutboxMessage
from tests.escalator.test_service import SETTINGS, email
from tests.support.database import PG_ADMIN, fresh_postgres, sqlite_url
from tests.support.tls import free_port

EMAILS = Path(__file__).resolve().parent.parent / "emails"
ROOT = Path(__file__).resolve().parent.parent.parent

CHILD = """
import json, os, resource, sys
from pathlib import Path
from sqlalchemy import text
import parser
from escalator.db import Database
from escalator.jobs import intake_batch_handler
from escalator.service.intake import parse_settings
from escalator.settings import Settings, SmtpSettings

url, path, warm_parser = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
raw = Path(path).read_bytes()
settings = Settings(smtp=SmtpSettings(from_address="escalations@example.com"),
                    ladder={"manager": ("mgr@example.com",)})
db = Database(url)
with db.transaction() as session:  # the connection is open before the descriptors run out
    session.execute(text("SELECT 1"))
if warm_parser:  # everything the parser imports is loaded: the failure comes later
    parser.parse(raw, parse_settings(settings))
handle = intake_batch_handler(db, settings)
resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
held = []
try:
    while True:
        held.append(os.open(os.devnull, os.O_RDONLY))
except OSError:
    pass
starved = handle.handle_all([(raw, len(raw))])[0].value
for fd in held:
    os.close(fd)
print(json.dumps([starved, handle.handle_all([(raw, len(raw))])[0].value]))
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with fresh_postgres() as fresh:
            yield fresh


@pytest.mark.parametrize("where", ["parse", "apply"])
def test_out_of_file_descriptors_is_a_retry(url: str, where: str) -> None:
    init_db(url)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(EMAILS / "iso2022jp.eml"),
         "1" if where == "apply" else "0"],
        capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["retry", "processed"], proc.stderr
    assert "Too many open files" in proc.stderr  # it was the machine, and the log says so
    db = Database(url)
    with db.transaction() as session:
        rows = [(i.outcome, i.reason) for i in session.scalars(select(Inbound))]
        kinds = sorted(m.kind for m in session.scalars(select(OutboxMessage)))
        escalations = list(session.scalars(select(Escalation)))
    db.dispose()
    assert rows == [("intake", "")]  # no rejection, no error row from the starved attempt
    assert "rejection" not in kinds and "error" not in kinds and "ack" in kinds
    assert len(escalations) == 1


def test_a_database_away_is_a_retry_for_the_whole_batch(tmp_path: Path) -> None:
    refused = PG_ADMIN.replace("postgresql://", "postgresql+psycopg://", 1).replace(
        ":5432/", f":{free_port()}/")
    unopenable = f"sqlite:///{tmp_path / 'no-such-dir' / 'escalator.db'}"
    batch = [(email(f"Issue: outage {n}", n=n), 0) for n in range(3)]
    for away in (refused, unopenable):
        db = Database(away)
        outcomes = intake_batch_handler(db, SETTINGS).handle_all(batch)
        assert list(outcomes) == [Outcome.RETRY] * 3
        db.dispose()
