"""Bot chats shared by every worker through the database: two app instances on one database
file stand in for two workers of ``heard serve --workers 2``."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from heard.bot import Bot, KBIndex
from heard.service.ratelimit import RateLimiter
from heard.service.routes.bot import BotService
from heard.store import Database, live
from heard.store.models import LiveSession
from service.conftest import Api, is_problem, make_api, make_settings, second_worker  # noqa: F401

from .conftest import say, start

CHAT = [
    "How do I reset my password?",
    "no, that didn't help",
    "This is ridiculous, I've been waiting for days and I'm really frustrated with you",
    "Can I talk to a real person please?",
    "hello?",
]
FIXED_ID = uuid.UUID("0123456789abcdef0123456789abcdef")


def with_bot(api: Api, index: KBIndex, **options: Any) -> BotService:
    limiter = RateLimiter(1000, 60.0, database=api.database, scope="bot")
    service = BotService(Bot(index), limiter, **options)
    api.client.app.state.bot = service  # type: ignore[attr-defined]
    return service


def worker(make: Callable[..., Api], index: KBIndex, **options: Any) -> Api:
    """A fresh app on its own database, with a bot."""
    api = make()
    with_bot(api, index, **options)
    return api


def two_workers(
    make: Callable[..., Api], spawn: Callable[[Api], Api], index: KBIndex
) -> tuple[Api, Api, BotService]:
    """Two apps on one database, each with its own bot; and the second's bot service."""
    first = make()
    other = spawn(first)
    with_bot(first, index)
    return first, other, with_bot(other, index)


def replies_of_one_worker(make: Callable[..., Api], index: KBIndex, texts: list[str]) -> list[Any]:
    """What one app alone answers to ``texts`` in a new chat: what any split must equal."""
    alone = worker(make, index)
    session_id, token, _ = start(alone)
    return [say(alone, session_id, token, text).json() for text in texts]


@pytest.fixture
def fixed_session_id(monkeypatch: pytest.MonkeyPatch) -> None:
    # The bot's wording is seeded by the session id: two runs compared need the same one.
    monkeypatch.setattr("heard.bot.policy.uuid.uuid4", lambda: FIXED_ID)


def run(apis: list[Api]) -> dict[str, Any]:
    """The whole chat, each request on the next app in turn; what the customer and staff saw."""
    session_id, token, created = start(apis[0])
    replies = [created["reply"]]
    for number, text in enumerate(CHAT, start=1):
        reply = say(apis[number % len(apis)], session_id, token, text)
        assert reply.status_code == 200, reply.text
        replies.append(reply.json())
    last = apis[(len(CHAT) + 1) % len(apis)]
    packet = last.get(f"/v1/bot/sessions/{session_id}/handoff", who="agent")
    assert packet.status_code == 200, packet.text
    ended = last.post(f"/v1/bot/sessions/{session_id}/end", who=None, headers=token)
    assert ended.status_code == 200, ended.text
    conversation_id = ended.json()["conversation_id"]
    stored = last.get(f"/v1/conversations/{conversation_id}").json()["conversation"]
    return {
        "replies": replies,
        "packet": {k: v for k, v in packet.json().items() if k != "created_at"},
        "outcome": ended.json()["outcome"],
        "turns": [(t["role"], t["text"]) for t in stored["turns"]],
        "bot": stored["metadata"]["bot"],
    }


def row_of(database: Database, session_id: str) -> LiveSession:
    with database.session() as session:
        found = session.get(LiveSession, session_id)
        assert found is not None
        return found


@pytest.mark.usefixtures("fixed_session_id")
def test_a_chat_alternating_between_two_workers_is_the_chat_of_one(
    make_api: Callable[..., Api],  # noqa: F811
    second_worker: Callable[[Api], Api],  # noqa: F811
    shop_index: KBIndex,
) -> None:
    expected = run([worker(make_api, shop_index)])
    assert expected["outcome"] == "handed_off"
    assert any("empathy" in r["behaviours"] for r in expected["replies"])  # openers were used

    first, other, _ = two_workers(make_api, second_worker, shop_index)
    assert run([first, other]) == expected


@pytest.mark.usefixtures("fixed_session_id")
def test_a_chat_survives_a_restart(
    make_api: Callable[..., Api],  # noqa: F811
    second_worker: Callable[[Api], Api],  # noqa: F811
    shop_index: KBIndex,
) -> None:
    expected = replies_of_one_worker(make_api, shop_index, CHAT[:3])
    before = worker(make_api, shop_index)
    session_id, token, _ = start(before)
    assert say(before, session_id, token, CHAT[0]).json() == expected[0]
    after = second_worker(before)  # a new process: nothing in memory
    with_bot(after, shop_index)
    assert [say(after, session_id, token, text).json() for text in CHAT[1:3]] == expected[1:]
    is_problem(say(after, session_id, {"X-Bot-Token": "guess"}, "hi"), 404, "unknown_session")


def test_a_replayed_chat_is_the_live_one(
    make_api: Callable[..., Api],  # noqa: F811
    shop_index: KBIndex,
) -> None:
    api = make_api()
    service = with_bot(api, shop_index)
    session_id, token, _ = start(api)
    for text in CHAT:
        say(api, session_id, token, text)
    current = service.sessions[session_id]
    with api.database.session() as session:
        row = live.load(session, "bot", session_id, idle=service.idle, now=datetime.now(UTC))
    assert row is not None and row.stamp == current.stamp
    # Another process: its own bot, so its own memory of the openers it offered.
    limiter = RateLimiter(1000, 60.0, database=api.database, scope="bot")
    rebuilt = BotService(Bot(shop_index), limiter).rebuild(row)
    assert rebuilt.session.replies == current.session.replies
    assert rebuilt.session.transcript() == current.session.transcript()  # the times too
    assert rebuilt.session.handoff == current.session.handoff


def test_the_row_holds_the_token_hash_never_the_token(
    make_api: Callable[..., Api],  # noqa: F811
    shop_index: KBIndex,
) -> None:
    api = make_api()
    with_bot(api, shop_index)
    session_id, token, _ = start(api)
    say(api, session_id, token, CHAT[0])
    row = row_of(api.database, session_id)
    assert row.kind == "bot" and row.version == 2
    stored = json.dumps(row.state)
    assert token["X-Bot-Token"] not in stored
    assert row.state["token_hash"] == hashlib.sha256(token["X-Bot-Token"].encode()).hexdigest()


def race(service: BotService, rival: Callable[[], None], times: int) -> None:
    """Make another worker advance the chat just after ``service`` read it, ``times`` times."""
    original = service._current
    left = [times]

    def raced(row: live.Row) -> Any:
        found = original(row)
        if left[0] > 0:
            left[0] -= 1
            rival()
        return found

    service._current = raced  # type: ignore[method-assign]


@pytest.mark.usefixtures("fixed_session_id")
def test_a_message_on_a_stale_copy_is_replayed_never_lost_or_doubled(
    make_api: Callable[..., Api],  # noqa: F811
    second_worker: Callable[[Api], Api],  # noqa: F811
    shop_index: KBIndex,
) -> None:
    expected = replies_of_one_worker(make_api, shop_index, ["hello", *CHAT[:2]])
    first, other, mine = two_workers(make_api, second_worker, shop_index)
    session_id, token, _ = start(first)
    assert say(other, session_id, token, "hello").json() == expected[0]  # both hold a copy
    rival: list[Any] = []
    race(mine, lambda: rival.append(say(first, session_id, token, CHAT[0]).json()), times=1)
    reply = say(other, session_id, token, CHAT[1])
    assert reply.status_code == 200, reply.text
    # Both messages are answered once, in the order they were stored, as one worker would.
    assert [rival[0], reply.json()] == expected[1:]
    row = row_of(first.database, session_id)
    texts = [step.get("text") for step in row.state["inputs"]]
    assert texts == [None, "hello", CHAT[0], CHAT[1]]
    assert row.version == 4


def test_a_chat_that_keeps_moving_elsewhere_is_a_conflict(
    make_api: Callable[..., Api],  # noqa: F811
    second_worker: Callable[[Api], Api],  # noqa: F811
    shop_index: KBIndex,
) -> None:
    first, other, mine = two_workers(make_api, second_worker, shop_index)
    session_id, token, _ = start(first)
    race(mine, lambda: say(first, session_id, token, "hello"), times=3)
    is_problem(say(other, session_id, token, CHAT[0]), 409, "conflict")
    texts = [step.get("text") for step in row_of(first.database, session_id).state["inputs"]]
    assert texts == [None, "hello", "hello", "hello"]  # the refused message is not stored


def test_a_chat_ends_once_whichever_worker_is_asked(
    make_api: Callable[..., Api],  # noqa: F811
    second_worker: Callable[[Api], Api],  # noqa: F811
    shop_index: KBIndex,
) -> None:
    first, other, _ = two_workers(make_api, second_worker, shop_index)
    session_id, token, _ = start(first)
    say(other, session_id, token, CHAT[0])
    ended = first.post(f"/v1/bot/sessions/{session_id}/end", who=None, headers=token)
    assert ended.status_code == 200, ended.text
    path = f"/v1/bot/sessions/{session_id}/end"
    is_problem(other.post(path, who=None, headers=token), 409, "session_ended")
    is_problem(say(other, session_id, token, "hello?"), 409, "session_ended")


def test_idle_chats_expire_and_are_swept_and_the_table_is_bounded(
    make_api: Callable[..., Api],  # noqa: F811
    shop_index: KBIndex,
) -> None:
    api = make_api()
    now = [datetime(2026, 5, 1, 9, 0, tzinfo=UTC)]
    with_bot(api, shop_index, idle_seconds=60, max_sessions=2, clock=lambda: now[0])

    def rows() -> list[str]:
        with api.database.session() as session:
            return list(session.scalars(select(LiveSession.id).where(LiveSession.kind == "bot")))

    old, old_token, _ = start(api)
    now[0] += timedelta(seconds=30)
    kept, kept_token, _ = start(api)
    assert say(api, old, old_token, "hello").status_code == 200  # seen at 30 s
    now[0] += timedelta(seconds=45)
    assert say(api, old, old_token, "hello").status_code == 200  # idle 45 s: still here
    now[0] += timedelta(seconds=61)
    is_problem(say(api, old, old_token, "hello"), 404, "unknown_session")  # idle too long
    is_problem(say(api, kept, kept_token, "hello"), 404, "unknown_session")
    assert sorted(rows()) == sorted([old, kept])  # gone for the API, still in the table
    newest, _, _ = start(api)
    assert rows() == [newest]  # opening a chat sweeps the idle ones
    now[0] += timedelta(seconds=1)  # distinct last_seen: which is least recent is then clear
    second, _, _ = start(api)
    now[0] += timedelta(seconds=1)
    third, _, _ = start(api)
    assert sorted(rows()) == sorted([second, third])  # over capacity: least recently seen goes
