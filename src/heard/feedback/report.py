"""The service report: listening and service metrics from the database, with their uncertainty,
as a terminal table, JSON, or one self-contained HTML page.

>>> data = build_report(Database(url), Filters(team="team-orders", period="month"))
>>> print(json.dumps(report_json(data)))
>>> html = render_html(data)   # inline CSS and SVG, no scripts, fonts or images from anywhere

Filters (agent, team, channel, since, until) choose the conversations; survey responses count
with the conversation they answer. Reopens are looked for among *all* conversations of the same
customers, so a reopen that reached another agent, or came after ``until``, still counts against
the first contact. The metric definitions are in :mod:`heard.feedback.metrics`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Final

from jinja2 import Environment
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from heard import __version__
from heard.feedback.metrics import (
    CONFIDENCE,
    REOPEN_WINDOW,
    RESAMPLES,
    SEED,
    SMALL_SAMPLE,
    ConversationFacts,
    Estimate,
    Period,
    Reopen,
    TurnTiming,
    find_reopens,
    sliced_metrics,
    summarize,
    utc,
)
from heard.report.html import Frame, Histogram, Tick, histogram
from heard.report.templating import html_environment
from heard.store.database import Database
from heard.store.models import (
    Agent,
    StoredAnalysis,
    StoredConversation,
    StoredTurn,
    SurveyResponse,
)

SLICES: Final = ("period", "agent", "team", "channel")
SURVEY_KINDS: Final = ("csat", "nps", "ces")
LABELS: Final[dict[str, str]] = {
    "listening_score": "Listening score",
    "component.attention": "  Attention",
    "component.no_interruption": "  No interruption",
    "component.clarification": "  Clarification",
    "component.paraphrase": "  Paraphrase",
    "component.empathy": "  Empathy",
    "component.solution": "  Solution",
    "component.follow_up": "  Follow-up",
    "csat": "CSAT",
    "nps": "NPS",
    "ces": "CES (mean, 1–7)",
    "ces_agree": "CES (% agreeing, 5–7)",
    "fcr": "First-contact resolution",
    "reopen_rate": "Reopen rate",
    "aht": "Average handle time",
    "frt": "First response time",
}
# The metrics shown per group (period, agent, team, channel), in the table and the HTML.
GROUP_METRICS: Final = ("listening_score", "csat", "nps", "ces", "fcr", "aht", "frt")
TREND_METRICS: Final = ("listening_score", "csat", "nps", "fcr")
MAX_PERIODS_FILLED: Final = 400


class ReportError(ValueError):
    """The report cannot be made as asked (a bad filter value), with what to do about it."""


# ---------------------------------------------------------------------------------------------
# Filters.


def parse_moment(text: str, *, end: bool = False) -> datetime:
    """A filter bound from ``YYYY-MM-DD`` (a whole day, UTC: ``end`` gives the next midnight, so
    the day is included) or an ISO 8601 date and time (naive means UTC)."""
    value = text.strip()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        moment = datetime(day.year, day.month, day.day)
        return utc(moment + timedelta(days=1) if end else moment)
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError:
        raise ReportError(f"not a date: {text!r} (expected YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Filters:
    """Which conversations: ``since`` inclusive, ``until`` exclusive (UTC)."""

    agent: str | None = None
    team: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    period: Period = "week"

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ReportError("--since must be before --until")

    def as_dict(self) -> dict[str, str | None]:
        return {
            "agent": self.agent,
            "team": self.team,
            "channel": self.channel,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }

    def describe(self) -> str:
        parts = []
        if self.agent:
            parts.append(f"agent {self.agent}")
        if self.team:
            parts.append(f"team {self.team}")
        if self.channel:
            parts.append(f"channel {self.channel}")
        if self.since:
            parts.append(f"from {self.since:%Y-%m-%d %H:%M} UTC")
        if self.until:
            parts.append(f"before {self.until:%Y-%m-%d %H:%M} UTC")
        return ", ".join(parts) or "all conversations"


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    c = StoredConversation
    conditions: list[ColumnElement[bool]] = []
    if filters.agent:
        conditions.append(c.agent_id == filters.agent)
    if filters.team:
        # A conversation with no team of its own belongs to its agent's team.
        in_team = select(Agent.id).where(Agent.team_id == filters.team)
        conditions.append(
            or_(c.team_id == filters.team, and_(c.team_id.is_(None), c.agent_id.in_(in_team)))
        )
    if filters.channel:
        conditions.append(c.channel == filters.channel)
    if filters.since:
        conditions.append(c.started_at >= filters.since)
    if filters.until:
        conditions.append(c.started_at < filters.until)
    return conditions


# ---------------------------------------------------------------------------------------------
# Loading.


def concern_texts(record: Mapping[str, Any]) -> tuple[str, ...]:
    signals = record.get("signals") or {}
    texts: list[str] = []
    for key in ("concerns", "unaddressed_concerns"):
        for concern in signals.get(key) or ():
            if isinstance(concern, Mapping):
                text = concern.get("text") or concern.get("quote")
                if isinstance(text, str) and text.strip():
                    texts.append(text.strip())
    return tuple(dict.fromkeys(texts))


@dataclass(frozen=True)
class _Latest:
    score: float | None
    components: dict[str, float | None]
    concerns: tuple[str, ...]


def _latest_analyses(session: Session, condition: ColumnElement[bool]) -> dict[str, _Latest]:
    """The most recent analysis of the current content of each conversation matching."""
    a, c = StoredAnalysis, StoredConversation
    query = (
        select(a.conversation_id, a.listening_score, a.components, a.record)
        .join(c, and_(a.conversation_id == c.id, a.content_hash == c.content_hash))
        .where(condition)
        .order_by(a.conversation_id, a.created_at.desc(), a.id.desc())
    )
    latest: dict[str, _Latest] = {}
    for conversation_id, score, components, record in session.execute(query):
        if conversation_id in latest:
            continue
        latest[conversation_id] = _Latest(
            score,
            {
                str(k): (float(v) if isinstance(v, int | float) else None)
                for k, v in (components or {}).items()
            },
            concern_texts(record or {}),
        )
    return latest


def _turn_timings(session: Session, condition: ColumnElement[bool]) -> dict[str, list[TurnTiming]]:
    t = StoredTurn
    ids = select(StoredConversation.id).where(condition)
    query = (
        select(t.conversation_id, t.role, t.start, t.end, t.time)
        .where(t.conversation_id.in_(ids))
        .order_by(t.conversation_id, t.position)
    )
    turns: dict[str, list[TurnTiming]] = defaultdict(list)
    for conversation_id, role, start, end, moment in session.execute(query):
        turns[conversation_id].append(
            TurnTiming(role, start, end, None if moment is None else utc(moment))
        )
    return turns


def _responses(session: Session, condition: ColumnElement[bool]) -> dict[str, dict[str, list[int]]]:
    r = SurveyResponse
    ids = select(StoredConversation.id).where(condition)
    query = (
        select(r.conversation_id, r.kind, r.score)
        .where(r.conversation_id.in_(ids), r.kind.in_(SURVEY_KINDS))
        .order_by(r.conversation_id, r.submitted_at, r.id)
    )
    found: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for conversation_id, kind, score in session.execute(query):
        found[conversation_id][kind].append(int(score))
    return found


@dataclass
class Loaded:
    conversations: list[ConversationFacts]
    reopens: dict[str, Reopen]
    as_of: datetime | None


def load(session: Session, filters: Filters, *, window: timedelta = REOPEN_WINDOW) -> Loaded:
    """The chosen conversations as :class:`ConversationFacts`, and their reopen statuses."""
    c = StoredConversation
    chosen = and_(*_conditions(filters)) if _conditions(filters) else c.id.is_not(None)
    agent_teams = dict(
        session.execute(select(Agent.id, Agent.team_id).where(Agent.team_id.is_not(None))).all()
    )
    customers = select(c.customer_id).where(chosen, c.customer_id.is_not(None)).distinct()
    related = or_(chosen, c.customer_id.in_(customers))
    analyses = _latest_analyses(session, related)
    turns = _turn_timings(session, chosen)
    responses = _responses(session, chosen)

    facts: list[ConversationFacts] = []
    query = select(c.id, c.channel, c.started_at, c.agent_id, c.team_id, c.customer_id).where(
        chosen
    )
    for cid, channel, started, agent, team, customer in session.execute(query.order_by(c.id)):
        latest = analyses.get(cid)
        answered = responses.get(cid, {})
        facts.append(
            ConversationFacts(
                id=cid,
                channel=channel,
                started_at=None if started is None else utc(started),
                agent_id=agent,
                team_id=team or (agent_teams.get(agent) if agent else None),
                customer_id=customer,
                turns=tuple(turns.get(cid, ())),
                concerns=latest.concerns if latest else (),
                analysed=latest is not None,
                listening_score=latest.score if latest else None,
                components=latest.components if latest else {},
                csat=tuple(answered.get("csat", ())),
                nps=tuple(answered.get("nps", ())),
                ces=tuple(answered.get("ces", ())),
            )
        )

    # Reopens: every conversation of the customers concerned, up to the newest in the data.
    horizon = session.scalar(select(func.max(c.started_at)))
    as_of = None if horizon is None else utc(horizon)
    population = [
        ConversationFacts(
            id=cid,
            channel=channel,
            started_at=None if started is None else utc(started),
            customer_id=customer,
            concerns=analyses[cid].concerns if cid in analyses else (),
        )
        for cid, channel, started, customer in session.execute(
            select(c.id, c.channel, c.started_at, c.customer_id).where(c.customer_id.in_(customers))
        )
    ]
    reopens = find_reopens(population, window=window, as_of=as_of)
    return Loaded(facts, reopens, as_of)


# ---------------------------------------------------------------------------------------------
# The report's data.


@dataclass
class ServiceReport:
    filters: Filters
    window: timedelta
    as_of: datetime | None
    conversations: list[ConversationFacts]
    overall: dict[str, Estimate]
    slices: dict[str, list[dict[str, Any]]]
    resamples: int = RESAMPLES
    seed: int = SEED
    confidence: float = CONFIDENCE
    reopens: dict[str, Reopen] = field(default_factory=dict)

    @property
    def analysed(self) -> int:
        return sum(c.analysed for c in self.conversations)

    @property
    def responses(self) -> dict[str, int]:
        return {
            kind: sum(len(getattr(c, kind)) for c in self.conversations) for kind in SURVEY_KINDS
        }

    @property
    def scores(self) -> list[float | None]:
        return [c.listening_score for c in self.conversations if c.analysed]

    def groups(self, slice_name: str) -> dict[str, dict[str, dict[str, Any]]]:
        """Records of one slice as {group: {metric: record}}, groups in order."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for record in self.slices.get(slice_name, []):
            out.setdefault(record["group"], {})[record["metric"]] = record
        return out


def build_report(
    database: Database,
    filters: Filters,
    *,
    window: timedelta = REOPEN_WINDOW,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> ServiceReport:
    """Every metric overall and per period, agent, team and channel, for the chosen
    conversations."""
    with database.session() as session:
        loaded = load(session, filters, window=window)
    options: dict[str, Any] = {"resamples": resamples, "seed": seed, "confidence": confidence}
    facts = loaded.conversations
    overall = summarize(facts, loaded.reopens, **options)
    slices = {
        name: sliced_metrics(facts, loaded.reopens, name, period=filters.period, **options)
        for name in ("period", "agent", "team", "channel")
    }
    return ServiceReport(
        filters=filters,
        window=window,
        as_of=loaded.as_of,
        conversations=facts,
        overall=overall,
        slices=slices,
        resamples=resamples,
        seed=seed,
        confidence=confidence,
        reopens={c.id: loaded.reopens[c.id] for c in facts if c.id in loaded.reopens},
    )


def distribution(scores: Sequence[float | None]) -> dict[str, Any]:
    counts = [0] * 10
    for score in scores:
        if score is not None:
            counts[min(max(int(score // 10), 0), 9)] += 1
    return {
        "band_width": 10,
        "bands": [
            {"low": 10 * i, "high": 10 * i + 10, "count": count} for i, count in enumerate(counts)
        ],
        "unscored": sum(1 for s in scores if s is None),
    }


def report_json(report: ServiceReport) -> dict[str, Any]:
    """The whole report as JSON-ready values: every estimate with n, interval and flags."""
    return {
        "generator": f"heard {__version__}",
        "filters": report.filters.as_dict(),
        "period": report.filters.period,
        "reopen_window_days": report.window.total_seconds() / 86400,
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "confidence": report.confidence,
        "bootstrap": {"resamples": report.resamples, "seed": report.seed},
        "small_sample_below": SMALL_SAMPLE,
        "counts": {
            "conversations": len(report.conversations),
            "analysed": report.analysed,
            "responses": report.responses,
        },
        "overall": {name: e.as_dict() for name, e in report.overall.items()},
        "slices": report.slices,
        "distribution": distribution(report.scores),
    }


# ---------------------------------------------------------------------------------------------
# Formatting numbers.


def _minus(text: str) -> str:
    return text.replace("-", "−")


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def number(value: float, unit: str) -> str:
    """A value in its unit, briefly: 71.4 %, +10, 4.86, 3.5 min, 72.3."""
    if unit == "%":
        return f"{value:.1f} %"
    if unit.startswith("NPS"):
        return _minus(f"{value:+.0f}")
    if unit == "seconds":
        return duration(value)
    if unit == "points (1–7)":
        return f"{value:.2f}"
    return _minus(f"{value:.1f}")


def value_text(record: Mapping[str, Any]) -> str:
    value = record.get("value")
    return "–" if value is None else number(float(value), str(record["unit"]))


def interval_text(record: Mapping[str, Any]) -> str:
    low, high = record.get("ci_low"), record.get("ci_high")
    if low is None or high is None:
        return ""
    unit = str(record["unit"])
    a, b = number(float(low), unit), number(float(high), unit)
    if unit == "%":
        a = a.removesuffix(" %")
    return f"{a} to {b}"


# ---------------------------------------------------------------------------------------------
# The terminal.


def _cell(record: Mapping[str, Any] | None) -> Text:
    """The value and n (* a small sample), and under it the interval."""
    if record is None or record.get("value") is None:
        return Text("–", style="dim")
    text = Text(value_text(record))
    text.append(f" n={record['n']}", style="dim")
    if record.get("small_sample"):
        text.append("*", style="yellow")
    low, high = record.get("ci_low"), record.get("ci_high")
    if low is not None and high is not None:
        unit = str(record["unit"])
        text.append(f"\n[{_bare(float(low), unit)}, {_bare(float(high), unit)}]", style="dim")
    return text


def _bare(value: float, unit: str) -> str:
    return number(value, unit).removesuffix(" %")


def print_report(report: ServiceReport, console: Console) -> None:
    """Rich tables: every metric overall, then the main ones per period, agent, team, channel."""
    console.print(
        f"[bold]Service report[/] — {report.filters.describe()}: "
        f"{len(report.conversations)} conversations, {report.analysed} analysed, "
        + ", ".join(f"{n} {kind.upper()}" for kind, n in report.responses.items())
        + " responses"
    )
    table = Table(
        title=f"All chosen conversations ({report.confidence:.0%} intervals)",
        title_justify="left",
    )
    table.add_column("metric", no_wrap=True)
    table.add_column("value", justify="right")
    table.add_column(f"{report.confidence:.0%} CI", justify="right")
    table.add_column("n", justify="right")
    table.add_column("note")
    for name, estimate in report.overall.items():
        record = estimate.as_dict()
        note = record["reason"] or ("small sample" if record["small_sample"] else "")
        table.add_row(
            LABELS.get(name, name),
            value_text(record),
            interval_text(record),
            str(record["n"]),
            Text(note, style="yellow" if record["small_sample"] else ""),
        )
    console.print(table)
    for slice_name in SLICES:
        groups = report.groups(slice_name)
        if not groups or (slice_name != "period" and len(groups) < 2):
            continue
        title = report.filters.period if slice_name == "period" else slice_name
        by = Table(title=f"By {title}", title_justify="left")
        by.add_column(title, no_wrap=True)
        by.add_column("conv.", justify="right")
        for name in GROUP_METRICS:
            by.add_column(LABELS[name].strip(), justify="right")
        for group, metrics in groups.items():
            first = next(iter(metrics.values()))
            by.add_row(
                group,
                str(first["conversations"]),
                *(_cell(metrics.get(name)) for name in GROUP_METRICS),
            )
        console.print(by)
    console.print(
        f"[dim]Intervals: Wilson for %, bootstrap ({report.resamples} resamples, seed "
        f"{report.seed}) for NPS and means. * fewer than {SMALL_SAMPLE} in the sample. "
        f"Reopened = same customer, same concern, within {_days(report.window)}.[/]"
    )


def _days(window: timedelta) -> str:
    days = window.total_seconds() / 86400
    return f"{days:g} day{'s' if days != 1 else ''}"


# ---------------------------------------------------------------------------------------------
# Charts.


@dataclass(frozen=True)
class TrendPoint:
    x: float
    y: float
    low: float | None
    high: float | None
    small: bool
    title: str


@dataclass(frozen=True)
class TrendChart:
    key: str
    title: str
    y_label: str
    frame: Frame
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    bands: list[str]
    lines: list[str]
    points: list[TrendPoint]
    zero_y: float | None
    description: str


@dataclass(frozen=True)
class ForestRow:
    label: str
    full_label: str
    y: float
    x: float
    low: float | None
    high: float | None
    text: str
    small: bool
    title: str


@dataclass(frozen=True)
class ForestChart:
    key: str
    title: str
    x_label: str
    frame: Frame
    x_ticks: list[Tick]
    rows: list[ForestRow]
    zero_x: float | None
    description: str
    missing: list[str]


# (lowest, highest, axis label) per charted metric.
SCALES: Final[dict[str, tuple[float, float, str]]] = {
    "listening_score": (0.0, 100.0, "Listening score (points, 0–100)"),
    "csat": (0.0, 100.0, "CSAT (% satisfied, 4–5 of 5)"),
    "nps": (-100.0, 100.0, "NPS (points, −100 to +100)"),
    "fcr": (0.0, 100.0, "First-contact resolution (%)"),
}


def _position(value: float, low: float, high: float, start: float, end: float) -> float:
    value = min(max(value, low), high)
    return round(start + (value - low) / (high - low) * (end - start), 1)


def _period_start(key: str, period: Period) -> date | None:
    try:
        if period == "day":
            return date.fromisoformat(key)
        if period == "month":
            year, month = key.split("-")
            return date(int(year), int(month), 1)
        year, week = key.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None


def _next_period(day: date, period: Period) -> date:
    if period == "day":
        return day + timedelta(days=1)
    if period == "week":
        return day + timedelta(days=7)
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _key_of(day: date, period: Period) -> str:
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def period_axis(keys: Iterable[str], period: Period) -> list[str]:
    """Every period from the first to the last key, gaps included (unless there are very many)."""
    dated = sorted(k for k in keys if not k.startswith("("))
    if not dated:
        return []
    first, last = _period_start(dated[0], period), _period_start(dated[-1], period)
    if first is None or last is None:
        return dated
    filled: list[str] = []
    day = first
    while day <= last and len(filled) <= MAX_PERIODS_FILLED:
        filled.append(_key_of(day, period))
        day = _next_period(day, period)
    return dated if len(filled) > MAX_PERIODS_FILLED else filled


def _x_ticks(keys: Sequence[str], frame: Frame) -> tuple[dict[str, float], list[Tick]]:
    count = len(keys)
    width = frame.right - frame.left
    if count == 1:
        positions = {keys[0]: round(frame.left + width / 2, 1)}
    else:
        positions = {
            k: round(frame.left + width * (i + 0.5) / count, 1) for i, k in enumerate(keys)
        }
    every = max(1, math.ceil(count / 8))
    ticks = [Tick(positions[k], k) for i, k in enumerate(keys) if i % every == 0]
    return positions, ticks


def _y_ticks(low: float, high: float, frame: Frame) -> list[Tick]:
    step = 50.0 if high - low > 100 else 25.0
    ticks = []
    value = low
    while value <= high + 1e-9:
        label = _minus(f"{value:+.0f}") if low < 0 and value else f"{value:.0f}"
        ticks.append(Tick(_position(value, low, high, frame.bottom, frame.top), label))
        value += step
    return ticks


def trend_chart(report: ServiceReport, metric: str) -> TrendChart | None:
    groups = report.groups("period")
    keys = period_axis(groups, report.filters.period)
    if not keys:
        return None
    records = {k: groups.get(k, {}).get(metric) for k in keys}
    if not any(r and r.get("value") is not None for r in records.values()):
        return None
    low, high, label = SCALES[metric]
    frame = Frame(width=540, height=230, left=52, top=14, right=526, bottom=176)
    positions, x_ticks = _x_ticks(keys, frame)
    points: list[TrendPoint] = []
    runs: list[list[TrendPoint]] = [[]]
    for key in keys:
        record = records[key]
        if record is None or record.get("value") is None:
            if runs[-1]:
                runs.append([])
            continue
        lo, hi = record.get("ci_low"), record.get("ci_high")
        point = TrendPoint(
            x=positions[key],
            y=_position(float(record["value"]), low, high, frame.bottom, frame.top),
            low=None if lo is None else _position(float(lo), low, high, frame.bottom, frame.top),
            high=None if hi is None else _position(float(hi), low, high, frame.bottom, frame.top),
            small=bool(record.get("small_sample")),
            title=f"{key}: {value_text(record)}"
            + (f" ({interval_text(record)})" if interval_text(record) else "")
            + f", n={record['n']}"
            + (" — small sample" if record.get("small_sample") else ""),
        )
        points.append(point)
        runs[-1].append(point)
    lines, bands = [], []
    for run in runs:
        if len(run) > 1:
            lines.append(" ".join(f"{p.x},{p.y}" for p in run))
        banded = [p for p in run if p.low is not None and p.high is not None]
        if len(banded) > 1 and len(banded) == len(run):
            top = [f"{p.x},{p.high}" for p in run]
            bottom = [f"{p.x},{p.low}" for p in reversed(run)]
            bands.append(" ".join(top + bottom))
    return TrendChart(
        key=metric.replace(".", "-"),
        title=f"{LABELS[metric]} per {report.filters.period}",
        y_label=label,
        frame=frame,
        x_ticks=x_ticks,
        y_ticks=_y_ticks(low, high, frame),
        bands=bands,
        lines=lines,
        points=points,
        zero_y=_position(0.0, low, high, frame.bottom, frame.top) if low < 0 else None,
        description="; ".join(p.title for p in points),
    )


def forest_chart(report: ServiceReport, metric: str) -> ForestChart | None:
    groups = report.groups("agent")
    if not groups:
        return None
    shown = {g: m[metric] for g, m in groups.items() if m.get(metric, {}).get("value") is not None}
    if not shown:
        return None
    low, high, label = SCALES[metric]
    row_height = 24
    frame = Frame(
        width=540,
        height=int(14 + row_height * len(shown) + 44),
        left=150,
        top=14,
        right=430,
        bottom=14 + row_height * len(shown),
    )
    rows = []
    for index, (group, record) in enumerate(shown.items()):
        lo, hi = record.get("ci_low"), record.get("ci_high")
        ci = interval_text(record)
        rows.append(
            ForestRow(
                label=group if len(group) <= 22 else group[:21] + "…",
                full_label=group,
                y=round(frame.top + row_height * (index + 0.5), 1),
                x=_position(float(record["value"]), low, high, frame.left, frame.right),
                low=None
                if lo is None
                else _position(float(lo), low, high, frame.left, frame.right),
                high=None
                if hi is None
                else _position(float(hi), low, high, frame.left, frame.right),
                text=f"{value_text(record)} (n={record['n']})",
                small=bool(record.get("small_sample")),
                title=f"{group}: {value_text(record)}"
                + (f", {report.confidence:.0%} CI {ci}" if ci else "")
                + f", n={record['n']}"
                + (" — small sample" if record.get("small_sample") else ""),
            )
        )
    step = 50.0 if high - low > 100 else 25.0
    ticks = []
    value = low
    while value <= high + 1e-9:
        text = _minus(f"{value:+.0f}") if low < 0 and value else f"{value:.0f}"
        ticks.append(Tick(_position(value, low, high, frame.left, frame.right), text))
        value += step
    return ForestChart(
        key=metric.replace(".", "-"),
        title=f"{LABELS[metric]} by agent",
        x_label=label,
        frame=frame,
        x_ticks=ticks,
        rows=rows,
        zero_x=_position(0.0, low, high, frame.left, frame.right) if low < 0 else None,
        description="; ".join(r.title for r in rows),
        missing=[g for g in groups if g not in shown],
    )


# ---------------------------------------------------------------------------------------------
# HTML.


@dataclass(frozen=True)
class MetricRow:
    key: str
    label: str
    value: str
    interval: str
    n: int
    small: bool
    note: str
    definition: str
    component: bool


@dataclass(frozen=True)
class GroupTable:
    key: str
    title: str
    heading: str
    columns: list[str]
    rows: list[tuple[str, int, list[tuple[str, str, str, bool]]]]


@dataclass
class HtmlReport:
    title: str
    scope: str
    facts: list[tuple[str, str]]
    metrics: list[MetricRow]
    trends: list[TrendChart]
    histogram: Histogram | None
    forests: list[ForestChart]
    tables: list[GroupTable]
    method: list[str]
    generator: str


def _metric_rows(report: ServiceReport) -> list[MetricRow]:
    rows = []
    for name, estimate in report.overall.items():
        record = estimate.as_dict()
        rows.append(
            MetricRow(
                key=name,
                label=LABELS.get(name, name).strip(),
                value=value_text(record),
                interval=interval_text(record),
                n=estimate.n,
                small=estimate.small_sample,
                note=estimate.reason or ("small sample" if estimate.small_sample else ""),
                definition=estimate.definition,
                component=name.startswith("component."),
            )
        )
    return rows


def _group_tables(report: ServiceReport) -> list[GroupTable]:
    tables = []
    for slice_name in SLICES:
        groups = report.groups(slice_name)
        if not groups:
            continue
        heading = report.filters.period if slice_name == "period" else slice_name
        rows = []
        for group, metrics in groups.items():
            first = next(iter(metrics.values()))
            cells = []
            for name in GROUP_METRICS:
                record = metrics.get(name)
                if record is None or record.get("value") is None:
                    cells.append(("–", "", record["reason"] if record else "", False))
                    continue
                ci = interval_text(record)
                cells.append(
                    (
                        value_text(record),
                        f"{ci}, n={record['n']}" if ci else f"n={record['n']}",
                        record["definition"],
                        bool(record["small_sample"]),
                    )
                )
            rows.append((group, int(first["conversations"]), cells))
        tables.append(
            GroupTable(
                key=slice_name,
                title=f"By {heading}",
                heading=heading.capitalize(),
                columns=[LABELS[name].strip() for name in GROUP_METRICS],
                rows=rows,
            )
        )
    return tables


def html_report(report: ServiceReport) -> HtmlReport:
    dates = [c.started_at for c in report.conversations if c.started_at is not None]
    span = "not known"
    if dates:
        first, last = min(dates), max(dates)
        span = f"{first:%Y-%m-%d}" + (f" to {last:%Y-%m-%d}" if last.date() != first.date() else "")
    facts = [
        ("Conversations", str(len(report.conversations))),
        ("Analysed", str(report.analysed)),
        (
            "Survey responses",
            ", ".join(f"{n} {kind.upper()}" for kind, n in report.responses.items()),
        ),
        ("Dates", span),
        ("Agents", str(len({c.agent_id for c in report.conversations if c.agent_id}))),
    ]
    method = [
        f"Intervals are {report.confidence:.0%}: Wilson score intervals for percentages "
        f"(CSAT, CES agreement, FCR, reopen rate); a percentile bootstrap of "
        f"{report.resamples:,} resamples (seed {report.seed}) for NPS and for means.",
        f"Samples under {SMALL_SAMPLE} are marked small: read their numbers as indications.",
        f"A conversation counts as reopened when the same customer starts another conversation "
        f"within {_days(report.window)} about the same concern (shared content words or similar "
        f"meaning). FCR is measured over conversations whose window had passed by "
        f"{report.as_of:%Y-%m-%d %H:%M} UTC, the newest conversation in the database."
        if report.as_of
        else "FCR needs conversations with start times; none were found.",
        "Handle time is the span of the conversation itself (voice: first to last word; "
        "messages: first to last message); hold and after-call work are not in transcripts.",
        "First response time is measured for messaging channels only.",
        "CES is the mean of the 1–7 agreement scale; the share agreeing (5–7) is shown beside it.",
    ]
    return HtmlReport(
        title="Service report",
        scope=report.filters.describe(),
        facts=facts,
        metrics=_metric_rows(report),
        trends=[c for m in TREND_METRICS if (c := trend_chart(report, m)) is not None],
        histogram=histogram(report.scores) if report.scores else None,
        forests=[f for m in TREND_METRICS if (f := forest_chart(report, m)) is not None],
        tables=_group_tables(report),
        method=method,
        generator=f"heard {__version__}",
    )


@cache
def _env() -> Environment:
    return html_environment("heard.feedback")


def render_html(report: ServiceReport) -> str:
    """One self-contained page: headline metrics with intervals, trends with interval bands, the
    listening-score distribution, agents compared with intervals, and the tables behind them."""
    return _env().get_template("report.html.j2").render(report=html_report(report))
