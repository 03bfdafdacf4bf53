"""The bot over HTTP: sessions with tokens, rate limits, storing, hand-offs, roles, metrics."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from heard.bot import Bot, KBIndex
from heard.service.ratelimit import RateLimiter
from heard.service.routes.bot import BotService
from service.conftest import Api, is_problem, make_api  # noqa: F401

from .conftest import say, start


@pytest.fixture
def bot_api(make_api: Callable[..., Api], shop_index: KBIndex) -> Api:  # noqa: F811
    api = make_api()
    limiter = RateLimiter(1000, 60.0, database=api.database, scope="bot")
    api.client.app.state.bot = BotService(Bot(shop_index), limiter)  # type: ignore[attr-defined]
    return api


def test_a_contained_conversation_is_stored_with_a_survey(bot_api: Api) -> None:
    session_id, token, created = start(bot_api)
    assert created["kb"] == "shop"
    assert created["reply"]["decision"] == "greet"
    reply = say(bot_api, session_id, token, "How do I reset my password?")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["decision"] == "answer"
    assert body["evidence"]["entry_id"] == "reset-password"
    assert body["confidence"] >= 0.5 and body["reasons"]
    say(bot_api, session_id, token, "thanks, that worked")
    ended = bot_api.post(f"/v1/bot/sessions/{session_id}/end", who=None, headers=token)
    assert ended.status_code == 200, ended.text
    result = ended.json()
    assert result["outcome"] == "contained"
    assert result["stored"]["outcome"] == "added"
    conversation_id = result["conversation_id"]
    detail = bot_api.get(f"/v1/conversations/{conversation_id}").json()
    stored = detail["conversation"]
    assert stored["metadata"]["bot"]["outcome"] == "contained"
    assert [t["role"] for t in stored["turns"]][:3] == ["bot", "customer", "bot"]
    assert detail["analysis"] is not None  # analysed like any other conversation
    # CSAT follows through the existing public survey endpoint.
    survey = result["survey"]
    answered = bot_api.post(f"/v1/public/surveys/{survey['token']}", who=None, json={"score": 5})
    assert answered.status_code == 201, answered.text
    # An ended session takes no more messages.
    is_problem(say(bot_api, session_id, token, "hello?"), 409, "session_ended")


def test_tokens_guard_sessions(bot_api: Api) -> None:
    session_id, token, _ = start(bot_api)
    is_problem(say(bot_api, session_id, {}, "hi"), 404, "unknown_session")
    is_problem(say(bot_api, session_id, {"X-Bot-Token": "guess"}, "hi"), 404, "unknown_session")
    is_problem(say(bot_api, "nope", token, "hi"), 404, "unknown_session")
    is_problem(say(bot_api, session_id, token, ""), 422, "invalid_input")


def test_handoff_packets_need_a_staff_key(bot_api: Api) -> None:
    session_id, token, _ = start(bot_api)
    path = f"/v1/bot/sessions/{session_id}/handoff"
    is_problem(bot_api.get(path, who="agent"), 404, "not_found")  # nothing handed off yet
    reply = say(bot_api, session_id, token, "My order #48213 is late. Can I talk to a real person?")
    assert reply.json()["decision"] == "handoff"
    assert reply.json()["handoff"] == "asked_for_person"
    is_problem(bot_api.get(path, who=None), 401, "unauthenticated")
    for who in ("agent", "supervisor", "admin"):
        packet = bot_api.get(path, who=who)
        assert packet.status_code == 200, packet.text
    body = bot_api.get(path, who="agent").json()
    assert body["reason"] == "asked_for_person"
    assert {
        "issue",
        "wants",
        "emotion",
        "trajectory",
        "facts",
        "tried",
        "suggested_reply",
        "route",
    } <= set(body)
    assert body["facts"][0]["value"] == "48213"
    listed = bot_api.get("/v1/bot/handoffs", who="agent").json()
    assert [item["session_id"] for item in listed] == [session_id]
    assert bot_api.get("/v1/bot/handoffs?queue=elsewhere", who="agent").json() == []
    ended = bot_api.post(f"/v1/bot/sessions/{session_id}/end", who=None, headers=token).json()
    assert ended["outcome"] == "handed_off"


def test_public_calls_are_rate_limited(make_api: Callable[..., Api], shop_index: KBIndex) -> None:  # noqa: F811
    api = make_api()
    limiter = RateLimiter(3, 60.0, database=api.database, scope="bot")
    api.client.app.state.bot = BotService(Bot(shop_index), limiter)  # type: ignore[attr-defined]
    session_id, token, _ = start(api)
    assert say(api, session_id, token, "hello").status_code == 200
    assert say(api, session_id, token, "hello").status_code == 200
    limited = say(api, session_id, token, "hello")
    is_problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    is_problem(api.post("/v1/bot/sessions", who=None, json={}), 429, "rate_limited")


def test_metrics_need_a_manager_and_count_outcomes(bot_api: Api) -> None:
    for messages, score in (
        (["How do I reset my password?", "thanks"], 5),
        (["Can I speak to a human?"], 2),
        (["Do you ship abroad?"], None),
    ):
        session_id, token, _ = start(bot_api)
        for text in messages:
            say(bot_api, session_id, token, text)
        ended = bot_api.post(f"/v1/bot/sessions/{session_id}/end", who=None, headers=token).json()
        if score is not None:
            bot_api.post(
                f"/v1/public/surveys/{ended['survey']['token']}", who=None, json={"score": score}
            )
    is_problem(bot_api.get("/v1/bot/metrics", who="agent"), 403, "forbidden")
    figures = bot_api.get("/v1/bot/metrics", who="admin").json()
    assert figures["conversations"] == 3
    assert figures["containment_rate"]["value"] == pytest.approx(200 / 3)
    assert figures["handoff_rate"]["value"] == pytest.approx(100 / 3)
    assert figures["containment_rate"]["ci_method"] == "wilson"
    assert figures["csat_bot_only"]["value"] == 100.0 and figures["csat_bot_only"]["n"] == 1
    assert figures["csat_handed_off"]["value"] == 0.0
    assert figures["handoff_reasons"] == {"asked_for_person": 1}


def test_the_widget_is_served_without_third_parties(bot_api: Api) -> None:
    page = bot_api.client.get("/bot/widget")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert '<script src="/bot/widget.js"></script>' in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # no CDN, no external asset
    script = bot_api.client.get("/bot/widget.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "/v1/bot/sessions" in script.text and "innerHTML" not in script.text
    spec = bot_api.client.get("/openapi.json").json()
    assert "/bot/widget" not in spec["paths"]
    assert "/v1/bot/sessions/{session_id}/messages" in spec["paths"]
