"""Write docs/openapi.json, the JSON API's OpenAPI document, from its models:

    .venv/bin/python scripts/openapi.py

tests/api/test_openapi.py fails while the checked-in file differs from the API."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from escalator.web.api import document  # noqa: E402

(ROOT / "docs" / "openapi.json").write_text(
    json.dumps(document(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
print("wrote docs/openapi.json")
