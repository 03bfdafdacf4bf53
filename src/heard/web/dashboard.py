"""The supervisor's dashboard: filters, the figures behind every chart, and its lists.

Metric definitions are the report's (:mod:`heard.feedback.metrics`: CSAT and FCR with Wilson
intervals, NPS with the seeded bootstrap), computed per period over the conversations in scope,
so the dashboard and ``heard report`` agree on the same data.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from heard.feedback.metrics import PERIODS, Estimate, Period, csat, fcr, nps, period_key
from heard.feedback.report import ReportError, parse_moment, period_axis
from heard.report.html import COMPONENT_NAMES
from heard.scoring.rubric import COMPONENTS
from heard.service.auth import Principal
from heard.store.models import Agent, FollowUp, StoredConversation
from heard.web.cache import StampedCache
from heard.web.charts import GREY, MAX_SERIES, PALETTE, Chart, Series, bar_chart, fmt, line_chart
from heard.web.index import DashboardIndex, Resolution, Row

COACHING_ROWS = 10
FOLLOWUP_ROWS = 8
PERIOD_TITLES: dict[str, str] = {"day": "Day", "week": "Week (ISO)", "month": "Month"}


class FilterError(ValueError):
    """A filter the caller may not use or that makes no sense, with a status for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DashboardFilters:
    team: str | None = None
    agent: str | None = None
    channel: str | None = None
    period: Period = "week"
    since: str | None = None
    until: str | None = None

    @classmethod
    def of(
        cls,
        team: str | None,
        agent: str | None,
        channel: str | None,
        period: str | None,
        since: str | None,
        until: str | None,
    ) -> DashboardFilters:
        chosen: Period = "week"
        for known in PERIODS:
            if period == known:
                chosen = known
        return cls(
            team=(team or "").strip() or None,
            agent=(agent or "").strip() or None,
            channel=(channel or "").strip() or None,
            period=chosen,
            since=(since or "").strip() or None,
            until=(until or "").strip() or None,
        )

    def query(self, **changes: str | None) -> dict[str, str]:
        values = {
            "team": self.team,
            "agent": self.agent,
            "channel": self.channel,
            "period": self.period,
            "since": self.since,
            "until": self.until,
        }
        values.update(changes)
        return {k: v for k, v in values.items() if v}


@dataclass(frozen=True)
class Window:
    start: datetime | None
    stop: datetime | None


def window_of(filters: DashboardFilters) -> Window:
    try:
        start = parse_moment(filters.since) if filters.since else None
        stop = parse_moment(filters.until, end=True) if filters.until else None
    except ReportError as error:
        raise FilterError(422, str(error)) from None
    if start is not None and stop is not None and start >= stop:
        raise FilterError(422, "“from” must be before “to”")
    return Window(start, stop)


def check_filters(session: Session, principal: Principal, filters: DashboardFilters) -> None:
    """Refuse a team or agent outside the caller's scope, as the API does (403)."""
    if filters.team and not principal.can_see_team(filters.team):
        raise FilterError(403, f"team {filters.team} is not one of yours")
    if filters.agent and not principal.can_see_agent(session, filters.agent):
        raise FilterError(403, f"agent {filters.agent} is not in your teams")


def in_scope(
    rows: Sequence[Row], principal: Principal, filters: DashboardFilters, window: Window
) -> list[Row]:
    chosen = []
    for row in rows:
        if not principal.can_see(row.agent_id, row.team_id):
            continue
        if filters.team and row.team_id != filters.team:
            continue
        if filters.agent and row.agent_id != filters.agent:
            continue
        if filters.channel and row.channel != filters.channel:
            continue
        if window.start is not None and (row.started_at is None or row.started_at < window.start):
            continue
        if window.stop is not None and (row.started_at is None or row.started_at >= window.stop):
            continue
        chosen.append(row)
    return chosen


# -- the figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoachingRow:
    conversation_id: str
    agent_id: str | None
    started: str
    score: float
    weakest: str | None
    feeling: str | None
    csat: int | None
    why: str


@dataclass(frozen=True)
class AgentRow:
    agent_id: str
    team_id: str | None
    conversations: int
    score: float | None
    csat: Estimate
    weakest: str | None
    strongest: str | None


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    conversation_id: str
    reason: str
    priority: str
    due_at: datetime
    overdue: bool


@dataclass
class Dashboard:
    filters: DashboardFilters
    conversations: int
    analysed: int
    score: float | None
    median: float | None
    csat: Estimate
    nps: Estimate
    charts: list[Chart]
    agents: list[AgentRow]
    coaching: list[CoachingRow]
    followups: list[FollowUpRow] = field(default_factory=list)
    followups_open: int = 0
    teams: list[str] = field(default_factory=list)
    agent_choices: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    computed_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.fmean(known), 1) if known else None


def _responses(rows: Sequence[Row], kind: str) -> list[int]:
    return [score for row in rows for score in row.responses.get(kind, ())]


def _periods(rows: Sequence[Row], period: Period) -> tuple[list[str], dict[str, list[Row]]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.started_at is not None:
            grouped[period_key(row.started_at, period)].append(row)
    return period_axis(grouped, period), grouped


def _estimate_series(estimates: Sequence[Estimate]) -> tuple[list[float | None], ...]:
    values = [None if e.value is None else round(e.value, 1) for e in estimates]
    lows = [None if e.ci_low is None else round(e.ci_low, 1) for e in estimates]
    highs = [None if e.ci_high is None else round(e.ci_high, 1) for e in estimates]
    return values, lows, highs


def _listening_trend(
    rows: Sequence[Row],
    keys: list[str],
    grouped: dict[str, list[Row]],
    filters: DashboardFilters,
) -> Chart:
    overall = [_mean([r.score for r in grouped.get(k, [])]) for k in keys]
    series = [Series("All in view", overall)]
    # Lines per team when the view spans teams, else per agent (the busiest first).
    by: Literal["team_id", "agent_id"] = (
        "team_id" if len({r.team_id for r in rows}) > 1 and not filters.agent else "agent_id"
    )
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        name = getattr(row, by)
        if name:
            counts[name] += 1
    names = sorted(counts, key=lambda n: (-counts[n], n))[: MAX_SERIES - 1]
    if len(names) > 1 or (names and by == "team_id"):
        for name in sorted(names):
            series.append(
                Series(
                    name,
                    [
                        _mean([r.score for r in grouped.get(k, []) if getattr(r, by) == name])
                        for k in keys
                    ],
                )
            )
    hidden = len(counts) - len(names)
    who = "team" if by == "team_id" else "agent"
    chart = line_chart(
        "listening-trend",
        f"Listening score per {filters.period}, by {who}",
        keys,
        series,
        x_title=PERIOD_TITLES[filters.period],
        y_title="Listening score (points, 0–100)",
        note=f"{hidden} more {who}s with fewer conversations are in “All in view”."
        if hidden > 0
        else None,
    )
    chart.wide = True
    return chart


def _satisfaction_chart(
    key: str,
    title: str,
    keys: list[str],
    estimates: Sequence[Estimate],
    listening: list[float | None],
    y_title: str,
    y_range: tuple[float, float],
    colour: str,
    band: str,
) -> Chart:
    values, lows, highs = _estimate_series(estimates)
    chart = line_chart(
        key,
        title,
        keys,
        [
            Series(title.split(" per ")[0], values, colour=colour),
            Series("Listening score", listening, dashed=True, axis="y2", colour=GREY),
        ],
        x_title="Period",
        y_title=y_title,
        y_range=y_range,
        right_title="Listening score (points, 0–100)",
        bands=[("95%", lows, highs, band)],
    )
    chart.columns.insert(2, "95% interval")
    chart.columns.insert(3, "n")
    for row, low, high, estimate in zip(chart.rows, lows, highs, estimates, strict=True):
        row.insert(2, "–" if low is None or high is None else f"{fmt(low)} to {fmt(high)}")
        row.insert(3, str(estimate.n))
    return chart


def satisfaction_charts(
    rows: Sequence[Row], filters: DashboardFilters, resolution: Resolution | None
) -> list[Chart]:
    keys, grouped = _periods(rows, filters.period)
    listening = [_mean([r.score for r in grouped.get(k, [])]) for k in keys]
    csats = [csat(_responses(grouped.get(k, []), "csat")) for k in keys]
    npss = [nps(_responses(grouped.get(k, []), "nps")) for k in keys]
    charts = [
        _satisfaction_chart(
            "csat-trend",
            f"CSAT per {filters.period}",
            keys,
            csats,
            listening,
            "CSAT (% satisfied, 4–5 of 5)",
            (0, 100),
            PALETTE[1],
            "rgba(0, 114, 178, 0.15)",
        ),
        _satisfaction_chart(
            "nps-trend",
            f"NPS per {filters.period}",
            keys,
            npss,
            listening,
            "NPS (points, −100 to +100)",
            (-100, 100),
            PALETTE[2],
            "rgba(213, 94, 0, 0.15)",
        ),
    ]
    if resolution is not None:
        fcrs = [
            fcr(resolution.reopens[r.id] for r in grouped.get(k, []) if r.id in resolution.reopens)
            for k in keys
        ]
        chart = _satisfaction_chart(
            "fcr-trend",
            f"First-contact resolution per {filters.period}",
            keys,
            fcrs,
            listening,
            "First-contact resolution (%)",
            (0, 100),
            PALETTE[3],
            "rgba(0, 158, 115, 0.15)",
        )
        chart.note = (
            f"Computed {resolution.computed_at:%Y-%m-%d %H:%M} UTC over every stored "
            "conversation; recent periods have fewer conversations whose 7-day window has passed."
        )
        charts.append(chart)
    return charts


def _components_chart(rows: Sequence[Row]) -> Chart:
    means = [_mean([r.components.get(name) for r in rows]) for name in COMPONENTS]
    counts = [sum(1 for r in rows if r.components.get(name) is not None) for name in COMPONENTS]
    return bar_chart(
        "components",
        "The seven listening components",
        [COMPONENT_NAMES[name] for name in COMPONENTS],
        means,
        value_title="Mean score (points, 0–100)",
        category_title="Component",
        horizontal=True,
        value_range=(0, 100),
        colours=[PALETTE[1]] * len(COMPONENTS),
        counts=counts,
        note="A component that cannot apply to a conversation (no timestamps for "
        "interruptions, say) is left out of its mean; n says how many conversations count.",
    )


def _distribution_chart(rows: Sequence[Row]) -> Chart:
    counts = [0] * 10
    for row in rows:
        if row.score is not None:
            counts[min(max(int(row.score // 10), 0), 9)] += 1
    labels = [f"{10 * i}–{10 * i + 10}" for i in range(10)]
    return bar_chart(
        "distribution",
        "Distribution of listening scores",
        labels,
        [float(c) for c in counts],
        value_title="Conversations",
        category_title="Listening score (points)",
        colours=[PALETTE[2] if i < 5 else PALETTE[5] if i < 7 else PALETTE[3] for i in range(10)],
        digits=0,
    )


def _weakest(components: dict[str, float | None]) -> str | None:
    known = [(v, k) for k, v in components.items() if v is not None]
    return min(known)[1] if known else None


def _coaching(rows: Sequence[Row]) -> list[CoachingRow]:
    """Low listening and an unhappy customer: the conversations a coach learns most from."""
    ranked = []
    for row in rows:
        if row.score is None:
            continue
        csat_scores = row.responses.get("csat", [])
        lowest = min(csat_scores) if csat_scores else None
        unhappy = max(0.0, -(row.end_valence or 0.0))
        need = (100 - row.score) + 40 * unhappy + (25 if lowest is not None and lowest <= 2 else 0)
        reasons = [f"listening {row.score:.0f}"]
        if unhappy > 0 and row.end_emotion:
            reasons.append(f"customer ended {row.end_emotion}")
        if lowest is not None:
            reasons.append(f"CSAT {lowest} of 5")
        ranked.append((need, row, lowest, "; ".join(reasons)))
    ranked.sort(key=lambda item: (-item[0], item[1].id))
    return [
        CoachingRow(
            conversation_id=row.id,
            agent_id=row.agent_id,
            started=f"{row.started_at:%Y-%m-%d}" if row.started_at else "–",
            score=row.score or 0.0,
            weakest=_weakest(row.components),
            feeling=row.end_emotion,
            csat=lowest,
            why=why,
        )
        for _, row, lowest, why in ranked[:COACHING_ROWS]
    ]


def _agents(rows: Sequence[Row]) -> list[AgentRow]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        if row.agent_id:
            grouped[row.agent_id].append(row)
    out = []
    for agent_id, members in grouped.items():
        means = {name: _mean([r.components.get(name) for r in members]) for name in COMPONENTS}
        known = sorted((v, k) for k, v in means.items() if v is not None)
        out.append(
            AgentRow(
                agent_id=agent_id,
                team_id=members[0].team_id,
                conversations=len(members),
                score=_mean([r.score for r in members]),
                csat=csat(_responses(members, "csat")),
                weakest=known[0][1] if known else None,
                strongest=known[-1][1] if known else None,
            )
        )
    out.sort(key=lambda a: (a.score is None, a.score if a.score is not None else 0, a.agent_id))
    return out


def build_dashboard(
    rows: Sequence[Row], principal: Principal, filters: DashboardFilters, window: Window
) -> Dashboard:
    visible = [r for r in rows if principal.can_see(r.agent_id, r.team_id)]
    chosen = in_scope(visible, principal, filters, window)
    keys, grouped = _periods(chosen, filters.period)
    scores = [r.score for r in chosen if r.score is not None]
    charts = [
        _listening_trend(chosen, keys, grouped, filters),
        _components_chart(chosen),
        _distribution_chart(chosen),
    ]
    in_team = [r for r in visible if not filters.team or r.team_id == filters.team]
    return Dashboard(
        filters=filters,
        conversations=len(chosen),
        analysed=len(scores),
        score=_mean(scores),
        median=round(statistics.median(scores), 1) if scores else None,
        csat=csat(_responses(chosen, "csat")),
        nps=nps(_responses(chosen, "nps")),
        charts=charts,
        agents=_agents(chosen),
        coaching=_coaching(chosen),
        teams=sorted({r.team_id for r in visible if r.team_id}),
        agent_choices=sorted({r.agent_id for r in in_team if r.agent_id}),
        channels=sorted({r.channel for r in visible}),
    )


def open_followups(
    session: Session, principal: Principal, filters: DashboardFilters, limit: int = FOLLOWUP_ROWS
) -> tuple[list[FollowUpRow], int]:
    """The open follow-ups in view, soonest due first, and how many there are. Open as in
    :func:`heard.feedback.followups.list_followups`: open, or snoozed with the snooze over."""
    f, c = FollowUp, StoredConversation
    moment = datetime.now(UTC)
    conditions = [
        or_(f.status == "open", and_(f.status == "snoozed", f.due_at <= moment)),
    ]
    if principal.role == "supervisor":
        conditions.append(c.team_id.in_(principal.team_ids))
    elif principal.role == "agent":
        conditions.append(c.agent_id == principal.agent_id)
    if filters.team:
        conditions.append(c.team_id == filters.team)
    if filters.agent:
        conditions.append(c.agent_id == filters.agent)
    if filters.channel:
        conditions.append(c.channel == filters.channel)
    joined = select(f).join(c, c.id == f.conversation_id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(joined.subquery())) or 0
    tasks = session.scalars(joined.order_by(f.due_at, f.id).limit(limit)).all()
    rows = [
        FollowUpRow(
            id=t.id,
            conversation_id=t.conversation_id,
            reason=t.reason,
            priority=t.priority,
            due_at=utc_of(t.due_at),
            overdue=utc_of(t.due_at) <= moment,
        )
        for t in tasks
    ]
    return rows, int(total)


def utc_of(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def agent_team(session: Session, agent_id: str) -> str | None:
    agent = session.get(Agent, agent_id)
    return None if agent is None else agent.team_id


class DashboardCache(StampedCache[tuple[Any, ...], Any]):
    """Dashboards already computed, per viewer scope and filters, for the data stamp they were
    computed at: a reload or a second supervisor of the same team costs nothing."""


def scope_key(principal: Principal) -> tuple[Any, ...]:
    return (principal.role, principal.agent_id, tuple(sorted(principal.team_ids)))


def dashboard_for(
    index: DashboardIndex,
    cache: DashboardCache,
    principal: Principal,
    filters: DashboardFilters,
) -> Dashboard:
    window = window_of(filters)
    rows = index.rows()
    stamp = index.stamp
    assert stamp is not None
    key = ("dashboard", scope_key(principal), filters)
    cached = cache.get(key, stamp)
    if isinstance(cached, Dashboard):
        return cached
    built = build_dashboard(rows, principal, filters, window)
    cache.put(key, stamp, built)
    return built


def satisfaction_for(
    index: DashboardIndex,
    cache: DashboardCache,
    principal: Principal,
    filters: DashboardFilters,
) -> tuple[list[Chart], bool]:
    """CSAT, NPS and (when computed) FCR trends; the flag says whether FCR is still pending."""
    window = window_of(filters)
    resolution = index.resolution()
    rows = index.rows()
    stamp = index.stamp
    assert stamp is not None
    key = (
        "satisfaction",
        scope_key(principal),
        filters,
        None if resolution is None else resolution.computed_at,
    )
    cached = cache.get(key, stamp)
    if cached is None:
        chosen = in_scope(rows, principal, filters, window)
        cached = satisfaction_charts(chosen, filters, resolution)
        cache.put(key, stamp, cached)
    return list(cached), resolution is None
