"""Every endpoint with every role and with no key: who may do what, and what they see."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import GOOD, Api, chat, is_problem

ROLES = ("none", "admin", "supervisor", "other_supervisor", "agent", "other_agent")


def who(role: str) -> str | None:
    return None if role == "none" else role


def _followup_id(api: Api) -> int:
    created = api.post("/v1/followups/generate", json={"conversation_ids": ["orders-2"]}).json()
    if created:
        return int(created[0]["id"])
    return int(api.get("/v1/followups?conversation=orders-2").json()["items"][0]["id"])


# (method, path, body) -> the status each role gets. "ok" sets may hold several statuses when
# a mutation done by one role changes what the next sees (a closed follow-up answers 409).
MATRIX: list[tuple[str, str, dict[str, Any] | None, dict[str, set[int]]]] = [
    ("GET", "/v1/health", None, {key: {200} for key in ROLES}),
    ("GET", "/v1/ready", None, {key: {200} for key in ROLES}),
    ("GET", "/v1/formats", None, {key: {200} for key in ROLES}),
    (
        "GET",
        "/v1/keys",
        None,
        {
            "none": {401},
            "admin": {200},
            "supervisor": {403},
            "other_supervisor": {403},
            "agent": {403},
            "other_agent": {403},
        },
    ),
    (
        "POST",
        "/v1/keys",
        {"name": "k-{role}", "role": "agent", "agent_id": "agent-x"},
        {
            "none": {401},
            "admin": {201},
            "supervisor": {403},
            "other_supervisor": {403},
            "agent": {403},
            "other_agent": {403},
        },
    ),
    (
        "DELETE",
        "/v1/keys/throwaway-{role}",
        None,
        {
            "none": {401},
            "admin": {204},
            "supervisor": {403},
            "other_supervisor": {403},
            "agent": {403},
            "other_agent": {403},
        },
    ),
    (
        "POST",
        "/v1/conversations",
        chat("fresh-{role}", "agent-mia", "team-orders", GOOD),
        {
            "none": {401},
            "admin": {201},
            "supervisor": {201},
            "other_supervisor": {422},
            "agent": {403},
            "other_agent": {403},
        },
    ),
    ("GET", "/v1/conversations", None, {key: {200} for key in ROLES[1:]} | {"none": {401}}),
    (
        "GET",
        "/v1/conversations/orders-1",
        None,
        {
            "none": {401},
            "admin": {200},
            "supervisor": {200},
            "other_supervisor": {404},
            "agent": {200},
            "other_agent": {404},
        },
    ),
    (
        "GET",
        "/v1/agents/agent-mia/scorecard",
        None,
        {
            "none": {401},
            "admin": {200},
            "supervisor": {200},
            "other_supervisor": {404},
            "agent": {200},
            "other_agent": {404},
        },
    ),
    (
        "GET",
        "/v1/teams/team-orders/scorecard",
        None,
        {
            "none": {401},
            "admin": {200},
            "supervisor": {200},
            "other_supervisor": {404},
            "agent": {404},
            "other_agent": {404},
        },
    ),
    ("GET", "/v1/metrics", None, {key: {200} for key in ROLES[1:]} | {"none": {401}}),
    (
        "GET",
        "/v1/metrics?team=team-orders",
        None,
        {
            "none": {401},
            "admin": {200},
            "supervisor": {200},
            "other_supervisor": {403},
            "agent": {200},
            "other_agent": {200},
        },
    ),
    (
        "GET",
        "/v1/metrics?agent=agent-mia",
        None,
        {
            "none": {401},
            "admin": {200},
            "supervisor": {200},
            "other_supervisor": {403},
            "agent": {200},
            "other_agent": {403},
        },
    ),
    (
        "POST",
        "/v1/surveys",
        {"conversation_id": "orders-1", "kind": "csat"},
        {
            "none": {401},
            "admin": {201},
            "supervisor": {201},
            "other_supervisor": {404},
            "agent": {403},
            "other_agent": {403},
        },
    ),
    (
        "POST",
        "/v1/ratings",
        {"conversation_id": "orders-1", "kind": "stars", "value": 4},
        {
            "none": {401},
            "admin": {201},
            "supervisor": {201},
            "other_supervisor": {404},
            "agent": {403},
            "other_agent": {403},
        },
    ),
    ("GET", "/v1/followups", None, {key: {200} for key in ROLES[1:]} | {"none": {401}}),
    (
        "GET",
        "/v1/followups/{followup}",
        None,
        {
            "none": {401},
            "admin": {200},
            "supervisor": {200},
            "other_supervisor": {404},
            "agent": {200},
            "other_agent": {404},
        },
    ),
    (
        "POST",
        "/v1/followups/{followup}/snooze",
        {"until": "2099-01-01T00:00:00Z"},
        {
            "none": {401},
            "admin": {200, 409},
            "supervisor": {200, 409},
            "other_supervisor": {404},
            "agent": {200, 409},
            "other_agent": {404},
        },
    ),
    (
        "POST",
        "/v1/followups/{followup}/done",
        {"note": "called back"},
        {
            "none": {401},
            "admin": {200, 409},
            "supervisor": {200, 409},
            "other_supervisor": {404},
            "agent": {200, 409},
            "other_agent": {404},
        },
    ),
    (
        "POST",
        "/v1/followups/{followup}/cancel",
        {},
        {
            "none": {401},
            "admin": {200, 409},
            "supervisor": {200, 409},
            "other_supervisor": {404},
            "agent": {200, 409},
            "other_agent": {404},
        },
    ),
    (
        "POST",
        "/v1/assist/check",
        {"conversation_id": "orders-1", "text": "Thanks, I'll sort it."},
        {
            "none": {401},
            "admin": {200},
            "supervisor": {200},
            "other_supervisor": {404},
            "agent": {200},
            "other_agent": {404},
        },
    ),
    (
        "POST",
        "/v1/followups/generate",
        {},
        {
            "none": {401},
            "admin": {200},
            "supervisor": {200},
            "other_supervisor": {200},
            "agent": {403},
            "other_agent": {403},
        },
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"), MATRIX, ids=[f"{m} {p}" for m, p, _, _ in MATRIX]
)
def test_every_role(
    api: Api, method: str, path: str, body: dict[str, Any] | None, expected: dict[str, set[int]]
) -> None:
    followup = _followup_id(api) if "{followup}" in path else None
    with api.database.session() as session:
        from heard.service.auth import create_key

        for role in ROLES:
            create_key(session, f"throwaway-{role}", "admin")
    assert set(expected) == set(ROLES)
    for role in ROLES:
        url = path.replace("{role}", role).replace("{followup}", str(followup))
        payload = None
        if body is not None:
            import json

            payload = json.loads(json.dumps(body).replace("{role}", role))
        response = api.client.request(method, url, headers=api.headers(who(role)), json=payload)
        assert response.status_code in expected[role], (role, method, url, response.text)
        if response.status_code >= 400:
            is_problem(response, response.status_code)


def test_what_each_role_sees(api: Api) -> None:
    totals = {role: api.get("/v1/conversations", role).json()["total"] for role in ROLES[1:]}
    assert totals == {
        "admin": 4,
        "supervisor": 3,
        "other_supervisor": 1,
        "agent": 2,
        "other_agent": 1,
    }
    mine = {i["id"] for i in api.get("/v1/conversations", "agent").json()["items"]}
    assert mine == {"orders-1", "orders-2"}
    # An agent asking for someone else's conversations gets nothing, not an error.
    assert api.get("/v1/conversations?agent=agent-li", "agent").json()["total"] == 0
    metrics = api.get("/v1/metrics", "agent").json()
    assert metrics["filters"]["agent"] == "agent-mia"


def test_missing_bad_and_revoked_keys(api: Api) -> None:
    body = is_problem(api.client.get("/v1/conversations"), 401, "unauthenticated")
    assert "API key" in body["detail"]
    is_problem(
        api.client.get("/v1/conversations", headers={"Authorization": "Bearer hk_wrong"}), 401
    )
    assert (
        api.client.get("/v1/conversations", headers={"X-API-Key": api.keys["agent"]}).status_code
        == 200
    )
    assert api.delete("/v1/keys/mia").status_code == 204
    is_problem(api.get("/v1/conversations", "agent"), 401)
    is_problem(api.delete("/v1/keys/mia"), 404)


def test_keys_are_stored_as_hashes_only(api: Api) -> None:
    from sqlalchemy import select

    from heard.store.models import User

    with api.database.session() as session:
        stored = {u.api_key_hash for u in session.scalars(select(User))}
    for key in api.keys.values():
        assert key not in stored
    listing = api.get("/v1/keys").json()
    assert all("key" not in row for row in listing)
    assert {row["name"] for row in listing} >= {"admin", "mia"}
