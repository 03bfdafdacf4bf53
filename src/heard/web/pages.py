"""The web app's pages: sign-in, dashboard, conversation, agent, assist, follow-ups, surveys.

Server-rendered HTML (Jinja2) with a little vanilla JavaScript for the charts and the assist
panel; nothing is built and nothing is fetched from another site. Every page decides what a
user may see with the API's own rules (:class:`heard.service.auth.Principal`) and reads through
the API's own data functions, so a page never shows what ``GET /v1/...`` would refuse.
"""

from __future__ import annotations

import logging
import secrets
import statistics
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.feedback.followups import FollowUpError, list_followups, mark_done, snooze
from heard.feedback.metrics import period_key
from heard.feedback.report import period_axis
from heard.feedback.surveys import (
    KIND_NAMES,
    SCORE_RANGES,
    FeedbackError,
    find_survey,
    submit_survey,
)
from heard.scoring.aggregate import aggregate
from heard.scoring.rubric import COMPONENTS
from heard.scoring.scorecard import Evidence
from heard.service.auth import Principal, authenticate, hash_key
from heard.service.context import ServiceContext
from heard.service.deps import DbSession, get_context
from heard.service.paging import visible
from heard.service.problems import ProblemError
from heard.service.routes.feedback import (
    QUESTIONS,
    limit_public,
    visible_conversation_ids,
    visible_followup,
)
from heard.service.routes.scorecards import stored_scores
from heard.store.models import FollowUp, StoredConversation, SurveyResponse
from heard.store.repository import latest_analyses, to_conversation
from heard.web.charts import Chart, Series, line_chart
from heard.web.conversation import stored_view
from heard.web.dashboard import (
    PERIOD_TITLES,
    DashboardCache,
    DashboardFilters,
    FilterError,
    check_filters,
    dashboard_for,
    open_followups,
    satisfaction_for,
)
from heard.web.index import DashboardIndex
from heard.web.practice import (
    OUTCOME_NAMES,
    RECENT_SHOWN,
    TrainingCache,
    title_of,
    trainee_progress,
    training_rows,
)
from heard.web.render import render
from heard.web.sessions import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_TTL_SECONDS,
    WebUser,
    same_token,
    store_of,
    web_user,
)

router = APIRouter(include_in_schema=False)
log = logging.getLogger("heard.web")

_STATE_LOCK = threading.Lock()
FOLLOWUPS_PER_PAGE = 25
SNOOZE_CHOICES = {"1d": timedelta(days=1), "3d": timedelta(days=3), "7d": timedelta(days=7)}
SCALE_ENDS = {
    "csat": ("Very dissatisfied", "Very satisfied"),
    "nps": ("Not at all likely", "Extremely likely"),
    "ces": ("Strongly disagree", "Strongly agree"),
}


class LoginRequiredError(Exception):
    """No signed-in user: the browser is sent to the sign-in page, and back afterwards."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageError(Exception):
    """A page that cannot be shown, as an HTML page with its status."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


# -- dependencies -----------------------------------------------------------------------------


def _context(request: Request) -> ServiceContext:
    return get_context(request)


Context = Annotated[ServiceContext, Depends(_context)]


def _user(request: Request, session: DbSession) -> WebUser:
    user = web_user(request, session)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequiredError(target)
    return user


User = Annotated[WebUser, Depends(_user)]


def _manager(user: User) -> WebUser:
    if user.role not in ("admin", "supervisor"):
        raise PageError(403, "Not for your role", "The dashboard is for supervisors and admins.")
    return user


Manager = Annotated[WebUser, Depends(_manager)]


def app_index(app: FastAPI) -> DashboardIndex:
    """The app's dashboard index and cache, made on first use."""
    state = app.state
    index = getattr(state, "web_index", None)
    if index is None:
        context = state.context
        assert isinstance(context, ServiceContext)
        index = DashboardIndex(context.database)
        state.web_index = index
        state.web_cache = DashboardCache()
    assert isinstance(index, DashboardIndex)
    return index


def index_of(request: Request) -> DashboardIndex:
    return app_index(request.app)


def warm_index(app: FastAPI) -> None:
    """Load the index and start first-contact resolution; a failure is logged, not raised
    (the first dashboard then loads the index itself)."""
    try:
        app_index(app).resolution()
    except Exception:  # a background thread has no caller to tell
        log.exception("warming the dashboard index failed")


def cache_of(request: Request) -> DashboardCache:
    index_of(request)
    cache = request.app.state.web_cache
    assert isinstance(cache, DashboardCache)
    return cache


def training_cache_of(request: Request) -> TrainingCache:
    state = request.app.state
    with _STATE_LOCK:
        cache = getattr(state, "web_training_cache", None)
        if cache is None:
            cache = state.web_training_cache = TrainingCache()
    assert isinstance(cache, TrainingCache)
    return cache


def _check_post(request: Request, user: WebUser, token: str | None) -> None:
    """CSRF: the session's token must come with every form, and a browser's Origin, when it
    sends one, must be this site (SameSite=Strict cookies already stop most forgeries)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        here = f"{request.url.scheme}://{request.url.netloc}"
        if origin.rstrip("/") != here:
            raise PageError(403, "Refused", "This form was sent from another site.")
    if not same_token(token, user.csrf_token):
        raise PageError(
            403, "Refused", "This form has expired or was not sent by this site. Reload the page."
        )


def _safe_next(value: str | None) -> str | None:
    """Only a path on this site: never another host, never a scheme, never '//host'."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    parts = urlsplit(value)
    return None if parts.scheme or parts.netloc else value


def home_of(principal: Principal) -> str:
    return "/me" if principal.role == "agent" else "/dashboard"


# -- sign-in ----------------------------------------------------------------------------------


def _warm(request: Request) -> None:
    """Start loading the dashboard's index while the user types their key."""
    index = index_of(request)
    if index.stamp is None:
        threading.Thread(target=warm_index, args=(request.app,), daemon=True).start()


@router.get("/", response_class=HTMLResponse)
def root(request: Request, session: DbSession) -> Response:
    user = web_user(request, session)
    return RedirectResponse("/login" if user is None else home_of(user.principal), 303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, session: DbSession, next: str | None = None) -> Response:
    user = web_user(request, session)
    if user is not None:
        return RedirectResponse(_safe_next(next) or home_of(user.principal), 303)
    _warm(request)
    return _login_form(request, _safe_next(next), None, 200)


def _login_form(
    request: Request, next_path: str | None, error: str | None, status: int
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html.j2",
        {"next": next_path or "", "error": error, "login_token": token},
        status=status,
    )
    response.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DbSession,
    key: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
    login_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    target = _safe_next(next)
    if not same_token(login_token, request.cookies.get(LOGIN_COOKIE) or ""):
        return _login_form(request, target, "The sign-in form expired. Please try again.", 400)
    principal = authenticate(session, key)
    if principal is None:
        return _login_form(request, target, "That key is not valid (unknown or revoked).", 401)
    cookie_id, _ = store_of(request).open(session, hash_key(key))
    response = RedirectResponse(target or home_of(principal), 303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie_id,
        max_age=SESSION_TTL_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    _warm(request)
    return response


@router.post("/logout")
def logout(
    request: Request,
    user: User,
    session: DbSession,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _check_post(request, user, csrf)
    store_of(request).close(session, user.session_id)
    response = RedirectResponse("/login", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- dashboard --------------------------------------------------------------------------------


Text = Annotated[str | None, Query(max_length=200)]


def _filters(
    team: Text = None,
    agent: Text = None,
    channel: Text = None,
    period: Text = None,
    since: Text = None,
    until: Text = None,
) -> DashboardFilters:
    """The dashboard's filters, from the query string (a dependency of its pages)."""
    return DashboardFilters.of(team, agent, channel, period, since, until)


Filters = Annotated[DashboardFilters, Depends(_filters)]


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    user: Manager,
    session: DbSession,
    filters: Filters,
) -> Response:
    try:
        check_filters(session, user.principal, filters)
        data = dashboard_for(index_of(request), cache_of(request), user.principal, filters)
    except FilterError as error:
        raise PageError(error.status, "Filter refused", str(error)) from None
    followups, followups_open = open_followups(session, user.principal, filters)
    return render(
        request,
        "dashboard.html.j2",
        {
            "user": user,
            "data": data,
            "filters": filters,
            "followups": followups,
            "followups_open": followups_open,
            "training": training_rows(session, user.principal, filters, training_cache_of(request)),
            "periods": PERIOD_TITLES,
            "satisfaction_url": "/dashboard/satisfaction?" + urlencode(filters.query()),
            "now": datetime.now(UTC),
        },
    )


@router.get("/dashboard/satisfaction")
def dashboard_satisfaction(
    request: Request,
    user: Manager,
    session: DbSession,
    filters: Filters,
) -> Response:
    """CSAT, NPS and FCR trends as HTML to place in the dashboard; FCR needs a pass over every
    conversation, done in the background, so the answer says when it is still pending."""
    try:
        check_filters(session, user.principal, filters)
        charts, pending = satisfaction_for(
            index_of(request), cache_of(request), user.principal, filters
        )
    except FilterError as error:
        return JSONResponse({"error": str(error)}, status_code=error.status)
    response = render(request, "_satisfaction.html.j2", {"charts": charts, "pending": pending})
    response.headers["X-Heard-Pending"] = "1" if pending else "0"
    return response


# -- conversation -----------------------------------------------------------------------------


def _visible_conversation(
    session: Session, principal: Principal, conversation_id: str
) -> StoredConversation:
    stored = session.get(StoredConversation, conversation_id)
    if stored is None or not principal.can_see_conversation(stored):
        raise PageError(
            404, "Not found", f"There is no conversation {conversation_id} you can see."
        )
    return stored


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_page(
    request: Request, conversation_id: str, user: User, session: DbSession, turn: Text = None
) -> Response:
    stored = _visible_conversation(session, user.principal, conversation_id)
    conversation = to_conversation(stored)
    latest = next(iter(latest_analyses(session, [conversation_id])), None)
    shown = None
    if latest is not None:
        analysis = latest[1]
        shown = stored_view(
            conversation,
            analysis.record or {},
            analysed_at=analysis.created_at,
            engine_version=analysis.engine_version,
            rubric_version=analysis.rubric_version,
        )
    tasks = list_followups(session, conversation_id=conversation_id)
    responses = session.scalars(
        select(SurveyResponse)
        .where(SurveyResponse.conversation_id == conversation_id)
        .order_by(SurveyResponse.submitted_at)
    ).all()
    return render(
        request,
        "conversation.html.j2",
        {
            "user": user,
            "conversation": conversation,
            "shown": shown,
            "followups": tasks,
            "responses": responses,
            "kind_names": KIND_NAMES,
            "focus": turn,
            "now": datetime.now(UTC),
        },
    )


# -- agent ------------------------------------------------------------------------------------


def _examples(
    pairs: list[tuple[str, Evidence]], component: str | None, best: bool, limit: int = 3
) -> list[tuple[str, Evidence]]:
    if component is None:
        return []
    chosen = [
        (cid, e)
        for cid, e in pairs
        if e.component == component
        and e.quote
        and e.turn_id
        and (e.effect > 0 if best else e.effect < 0)
    ]
    chosen.sort(key=lambda item: (-item[1].effect if best else item[1].effect, item[0]))
    seen: set[str] = set()
    out = []
    for cid, evidence in chosen:
        if cid in seen:  # one example per conversation: variety teaches more
            continue
        seen.add(cid)
        out.append((cid, evidence))
        if len(out) == limit:
            break
    return out


def _agent_page(request: Request, user: WebUser, session: Session, agent_id: str) -> Response:
    if not user.principal.can_see_agent(session, agent_id):
        raise PageError(404, "Not found", f"There is no agent {agent_id} you can see.")
    c = StoredConversation
    pairs = stored_scores(session, [c.agent_id == agent_id, *visible(user.principal)])
    card = aggregate([score for _, score in pairs], [agent_id] * len(pairs), "agent_id")
    scorecard = card[0] if card else None
    evidence = [(stored.id, e) for stored, score in pairs for e in score.evidence]
    strongest = scorecard.strongest if scorecard else None
    weakest = scorecard.weakest if scorecard else None
    # A component scored by what did not happen (no interruption) has no words to quote: show
    # the strongest component that has some.
    ranked = sorted(
        (
            (summary.mean, name)
            for name, summary in (scorecard.components.items() if scorecard else [])
            if summary.mean is not None
        ),
        reverse=True,
    )
    strong_examples: list[tuple[str, Evidence]] = []
    shown_strength = strongest
    for _, name in ranked:
        strong_examples = _examples(evidence, name, best=True)
        if strong_examples:
            shown_strength = name
            break
    weak_examples = _examples(evidence, weakest, best=False)
    by_period: dict[str, list[float]] = {}
    for stored, score in pairs:
        if stored.started_at is not None and score.listening_score is not None:
            key = period_key(stored.started_at, "week")
            by_period.setdefault(key, []).append(score.listening_score)
    keys = period_axis(by_period, "week")
    trend: Chart | None = None
    if keys:
        trend = line_chart(
            "agent-trend",
            f"Listening score per week: {agent_id}",
            keys,
            [
                Series(
                    agent_id,
                    [
                        round(statistics.fmean(by_period[k]), 1) if k in by_period else None
                        for k in keys
                    ],
                )
            ],
            x_title="Week (ISO)",
            y_title="Listening score (points, 0–100)",
        )
    recent = sorted(
        pairs,
        key=lambda p: (
            p[0].started_at is None,
            -(p[0].started_at.timestamp() if p[0].started_at else 0),
        ),
    )[:10]
    return render(
        request,
        "agent.html.j2",
        {
            "user": user,
            "agent_id": agent_id,
            "own": user.principal.agent_id == agent_id,
            "card": scorecard,
            "trend": trend,
            "strongest": strongest,
            "weakest": weakest,
            "shown_strength": shown_strength,
            "strong_examples": strong_examples,
            "weak_examples": weak_examples,
            "recent": recent,
            "components": COMPONENTS,
            "practice": trainee_progress(session, agent_id),
            "practice_recent": RECENT_SHOWN,
            "practice_title": title_of,
            "outcome_names": OUTCOME_NAMES,
        },
    )


@router.get("/me", response_class=HTMLResponse)
def my_page(request: Request, user: User, session: DbSession) -> Response:
    if user.principal.agent_id is None:
        return RedirectResponse(home_of(user.principal), 303)
    return _agent_page(request, user, session, user.principal.agent_id)


@router.get("/agents/{agent_id}", response_class=HTMLResponse)
def agent_page(request: Request, agent_id: str, user: User, session: DbSession) -> Response:
    return _agent_page(request, user, session, agent_id)


# -- assist -----------------------------------------------------------------------------------


@router.get("/assist", response_class=HTMLResponse)
def assist_new(user: User) -> Response:
    return RedirectResponse(f"/assist/live-{secrets.token_hex(6)}", 303)


@router.get("/assist/{conversation_id}", response_class=HTMLResponse)
def assist_page(request: Request, conversation_id: str, user: User) -> Response:
    if len(conversation_id) > 200:
        raise PageError(404, "Not found", "That conversation id is too long.")
    return render(
        request,
        "assist.html.j2",
        {"user": user, "conversation_id": conversation_id},
    )


# -- follow-ups -------------------------------------------------------------------------------


@router.get("/followups", response_class=HTMLResponse)
def followups_page(
    request: Request,
    user: User,
    session: DbSession,
    status: Text = "open",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: Annotated[int | None, Query()] = None,
    snoozed: Annotated[int | None, Query()] = None,
    problem: Text = None,
) -> Response:
    chosen = status if status in ("open", "snoozed", "done", "cancelled") else "open"
    tasks = list_followups(session, status=chosen)
    allowed = visible_conversation_ids(session, user.principal, {t.conversation_id for t in tasks})
    mine = [t for t in tasks if t.conversation_id in allowed]
    start = (page - 1) * FOLLOWUPS_PER_PAGE
    shown = mine[start : start + FOLLOWUPS_PER_PAGE]
    moment = datetime.now(UTC)
    due_now = {
        t.id
        for t in shown
        if t.status in ("open", "snoozed")
        and (t.due_at if t.due_at.tzinfo else t.due_at.replace(tzinfo=UTC)) <= moment
    }
    notice = None
    if done is not None:
        notice = f"Follow-up {done} is marked done."
    elif snoozed is not None:
        notice = f"Follow-up {snoozed} is snoozed."
    return render(
        request,
        "followups.html.j2",
        {
            "user": user,
            "tasks": shown,
            "total": len(mine),
            "status": chosen,
            "page": page,
            "pages": max(1, -(-len(mine) // FOLLOWUPS_PER_PAGE)),
            "notice": notice,
            "problem": problem,
            "due_now": due_now,
        },
    )


def _followup_action(
    request: Request, user: WebUser, session: Session, followup_id: int, csrf: str
) -> FollowUp:
    _check_post(request, user, csrf)
    try:
        return visible_followup(session, user.principal, followup_id)
    except ProblemError:
        raise PageError(
            404, "Not found", f"There is no follow-up {followup_id} you can see."
        ) from None


@router.post("/followups/{followup_id}/done")
def followup_done(
    request: Request,
    followup_id: int,
    user: User,
    session: DbSession,
    csrf: Annotated[str, Form(max_length=200)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _followup_action(request, user, session, followup_id, csrf)
    try:
        mark_done(session, followup_id, note.strip() or None)
    except FollowUpError as error:
        return RedirectResponse("/followups?" + urlencode({"problem": str(error)}), 303)
    return RedirectResponse(f"/followups?done={followup_id}", 303)


@router.post("/followups/{followup_id}/snooze")
def followup_snooze(
    request: Request,
    followup_id: int,
    user: User,
    session: DbSession,
    csrf: Annotated[str, Form(max_length=200)] = "",
    until: Annotated[str, Form(max_length=40)] = "1d",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    _followup_action(request, user, session, followup_id, csrf)
    moment = datetime.now(UTC)
    if until in SNOOZE_CHOICES:
        when = moment + SNOOZE_CHOICES[until]
    else:
        try:
            when = datetime.fromisoformat(until)
        except ValueError:
            return RedirectResponse(
                "/followups?" + urlencode({"problem": f"not a date: {until}"}), 303
            )
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
    try:
        snooze(session, followup_id, when, note.strip() or None)
    except FeedbackError as error:
        return RedirectResponse("/followups?" + urlencode({"problem": str(error)}), 303)
    return RedirectResponse(f"/followups?snoozed={followup_id}", 303)


# -- surveys (public: the token is the only credential) ---------------------------------------


def _survey_limit(context: ServiceContext, request: Request) -> None:
    try:
        limit_public(context, request)
    except ProblemError:
        raise PageError(
            429, "Too many requests", "Too many answers from this address. Try again in a minute."
        ) from None


def _survey_form(
    request: Request,
    token: str,
    kind: str,
    error: str | None,
    status: int,
    values: Mapping[str, Any],
) -> Response:
    low, high = SCORE_RANGES[kind]
    return render(
        request,
        "survey.html.j2",
        {
            "token": token,
            "kind": kind,
            "name": KIND_NAMES[kind],
            "question": QUESTIONS[kind],
            "scores": list(range(low, high + 1)),
            "ends": SCALE_ENDS[kind],
            "error": error,
            "values": values,
        },
        status=status,
    )


def _survey_gone(request: Request, title: str, message: str, status: int) -> Response:
    return render(
        request, "survey_message.html.j2", {"title": title, "message": message}, status=status
    )


@router.get("/s/{token}", response_class=HTMLResponse)
def survey_page(request: Request, token: str, context: Context, session: DbSession) -> Response:
    _survey_limit(context, request)
    survey = find_survey(session, token) if len(token) <= 200 else None
    if survey is None:
        return _survey_gone(request, "Link not valid", "This survey link is not valid.", 404)
    if survey.answered_at is not None:
        return _survey_gone(
            request, "Already answered", "This survey has already been answered. Thank you!", 200
        )
    expires = (
        survey.expires_at if survey.expires_at.tzinfo else survey.expires_at.replace(tzinfo=UTC)
    )
    if expires <= datetime.now(UTC):
        return _survey_gone(request, "Link expired", "This survey link has expired.", 410)
    return _survey_form(request, token, survey.kind, None, 200, {})


@router.post("/s/{token}", response_class=HTMLResponse)
async def survey_answer(
    request: Request,
    token: str,
    context: Context,
    score: Annotated[str, Form(max_length=5)] = "",
    comment: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    await run_in_threadpool(_survey_limit, context, request)  # counted in the database

    def answer() -> Response:
        with context.database.session() as session:
            survey = find_survey(session, token) if len(token) <= 200 else None
            if survey is None:
                return _survey_gone(
                    request, "Link not valid", "This survey link is not valid.", 404
                )
            kind = survey.kind
            values = {"score": score, "comment": comment}
            if not score.strip().lstrip("-").isdigit():
                return _survey_form(request, token, kind, "Please choose a score.", 422, values)
            try:
                submit_survey(session, token, int(score), comment or None)
            except FeedbackError as error:
                if error.code == "out_of_range":
                    return _survey_form(request, token, kind, str(error), 422, values)
                if error.code == "already_answered":
                    return _survey_gone(
                        request, "Already answered", "This survey has already been answered.", 409
                    )
                if error.code == "expired":
                    return _survey_gone(
                        request, "Link expired", "This survey link has expired.", 410
                    )
                return _survey_form(request, token, kind, str(error), 422, values)
        return RedirectResponse(f"/s/{token}/thanks", 303)

    # Comment analysis runs the emotion model: keep it off the event loop.
    return await run_in_threadpool(answer)


@router.get("/s/{token}/thanks", response_class=HTMLResponse)
def survey_thanks(request: Request, token: str, context: Context, session: DbSession) -> Response:
    _survey_limit(context, request)
    survey = find_survey(session, token) if len(token) <= 200 else None
    if survey is None or survey.answered_at is None:
        return RedirectResponse(f"/s/{token}", 303)
    return render(request, "survey_thanks.html.j2", {})
