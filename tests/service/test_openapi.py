"""The API keeps its OpenAPI contract: the committed spec is current, and no generated input,
with or without a key, makes the server fail (schemathesis: property-based API testing)."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from heard.service import ServiceSettings, create_app
from heard.service.auth import create_key
from heard.service.spec import openapi_document
from heard.store import Database

from .conftest import GOOD, POOR, ROOT, chat

SPEC = ROOT / "docs" / "openapi.json"


def test_committed_spec_is_current() -> None:
    committed = json.loads(SPEC.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(openapi_document())), (
        "docs/openapi.json is stale: run `heard openapi --out docs/openapi.json`"
    )


def test_every_error_response_is_documented_as_a_problem() -> None:
    document = openapi_document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            errors = [s for s in operation["responses"] if s.startswith(("4", "5")) and s != "422"]
            for status in errors:
                content = operation["responses"][status].get("content", {})
                assert "application/problem+json" in content, (method, path, status)


# Built at import: schemathesis reads the schema when the tests are collected.
_FOLDER = Path(tempfile.mkdtemp(prefix="heard-schemathesis-"))
_DATABASE = Database(str(_FOLDER / "fuzz.db"))
_APP = create_app(
    ServiceSettings(
        redact=True,
        chatwoot_secret="s",  # type: ignore[arg-type]
        webhook_secret="s",  # type: ignore[arg-type]
        survey_rate_per_minute=100_000,
        max_upload_bytes=200_000,
    ),
    _DATABASE,
    background=False,
)
KEYS: dict[str, str] = {}
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@pytest.fixture(scope="module", autouse=True)
def seeded() -> Iterator[None]:
    with _DATABASE.session() as session:
        KEYS["admin"] = create_key(session, "fuzz-admin", "admin")
        KEYS["agent"] = create_key(session, "fuzz-agent", "agent", agent_id="agent-mia")
    with TestClient(_APP) as client:  # runs start-up: models loaded before the first case
        seed = [
            chat("orders-1", "agent-mia", "team-orders", GOOD),
            chat("orders-2", "agent-mia", "team-orders", POOR),
        ]
        response = client.post(
            "/v1/conversations", json=seed, headers={"Authorization": f"Bearer {KEYS['admin']}"}
        )
        assert response.status_code == 201
        yield
    _DATABASE.dispose()
    shutil.rmtree(_FOLDER, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_makes_the_server_fail(case: schemathesis.Case) -> None:
    for key in (KEYS["admin"], KEYS["agent"], None):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            case.method,
            case.formatted_path,
            response.status_code,
            response.text[:500],
        )
        if response.status_code >= 400 and response.status_code != 405:
            content_type = response.headers.get("content-type") or [""]
            if isinstance(content_type, list):
                content_type = content_type[0]
            assert content_type.startswith("application/problem+json"), (
                case.method,
                case.formatted_path,
                response.status_code,
                response.text[:300],
            )
