"""Progress per trainee, stored in SQLite and in PostgreSQL (the storage tests' databases)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from heard.store import Database
from heard.store.models import Agent, Team, TrainingSession
from heard.training import build_debrief, find_exercise, progress_for, save_roleplay, save_summary
from heard.training.exercise import score_summary
from heard.training.progress import all_trainees, stored_session, trainees_of_teams
from store import conftest as store_fixtures

from .support import SCRIPTS, play

STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(name="database", params=store_fixtures.BACKENDS)
def training_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An open, migrated, empty database: SQLite, then PostgreSQL (skipped, saying why,
    without a server outside CI)."""
    if request.param == "sqlite":
        opened = Database(store_fixtures.sqlite_url(tmp_path))
        try:
            yield opened
        finally:
            opened.dispose()
        return
    with store_fixtures.postgres_database() as url:
        opened = Database(url)
        try:
            yield opened
        finally:
            opened.dispose()


def _store(database: Database, trainee: str, scenario_id: str, kind: str, at: datetime) -> str:
    simulator = play(scenario_id, SCRIPTS[scenario_id][kind])
    debrief = build_debrief(simulator)
    with database.session() as session:
        return save_roleplay(session, simulator, debrief, started_at=at, trainee_id=trainee)


def test_roleplays_and_summaries_make_progress(database: Database) -> None:
    with database.session() as session:
        session.add(Agent(id="agent-mia", team_id=None))
    first = _store(database, "agent-mia", "delayed-order", "poor", STARTED)
    _store(database, "agent-mia", "delayed-order", "good", STARTED + timedelta(hours=1))
    _store(database, "agent-mia", "policy-wrong", "good", STARTED + timedelta(hours=2))
    exercise = find_exercise("moving-home-chat")
    summary = "They are moving on the 28th and need the broadband moved."
    with database.session() as session:
        save_summary(
            session,
            score_summary(exercise, summary),
            summary,
            trainee_id="agent-mia",
            started_at=STARTED + timedelta(hours=3),
        )
    with database.session() as session:
        progress, nobody = progress_for(session, ["agent-mia", "agent-new"])
        stored = stored_session(session, first)
    assert (progress.roleplays, progress.resolved, progress.escalated) == (3, 2, 1)
    assert progress.summaries == 1 and progress.average_summary_score is not None
    assert progress.average_score is not None
    assert progress.last_practised == STARTED + timedelta(hours=3)
    delayed = next(s for s in progress.scenarios if s.scenario_id == "delayed-order")
    assert (delayed.attempts, delayed.resolved, delayed.best_outcome) == (2, 1, "resolved")
    assert [r.kind for r in progress.recent] == ["summary", "roleplay", "roleplay", "roleplay"]
    assert nobody.trainee_id == "agent-new" and nobody.roleplays == 0 and nobody.recent == []
    assert stored is not None and stored["outcome"] == "escalated"
    assert stored["transcript"][0]["role"] == "customer"
    assert stored["detail"]["practise_next"]["text"]
    assert stored["seed"] == 1


def test_a_trend_needs_six_roleplays(database: Database) -> None:
    for hour in range(6):
        kind = "poor" if hour < 3 else "good"
        _store(database, "agent-noor", "double-charge", kind, STARTED + timedelta(hours=hour))
    with database.session() as session:
        (progress,) = progress_for(session, ["agent-noor"])
    assert progress.trend is not None and progress.trend > 0


def test_supervisors_find_their_teams_trainees(database: Database) -> None:
    with database.session() as session:
        session.add(Agent(id="agent-li", team_id=None))
        session.flush()
        session.add_all([Team(id="team-orders"), Team(id="team-billing")])
        session.flush()
        session.add_all(
            [
                Agent(id="agent-ada", team_id="team-orders"),
                Agent(id="agent-bo", team_id="team-billing"),
            ]
        )
    _store(database, "agent-ada", "cancellation", "good", STARTED)
    _store(database, "agent-bo", "cancellation", "poor", STARTED)
    with database.session() as session:
        assert trainees_of_teams(session, ["team-orders"]) == ["agent-ada"]
        assert all_trainees(session) == ["agent-ada", "agent-bo"]
        row = session.scalars(
            select(TrainingSession).where(TrainingSession.trainee_id == "agent-ada")
        ).one()
        assert row.team_id == "team-orders"  # the team is kept with the practice
        assert progress_for(session, []) == []
