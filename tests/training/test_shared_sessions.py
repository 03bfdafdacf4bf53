"""Role-plays shared by every worker through the database: two app instances on one database
file stand in for two workers; the store-level tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from heard.store import Database, live
from heard.store.models import LiveSession, TrainingSession
from heard.training import build_debrief, find_scenario
from heard.training.sessions import (
    SessionConflictError,
    SessionGoneError,
    SharedSessions,
)
from service.conftest import Api, is_problem, make_api, make_settings, second_worker  # noqa: F401
from store.conftest import ManualClock, database, database_url  # noqa: F401

from .support import SCRIPTS

SCENARIO = "delayed-order"
LINES = SCRIPTS[SCENARIO]["good"]


def play(apis: list[Api]) -> dict[str, Any]:
    """A whole role-play, each request on the next app in turn."""
    started = apis[0].post(
        "/v1/training/sessions", "agent", json={"scenario_id": SCENARIO, "seed": 7}
    )
    assert started.status_code == 201, started.text
    body = started.json()
    session_id = body.pop("session_id")
    turns = []
    for number, line in enumerate(LINES, start=1):
        turn = apis[number % len(apis)].post(
            f"/v1/training/sessions/{session_id}/turns",
            "agent",
            json={"text": line.removeprefix("!"), "interrupted": line.startswith("!")},
        )
        assert turn.status_code == 200, turn.text
        turns.append(turn.json())
        if turn.json()["done"]:
            break
    ended = apis[len(turns) % len(apis)].post(f"/v1/training/sessions/{session_id}/end", "agent")
    assert ended.status_code == 200, ended.text
    is_problem(apis[-1].post(f"/v1/training/sessions/{session_id}/end", "agent"), 404)
    return {"started": body, "turns": turns, "debrief": ended.json()["debrief"]}


def test_a_role_play_alternating_between_two_workers_is_the_role_play_of_one(
    make_api: Callable[..., Api],  # noqa: F811
    second_worker: Callable[[Api], Api],  # noqa: F811
) -> None:
    expected = play([make_api()])
    assert expected["debrief"]["outcome"] == "resolved"
    first = make_api()
    other = second_worker(first)
    assert play([first, other]) == expected
    with first.database.session() as session:
        (stored,) = session.scalars(select(TrainingSession)).all()
        assert stored.outcome == "resolved" and stored.trainee_id == "agent-mia"
        assert not session.scalars(select(LiveSession)).all()  # ended: nothing left live


def test_a_role_play_survives_a_restart_and_stays_its_owners(
    make_api: Callable[..., Api],  # noqa: F811
    second_worker: Callable[[Api], Api],  # noqa: F811
) -> None:
    before = make_api()
    started = before.post("/v1/training/sessions", "agent", json={"scenario_id": SCENARIO})
    session_id = started.json()["session_id"]
    path = f"/v1/training/sessions/{session_id}"
    assert before.post(path + "/turns", "agent", json={"text": LINES[0]}).status_code == 200
    after = second_worker(before)  # a new process: nothing in memory
    assert after.get(path + "/hints", "agent").json()["hints"]
    assert after.post(path + "/turns", "agent", json={"text": LINES[1]}).status_code == 200
    for other in ("other_agent", "admin"):
        is_problem(after.post(path + "/turns", other, json={"text": "Hi"}), 404, "not_found")
    ended = after.post(path + "/end", "agent").json()
    assert ended["debrief"]["outcome"] == "abandoned" and ended["stored_id"]


# --- the store level, on SQLite and PostgreSQL ------------------------------------------------


def start(database: Database, sessions: SharedSessions, owner: str = "mia") -> str:  # noqa: F811
    with database.session() as session:
        entry, _ = sessions.start(session, owner, "agent-mia", find_scenario(SCENARIO), 3)
    return entry.id


def turn(database: Database, sessions: SharedSessions, session_id: str, text: str) -> Any:  # noqa: F811
    with database.session() as session:
        return sessions.turn(session, session_id, "mia", text, interrupted=False)


def stored(database: Database, session_id: str) -> LiveSession:  # noqa: F811
    with database.session() as session:
        row = session.get(LiveSession, session_id)
        assert row is not None
        return row


def test_a_replayed_role_play_is_the_live_one(database: Database) -> None:  # noqa: F811
    sessions = SharedSessions()
    session_id = start(database, sessions)
    for line in LINES[:4]:
        turn(database, sessions, session_id, line.removeprefix("!"))
    current = sessions.cache.get(session_id, "mia")
    assert current is not None
    with database.session() as session:
        row = live.load(session, "training", session_id, idle=sessions.idle, now=datetime.now(UTC))
    assert row is not None and row.stamp == current.stamp
    assert "mia" not in json.dumps(row.state["turns"])  # the journal is the agent's words only
    rebuilt = SharedSessions().rebuild(row)
    live_one, replayed = current.simulator, rebuilt.simulator
    assert [e.as_json() for e in replayed.transcript] == [e.as_json() for e in live_one.transcript]
    assert replayed.feedback == live_one.feedback
    assert replayed.hints() == live_one.hints()
    assert replayed.conversation == live_one.conversation
    assert build_debrief(replayed) == build_debrief(live_one)
    assert rebuilt.started_at == current.started_at


def race(sessions: SharedSessions, rival: Callable[[], None], times: int) -> None:
    """Make another worker advance the role-play just after ``sessions`` read it."""
    original = sessions._current
    left = [times]

    def raced(session: Any, session_id: str, owner: str) -> Any:
        found = original(session, session_id, owner)
        if left[0] > 0:
            left[0] -= 1
            rival()
        return found

    sessions._current = raced  # type: ignore[method-assign]


def test_a_turn_on_a_stale_copy_is_replayed_never_lost_or_doubled(
    database: Database,  # noqa: F811
) -> None:
    mine, theirs = SharedSessions(), SharedSessions()
    session_id = start(database, mine)
    turn(database, theirs, session_id, LINES[0])  # both hold a copy now
    race(mine, lambda: turn(database, theirs, session_id, LINES[1]), times=1)
    result = turn(database, mine, session_id, LINES[2])
    row = stored(database, session_id)
    assert [t["text"] for t in row.state["turns"]] == LINES[:3]
    assert row.version == 4
    # The same as one worker given the same turns.
    alone = SharedSessions()
    other_id = start(database, alone)
    expected = [turn(database, alone, other_id, line) for line in LINES[:3]]
    assert result == expected[2]


def test_a_turn_that_loses_every_race_is_a_conflict(
    database: Database,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sessions = SharedSessions()
    session_id = start(database, sessions)
    turn(database, sessions, session_id, LINES[0])
    # Every write finds the row moved on (on SQLite a rival worker would wait for this
    # request's transaction instead, so the loss is made here rather than by a rival).
    monkeypatch.setattr(live, "save", lambda *args, **kwargs: None)
    with pytest.raises(SessionConflictError):
        turn(database, sessions, session_id, "Are you there?")
    row = stored(database, session_id)
    assert [t["text"] for t in row.state["turns"]] == LINES[:1] and row.version == 2
    monkeypatch.undo()
    turn(database, sessions, session_id, "Are you there?")  # the copy was rebuilt, not kept
    assert [t["text"] for t in stored(database, session_id).state["turns"]] == [
        LINES[0],
        "Are you there?",
    ]


def test_a_role_play_ends_once(database: Database) -> None:  # noqa: F811
    mine, theirs = SharedSessions(), SharedSessions()
    session_id = start(database, mine)
    turn(database, theirs, session_id, LINES[0])
    with database.session() as session:
        assert mine.end(session, session_id, "mia", lambda entry: entry.id) == session_id
    with database.session() as session, pytest.raises(SessionGoneError):
        theirs.end(session, session_id, "mia", lambda entry: entry.id)


def test_idle_role_plays_expire_and_are_swept_and_the_table_is_bounded(
    database: Database,  # noqa: F811
) -> None:
    clock = ManualClock(datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    sessions = SharedSessions(idle_seconds=60, capacity=2, clock=clock)

    def rows() -> list[str]:
        with database.session() as session:
            query = select(LiveSession.id).where(LiveSession.kind == "training")
            return sorted(session.scalars(query))

    old = start(database, sessions)
    clock.now += timedelta(seconds=45)
    turn(database, sessions, old, LINES[0])
    clock.now += timedelta(seconds=45)  # idle 45 s since the turn: still here
    with database.session() as session:
        assert sessions.read(session, old, "mia", lambda s: s.agent_turns) == 1
    with database.session() as session, pytest.raises(SessionGoneError):
        sessions.read(session, old, "li", lambda s: s.agent_turns)  # not theirs
    clock.now += timedelta(seconds=61)
    with pytest.raises(SessionGoneError):
        turn(database, sessions, old, LINES[1])  # idle too long
    assert rows() == [old]  # gone for the API, still in the table
    newest = start(database, sessions)
    assert rows() == [newest]  # starting a role-play sweeps the idle ones
    clock.now += timedelta(seconds=1)
    second = start(database, sessions)
    clock.now += timedelta(seconds=1)
    third = start(database, sessions)
    assert rows() == sorted([second, third])  # over capacity: the least recently seen goes
