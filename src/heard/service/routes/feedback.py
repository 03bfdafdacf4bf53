"""Surveys (created by staff, answered publicly by token), live-chat ratings, follow-ups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.feedback.followups import (
    FollowUpError,
    cancel,
    generate_followups,
    get_followup,
    list_followups,
    mark_done,
    snooze,
)
from heard.feedback.surveys import (
    KIND_NAMES,
    SCORE_RANGES,
    FeedbackError,
    add_rating,
    create_survey,
    find_survey,
    submit_survey,
    survey_path,
)
from heard.service.auth import Principal
from heard.service.deps import Caller, Context, DbSession, Manager
from heard.service.paging import Limit, Offset, Page, page_of
from heard.service.problems import ProblemError, responses
from heard.service.ratelimit import refuse_when_limited
from heard.store.models import FollowUp, StoredConversation

router = APIRouter(prefix="/v1", tags=["feedback"])
public = APIRouter(prefix="/v1/public", tags=["public"])

_STATUS_OF_CODE = {
    "unknown_token": 404,
    "unknown_conversation": 404,
    "not_found": 404,
    "already_answered": 409,
    "closed": 409,
    "expired": 410,
}

QUESTIONS = {
    "csat": "How satisfied were you with the help you received?",
    "nps": "How likely are you to recommend us to a friend or colleague?",
    "ces": "The company made it easy for me to handle my issue.",
}


def problem_of(error: FeedbackError) -> ProblemError:
    return ProblemError(_STATUS_OF_CODE.get(error.code, 422), error.code, str(error))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _visible_conversation(
    session: Session, principal: Principal, conversation_id: str
) -> StoredConversation:
    stored = session.get(StoredConversation, conversation_id)
    if stored is None or not principal.can_see_conversation(stored):
        raise ProblemError(404, "not_found", f"no conversation {conversation_id!r} you can see")
    return stored


# -- surveys ----------------------------------------------------------------------------------


class SurveyRequest(_Strict):
    conversation_id: str = Field(min_length=1, max_length=200)
    kind: Literal["csat", "nps", "ces"]
    ttl_hours: int = Field(default=14 * 24, ge=1, le=24 * 366)


class SurveyCreated(BaseModel):
    conversation_id: str
    kind: str
    token: str = Field(description="Shown once: only its hash is stored.")
    path: str = Field(description="The answer page's path on the web app.")
    expires_at: datetime


@router.post(
    "/surveys",
    status_code=201,
    response_model=SurveyCreated,
    summary="Create a single-use survey link for a conversation",
    responses=responses(401, 403, 404, 422),
)
def new_survey(
    request: Annotated[SurveyRequest, Body()], session: DbSession, principal: Manager
) -> SurveyCreated:
    _visible_conversation(session, principal, request.conversation_id)
    try:
        token = create_survey(
            session, request.conversation_id, request.kind, ttl=timedelta(hours=request.ttl_hours)
        )
    except FeedbackError as error:
        raise problem_of(error) from None
    survey = find_survey(session, token)
    assert survey is not None
    return SurveyCreated(
        conversation_id=request.conversation_id,
        kind=request.kind,
        token=token,
        path=survey_path(token),
        expires_at=survey.expires_at,
    )


class SurveyQuestion(BaseModel):
    kind: str
    name: str
    question: str
    lowest: int
    highest: int
    expires_at: datetime
    answered: bool


class SurveyAnswer(_Strict):
    score: int
    comment: str | None = Field(default=None, max_length=5000)


class SurveyRecorded(BaseModel):
    status: Literal["recorded"] = "recorded"
    kind: str
    score: int


def limit_public(context: Context, request: Request) -> None:
    refuse_when_limited(context.survey_limiter, request, "survey")


@public.get(
    "/surveys/{token}",
    response_model=SurveyQuestion,
    summary="The question a survey link asks (no key needed)",
    responses=responses(404, 429),
)
def survey_question(
    token: str, request: Request, context: Context, session: DbSession
) -> SurveyQuestion:
    limit_public(context, request)
    survey = find_survey(session, token) if len(token) <= 200 else None
    if survey is None:
        raise ProblemError(404, "unknown_token", "this survey link is not valid")
    low, high = SCORE_RANGES[survey.kind]
    return SurveyQuestion(
        kind=survey.kind,
        name=KIND_NAMES[survey.kind],
        question=QUESTIONS[survey.kind],
        lowest=low,
        highest=high,
        expires_at=survey.expires_at,
        answered=survey.answered_at is not None,
    )


@public.post(
    "/surveys/{token}",
    status_code=201,
    response_model=SurveyRecorded,
    summary="Answer a survey, once (no key needed)",
    responses=responses(404, 409, 410, 422, 429),
)
def answer_survey(
    token: str,
    answer: Annotated[SurveyAnswer, Body()],
    request: Request,
    context: Context,
    session: DbSession,
) -> SurveyRecorded:
    limit_public(context, request)
    if len(token) > 200:
        raise ProblemError(404, "unknown_token", "this survey link is not valid")
    try:
        response = submit_survey(session, token, answer.score, answer.comment)
    except FeedbackError as error:
        raise problem_of(error) from None
    return SurveyRecorded(kind=response.kind, score=response.score)


# -- ratings ----------------------------------------------------------------------------------


class RatingRequest(_Strict):
    conversation_id: str = Field(min_length=1, max_length=200)
    kind: Literal["thumbs", "stars"]
    value: int | Literal["up", "down"] = Field(description="thumbs: up/down or 1/0; stars: 1–5")


class RatingRecorded(BaseModel):
    id: int
    conversation_id: str
    kind: str
    value: int
    given_at: datetime


@router.post(
    "/ratings",
    status_code=201,
    response_model=RatingRecorded,
    summary="Record a live-chat rating",
    responses=responses(401, 403, 404, 422),
)
def new_rating(
    request: Annotated[RatingRequest, Body()], session: DbSession, principal: Manager
) -> RatingRecorded:
    _visible_conversation(session, principal, request.conversation_id)
    try:
        rating = add_rating(session, request.conversation_id, request.kind, request.value)
    except FeedbackError as error:
        raise problem_of(error) from None
    return RatingRecorded(
        id=rating.id,
        conversation_id=rating.conversation_id,
        kind=rating.kind,
        value=rating.value,
        given_at=rating.given_at,
    )


# -- follow-ups -------------------------------------------------------------------------------


class FollowUpView(BaseModel):
    id: int
    conversation_id: str
    cause: str
    reason: str
    priority: str
    channel: str
    assignee: str | None
    due_at: datetime
    status: str
    message: str
    note: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, task: FollowUp) -> FollowUpView:
        return cls(
            id=task.id,
            conversation_id=task.conversation_id,
            cause=task.cause,
            reason=task.reason,
            priority=task.priority,
            channel=task.channel,
            assignee=task.assignee,
            due_at=task.due_at,
            status=task.status,
            message=task.message,
            note=task.note,
            created_at=task.created_at,
            updated_at=task.updated_at,
        )


def visible_conversation_ids(session: Session, principal: Principal, ids: set[str]) -> set[str]:
    if principal.is_admin or not ids:
        return ids
    rows = session.scalars(
        select(StoredConversation).where(StoredConversation.id.in_(list(ids)))
    ).all()
    return {row.id for row in rows if principal.can_see_conversation(row)}


@router.get(
    "/followups",
    response_model=Page[FollowUpView],
    summary="Follow-up tasks, soonest due first",
    responses=responses(401, 422),
)
def followups(
    session: DbSession,
    context: Context,
    principal: Caller,
    status: Annotated[Literal["open", "snoozed", "done", "cancelled"] | None, Query()] = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
    conversation: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[FollowUpView]:
    limit = min(limit, context.settings.max_page_size)
    try:
        tasks = list_followups(
            session, status=status, assignee=assignee, conversation_id=conversation
        )
    except FeedbackError as error:
        raise problem_of(error) from None
    allowed = visible_conversation_ids(session, principal, {t.conversation_id for t in tasks})
    mine = [t for t in tasks if t.conversation_id in allowed]
    return page_of(
        [FollowUpView.of(t) for t in mine[offset : offset + limit]], len(mine), limit, offset
    )


FollowUpId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The follow-up's id.")]


def visible_followup(session: Session, principal: Principal, followup_id: int) -> FollowUp:
    try:
        task = get_followup(session, followup_id)
    except FollowUpError as error:
        raise problem_of(error) from None
    if not visible_conversation_ids(session, principal, {task.conversation_id}):
        raise ProblemError(404, "not_found", f"no follow-up with id {followup_id}")
    return task


@router.get(
    "/followups/{followup_id}",
    response_model=FollowUpView,
    summary="One follow-up task",
    responses=responses(401, 404),
)
def followup(followup_id: FollowUpId, session: DbSession, principal: Caller) -> FollowUpView:
    return FollowUpView.of(visible_followup(session, principal, followup_id))


def _act(
    session: Session, principal: Principal, followup_id: int, action: Callable[[], FollowUp]
) -> FollowUpView:
    """Do something to a follow-up the caller can see; refusals become problems."""
    visible_followup(session, principal, followup_id)
    try:
        return FollowUpView.of(action())
    except FeedbackError as error:
        raise problem_of(error) from None


class Note(_Strict):
    note: str | None = Field(default=None, max_length=2000)


class Snooze(Note):
    until: datetime = Field(description="When the task is due again (ISO 8601; UTC if no zone).")


@router.post(
    "/followups/{followup_id}/done",
    response_model=FollowUpView,
    summary="Mark a follow-up done",
    responses=responses(401, 404, 409),
)
def followup_done(
    followup_id: FollowUpId, body: Annotated[Note, Body()], session: DbSession, principal: Caller
) -> FollowUpView:
    return _act(session, principal, followup_id, lambda: mark_done(session, followup_id, body.note))


@router.post(
    "/followups/{followup_id}/snooze",
    response_model=FollowUpView,
    summary="Put a follow-up aside until later",
    responses=responses(401, 404, 409, 422),
)
def followup_snooze(
    followup_id: FollowUpId, body: Annotated[Snooze, Body()], session: DbSession, principal: Caller
) -> FollowUpView:
    return _act(
        session, principal, followup_id, lambda: snooze(session, followup_id, body.until, body.note)
    )


@router.post(
    "/followups/{followup_id}/cancel",
    response_model=FollowUpView,
    summary="Cancel a follow-up",
    responses=responses(401, 404, 409),
)
def followup_cancel(
    followup_id: FollowUpId, body: Annotated[Note, Body()], session: DbSession, principal: Caller
) -> FollowUpView:
    return _act(session, principal, followup_id, lambda: cancel(session, followup_id, body.note))


class Generate(_Strict):
    conversation_ids: list[str] | None = Field(
        default=None, max_length=10_000, description="Only these; all visible ones if omitted."
    )


@router.post(
    "/followups/generate",
    response_model=list[FollowUpView],
    summary="Create the follow-ups the rules call for (never twice per cause)",
    responses=responses(401, 403),
)
def followups_generate(
    body: Annotated[Generate, Body()], session: DbSession, context: Context, principal: Manager
) -> list[FollowUpView]:
    ids = body.conversation_ids
    if not principal.is_admin:
        if ids is None:
            ids = list(
                session.scalars(
                    select(StoredConversation.id).where(
                        StoredConversation.team_id.in_(principal.team_ids)
                    )
                )
            )
        else:
            ids = sorted(visible_conversation_ids(session, principal, set(ids)))
    created = generate_followups(session, ids, context.followup_rules)
    return [FollowUpView.of(task) for task in created]
