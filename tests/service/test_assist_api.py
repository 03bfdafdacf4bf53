"""The assistant over WebSocket and the draft check over REST."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from .conftest import Api, is_problem

FRUSTRATED = "My order from the 3rd still hasn't arrived and I'm really frustrated, I need it for Saturday's event."


def connect(api: Api, conversation_id: str, who: str = "agent") -> Any:
    return api.client.websocket_connect(f"/v1/assist/{conversation_id}", headers=api.headers(who))


def test_live_session_answers_each_turn_with_nudges_and_suggestions(api: Api) -> None:
    with connect(api, "live-1") as ws:
        assert ws.receive_json() == {"type": "ready", "conversation_id": "live-1", "turns": 0}
        ws.send_json({"type": "turn", "turn": {"id": "c1", "role": "customer", "text": FRUSTRATED}})
        update = ws.receive_json()
        assert (
            update["type"] == "update" and update["kind"] == "final" and update["turn_id"] == "c1"
        )
        kinds = {s["kind"] for s in update["suggestions"]}
        assert {"paraphrase", "empathy_opener", "clarifying_question"} <= kinds
        paraphrase = next(s for s in update["suggestions"] if s["kind"] == "paraphrase")
        assert (
            "your order" in paraphrase["text"] and paraphrase["grounded_in"][0]["turn_id"] == "c1"
        )
        ws.send_json(
            {"type": "turn", "turn": {"id": "a1", "role": "agent", "text": "Is it the blue one?"}}
        )
        ws.receive_json()
        ws.send_json(
            {
                "type": "turn",
                "turn": {
                    "id": "c2",
                    "role": "customer",
                    "text": "Yes. I'm so frustrated, this is the second time it happened.",
                },
            }
        )
        update = ws.receive_json()
        codes = {n["code"] for n in update["nudges"]}
        assert "unacknowledged_emotion" in codes, update["nudges"]
        nudge = next(n for n in update["nudges"] if n["code"] == "unacknowledged_emotion")
        assert nudge["evidence"] and all(e["quote"] for e in nudge["evidence"])


def test_partials_and_drafts_are_not_committed(api: Api) -> None:
    with connect(api, "live-2") as ws:
        ws.receive_json()
        ws.send_json(
            {
                "type": "turn",
                "turn": {
                    "id": "c1",
                    "role": "customer",
                    "text": "I want a refund for the broken kettle.",
                },
            }
        )
        ws.receive_json()
        ws.send_json(
            {"type": "partial", "turn": {"role": "agent", "text": "Please read our returns policy"}}
        )
        draft = ws.receive_json()
        assert draft["kind"] == "draft" and draft["draft"] is not None
        assert any(
            "refund" in issue["message"] or "address" in issue["message"]
            for issue in draft["draft"]["issues"]
        ), draft["draft"]["issues"]
        ws.send_json(
            {
                "type": "check",
                "text": "I'm sorry the kettle broke. I've started your refund; it will reach your card within 5 days.",
            }
        )
        check = ws.receive_json()
        assert check["type"] == "check" and check["readiness"] > draft["draft"]["readiness"]
        ws.send_json({"type": "end", "store": True})
        stored = ws.receive_json()
        assert stored["type"] == "stored" and stored["id"] == "live-2"
    turns = api.get("/v1/conversations/live-2", "agent").json()["conversation"]["turns"]
    assert [t["id"] for t in turns] == ["c1"]  # the draft was never part of the conversation


def test_bad_messages_get_errors_and_the_session_goes_on(api: Api) -> None:
    with connect(api, "live-3") as ws:
        ws.receive_json()
        ws.send_text("not json")
        assert ws.receive_json()["code"] == "invalid_json"
        ws.send_json({"type": "turn", "turn": {"role": "robot", "text": "x"}})
        assert ws.receive_json()["code"] == "invalid_message"
        ws.send_json({"type": "dance"})
        assert ws.receive_json()["type"] == "error"
        ws.send_text("x" * 70_000)
        assert ws.receive_json()["code"] == "too_large"
        ws.send_json(
            {"type": "turn", "turn": {"role": "customer", "text": "Hello, my card was declined."}}
        )
        assert ws.receive_json()["type"] == "update"


def test_authentication_by_first_message_and_refusals(api: Api) -> None:
    with api.client.websocket_connect("/v1/assist/live-4") as ws:
        ws.send_json({"type": "auth", "key": api.keys["agent"]})
        assert ws.receive_json()["type"] == "ready"
    with api.client.websocket_connect("/v1/assist/live-5") as ws:
        ws.send_json({"type": "auth", "key": "hk_wrong"})
        assert ws.receive_json()["code"] == "unauthenticated"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4401
    # Another agent's stored conversation is not theirs to coach.
    with connect(api, "billing-1", "agent") as ws:
        assert ws.receive_json()["code"] == "forbidden"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403


def test_stored_conversation_is_picked_up(api: Api) -> None:
    with connect(api, "orders-2", "agent") as ws:
        ready = ws.receive_json()
        assert ready["turns"] == 4
        ws.send_json({"type": "check", "text": "Okay."})
        check = ws.receive_json()
        assert check["issues"] and check["readiness"] < 80


def test_draft_check_endpoint(api: Api) -> None:
    response = api.post(
        "/v1/assist/check",
        "agent",
        json={"conversation_id": "orders-2", "text": "Please check the billing page again."},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["issues"] and 0 <= body["readiness"] <= 100 and body["reason"]
    inline = {
        "id": "x",
        "turns": [{"role": "customer", "text": "Can I get a refund for the double charge?"}],
    }
    good = api.post(
        "/v1/assist/check",
        "agent",
        json={
            "conversation": inline,
            "text": "Yes: I've refunded the second charge today; it will show on your card within 3 days.",
        },
    ).json()
    assert good["readiness"] > body["readiness"]
    is_problem(
        api.post(
            "/v1/assist/check", "other_agent", json={"conversation_id": "orders-2", "text": "hi"}
        ),
        404,
    )
    is_problem(api.post("/v1/assist/check", "agent", json={"text": "hi"}), 422)
    is_problem(api.post("/v1/assist/check", None, json={"conversation": inline, "text": "hi"}), 401)


def test_optional_language_model_rephrases_after_the_update(api: Api) -> None:
    import httpx

    from heard.assist.rewrite import Rewriter

    def llm(request: httpx.Request) -> httpx.Response:
        prompt = request.read().decode()
        text = "I hear you — that sounds really frustrating." if "frustrat" in prompt else "Sure."
        return httpx.Response(
            200, json={"choices": [{"message": {"role": "assistant", "content": text}}]}
        )

    context = api.client.app.state.context  # type: ignore[attr-defined]
    context.__dict__["rewriter"] = Rewriter(
        "http://llm.test", async_transport=httpx.MockTransport(llm)
    )
    try:
        with connect(api, "live-llm") as ws:
            ws.receive_json()
            ws.send_json(
                {"type": "turn", "turn": {"id": "c1", "role": "customer", "text": FRUSTRATED}}
            )
            first = ws.receive_json()
            assert first["type"] == "update" and all(
                not s["rewritten"] for s in first["suggestions"]
            )
            second = ws.receive_json()
            assert second["type"] == "rewrite" and second["turn_id"] == "c1"
            assert len(second["suggestions"]) == len(first["suggestions"])
            assert any(s["rewritten"] and s["original_text"] for s in second["suggestions"])
    finally:
        context.__dict__["rewriter"] = None
