"""Shared by the survey, rating and follow-up tests: a database (SQLite, then PostgreSQL, from
the storage tests' fixtures) and a fixture that builds, analyses and stores a conversation.

Kept out of a ``conftest.py`` so the other tests in this folder are not affected; a test module
imports the fixtures it uses (they are named ``database_url``, ``database`` and ``store``)::

    from .support import feedback_database, feedback_database_url, feedback_store  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from heard.analysis import analyze
from heard.conversation import Channel, Conversation, Role, Turn
from heard.store import Database
from heard.store.repository import save_analysis, save_conversation
from store import conftest as store_fixtures

STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

Store = Callable[..., Conversation]


def conversation(
    conversation_id: str,
    turns: Sequence[tuple[str, str]],
    *,
    channel: Channel = Channel.CHAT,
    agent_id: str | None = "agent-mia",
    team_id: str | None = "team-orders",
    customer: str | None = None,
    agent: str | None = None,
) -> Conversation:
    """A conversation from (role, text) pairs; role is "c" (customer) or "a" (agent)."""
    return Conversation(
        id=conversation_id,
        channel=channel,
        agent_id=agent_id,
        team_id=team_id,
        started_at=STARTED,
        turns=[
            Turn(
                role=Role.CUSTOMER if role == "c" else Role.AGENT,
                speaker=customer if role == "c" else agent,
                text=text,
            )
            for role, text in turns
        ],
    )


@pytest.fixture(name="database_url", params=store_fixtures.BACKENDS)
def feedback_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database's URL: SQLite, then PostgreSQL (skipped, saying why, without one)."""
    if request.param == "sqlite":
        yield store_fixtures.sqlite_url(tmp_path)
    else:
        with store_fixtures.postgres_database() as url:
            yield url


@pytest.fixture(name="database")
def feedback_database(database_url: str) -> Iterator[Database]:
    opened = Database(database_url)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture(name="store")
def feedback_store(database: Database) -> Store:
    """Builds a conversation, analyses it with heard.analyze and saves both."""

    def add(
        conversation_id: str, turns: Sequence[tuple[str, str]], *, analyse: bool = True, **options
    ) -> Conversation:
        built = conversation(conversation_id, turns, **options)
        with database.session() as session:
            save_conversation(session, built)
            if analyse:
                save_analysis(session, built, analyze(built))
        return built

    return add
