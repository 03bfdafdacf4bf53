"""Practice stored per trainee, and the progress the agent view and the dashboard show.

>>> with database.session() as session:
...     save_roleplay(session, simulator, debrief, started_at=started)
...     progress_for(session, ["agent-mia", "agent-noor"])
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from statistics import fmean
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from heard.store.models import Agent, TrainingSession
from heard.training.debrief import Debrief
from heard.training.exercise import SummaryResult
from heard.training.simulator import Simulator

RECENT = 10
OUTCOME_RANK = {"resolved": 2, "escalated": 1, "abandoned": 0}


class SessionSummary(BaseModel):
    id: str
    kind: str
    scenario_id: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    score: float | None


class ScenarioProgress(BaseModel):
    scenario_id: str
    attempts: int
    resolved: int
    best_outcome: str | None
    best_score: float | None
    last_at: datetime


class TraineeProgress(BaseModel):
    """One trainee's practice so far."""

    trainee_id: str
    team_id: str | None = None
    roleplays: int = 0
    resolved: int = 0
    escalated: int = 0
    abandoned: int = 0
    average_score: float | None = Field(
        default=None, description="Mean listening score of their role-plays."
    )
    trend: float | None = Field(
        default=None,
        description="Mean of the last three role-play scores minus the mean of the first three "
        "(six or more role-plays).",
    )
    summaries: int = 0
    average_summary_score: float | None = None
    last_practised: datetime | None = None
    scenarios: list[ScenarioProgress] = Field(default_factory=list)
    recent: list[SessionSummary] = Field(default_factory=list)


def _team_of(session: Session, trainee_id: str) -> str | None:
    agent = session.get(Agent, trainee_id)
    return agent.team_id if agent is not None else None


def save_roleplay(
    session: Session,
    simulator: Simulator,
    debrief: Debrief,
    *,
    started_at: datetime,
    trainee_id: str,
    session_id: str | None = None,
) -> str:
    """Store a finished role-play; returns its id."""
    row = TrainingSession(
        id=session_id or uuid.uuid4().hex,
        trainee_id=trainee_id,
        team_id=_team_of(session, trainee_id),
        kind="roleplay",
        scenario_id=simulator.scenario.id,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        outcome=debrief.outcome,
        listening_score=debrief.listening_score,
        components=dict(debrief.components),
        transcript=[entry.as_json() for entry in simulator.transcript],
        detail=debrief.model_dump(mode="json"),
        seed=simulator.seed,
    )
    session.add(row)
    session.flush()
    return row.id


def save_summary(
    session: Session,
    result: SummaryResult,
    summary: str,
    *,
    trainee_id: str,
    started_at: datetime | None = None,
) -> str:
    """Store a summarising-exercise attempt; returns its id."""
    now = datetime.now(UTC)
    row = TrainingSession(
        id=uuid.uuid4().hex,
        trainee_id=trainee_id,
        team_id=_team_of(session, trainee_id),
        kind="summary",
        scenario_id=result.exercise_id,
        started_at=started_at or now,
        finished_at=now,
        outcome=None,
        listening_score=float(result.score),
        components={"coverage": result.coverage},
        transcript=[{"role": "agent", "text": summary}],
        detail=result.model_dump(mode="json"),
        seed=None,
    )
    session.add(row)
    session.flush()
    return row.id


def trainees_of_teams(session: Session, team_ids: Sequence[str]) -> list[str]:
    """Everyone who practised or works in these teams (agents by their team, others as stored)."""
    if not team_ids:
        return []
    agents = session.scalars(select(Agent.id).where(Agent.team_id.in_(list(team_ids))))
    stored = session.scalars(
        select(TrainingSession.trainee_id).where(TrainingSession.team_id.in_(list(team_ids)))
    )
    return sorted({*agents, *stored})


def all_trainees(session: Session) -> list[str]:
    return sorted(set(session.scalars(select(TrainingSession.trainee_id).distinct())))


def progress_for(session: Session, agent_ids: Sequence[str]) -> list[TraineeProgress]:
    """Progress of each trainee named (in that order), including those with no practice yet."""
    ids = list(dict.fromkeys(agent_ids))
    if not ids:
        return []
    rows: dict[str, list[TrainingSession]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = (
            select(TrainingSession)
            .where(TrainingSession.trainee_id.in_(chunk))
            .order_by(TrainingSession.started_at, TrainingSession.id)
            # Progress needs outcomes and scores, not the transcripts and debriefs.
            .options(
                defer(TrainingSession.transcript),
                defer(TrainingSession.detail),
                defer(TrainingSession.components),
            )
        )
        for row in session.scalars(query):
            rows[row.trainee_id].append(row)
    teams = {
        agent.id: agent.team_id for agent in session.scalars(select(Agent).where(Agent.id.in_(ids)))
    }
    return [_progress(trainee, rows.get(trainee, []), teams.get(trainee)) for trainee in ids]


def _progress(trainee: str, rows: list[TrainingSession], team: str | None) -> TraineeProgress:
    roleplays = [r for r in rows if r.kind == "roleplay"]
    summaries = [r for r in rows if r.kind == "summary"]
    scores = [r.listening_score for r in roleplays if r.listening_score is not None]
    summary_scores = [r.listening_score for r in summaries if r.listening_score is not None]
    trend = None
    if len(scores) >= 6:
        trend = round(fmean(scores[-3:]) - fmean(scores[:3]), 1)
    per_scenario: dict[str, list[TrainingSession]] = defaultdict(list)
    for row in roleplays:
        per_scenario[row.scenario_id].append(row)
    scenarios = []
    for scenario_id, attempts in sorted(per_scenario.items()):
        best = max(
            attempts,
            key=lambda r: (OUTCOME_RANK.get(r.outcome or "", -1), r.listening_score or 0.0),
        )
        scenario_scores = [a.listening_score for a in attempts if a.listening_score is not None]
        scenarios.append(
            ScenarioProgress(
                scenario_id=scenario_id,
                attempts=len(attempts),
                resolved=sum(a.outcome == "resolved" for a in attempts),
                best_outcome=best.outcome,
                best_score=max(scenario_scores) if scenario_scores else None,
                last_at=_aware(attempts[-1].started_at),
            )
        )
    return TraineeProgress(
        trainee_id=trainee,
        team_id=team or next((r.team_id for r in reversed(rows) if r.team_id), None),
        roleplays=len(roleplays),
        resolved=sum(r.outcome == "resolved" for r in roleplays),
        escalated=sum(r.outcome == "escalated" for r in roleplays),
        abandoned=sum(r.outcome == "abandoned" for r in roleplays),
        average_score=round(fmean(scores), 1) if scores else None,
        trend=trend,
        summaries=len(summaries),
        average_summary_score=round(fmean(summary_scores), 1) if summary_scores else None,
        last_practised=_aware(rows[-1].started_at) if rows else None,
        scenarios=scenarios,
        recent=[_summary(r) for r in reversed(rows[-RECENT:])],
    )


def _summary(row: TrainingSession) -> SessionSummary:
    return SessionSummary(
        id=row.id,
        kind=row.kind,
        scenario_id=row.scenario_id,
        started_at=_aware(row.started_at),
        finished_at=_aware(row.finished_at) if row.finished_at else None,
        outcome=row.outcome,
        score=row.listening_score,
    )


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def stored_session(session: Session, session_id: str) -> dict[str, Any] | None:
    """One stored practice, whole (transcript and debrief), or None."""
    row = session.get(TrainingSession, session_id)
    if row is None:
        return None
    return {
        **_summary(row).model_dump(mode="json"),
        "trainee_id": row.trainee_id,
        "team_id": row.team_id,
        "components": row.components,
        "transcript": row.transcript,
        "detail": row.detail,
        "seed": row.seed,
    }
