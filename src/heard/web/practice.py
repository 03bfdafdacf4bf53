"""Role-play practice on the agent page and the dashboard, read through
:func:`heard.training.progress.progress_for` (what ``GET /v1/training/progress`` returns).

Who may see whose practice follows the API: an agent their own, a supervisor their teams'
agents (:func:`heard.training.progress.trainees_of_teams`), an admin everyone's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from heard.service.auth import Principal
from heard.store.models import Agent, TrainingSession
from heard.training import TraineeProgress, builtin_exercises, builtin_scenarios, progress_for
from heard.training.progress import all_trainees, trainees_of_teams
from heard.web.cache import StampedCache
from heard.web.dashboard import DashboardFilters

RECENT_SHOWN = 5
OUTCOME_NAMES = {"resolved": "Resolved", "escalated": "Escalated", "abandoned": "Stopped early"}


@cache
def practice_titles() -> dict[str, str]:
    """Scenario and exercise ids to their titles (an id not built in shows as itself)."""
    titles = {scenario.id: scenario.title for scenario in builtin_scenarios()}
    titles.update({exercise.id: exercise.title for exercise in builtin_exercises()})
    return titles


def title_of(practice_id: str) -> str:
    return practice_titles().get(practice_id, practice_id)


def trainee_progress(session: Session, agent_id: str) -> TraineeProgress:
    """One agent's practice (the caller has checked that it may be seen)."""
    return progress_for(session, [agent_id])[0]


@dataclass(frozen=True)
class TrainingRow:
    """One line of the dashboard's training panel."""

    agent_id: str
    team_id: str | None
    roleplays: int
    resolved: int
    resolved_rate: float | None
    average_score: float | None
    summaries: int
    last_practised: datetime | None


def trainees_in_view(
    session: Session, principal: Principal, filters: DashboardFilters
) -> list[str]:
    """The agents the dashboard's team and agent filters select, within the viewer's scope
    (the caller has already refused a team or agent outside it)."""
    if filters.agent:
        return [filters.agent]
    if filters.team:
        return trainees_of_teams(session, [filters.team])
    if principal.role == "admin":
        agents = session.scalars(select(Agent.id))
        return sorted({*agents, *all_trainees(session)})
    if principal.role == "supervisor":
        return trainees_of_teams(session, principal.team_ids)
    return [principal.agent_id] if principal.agent_id else []


class TrainingCache(StampedCache[tuple[str, ...], list[TrainingRow]]):
    """The training panel's rows per set of agents, for the practice stored when they were
    read: reloading the dashboard does not read every stored practice again."""


def training_stamp(session: Session) -> tuple[Any, ...]:
    """Changes whenever a practice is stored (one small aggregate query)."""
    t = TrainingSession
    found = session.execute(
        select(func.count(), func.max(t.started_at), func.max(t.finished_at))
    ).one()
    return tuple(found)


def training_rows(
    session: Session,
    principal: Principal,
    filters: DashboardFilters,
    cache: TrainingCache | None = None,
) -> list[TrainingRow]:
    """Practice per agent in view: those who practised most recently first, then the rest."""
    ids = trainees_in_view(session, principal, filters)
    if cache is None:
        return _rows(session, ids)
    key, stamp = tuple(ids), training_stamp(session)
    rows = cache.get(key, stamp)
    if rows is None:
        rows = _rows(session, ids)
        cache.put(key, stamp, rows)
    return rows


def _rows(session: Session, ids: list[str]) -> list[TrainingRow]:
    rows = [
        TrainingRow(
            agent_id=p.trainee_id,
            team_id=p.team_id,
            roleplays=p.roleplays,
            resolved=p.resolved,
            resolved_rate=round(100 * p.resolved / p.roleplays, 0) if p.roleplays else None,
            average_score=p.average_score,
            summaries=p.summaries,
            last_practised=p.last_practised,
        )
        for p in progress_for(session, ids)
    ]
    rows.sort(
        key=lambda r: (
            r.last_practised is None,
            -(r.last_practised.timestamp() if r.last_practised else 0.0),
            r.agent_id,
        )
    )
    return rows
