"""Surveys, ratings and follow-ups through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from heard.store.models import Survey, SurveyResponse

from .conftest import Api, is_problem


def _survey(api: Api, kind: str = "csat", conversation: str = "orders-1") -> str:
    response = api.post("/v1/surveys", json={"conversation_id": conversation, "kind": kind})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["path"].endswith(created["token"])
    return str(created["token"])


def test_survey_link_answered_once_without_a_key(api: Api) -> None:
    token = _survey(api, "nps")
    question = api.client.get(f"/v1/public/surveys/{token}").json()
    assert question["name"] == "NPS" and (question["lowest"], question["highest"]) == (0, 10)
    assert question["answered"] is False
    answer = api.client.post(
        f"/v1/public/surveys/{token}", json={"score": 9, "comment": "Quick and kind, thanks"}
    )
    assert answer.status_code == 201 and answer.json() == {
        "status": "recorded",
        "kind": "nps",
        "score": 9,
    }
    is_problem(
        api.client.post(f"/v1/public/surveys/{token}", json={"score": 3}), 409, "already_answered"
    )
    assert api.client.get(f"/v1/public/surveys/{token}").json()["answered"] is True
    with api.database.session() as session:
        stored = session.scalars(select(SurveyResponse)).all()
        assert [(r.score, r.comment_emotion) for r in stored] == [(9, "gratitude")]
        # The token itself is never stored, only its hash.
        assert all(token not in s.token_hash for s in session.scalars(select(Survey)))


def test_survey_errors(api: Api) -> None:
    is_problem(api.client.get("/v1/public/surveys/not-a-token"), 404, "unknown_token")
    is_problem(
        api.client.post("/v1/public/surveys/not-a-token", json={"score": 3}), 404, "unknown_token"
    )
    token = _survey(api, "csat")
    is_problem(
        api.client.post(f"/v1/public/surveys/{token}", json={"score": 6}), 422, "out_of_range"
    )
    is_problem(
        api.client.post(f"/v1/public/surveys/{token}", json={"score": "five"}), 422, "invalid_input"
    )
    is_problem(api.client.post(f"/v1/public/surveys/{token}", json={"score": 4, "extra": 1}), 422)
    with api.database.session() as session:
        session.execute(update(Survey).values(expires_at=datetime.now(UTC) - timedelta(hours=1)))
    is_problem(api.client.post(f"/v1/public/surveys/{token}", json={"score": 4}), 410, "expired")
    is_problem(api.post("/v1/surveys", json={"conversation_id": "orders-1", "kind": "stars"}), 422)
    is_problem(api.post("/v1/surveys", json={"conversation_id": "nope", "kind": "csat"}), 404)


def test_public_survey_endpoints_are_rate_limited(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(survey_rate_per_minute=3)
    for _ in range(3):
        assert api.client.get("/v1/public/surveys/x").status_code == 404
    limited = is_problem(api.client.get("/v1/public/surveys/x"), 429, "rate_limited")
    assert limited
    assert int(api.client.get("/v1/public/surveys/x").headers["retry-after"]) >= 1


def test_ratings(api: Api) -> None:
    up = api.post(
        "/v1/ratings", json={"conversation_id": "orders-1", "kind": "thumbs", "value": "up"}
    )
    assert up.status_code == 201 and up.json()["value"] == 1
    stars = api.post(
        "/v1/ratings", json={"conversation_id": "orders-1", "kind": "stars", "value": 5}
    )
    assert stars.json()["value"] == 5
    is_problem(
        api.post("/v1/ratings", json={"conversation_id": "orders-1", "kind": "stars", "value": 9}),
        422,
        "out_of_range",
    )
    is_problem(
        api.post("/v1/ratings", json={"conversation_id": "nope", "kind": "stars", "value": 3}), 404
    )


def test_followups_lifecycle(api: Api) -> None:
    created = api.post("/v1/followups/generate", json={}).json()
    assert created, "the poor conversations call for follow-ups"
    causes = {(t["conversation_id"], t["cause"]) for t in created}
    assert {("orders-2", "negative_end"), ("billing-1", "negative_end")} <= causes
    assert api.post("/v1/followups/generate", json={}).json() == []  # never twice per cause
    task = created[0]
    assert task["message"] and task["reason"]
    listing = api.get("/v1/followups?status=open").json()
    assert listing["total"] == len(created)
    snoozed = api.post(
        f"/v1/followups/{task['id']}/snooze",
        json={"until": "2099-01-02T09:00:00Z", "note": "customer away"},
    )
    assert snoozed.status_code == 200 and snoozed.json()["status"] == "snoozed"
    is_problem(
        api.post(f"/v1/followups/{task['id']}/snooze", json={"until": "2001-01-01T00:00:00Z"}),
        422,
        "bad_time",
    )
    done = api.post(f"/v1/followups/{task['id']}/done", json={"note": "refund confirmed"}).json()
    assert done["status"] == "done" and "refund confirmed" in done["note"]
    is_problem(api.post(f"/v1/followups/{task['id']}/cancel", json={}), 409, "closed")
    is_problem(api.get("/v1/followups/999999"), 404)
    is_problem(api.get("/v1/followups?status=maybe"), 422)


def test_scorecards_and_metrics(api: Api) -> None:
    card = api.get("/v1/agents/agent-mia/scorecard").json()
    assert card["conversations"] == 2 and card["listening_score"] is not None
    assert card["coaching_examples"], "the poor conversation's costly evidence is quoted"
    assert all(e["quote"] for e in card["coaching_examples"])
    team = api.get("/v1/teams/team-orders/scorecard").json()
    assert team["conversations"] == 3
    empty = api.get("/v1/teams/team-orders/scorecard?since=2030-01-01").json()
    assert empty["conversations"] == 0
    metrics = api.get("/v1/metrics?team=team-orders&period=month").json()
    assert metrics["filters"]["team"] == "team-orders"
    is_problem(api.get("/v1/metrics?since=2026-03-05&until=2026-03-01"), 422)
    is_problem(api.get("/v1/metrics", "supervisor", params={"team": "team-billing"}), 403)
