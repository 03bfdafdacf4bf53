"""A running API for the service tests: a fresh SQLite database, keys for every role, and
a few conversations of two teams already stored through the API itself."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from heard.service import ServiceSettings, create_app
from heard.service.auth import create_key
from heard.store import Database

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Api:
    client: TestClient
    database: Database
    keys: dict[str, str]

    def headers(self, who: str | None) -> dict[str, str]:
        return {} if who is None else {"Authorization": f"Bearer {self.keys[who]}"}

    def get(self, path: str, who: str | None = "admin", **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(who), **kwargs)

    def post(self, path: str, who: str | None = "admin", **kwargs: Any) -> Any:
        headers = {**self.headers(who), **kwargs.pop("headers", {})}
        return self.client.post(path, headers=headers, **kwargs)

    def delete(self, path: str, who: str | None = "admin") -> Any:
        return self.client.delete(path, headers=self.headers(who))


def chat(
    conversation_id: str,
    agent_id: str,
    team_id: str,
    turns: list[tuple[str, str]],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "id": conversation_id,
        "channel": "chat",
        "agent_id": agent_id,
        "team_id": team_id,
        "customer_id": f"cust-{conversation_id}",
        "started_at": "2026-03-02T09:00:00Z",
        "turns": [
            {"id": f"t{i}", "role": "customer" if who == "c" else "agent", "text": text}
            for i, (who, text) in enumerate(turns)
        ],
        **extra,
    }


GOOD = [
    ("c", "My order from the 3rd still hasn't arrived and I need it for Saturday's event."),
    (
        "a",
        "I'm sorry, that must be stressful with the event so close. Could you give me the order number?",
    ),
    ("c", "It's 48213. I'm really worried it won't come in time."),
    (
        "a",
        "Just to confirm: your order 48213 hasn't arrived and you need it by Saturday. I'll send a replacement today by express, it will arrive by Friday, and I'll email you tomorrow to confirm it shipped.",
    ),
    ("c", "Thank you so much."),
]
POOR = [
    ("c", "I was charged twice for my subscription this month and I'm furious."),
    ("a", "Please check the billing page."),
    ("c", "I already did. I was charged twice! I want a refund."),
    ("a", "Is there anything else?"),
]

SEED = [
    chat("orders-1", "agent-mia", "team-orders", GOOD),
    chat("orders-2", "agent-mia", "team-orders", POOR),
    chat("orders-3", "agent-noor", "team-orders", GOOD),
    chat("billing-1", "agent-li", "team-billing", POOR),
]


def make_settings(**overrides: Any) -> ServiceSettings:
    values: dict[str, Any] = {"redact": True, "survey_rate_per_minute": 1000, "analysis_workers": 0}
    values.update(overrides)
    return ServiceSettings(**values)


@pytest.fixture
def make_api(tmp_path: Path) -> Iterator[Callable[..., Api]]:
    opened: list[tuple[TestClient, Database]] = []

    def build(database: Database | None = None, **overrides: Any) -> Api:
        database = database or Database(str(tmp_path / f"api{len(opened)}.db"))
        app = create_app(make_settings(**overrides), database, background=False)
        client = TestClient(app)
        client.__enter__()
        opened.append((client, database))
        with database.session() as session:
            keys = {
                "admin": create_key(session, "admin", "admin"),
                "supervisor": create_key(
                    session, "sup-orders", "supervisor", team_ids=["team-orders"]
                ),
                "other_supervisor": create_key(
                    session, "sup-billing", "supervisor", team_ids=["team-billing"]
                ),
                "agent": create_key(session, "mia", "agent", agent_id="agent-mia"),
                "other_agent": create_key(session, "li", "agent", agent_id="agent-li"),
            }
        return Api(client, database, keys)

    yield build
    for client, database in opened:
        client.__exit__(None, None, None)
        database.dispose()


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    built = make_api()
    response = built.post(
        "/v1/conversations",
        content=json.dumps(SEED).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    return built


def is_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert an RFC 9457 problem body with this status (and code); return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:heard:problem:")
    assert body["title"] and body["instance"].startswith("/v1")
    if code is not None:
        assert body["code"] == code, body
    return body


@pytest.fixture
def second_worker() -> Iterator[Callable[[Api], Api]]:
    """Another app on the same database, with the same keys: another worker of
    ``heard serve --workers N``."""
    opened: list[tuple[TestClient, Database]] = []

    def build(first: Api) -> Api:
        shared = Database(first.database.url)
        client = TestClient(create_app(make_settings(), shared, background=False))
        client.__enter__()
        opened.append((client, shared))
        return Api(client, shared, first.keys)

    yield build
    for client, opened_database in opened:
        client.__exit__(None, None, None)
        opened_database.dispose()
