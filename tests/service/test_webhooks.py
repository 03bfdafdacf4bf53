"""Help-desk webhooks in (Chatwoot, generic), signed and replay-safe; events out via the outbox."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from heard.service import create_app, outbox
from heard.service.outbox import Dispatcher, sign
from heard.store import Database
from heard.store.models import FollowUp, OutboxEvent, StoredAnalysis

from .conftest import Api, is_problem, make_settings

SHARED = Path(__file__).resolve().parents[3] / "shared"
SAMPLE = SHARED / "samples" / "chatwoot" / "chatwoot_docs_webhook_message_created_api_channel.json"
SECRET = "chatwoot-test-secret"
GENERIC_SECRET = "generic-test-secret"


def signed(
    secret: str, body: bytes, *, prefix: str, at: int | None = None, delivery: str | None = None
) -> dict[str, str]:
    timestamp = str(at if at is not None else int(time.time()))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        f"X-{prefix}-Signature": f"sha256={digest}",
        f"X-{prefix}-Timestamp": timestamp,
    }
    if delivery:
        headers[f"X-{prefix}-Delivery"] = delivery
    return headers


def message(
    conversation: int, message_id: int, text: str, incoming: bool, status: str = "open"
) -> dict[str, Any]:
    """A message_created payload shaped like Chatwoot's documented sample."""
    if not SAMPLE.exists():
        pytest.skip(f"needs the shared Chatwoot sample ({SAMPLE}); ../shared is absent")
    payload: dict[str, Any] = copy.deepcopy(json.loads(SAMPLE.read_text()))
    payload["id"] = message_id
    payload["content"] = text
    payload["message_type"] = "incoming" if incoming else "outgoing"
    payload["sender"] = {
        "id": 7 if incoming else 3,
        "name": "Customer" if incoming else "Agent Sam",
        "type": "contact" if incoming else "user",
    }
    payload["created_at"] = f"2026-03-02T09:{message_id:02d}:00.000Z"
    payload["conversation"].update({"id": conversation, "status": status})
    return payload


@pytest.fixture
def hooked(make_api) -> Api:  # type: ignore[no-untyped-def]
    return make_api(
        chatwoot_secret=SECRET,
        webhook_secret=GENERIC_SECRET,
        outgoing_webhook_url="http://receiver.test/hook",
        outgoing_webhook_secret="out-secret",
    )


def post_chatwoot(api: Api, payload: dict[str, Any], **kwargs: Any) -> Any:
    body = json.dumps(payload).encode()
    return api.client.post(
        "/v1/webhooks/chatwoot",
        content=body,
        headers=signed(SECRET, body, prefix="Chatwoot", **kwargs),
    )


def test_chatwoot_messages_are_stored_live_and_resolution_analyses(hooked: Api) -> None:
    turns = [
        ("My refund from last week still hasn't arrived and I'm really frustrated.", True),
        ("I'm sorry about the wait. Could you tell me the order number?", False),
        ("It's 55120.", True),
        (
            "Thanks. So the refund for order 55120 hasn't reached you yet. I've resent it today; it will arrive within 3 business days and I'll email you on Friday to confirm.",
            False,
        ),
    ]
    for index, (text, incoming) in enumerate(turns, start=1):
        response = post_chatwoot(hooked, message(901, index, text, incoming), delivery=f"d-{index}")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "annotated"
        assert response.json()["turns"] == index
    stored = hooked.get("/v1/conversations/901").json()
    assert [t["text"] for t in stored["conversation"]["turns"]] == [t for t, _ in turns]
    assert stored["analysis"] is None  # not analysed until it resolves
    resolved = {
        "event": "conversation_status_changed",
        "id": 901,
        "status": "resolved",
        "messages": [],
    }
    response = post_chatwoot(hooked, resolved, delivery="d-resolved")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "analysed" and body["listening_score"] is not None
    detail = hooked.get("/v1/conversations/901").json()
    assert detail["analysis"]["listening_score"] == body["listening_score"]
    with hooked.database.session() as session:
        events = [e.event for e in session.scalars(select(OutboxEvent))]
        assert "analysis.ready" in events


def test_chatwoot_rejects_bad_signatures_stale_and_replays(hooked: Api) -> None:
    payload = message(902, 1, "Hello, my card was declined.", True)
    body = json.dumps(payload).encode()
    headers = signed(SECRET, body, prefix="Chatwoot", delivery="once")
    assert (
        hooked.client.post("/v1/webhooks/chatwoot", content=body, headers=headers).status_code
        == 200
    )
    is_problem(
        hooked.client.post("/v1/webhooks/chatwoot", content=body, headers=headers), 409, "replayed"
    )
    wrong = signed("not-the-secret", body, prefix="Chatwoot", delivery="x1")
    is_problem(
        hooked.client.post("/v1/webhooks/chatwoot", content=body, headers=wrong),
        401,
        "bad_signature",
    )
    tampered = signed(SECRET, body, prefix="Chatwoot", delivery="x2")
    is_problem(
        hooked.client.post(
            "/v1/webhooks/chatwoot",
            content=body.replace(b"declined", b"accepted"),
            headers=tampered,
        ),
        401,
        "bad_signature",
    )
    stale = signed(SECRET, body, prefix="Chatwoot", at=int(time.time()) - 3600, delivery="x3")
    is_problem(
        hooked.client.post("/v1/webhooks/chatwoot", content=body, headers=stale), 401, "stale"
    )
    is_problem(
        hooked.client.post(
            "/v1/webhooks/chatwoot", content=body, headers={"Content-Type": "application/json"}
        ),
        401,
        "unsigned",
    )
    # Without a delivery id, the same signed body is still recognised as a replay.
    bare = signed(
        SECRET, json.dumps(message(902, 2, "Still declined.", True)).encode(), prefix="Chatwoot"
    )
    again = json.dumps(message(902, 2, "Still declined.", True)).encode()
    assert (
        hooked.client.post("/v1/webhooks/chatwoot", content=again, headers=bare).status_code == 200
    )
    is_problem(
        hooked.client.post("/v1/webhooks/chatwoot", content=again, headers=bare), 409, "replayed"
    )


def test_chatwoot_other_events_are_ignored_and_bad_bodies_refused(hooked: Api) -> None:
    response = post_chatwoot(hooked, {"event": "contact_created", "id": 1}, delivery="c1")
    assert response.json()["status"] == "ignored"
    body = b"{not json"
    is_problem(
        hooked.client.post(
            "/v1/webhooks/chatwoot", content=body, headers=signed(SECRET, body, prefix="Chatwoot")
        ),
        422,
        "invalid_json",
    )
    is_problem(post_chatwoot(hooked, {"no": "event"}, delivery="c2"), 422)


def test_webhooks_are_off_without_a_secret(api: Api) -> None:
    is_problem(
        api.client.post("/v1/webhooks/chatwoot", json={"event": "message_created"}),
        503,
        "not_configured",
    )
    is_problem(api.client.post("/v1/webhooks/generic", json={}), 503, "not_configured")


def post_generic(api: Api, event: dict[str, Any]) -> Any:
    body = json.dumps(event).encode()
    return api.client.post(
        "/v1/webhooks/generic", content=body, headers=signed(GENERIC_SECRET, body, prefix="Heard")
    )


def test_generic_webhook_turns_then_resolution(hooked: Api) -> None:
    conversation = {"id": "gen-1", "agent_id": "agent-mia", "team_id": "team-orders"}
    first = post_generic(
        hooked,
        {
            "event": "turn",
            "delivery_id": "g1",
            "conversation": conversation,
            "turns": [
                {"id": "1", "role": "customer", "text": "I was charged twice and I'm angry."}
            ],
        },
    )
    assert first.status_code == 200 and first.json()["turns"] == 1
    second = post_generic(
        hooked,
        {
            "event": "turn",
            "delivery_id": "g2",
            "conversation": conversation,
            "turns": [{"id": "2", "role": "agent", "text": "Please check the billing page."}],
        },
    )
    assert second.json()["turns"] == 2
    is_problem(
        post_generic(
            hooked,
            {
                "event": "turn",
                "delivery_id": "g2",
                "conversation": conversation,
                "turns": [{"id": "2", "role": "agent", "text": "x"}],
            },
        ),
        409,
        "replayed",
    )
    done = post_generic(
        hooked, {"event": "resolved", "delivery_id": "g3", "conversation": conversation}
    )
    assert done.json()["status"] == "analysed"
    assert done.json()["followups"] >= 1  # an angry customer left angry: someone calls back
    is_problem(
        post_generic(hooked, {"event": "bogus", "delivery_id": "g4", "conversation": conversation}),
        422,
        "invalid_input",
    )


def resolved_exchange(hooked: Api, conversation_id: str, customer: str, agent: str) -> None:
    """A customer turn, the agent's reply, and the resolution, through the generic webhook."""
    post_generic(
        hooked,
        {
            "event": "turn",
            "delivery_id": f"{conversation_id}-turns",
            "conversation": {"id": conversation_id},
            "turns": [
                {"id": "1", "role": "customer", "text": customer},
                {"id": "2", "role": "agent", "text": agent},
            ],
        },
    )
    post_generic(
        hooked,
        {
            "event": "resolved",
            "delivery_id": f"{conversation_id}-resolved",
            "conversation": {"id": conversation_id},
        },
    )


def test_dispatcher_delivers_signed_events_and_retries(hooked: Api) -> None:
    resolved_exchange(hooked, "out-1", "My parcel is lost and I'm upset.", "Okay.")
    received: list[httpx.Request] = []
    fail_first = {"left": 1}

    def receiver(request: httpx.Request) -> httpx.Response:
        if fail_first["left"]:
            fail_first["left"] -= 1
            return httpx.Response(503)
        received.append(request)
        return httpx.Response(200)

    async def deliver(dispatcher: Dispatcher) -> int:
        return await dispatcher.run_once()

    client = httpx.AsyncClient(transport=httpx.MockTransport(receiver))
    dispatcher = Dispatcher(
        hooked.database, "http://receiver.test/hook", "out-secret", client=client
    )
    asyncio.run(deliver(dispatcher))
    with hooked.database.session() as session:
        pending = session.scalars(
            select(OutboxEvent).where(OutboxEvent.delivered_at.is_(None))
        ).all()
        assert pending and pending[0].last_error == "receiver answered 503"
        for row in pending:  # due again now rather than after the back-off
            row.next_attempt_at = row.created_at
    asyncio.run(deliver(dispatcher))
    events = {r.headers["X-Heard-Event"] for r in received}
    assert "analysis.ready" in events
    for request in received:
        body = request.content
        assert request.headers["X-Heard-Signature"] == sign(
            "out-secret", int(request.headers["X-Heard-Timestamp"]), body
        )
        assert json.loads(body)["event"] == request.headers["X-Heard-Event"]
    with hooked.database.session() as session:
        assert all(e.delivered_at is not None for e in session.scalars(select(OutboxEvent)))
        assert session.scalars(select(StoredAnalysis)).all()


def test_followup_due_is_announced_once(hooked: Api) -> None:
    resolved_exchange(hooked, "due-1", "I'm furious, nobody fixed my broken router.", "Noted.")
    with hooked.database.session() as session:
        for task in session.scalars(select(FollowUp)):
            task.due_at = task.created_at  # due now
    sent: list[str] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["X-Heard-Event"])
        return httpx.Response(204)

    dispatcher = Dispatcher(
        hooked.database,
        "http://receiver.test/hook",
        None,
        client=httpx.AsyncClient(transport=httpx.MockTransport(receiver)),
    )
    asyncio.run(dispatcher.run_once())
    asyncio.run(dispatcher.run_once())
    assert sent.count("followup.due") >= 1
    due_once = sent.count("followup.due")
    asyncio.run(dispatcher.run_once())
    assert sent.count("followup.due") == due_once


def test_two_workers_dispatchers_never_send_an_event_twice(
    hooked: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every worker runs a dispatcher. One reads the due events and tasks; before it claims
    them, another worker's dispatcher runs whole. The first must then claim none of what the
    other took: each event is sent once and each due follow-up queued once."""
    resolved_exchange(hooked, "race-1", "I'm furious, my order never came.", "Noted.")
    with hooked.database.session() as session:
        tasks = list(session.scalars(select(FollowUp)))
        assert tasks, "the poor conversation calls for a follow-up"
        for task in tasks:
            task.due_at = task.created_at  # due now
    sent: list[str] = []

    def receiver(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["X-Heard-Delivery"])
        return httpx.Response(204)

    def dispatcher(database: Database) -> Dispatcher:
        transport = httpx.MockTransport(receiver)
        return Dispatcher(
            database,
            "http://receiver.test/hook",
            None,
            client=httpx.AsyncClient(transport=transport),
        )

    other_worker = Database(hooked.database.url)
    first, second = dispatcher(hooked.database), dispatcher(other_worker)
    real_won = outbox._won
    interleaved: list[int] = []
    calls = {"first": 0}

    def won_after_the_other_worker(session: Any, statement: Any) -> bool:
        calls["first"] += 1
        if calls["first"] == 1:  # the other worker runs whole, with the real claim
            monkeypatch.setattr(outbox, "_won", real_won)
            interleaved.append(asyncio.run(second.run_once()))
            monkeypatch.setattr(outbox, "_won", won_after_the_other_worker)
        return real_won(session, statement)

    monkeypatch.setattr(outbox, "_won", won_after_the_other_worker)
    # The first dispatcher claims in a worker thread (asyncio.to_thread), where the second can
    # run its own event loop.
    delivered_by_first = asyncio.run(first.run_once())
    monkeypatch.setattr(outbox, "_won", real_won)
    assert interleaved == [1]  # the other worker sent the analysis and queued the due task
    assert delivered_by_first == 0  # and this one then claimed neither
    with hooked.database.session() as session:
        due = [e for e in session.scalars(select(OutboxEvent)) if e.event == "followup.due"]
        assert len(due) == len(tasks)  # each due task queued once, by one of them
    # Queued events are due from the next round, whichever worker runs it.
    assert asyncio.run(first.run_once()) + asyncio.run(second.run_once()) == len(tasks)
    other_worker.dispose()
    assert len(sent) == len(set(sent)) == 1 + len(tasks), f"sent: {sent}"


LIVE_CHAT = [
    ("customer", "My internet has been down since Monday and I'm really frustrated."),
    ("agent", "What's your account number?"),
    ("customer", "It's 55120. I've already called twice about this."),
    ("agent", "Did you restart the router?"),
    ("agent", "Is the light green?"),
    ("customer", "Yes, I restarted it. As I said, it has been down since Monday!"),
    ("agent", "Calm down, these things take time."),
]
HOOKS = {
    "chatwoot_secret": SECRET,
    "webhook_secret": GENERIC_SECRET,
    "outgoing_webhook_url": "http://receiver.test/hook",
    "outgoing_webhook_secret": "out-secret",
}


def nudges_announced(apps: list[Api]) -> list[str]:
    """Feed LIVE_CHAT one message per delivery, each to the next app in turn; the nudge ids
    queued for the outgoing webhook, in order."""
    for number, (role, text) in enumerate(LIVE_CHAT, start=1):
        turn = {"id": str(number), "role": role, "text": text}
        turn["time"] = f"2026-03-02T09:{number:02d}:00Z"
        event = {
            "event": "turn",
            "delivery_id": f"live-{number}",
            "conversation": {"id": "live-1", "agent_id": "agent-mia"},
            "turns": [turn],
        }
        assert post_generic(apps[number % len(apps)], event).status_code == 200
    with apps[0].database.session() as session:
        events = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        return [e.payload["id"] for e in events if e.event == "nudge"]


def test_live_nudges_are_announced_once_whichever_worker_takes_each_message(
    make_api: Any, tmp_path: Path
) -> None:
    alone = nudges_announced([make_api(**HOOKS)])
    assert len(alone) >= 3, alone  # the chat raises several nudges as it goes
    first = make_api(**HOOKS)
    shared = Database(first.database.url)
    other_app = create_app(make_settings(**HOOKS), shared, background=False)
    with TestClient(other_app) as client:
        other = Api(client, shared, first.keys)
        split = nudges_announced([first, other])
    shared.dispose()
    # Each worker sees only some of the messages; each nudge is still announced once, by the
    # message that raised it, exactly as when one process took them all.
    assert split == alone
