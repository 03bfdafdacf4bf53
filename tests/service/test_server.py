"""`heard serve` is a real HTTP server; `heard keys` makes the keys it accepts; the service
works on PostgreSQL as on SQLite."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from heard.cli import app as cli
from heard.service.auth import create_key
from heard.service.local import local_server
from heard.store import Database
from store.conftest import postgres_database

from .conftest import GOOD, POOR, chat, is_problem


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    db = str(tmp_path / "served.db")
    made = CliRunner().invoke(cli, ["keys", "create", "ops", "--role", "admin", "--db", db])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[0]
    env = {"HEARD_CHATWOOT_SECRET": "s3cret"}
    with local_server(db, env=env, arguments=["--log-level", "info"], capture_log=True) as running:
        yield running.base, key
    # No secret ever reaches the log: not the key, not the webhook secret.
    assert key not in running.log and "s3cret" not in running.log
    assert "GET /v1/ready 200" in running.log


def test_served_over_http(server: tuple[str, str]) -> None:
    base, key = server
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(f"{base}/v1/health").json()["status"] == "ok"
    spec = httpx.get(f"{base}/openapi.json").json()
    assert "/v1/conversations" in spec["paths"]
    added = httpx.post(
        f"{base}/v1/conversations",
        json=chat("srv-1", "agent-mia", "team-orders", GOOD),
        headers=headers,
        timeout=30,
    )
    assert added.status_code == 201, added.text
    listing = httpx.get(f"{base}/v1/conversations", headers=headers).json()
    assert listing["total"] == 1
    unauthorised = httpx.get(f"{base}/v1/conversations")
    assert unauthorised.status_code == 401
    assert unauthorised.headers["content-type"].startswith("application/problem+json")
    # CORS is closed unless origins are configured.
    preflight = httpx.options(
        f"{base}/v1/conversations",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_keys_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "keys.db")
    runner = CliRunner()
    made = runner.invoke(
        cli, ["keys", "create", "noor", "--role", "agent", "--agent", "agent-noor", "--db", db]
    )
    assert made.exit_code == 0 and made.stdout.startswith("hk_")
    again = runner.invoke(
        cli, ["keys", "create", "noor", "--role", "agent", "--agent", "agent-noor", "--db", db]
    )
    assert again.exit_code == 2 and "exists" in again.output
    bad = runner.invoke(cli, ["keys", "create", "sam", "--role", "supervisor", "--db", db])
    assert bad.exit_code == 2 and "team" in bad.output
    listing = runner.invoke(cli, ["keys", "list", "--db", db])
    assert "noor" in listing.stdout and made.stdout.strip() not in listing.stdout
    assert runner.invoke(cli, ["keys", "revoke", "noor", "--db", db]).exit_code == 0
    assert runner.invoke(cli, ["keys", "revoke", "noor", "--db", db]).exit_code == 2


def test_service_on_postgresql(make_api) -> None:  # type: ignore[no-untyped-def]
    with postgres_database() as url:
        database = Database(url)
        api = make_api(database)
        seed = [
            chat("pg-1", "agent-mia", "team-orders", GOOD),
            chat("pg-2", "agent-mia", "team-orders", POOR),
        ]
        assert (
            api.post(
                "/v1/conversations",
                content=json.dumps(seed).encode(),
                headers={"Content-Type": "application/json"},
            ).status_code
            == 201
        )
        assert api.get("/v1/conversations", "agent").json()["total"] == 2
        token = api.post("/v1/surveys", json={"conversation_id": "pg-1", "kind": "csat"}).json()[
            "token"
        ]
        assert api.client.post(f"/v1/public/surveys/{token}", json={"score": 5}).status_code == 201
        is_problem(
            api.client.post(f"/v1/public/surveys/{token}", json={"score": 4}),
            409,
            "already_answered",
        )
        assert api.post("/v1/followups/generate", json={}).status_code == 200
        card = api.get("/v1/agents/agent-mia/scorecard").json()
        assert card["conversations"] == 2
        with database.session() as session:
            create_key(session, "pg-sup", "supervisor", team_ids=["team-orders"])
        database.dispose()


def test_cors_opens_only_to_configured_origins(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(cors_origins=("https://desk.example",))
    allowed = api.client.options(
        "/v1/conversations",
        headers={"Origin": "https://desk.example", "Access-Control-Request-Method": "GET"},
    )
    assert allowed.headers["access-control-allow-origin"] == "https://desk.example"
    other = api.client.options(
        "/v1/conversations",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in other.headers


def test_every_worker_logs_its_requests(tmp_path: Path) -> None:
    # Worker processes do not inherit the command's logging: without the config handed to
    # uvicorn their request logs were lost. Each line names its process.
    db = str(tmp_path / "workers.db")
    with local_server(db, arguments=["--workers", "2"], capture_log=True) as running:
        for _ in range(4):
            assert httpx.get(f"{running.base}/v1/health").status_code == 200
    served = re.findall(r"INFO \[(\d+)\] heard\.service\.access: GET /v1/health 200", running.log)
    assert len(served) == 4, running.log
