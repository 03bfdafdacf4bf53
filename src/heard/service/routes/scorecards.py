"""Agent and team scorecards, and the satisfaction metrics report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from heard.feedback.report import Filters, ReportError, build_report, report_json
from heard.scoring.aggregate import GroupScorecard, aggregate
from heard.scoring.scorecard import ComponentScore, Evidence
from heard.service.auth import Principal
from heard.service.deps import Caller, Context, DbSession
from heard.service.paging import Since, Until, period
from heard.service.problems import ProblemError, responses
from heard.store.models import StoredAnalysis, StoredConversation
from heard.store.repository import latest_analyses

router = APIRouter(prefix="/v1", tags=["scorecards"])


@dataclass
class StoredScore:
    """A stored analysis record in the shape :func:`aggregate` reads."""

    conversation_id: str
    listening_score: float | None
    components: dict[str, ComponentScore]
    evidence: list[Evidence] = field(default_factory=list)

    @classmethod
    def from_record(cls, conversation_id: str, analysis: StoredAnalysis) -> StoredScore:
        record: dict[str, Any] = dict(analysis.record or {})
        components = {
            name: ComponentScore(score=value.get("score"), reason=value.get("reason"))
            for name, value in (record.get("components") or {}).items()
        }
        evidence = [Evidence.model_validate(item) for item in record.get("evidence") or []]
        return cls(conversation_id, analysis.listening_score, components, evidence)


def stored_scores(
    session: Session, conditions: list[ColumnElement[bool]]
) -> list[tuple[StoredConversation, StoredScore]]:
    ids = list(session.scalars(select(StoredConversation.id).where(*conditions)))
    out = []
    for start in range(0, len(ids), 500):
        for stored, analysis in latest_analyses(session, ids[start : start + 500]):
            out.append((stored, StoredScore.from_record(stored.id, analysis)))
    return out


def _card(
    session: Session,
    key: Literal["agent_id", "team_id"],
    value: str,
    since: str | None,
    until: str | None,
) -> GroupScorecard:
    start, stop = period(since, until)
    c = StoredConversation
    conditions: list[ColumnElement[bool]] = [getattr(c, key) == value]
    if start is not None:
        conditions.append(c.started_at >= start)
    if stop is not None:
        conditions.append(c.started_at < stop)
    pairs = stored_scores(session, conditions)
    if not pairs:
        return GroupScorecard(group=value, key=key, conversations=0, components={})
    return aggregate([score for _, score in pairs], [value] * len(pairs), key)[0]


@router.get(
    "/agents/{agent_id}/scorecard",
    response_model=GroupScorecard,
    summary="An agent's listening scorecard",
    responses=responses(401, 404, 422),
)
def agent_scorecard(
    agent_id: str,
    session: DbSession,
    principal: Caller,
    since: Since = None,
    until: Until = None,
) -> GroupScorecard:
    if not principal.can_see_agent(session, agent_id):
        raise ProblemError(404, "not_found", f"no agent {agent_id!r} you can see")
    return _card(session, "agent_id", agent_id, since, until)


@router.get(
    "/teams/{team_id}/scorecard",
    response_model=GroupScorecard,
    summary="A team's listening scorecard",
    responses=responses(401, 404, 422),
)
def team_scorecard(
    team_id: str,
    session: DbSession,
    principal: Caller,
    since: Since = None,
    until: Until = None,
) -> GroupScorecard:
    if not principal.can_see_team(team_id):
        raise ProblemError(404, "not_found", f"no team {team_id!r} you can see")
    return _card(session, "team_id", team_id, since, until)


def _scoped_filters(
    principal: Principal, agent: str | None, team: str | None, session: Session
) -> tuple[str | None, str | None]:
    """The agent and team a caller's metrics are limited to."""
    if principal.role == "admin":
        return agent, team
    if principal.role == "agent":
        if agent not in (None, principal.agent_id):
            raise ProblemError(403, "forbidden", "an agent key sees only its own metrics")
        return principal.agent_id, team
    if team is None:
        if len(principal.team_ids) != 1:
            raise ProblemError(
                422, "invalid_input", "name the team (team=…): this key covers several teams"
            )
        team = principal.team_ids[0]
    if team not in principal.team_ids:
        raise ProblemError(403, "forbidden", f"team {team!r} is not one of this key's teams")
    if agent is not None and not principal.can_see_agent(session, agent):
        raise ProblemError(403, "forbidden", f"agent {agent!r} is not in this key's teams")
    return agent, team


@router.get(
    "/metrics",
    summary="CSAT, NPS, CES, FCR, handle time and listening, with intervals",
    responses=responses(401, 403, 422),
)
async def metrics(
    context: Context,
    principal: Caller,
    agent: Annotated[str | None, Query(max_length=200)] = None,
    team: Annotated[str | None, Query(max_length=200)] = None,
    channel: Annotated[str | None, Query(max_length=20)] = None,
    since: Since = None,
    until: Until = None,
    period_: Annotated[
        Literal["day", "week", "month"], Query(alias="period", description="Trend period.")
    ] = "week",
) -> dict[str, Any]:
    start, stop = period(since, until)
    with context.database.session() as session:
        agent, team = _scoped_filters(principal, agent, team, session)
    try:
        filters = Filters(
            agent=agent, team=team, channel=channel, since=start, until=stop, period=period_
        )
    except ReportError as error:
        raise ProblemError(422, "invalid_input", str(error)) from None
    report = await run_in_threadpool(build_report, context.database, filters)
    return report_json(report)
