"""Every file of the public corpora goes through parse() and comes out as a result, never
an exception and never the last-resort "could not be read" rejection."""

from __future__ import annotations

from pathlib import Path

import pytest

from parser import Ignored, Intake, ParseSettings, Rejection, Reply, parse

HERE = Path(__file__).resolve().parent.parent / "emails" / "corpora"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"
SKIP_NAMES = {"LICENSE", "LICENSE.txt", "NOTICE.txt", "SOURCE.md", "README.md", "expectations.json"}


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name not in SKIP_NAMES)


def _check(paths: list[Path]) -> None:
    unreadable = []
    for path in paths:
        result = parse(path.read_bytes(), ParseSettings())
        assert isinstance(result, (Intake, Reply, Rejection, Ignored)), path
        if isinstance(result, Rejection) and any(
            "could not be read" in p.message for p in result.problems
        ):
            unreadable.append(f"{path.name}: {result.problems}")
    assert not unreadable, unreadable


def test_copied_corpora_parse() -> None:
    paths = _files(HERE)
    assert len(paths) > 150
    _check(paths)


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} absent: the full corpora live "
                    "beside the repository, not in it (sisimai's 832 bounces, 5 MB)")
def test_all_shared_corpora_parse() -> None:
    paths = _files(SHARED)
    assert len(paths) > 900
    _check(paths)


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} absent")
def test_sisimai_bounces_are_ignored_not_answered() -> None:
    maildir = SHARED / "sisimai-set-of-emails" / "maildir" / "bsd"
    if not maildir.is_dir():
        pytest.skip("sisimai maildir/bsd absent")
    results = [parse(p.read_bytes(), ParseSettings()) for p in sorted(maildir.iterdir())]
    ignored = sum(isinstance(r, Ignored) for r in results)
    # outsiders are Ignored too; what matters: no bounce becomes an escalation or an answer
    assert ignored == len(results)
