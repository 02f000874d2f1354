"""The OpenAPI document is valid OpenAPI, and docs/openapi.json is it: a change to the API's
shape shows in review as a change of that file."""

from __future__ import annotations

import json
from pathlib import Path

from openapi_spec_validator import validate

from escalator.web.api import document

CHECKED_IN = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_the_document_is_valid_openapi() -> None:
    doc = document()
    validate(doc)
    assert doc["openapi"].startswith("3.")


def test_docs_openapi_json_is_the_document() -> None:
    assert json.loads(CHECKED_IN.read_text()) == document(), (
        "the API changed: regenerate with `.venv/bin/python scripts/openapi.py` "
        "and commit it")


def test_every_operation_needs_a_token_and_answers_errors_as_json() -> None:
    doc = document()
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            assert op["security"] == [{"token": []}], (method, path)
            for code in ("401", "422"):
                schema = op["responses"][code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Problem"}, (method, path)
    assert doc["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
