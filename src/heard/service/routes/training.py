"""Role-play training over HTTP: scenarios, practice sessions, summarising exercises, progress.

A session is kept in the database, so every worker of ``heard serve --workers N`` can continue
it and a restart keeps it (:mod:`heard.training.sessions`: keyed by an unguessable id, only for
the key that started it, gone after 30 idle minutes); when it ends, its debrief and transcript
are stored as the trainee's progress. A turn that loses a race with the same session advanced
on another worker is replayed onto the stored session and written again; only if that keeps
failing is it refused with 409 ``conflict``. The trainee is the key's agent id, or the key's
name when it has none. Agents see their own progress, supervisors their teams' agents', admins
everyone's.

``GET /train`` serves a self-contained practice page that uses these endpoints with an API key
typed into the page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from heard.service.auth import Principal
from heard.service.deps import Caller, DbSession
from heard.service.problems import ProblemError, responses
from heard.training import (
    Debrief,
    SessionOverError,
    Simulator,
    SummaryResult,
    TraineeProgress,
    TurnResult,
    build_debrief,
    builtin_exercises,
    builtin_scenarios,
    progress_for,
    save_roleplay,
    save_summary,
    score_summary,
)
from heard.training.progress import all_trainees, trainees_of_teams
from heard.training.sessions import (
    ActiveSession,
    SessionConflictError,
    SessionGoneError,
    SharedSessions,
)
from heard.training.simulator import CustomerMessage, Mood

# No prefix: the practice page is at /train, beside the API under /v1/training.
router = APIRouter(tags=["training"])
API = "/v1/training"

_LOCK = threading.Lock()
PathId = Annotated[str, Path(max_length=200)]


class ScenarioInfo(BaseModel):
    """What a trainee sees of a scenario before starting (nothing hidden)."""

    id: str
    title: str
    summary: str
    brief: str
    channel: str
    difficulty: int
    tags: list[str]
    customer: str
    language: str
    plain_language: bool
    deadline: str | None
    max_turns: int


class ExerciseInfo(BaseModel):
    id: str
    title: str
    summary: str
    channel: str
    instructions: str
    message: str
    points: int = Field(description="How many key points the message has.")
    max_words: int


class StartRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario_id: str = Field(max_length=100)
    seed: int | None = Field(
        default=None, ge=0, le=2**31 - 1, description="Same seed, same customer wording."
    )


class Started(BaseModel):
    session_id: str
    scenario: ScenarioInfo
    customer: list[CustomerMessage] = Field(
        description="The opening; `pending` messages are still being typed."
    )
    mood: Mood
    seed: int


class TurnRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=5000)
    interrupted: bool = Field(
        default=False,
        description="Sent before the customer's pending messages were shown (an interruption).",
    )


class Hints(BaseModel):
    hints: list[str]


class Ended(BaseModel):
    stored_id: str = Field(description="The stored practice session's id.")
    debrief: Debrief


class SummaryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=1, max_length=5000)


class Attempt(BaseModel):
    stored_id: str
    result: SummaryResult


def _sessions(request: Request) -> SharedSessions:
    state = request.app.state
    with _LOCK:
        sessions = getattr(state, "training_sessions", None)
        if sessions is None:
            sessions = state.training_sessions = SharedSessions()
    assert isinstance(sessions, SharedSessions)
    return sessions


@contextmanager
def _problems(session_id: str) -> Iterator[None]:
    try:
        yield
    except SessionGoneError:
        raise ProblemError(
            404, "not_found", f"no practice session {session_id!r} of yours"
        ) from None
    except SessionConflictError:
        raise ProblemError(
            409, "conflict", "this session changed at the same time elsewhere: send it again"
        ) from None


def trainee_of(principal: Principal) -> str:
    return principal.agent_id or principal.name


def _info(data: dict[str, Any]) -> ScenarioInfo:
    return ScenarioInfo.model_validate(data)


@router.get(
    API + "/scenarios",
    response_model=list[ScenarioInfo],
    summary="The role-play scenarios",
    responses=responses(401),
)
def list_scenarios(principal: Caller) -> list[ScenarioInfo]:
    return [_info(s.public()) for s in builtin_scenarios()]


@router.get(
    API + "/exercises",
    response_model=list[ExerciseInfo],
    summary="The summarising exercises",
    responses=responses(401),
)
def list_exercises(principal: Caller) -> list[ExerciseInfo]:
    return [ExerciseInfo.model_validate(e.public()) for e in builtin_exercises()]


@router.post(
    API + "/sessions",
    response_model=Started,
    status_code=201,
    summary="Start a role-play with a simulated customer",
    responses=responses(401, 404, 422),
)
def start_session(
    request: Request, principal: Caller, session: DbSession, body: Annotated[StartRequest, Body()]
) -> Started:
    scenario = next((s for s in builtin_scenarios() if s.id == body.scenario_id), None)
    if scenario is None:
        raise ProblemError(404, "not_found", f"no scenario {body.scenario_id!r}")
    seed = body.seed if body.seed is not None else int(datetime.now(UTC).timestamp()) % 100_000
    trainee = trainee_of(principal)
    entry, opening = _sessions(request).start(session, principal.name, trainee, scenario, seed)
    return Started(
        session_id=entry.id,
        scenario=_info(scenario.public()),
        customer=opening,
        mood=entry.simulator.mood(),
        seed=seed,
    )


@router.post(
    API + "/sessions/{session_id}/turns",
    response_model=TurnResult,
    summary="Send the agent's turn: the customer's reply and feedback",
    responses=responses(401, 404, 409, 422),
)
def send_turn(
    request: Request,
    principal: Caller,
    session: DbSession,
    session_id: PathId,
    body: Annotated[TurnRequest, Body()],
) -> TurnResult:
    sessions = _sessions(request)
    with _problems(session_id):
        try:
            return sessions.turn(
                session, session_id, principal.name, body.text, interrupted=body.interrupted
            )
        except SessionOverError as error:
            raise ProblemError(409, "conflict", f"{error}: end it to see the debrief") from None
        except ValueError as error:
            raise ProblemError(422, "invalid_input", str(error)) from None


@router.get(
    API + "/sessions/{session_id}/hints",
    response_model=Hints,
    summary="What to try next",
    responses=responses(401, 404, 422),
)
def hints(request: Request, principal: Caller, session: DbSession, session_id: PathId) -> Hints:
    with _problems(session_id):
        found = _sessions(request).read(session, session_id, principal.name, Simulator.hints)
    return Hints(hints=found)


@router.post(
    API + "/sessions/{session_id}/end",
    response_model=Ended,
    summary="End the session (abandoned if still open): the debrief, stored as progress",
    responses=responses(401, 404, 422),
)
def end_session(
    request: Request, principal: Caller, session_id: PathId, session: DbSession
) -> Ended:

    def finish(entry: ActiveSession) -> Ended:
        debrief = build_debrief(entry.simulator)
        stored = save_roleplay(
            session,
            entry.simulator,
            debrief,
            started_at=entry.started_at,
            trainee_id=entry.trainee_id,
        )
        return Ended(stored_id=stored, debrief=debrief)

    with _problems(session_id):
        return _sessions(request).end(session, session_id, principal.name, finish)


@router.post(
    API + "/exercises/{exercise_id}/attempts",
    response_model=Attempt,
    status_code=201,
    summary="Score a summary of an exercise's message (stored as progress)",
    responses=responses(401, 404, 422),
)
def attempt_exercise(
    principal: Caller,
    exercise_id: PathId,
    body: Annotated[SummaryRequest, Body()],
    session: DbSession,
) -> Attempt:
    exercise = next((e for e in builtin_exercises() if e.id == exercise_id), None)
    if exercise is None:
        raise ProblemError(404, "not_found", f"no exercise {exercise_id!r}")
    result = score_summary(exercise, body.summary)
    stored = save_summary(session, result, body.summary, trainee_id=trainee_of(principal))
    return Attempt(stored_id=stored, result=result)


@router.get(
    API + "/progress",
    response_model=list[TraineeProgress],
    summary="Practice progress: yours, your teams' agents', or everyone's (admins)",
    responses=responses(401, 404, 422),
)
def progress(
    principal: Caller,
    session: DbSession,
    agent: Annotated[
        str | None, Query(max_length=200, description="One trainee (an agent id).")
    ] = None,
) -> list[TraineeProgress]:
    if agent is not None:
        if agent != trainee_of(principal) and not principal.can_see_agent(session, agent):
            raise ProblemError(404, "not_found", f"no trainee {agent!r} you can see")
        return progress_for(session, [agent])
    if principal.role == "admin":
        ids = all_trainees(session)
    elif principal.role == "supervisor":
        ids = trainees_of_teams(session, principal.team_ids)
    else:
        ids = [trainee_of(principal)]
    return progress_for(session, ids)


# --- the practice page ---------------------------------------------------------------------


def _asset(name: str) -> str:
    return resources.files("heard.training").joinpath("web", name).read_text(encoding="utf-8")


@router.get("/train", response_class=HTMLResponse, include_in_schema=False)
def train_page() -> HTMLResponse:
    return HTMLResponse(_asset("train.html"), headers={"Cache-Control": "no-cache"})


@router.get("/train/train.js", include_in_schema=False)
def train_script() -> Response:
    return Response(
        _asset("train.js"),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )
