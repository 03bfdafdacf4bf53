"""The training API and page under `heard serve`: sessions, exercises and progress, by role."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from heard.store.models import Agent, Team
from heard.training import Simulator, find_scenario
from heard.training.sessions import ActiveSessions
from service.conftest import Api, is_problem, make_api  # noqa: F401

from .support import SCRIPTS


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:  # noqa: F811
    built = make_api()
    # Agents belong to teams as the help desk says; here, as keys and imports would record.
    with built.database.session() as session:
        session.add_all([Team(id="team-orders"), Team(id="team-billing")])
        session.flush()
        for agent, team in (("agent-mia", "team-orders"), ("agent-li", "team-billing")):
            stored = session.get(Agent, agent)
            assert stored is not None
            stored.team_id = team
    return built


def play(api: Api, who: str, scenario_id: str, lines: list[str]) -> dict[str, object]:
    started = api.post("/v1/training/sessions", who, json={"scenario_id": scenario_id, "seed": 1})
    assert started.status_code == 201, started.text
    session_id = started.json()["session_id"]
    for line in lines:
        turn = api.post(
            f"/v1/training/sessions/{session_id}/turns",
            who,
            json={"text": line.removeprefix("!"), "interrupted": line.startswith("!")},
        )
        assert turn.status_code == 200, turn.text
        if turn.json()["done"]:
            break
    ended = api.post(f"/v1/training/sessions/{session_id}/end", who)
    assert ended.status_code == 200, ended.text
    body: dict[str, object] = ended.json()
    return body


def test_scenarios_and_exercises_are_listed_without_their_secrets(api: Api) -> None:
    is_problem(api.get("/v1/training/scenarios", None), 401, "unauthenticated")
    scenarios = api.get("/v1/training/scenarios", "agent").json()
    assert len(scenarios) >= 10
    assert "48213" not in str(scenarios)
    exercises = api.get("/v1/training/exercises", "agent").json()
    assert {e["id"] for e in exercises} >= {"double-charge-voicemail"}


def test_a_whole_session_over_http(api: Api) -> None:
    started = api.post("/v1/training/sessions", "agent", json={"scenario_id": "delayed-order"})
    assert started.status_code == 201
    body = started.json()
    assert [m["pending"] for m in body["customer"]] == [False, True]
    session_id = body["session_id"]
    hints = api.get(f"/v1/training/sessions/{session_id}/hints", "agent").json()["hints"]
    assert hints
    turn = api.post(
        f"/v1/training/sessions/{session_id}/turns",
        "agent",
        json={"text": "What's your order number?", "interrupted": True},
    ).json()
    assert "interruption" in [d["label"] for d in turn["feedback"]["did"]]
    assert turn["feedback"]["explanation"].startswith("The customer")
    assert len(turn["customer"]) == 2  # the rest of the burst, then the reply
    ended = api.post(f"/v1/training/sessions/{session_id}/end", "agent").json()
    assert ended["debrief"]["outcome"] == "abandoned"
    # Ended sessions are gone from memory; the stored one is in the progress.
    is_problem(api.post(f"/v1/training/sessions/{session_id}/end", "agent"), 404, "not_found")


def test_a_good_listener_resolves_over_http_and_a_finished_session_refuses_turns(api: Api) -> None:
    started = api.post("/v1/training/sessions", "agent", json={"scenario_id": "policy-wrong"})
    session_id = started.json()["session_id"]
    for line in SCRIPTS["policy-wrong"]["good"]:
        result = api.post(
            f"/v1/training/sessions/{session_id}/turns", "agent", json={"text": line}
        ).json()
    assert result["done"] and result["outcome"] == "resolved"
    is_problem(
        api.post(f"/v1/training/sessions/{session_id}/turns", "agent", json={"text": "Hi"}),
        409,
        "conflict",
    )


def test_a_session_belongs_to_whoever_started_it(api: Api) -> None:
    started = api.post("/v1/training/sessions", "agent", json={"scenario_id": "delayed-order"})
    session_id = started.json()["session_id"]
    for other in ("other_agent", "admin"):
        is_problem(
            api.post(f"/v1/training/sessions/{session_id}/turns", other, json={"text": "Hi"}),
            404,
            "not_found",
        )
    is_problem(api.get(f"/v1/training/sessions/{session_id}/hints", "supervisor"), 404)


def test_bad_requests_are_problems(api: Api) -> None:
    is_problem(
        api.post("/v1/training/sessions", "agent", json={"scenario_id": "nope"}), 404, "not_found"
    )
    is_problem(
        api.post("/v1/training/sessions", "agent", json={"scenario_id": "x", "seed": -1}),
        422,
        "invalid_input",
    )
    started = api.post("/v1/training/sessions", "agent", json={"scenario_id": "delayed-order"})
    session_id = started.json()["session_id"]
    is_problem(
        api.post(f"/v1/training/sessions/{session_id}/turns", "agent", json={"text": ""}), 422
    )
    is_problem(
        api.post("/v1/training/exercises/nope/attempts", "agent", json={"summary": "x"}), 404
    )


def test_summaries_are_scored_and_stored(api: Api) -> None:
    response = api.post(
        "/v1/training/exercises/moving-home-chat/attempts",
        "agent",
        json={"summary": "They are moving on the 28th and need the broadband moved."},
    )
    assert response.status_code == 201, response.text
    result = response.json()["result"]
    assert result["missed"] and 0 < result["score"] < 100
    (mine,) = api.get("/v1/training/progress", "agent").json()
    assert mine["trainee_id"] == "agent-mia" and mine["summaries"] == 1


def test_progress_follows_the_roles(api: Api) -> None:
    play(api, "agent", "delayed-order", SCRIPTS["delayed-order"]["good"])
    play(api, "other_agent", "double-charge", SCRIPTS["double-charge"]["poor"])

    def trainees(who: str, query: str = "") -> list[str]:
        response = api.get("/v1/training/progress" + query, who)
        assert response.status_code == 200, response.text
        return [p["trainee_id"] for p in response.json()]

    assert trainees("agent") == ["agent-mia"]
    assert trainees("other_agent") == ["agent-li"]
    assert trainees("supervisor") == ["agent-mia"]
    assert trainees("other_supervisor") == ["agent-li"]
    assert trainees("admin") == ["agent-li", "agent-mia"]
    assert trainees("supervisor", "?agent=agent-mia") == ["agent-mia"]
    is_problem(api.get("/v1/training/progress?agent=agent-li", "supervisor"), 404, "not_found")
    is_problem(api.get("/v1/training/progress?agent=agent-li", "agent"), 404, "not_found")
    (mia,) = api.get("/v1/training/progress", "agent").json()
    assert (mia["roleplays"], mia["resolved"]) == (1, 1)
    assert mia["team_id"] == "team-orders"


def test_the_practice_page_is_served(api: Api) -> None:
    page = api.client.get("/train")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "listening practice" in page.text and "/train/train.js" in page.text
    script = api.client.get("/train/train.js")
    assert script.status_code == 200 and "/v1/training/sessions" in script.text
    assert "sessionStorage" in script.text  # the key stays in the tab, never in a cookie


def test_sessions_in_memory_expire_and_are_bounded() -> None:
    now = [0.0]
    sessions = ActiveSessions(idle_seconds=60, capacity=2, clock=lambda: now[0])
    simulator = Simulator(find_scenario("delayed-order"))
    first = sessions.add("mia", "agent-mia", simulator)
    assert sessions.get(first.id, "li") is None  # not theirs
    assert sessions.get(first.id, "mia") is first
    now[0] = 59.0
    second = sessions.add("mia", "agent-mia", simulator)
    sessions.add("mia", "agent-mia", simulator)  # over capacity: the least recent goes
    assert len(sessions) == 2 and sessions.get(first.id, "mia") is None
    now[0] = 200.0
    assert sessions.get(second.id, "mia") is None  # idle too long
