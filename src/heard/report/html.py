"""A self-contained HTML report of analysed conversations.

One file, no network: inline CSS, inline SVG charts, no external scripts, fonts or images. Every
piece of text from the data (customer words above all) is escaped; the template autoescapes and
the highlighted turn text is built here from escaped pieces.

>>> html = render_report(pairs, agents, teams)   # pairs: (Conversation, Analysis) in order
"""

from __future__ import annotations

import contextlib
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import pairwise
from typing import Final

from jinja2 import Environment
from markupsafe import Markup, escape

from heard.analysis import ENGINE_VERSION, Analysis
from heard.audio.timeline import legend_html, timeline_svg
from heard.conversation import Conversation, Role, Turn
from heard.listening.labels import Emotion
from heard.listening.model import Concern, Signals, TurnAnnotation
from heard.report.templating import html_environment
from heard.scoring.aggregate import GroupScorecard
from heard.scoring.rubric import COMPONENTS
from heard.scoring.scorecard import Evidence

COMPONENT_NAMES: Final[dict[str, str]] = {
    "attention": "Attention",
    "no_interruption": "No interruption",
    "clarification": "Clarification",
    "paraphrase": "Paraphrase",
    "empathy": "Empathy",
    "solution": "Solution",
    "follow_up": "Follow-up",
    "listening_score": "Listening score (penalty)",
}
COMPONENT_SHORT: Final[dict[str, str]] = {
    "attention": "Attention",
    "no_interruption": "No inter\u00adruption",
    "clarification": "Clarifi\u00adcation",
    "paraphrase": "Para\u00adphrase",
    "empathy": "Empathy",
    "solution": "Solution",
    "follow_up": "Follow-up",
}
NEGATIVE_LABELS: Final = frozenset({"interruption", "dismissive", "assumption"})
EMOTION_COLOURS: Final[dict[str, str]] = {
    # All at least 4.5:1 against white, so white badge text and points on white both read.
    Emotion.ANGER.value: "#b91c1c",
    Emotion.FRUSTRATION.value: "#c2410c",
    Emotion.ANXIETY.value: "#7c3aed",
    Emotion.SADNESS.value: "#1d4ed8",
    Emotion.CONFUSION.value: "#a16207",
    Emotion.GRATITUDE.value: "#15803d",
    Emotion.NEUTRAL.value: "#4b5563",
}
# Highlight kinds, the first taking the colour when highlights overlap.
_KIND_ORDER: Final = ("neg", "unaddressed", "pos", "concern", "emotion")
GOOD, FAIR = 75.0, 50.0


# ---------------------------------------------------------------------------------------------
# View models: plain values the template lays out.


@dataclass(frozen=True)
class ScoreCell:
    text: str
    css: str
    title: str = ""


@dataclass(frozen=True)
class Badge:
    text: str
    css: str
    title: str = ""
    colour: str | None = None


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    label: str


@dataclass(frozen=True)
class Frame:
    """A chart's drawing area inside its SVG viewport."""

    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Histogram:
    frame: Frame
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    description: str
    unscored: int


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    colour: str
    anchor: str
    title: str


@dataclass(frozen=True)
class TrajectoryChart:
    frame: Frame
    points: list[ChartPoint]
    line: str
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    zero_y: float
    x_label: str
    description: str
    legend: list[Badge]


@dataclass(frozen=True)
class GroupRow:
    name: str
    conversations: int
    score: ScoreCell
    median: str
    components: list[ScoreCell]
    strongest: str
    weakest: str


@dataclass(frozen=True)
class ComponentRow:
    key: str
    name: str
    score: ScoreCell
    reason: str | None


@dataclass(frozen=True)
class EvidenceRow:
    component: str
    effect: str
    css: str
    turn_id: str | None
    anchor: str | None
    quote: str | None
    reason: str


@dataclass(frozen=True)
class TurnView:
    anchor: str
    id: str
    role: str
    speaker: str | None
    time_label: str | None
    time_iso: str | None
    badges: list[Badge]
    text: Markup


@dataclass(frozen=True)
class ConcernRow:
    text: str
    quote: str
    turn_id: str
    anchor: str | None
    repeat_of: str | None


@dataclass(frozen=True)
class SignalGroup:
    title: str
    items: list[tuple[str, str]]


@dataclass(frozen=True)
class ConversationView:
    anchor: str
    id: str
    agent: str | None
    team: str | None
    channel: str
    started: str | None
    started_iso: str | None
    score: ScoreCell
    components: list[ComponentRow]
    evidence: list[EvidenceRow]
    turns: list[TurnView]
    trajectory: TrajectoryChart | None
    customer_turns: int
    unaddressed: list[ConcernRow]
    interrogations: list[list[tuple[str, str | None, str]]]
    signals: list[SignalGroup]
    open: bool
    rubric_version: str
    # Calls read from their recording: who spoke when (inline SVG), else None.
    timeline: Markup | None = None


@dataclass(frozen=True)
class OverviewRow:
    anchor: str
    id: str
    agent: str
    team: str
    channel: str
    started: str
    score: ScoreCell
    components: list[ScoreCell]
    unaddressed: int


@dataclass
class Report:
    conversations: list[ConversationView]
    overview: list[OverviewRow]
    agents: list[GroupRow]
    teams: list[GroupRow]
    histogram: Histogram | None
    facts: list[tuple[str, str]]
    components: list[tuple[str, str, str]]
    emotions: list[Badge]
    engine_version: str = ENGINE_VERSION
    rubric_versions: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Formatting.


def _number(value: float, digits: int = 1) -> str:
    rounded = round(value, digits)
    text = f"{rounded:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{rounded:.0f}"
    return text.replace("-", "−")


def _score_cell(score: float | None, reason: str | None = None, whole: bool = True) -> ScoreCell:
    if score is None:
        return ScoreCell("n/a", "na", reason or "cannot apply")
    css = "good" if score >= GOOD else "fair" if score >= FAIR else "poor"
    return ScoreCell(_number(score, 0 if whole else 1), css, f"{_number(score)} of 100")


def _effect(value: float) -> tuple[str, str]:
    if value > 0:
        return f"+{_number(value)}", "pos"
    if value < 0:
        return f"−{_number(-value)}", "neg"
    return "0", "ctx"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{_number(seconds)} s"
    if seconds < 90 * 60:
        return f"{_number(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{_number(seconds / 3600)} h"
    return f"{_number(seconds / 86400)} days"


def _clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _date(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    text = moment.strftime("%Y-%m-%d %H:%M")
    offset = moment.utcoffset()
    if offset is not None:
        text += " UTC" if not offset else moment.strftime(" %z")
    return text


def _pretty(label: str) -> str:
    return COMPONENT_NAMES.get(label, label.replace("_", " "))


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


# ---------------------------------------------------------------------------------------------
# Highlighting quoted words inside a turn's text.


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    kind: str
    note: str
    tag: str | None = None


def _locate(text: str, quote: str | None, start: int | None, end: int | None) -> tuple[int, int]:
    """Where a quote sits in the text: the offsets when they agree with the quote, else the
    quote's first occurrence, else the offsets when they fit; (-1, -1) when nowhere."""
    offsets = (
        (start, end)
        if start is not None and end is not None and 0 <= start < end <= len(text)
        else None
    )
    if offsets is not None and (not quote or text[offsets[0] : offsets[1]] == quote):
        return offsets
    if quote:
        found = text.find(quote)
        if found >= 0:
            return found, found + len(quote)
    return offsets or (-1, -1)


def highlight(text: str, spans: Iterable[_Span]) -> Markup:
    """The text, escaped, with each span wrapped in <mark> (a tooltip saying why) and a small
    tag after it. Overlapping spans are cut at every boundary, so nesting stays valid."""
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    if not valid:
        return escape(text)
    cuts = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    out: list[Markup] = []
    for a, b in pairwise(cuts):
        piece = escape(text[a:b])
        covering = [s for s in valid if s.start <= a and s.end >= b]
        if covering:
            kind = min(covering, key=lambda s: _KIND_ORDER.index(s.kind)).kind
            title = "\n".join(dict.fromkeys(s.note for s in covering))
            out.append(
                Markup('<mark class="hl hl-{}" title="{}">{}</mark>').format(kind, title, piece)
            )
        else:
            out.append(piece)
        tags = list(dict.fromkeys(s.tag for s in valid if s.end == b and s.tag))
        if tags:
            out.append(Markup('<sup class="hl-tag">{}</sup>').format(" · ".join(tags)))
    return Markup("").join(out)


def _turn_spans(
    turn: Turn,
    note: TurnAnnotation | None,
    concerns: Sequence[Concern],
    unaddressed: set[str],
    evidence: Sequence[Evidence],
) -> list[_Span]:
    text = turn.text
    spans: list[_Span] = []
    if note is not None:
        for hit in note.hits:
            start, end = _locate(text, hit.quote, hit.start, hit.end)
            kind = "neg" if hit.label in NEGATIVE_LABELS else "pos"
            spans.append(_Span(start, end, kind, f"{_pretty(hit.label)}: {hit.reason}", hit.label))
        if note.emotion is not None and note.emotion_quote:
            start, end = _locate(text, note.emotion_quote, None, None)
            spans.append(
                _Span(
                    start,
                    end,
                    "emotion",
                    f"sounds {note.emotion.value} ({note.intensity or 0:.2f})",
                )
            )
    for concern in concerns:
        start, end = _locate(text, concern.quote, concern.start, concern.end)
        if concern.id in unaddressed:
            kind, tag, what = "unaddressed", "unaddressed concern", "not acknowledged or answered"
        else:
            kind, tag = "concern", "concern"
            what = (
                f"answered in {concern.answered_by}"
                if concern.answered_by
                else f"acknowledged in {concern.acknowledged_by}"
            )
        repeat = f" (repeats {concern.repeat_of})" if concern.repeat_of else ""
        spans.append(_Span(start, end, kind, f"concern “{concern.text}”{repeat}: {what}", tag))
    placed = {(s.start, s.end): s.kind for s in spans if s.kind != "emotion"}
    customer = turn.role is Role.CUSTOMER
    for item in evidence:
        if not item.quote:
            continue
        start, end = _locate(text, item.quote, None, None)
        if start < 0:
            continue
        effect, _ = _effect(item.effect)
        why = f"{_pretty(item.component)} {effect}: {item.reason}"
        if (start, end) in placed:  # the same words as a label or concern: add the reason only
            spans.append(_Span(start, end, placed[(start, end)], why))
            continue
        if customer:  # the customer's words: a feeling or concern met, or not
            kind = "unaddressed" if item.effect < 0 else "concern"
        else:
            kind = "neg" if item.effect < 0 else "pos"
        tag = f"{_pretty(item.component).lower()} {effect}"
        spans.append(_Span(start, end, kind, why, tag))
    return spans


# ---------------------------------------------------------------------------------------------
# Charts.


def _nice_step(span: float, target: int = 5) -> float:
    if span <= 0:
        return 1.0
    raw = span / target
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if m * power >= raw)


def histogram(scores: Sequence[float | None]) -> Histogram | None:
    known = [s for s in scores if s is not None]
    if not scores:
        return None
    frame = Frame(width=560, height=220, left=48, top=14, right=544, bottom=170)
    counts = [0] * 10
    for score in known:
        counts[min(int(score // 10), 9)] += 1
    top = max(max(counts, default=0), 1)
    step = max(1, math.ceil(_nice_step(top, 4)))
    y_max = step * math.ceil(top / step)
    plot_w, plot_h = frame.right - frame.left, frame.bottom - frame.top
    bar_w = plot_w / 10
    bars = []
    for index, count in enumerate(counts):
        height = plot_h * count / y_max
        low, high = index * 10, index * 10 + 10
        span = f"{low}–{high}" if index < 9 else "90–100"
        bars.append(
            Bar(
                x=round(frame.left + index * bar_w + 1.5, 1),
                y=round(frame.bottom - height, 1),
                width=round(bar_w - 3, 1),
                height=round(height, 1),
                count=count,
                label=f"{count} conversation{'s' if count != 1 else ''} scored {span}",
            )
        )
    x_ticks = [Tick(round(frame.left + plot_w * v / 100, 1), str(v)) for v in range(0, 101, 10)]
    y_ticks = [
        Tick(round(frame.bottom - plot_h * v / y_max, 1), str(v)) for v in range(0, y_max + 1, step)
    ]
    description = "; ".join(bar.label for bar in bars if bar.count) or "no scored conversations"
    return Histogram(frame, bars, x_ticks, y_ticks, description, len(scores) - len(known))


def _seconds(turn: Turn, origin: datetime | None) -> float | None:
    if turn.start is not None:
        return turn.start
    if turn.time is not None and origin is not None:
        try:
            return (turn.time - origin).total_seconds()
        except TypeError:  # naive and aware datetimes mixed
            return None
    return None


def trajectory_chart(
    conversation: Conversation, signals: Signals, anchors: dict[str, str]
) -> TrajectoryChart | None:
    points = signals.emotion_trajectory.points
    if not points:
        return None
    turns = {t.id: t for t in conversation.turns}
    origin = conversation.started_at or next(
        (t.time for t in conversation.turns if t.time is not None), None
    )
    times: list[float | None] = []
    for point in points:
        if point.time is not None:
            times.append(point.time)
        else:
            turn = turns.get(point.turn_id)
            times.append(_seconds(turn, origin) if turn is not None else None)
    known = [t for t in times if t is not None]
    timed = len(known) == len(points) and len(points) > 1 and max(known) > min(known)

    frame = Frame(width=640, height=230, left=56, top=14, right=572, bottom=176)
    plot_w, plot_h = frame.right - frame.left, frame.bottom - frame.top
    pad = 10.0  # keeps the first and last points off the axes

    def y_of(valence: float) -> float:
        return round(frame.top + plot_h * (1 - max(-1.0, min(1.0, valence))) / 2, 1)

    x_ticks: list[Tick] = []
    xs: list[float] = []
    if timed:
        values = [t for t in times if t is not None]
        end = max(values)
        unit, per = (
            ("seconds", 1.0)
            if end < 180
            else ("minutes", 60.0)
            if end < 3 * 3600
            else ("hours", 3600.0)
            if end < 3 * 86400
            else ("days", 86400.0)
        )
        start = min(0.0, min(values))
        span = (end - start) / per
        step = _nice_step(span)
        x_max = step * math.ceil(span / step)
        span_x = x_max or 1.0
        inner = plot_w - 2 * pad
        xs = [round(frame.left + pad + inner * ((v - start) / per) / span_x, 1) for v in values]
        tick = 0.0
        while tick <= x_max + 1e-9:
            x_ticks.append(Tick(round(frame.left + pad + inner * tick / span_x, 1), _number(tick)))
            tick += step
        x_label = f"Time from the start ({unit})"
    else:
        count = len(points)
        gap = plot_w / count
        xs = [round(frame.left + gap * (i + 0.5), 1) for i in range(count)]
        every = max(1, math.ceil(count / 16))
        x_ticks = [Tick(x, points[i].turn_id) for i, x in enumerate(xs) if i % every == 0]
        x_label = "Customer turns, in order"
    chart_points = []
    for point, x in zip(points, xs, strict=True):
        chart_points.append(
            ChartPoint(
                x=x,
                y=y_of(point.valence),
                colour=EMOTION_COLOURS.get(point.emotion.value, "#4b5563"),
                anchor=anchors.get(point.turn_id, ""),
                title=f"{point.turn_id}: {point.emotion.value}, intensity "
                f"{point.intensity:.2f}, valence {_number(point.valence, 2)}",
            )
        )
    y_ticks = [Tick(y_of(v), _number(v, 1) if v else "0") for v in (1.0, 0.5, 0.0, -0.5, -1.0)]
    y_ticks[0] = Tick(y_ticks[0].pos, "+1")
    y_ticks[1] = Tick(y_ticks[1].pos, "+0.5")
    emotions = list(dict.fromkeys(p.emotion.value for p in points))
    description = "Customer emotion over the conversation: " + "; ".join(
        p.title for p in chart_points
    )
    return TrajectoryChart(
        frame=frame,
        points=chart_points,
        line=" ".join(f"{p.x},{p.y}" for p in chart_points),
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        zero_y=y_of(0.0),
        x_label=x_label,
        description=description,
        legend=[_emotion_badge(e) for e in emotions],
    )


def _emotion_badge(emotion: str, intensity: float | None = None, quote: str | None = None) -> Badge:
    text = emotion if intensity is None else f"{emotion} {intensity:.2f}"
    title = f"customer sounds {emotion}"
    if intensity is not None:
        title += f", intensity {intensity:.2f} of 1"
    if quote:
        title += f": “{quote}”"
    return Badge(text, "emotion", title, EMOTION_COLOURS.get(emotion, "#4b5563"))


# ---------------------------------------------------------------------------------------------
# Per conversation.


def _turn_time(
    turn: Turn, previous: Turn | None, seconds_shown: bool
) -> tuple[str | None, str | None]:
    if turn.start is not None:
        label = _clock(turn.start)
        if turn.end is not None:
            label += f"–{_clock(turn.end)}"
        return label, None
    if turn.time is not None:
        same_day = previous is not None and previous.time is not None
        same_day = same_day and previous.time.date() == turn.time.date()  # type: ignore[union-attr]
        fmt = "%H:%M:%S" if seconds_shown else "%H:%M"
        label = turn.time.strftime(fmt if same_day else f"%Y-%m-%d {fmt}")
        return label, turn.time.isoformat()
    return None, None


def _turn_badges(note: TurnAnnotation | None) -> list[Badge]:
    if note is None:
        return []
    badges: list[Badge] = []
    if note.role is Role.CUSTOMER and note.emotion is not None:
        badges.append(_emotion_badge(note.emotion.value, note.intensity, note.emotion_quote))
    for label in note.labels:
        hit = note.hit(label)
        css = "label-neg" if label in NEGATIVE_LABELS else "label"
        title = f"{_pretty(label)}: {hit.reason}" if hit else _pretty(label)
        badges.append(Badge(label.replace("_", " "), css, title))
    if note.urgency:
        quote = f": “{note.urgency_quote}”" if note.urgency_quote else ""
        badges.append(Badge("urgent", "flag", f"the customer signals urgency{quote}"))
    if note.repeated_concern:
        badges.append(Badge("repeated", "flag", "the customer had to repeat a concern"))
    return badges


def _signal_groups(signals: Signals) -> list[SignalGroup]:
    timing = signals.timing
    t: list[tuple[str, str]] = []
    if timing.talk_to_listen_ratio is not None:
        t.append(("Agent share of talk", f"{timing.talk_to_listen_ratio:.0%}"))
    if timing.agent_talk_seconds is not None and timing.customer_talk_seconds is not None:
        t.append(
            (
                "Talk time",
                f"agent {_duration(timing.agent_talk_seconds)}, "
                f"customer {_duration(timing.customer_talk_seconds)}",
            )
        )
    if timing.longest_agent_monologue_seconds is not None:
        where = (
            f" ({timing.longest_agent_monologue_turn})"
            if timing.longest_agent_monologue_turn
            else ""
        )
        t.append(
            ("Longest agent monologue", _duration(timing.longest_agent_monologue_seconds) + where)
        )
    if timing.patience_seconds is not None:
        t.append(("Median pause before answering", _duration(timing.patience_seconds)))
    if timing.dead_air_seconds is not None:
        t.append(("Dead air", _duration(timing.dead_air_seconds)))
    if timing.interruptions is not None:
        t.append(("Interruptions", str(timing.interruptions)))
    if timing.first_response_seconds is not None:
        t.append(("First response", _duration(timing.first_response_seconds)))
    if timing.median_response_seconds is not None:
        t.append(("Median response", _duration(timing.median_response_seconds)))
    if timing.max_response_seconds is not None:
        t.append(("Slowest response", _duration(timing.max_response_seconds)))
    if not t:
        t.append(("Timing", "no timestamps"))
    groups = [SignalGroup("Timing", t)]

    readability = signals.readability
    r: list[tuple[str, str]] = []
    if readability.reading_ease is not None:
        r.append(("Reading ease (Flesch, higher is easier)", _number(readability.reading_ease)))
    if readability.grade_level is not None:
        r.append(("Grade level", _number(readability.grade_level)))
    if readability.plain_language is not None:
        r.append(("Plain language", "yes" if readability.plain_language else "no"))
    if readability.hardest_turn:
        r.append(("Hardest turn to read", readability.hardest_turn))
    if r:
        groups.append(SignalGroup("Readability of the agent's words", r))

    rapport = signals.rapport
    if rapport.style_matching is not None:
        value = f"{rapport.style_matching:.2f} (1 is perfect matching)"
        if not rapport.enough_words:
            value += "; few words, so only indicative"
        groups.append(SignalGroup("Rapport", [("Language style matching", value)]))

    language = signals.language
    if language.customer or language.agent:
        text = f"customer {language.customer or '?'}, agent {language.agent or '?'}"
        if language.mismatch:
            text += " — mismatch"
        groups.append(SignalGroup("Language", [("Languages", text)]))
    return groups


def conversation_view(
    index: int, conversation: Conversation, analysis: Analysis, open_: bool
) -> ConversationView:
    anchor = f"c{index}-{_anchor(conversation.id)}"
    anchors: dict[str, str] = {}
    for position, turn in enumerate(conversation.turns, start=1):
        candidate = f"{anchor}-{_anchor(turn.id)}"
        if candidate in anchors.values():  # two ids that differ only in punctuation
            candidate = f"{candidate}-{position}"
        anchors[turn.id] = candidate
    notes = {note.id: note for note in analysis.turns}
    signals = analysis.signals
    unaddressed_ids = {c.id for c in signals.unaddressed_concerns}
    concerns_by_turn: dict[str, list[Concern]] = {}
    seen: set[str] = set()
    for concern in [*signals.concerns, *signals.unaddressed_concerns]:
        if concern.id not in seen:
            seen.add(concern.id)
            concerns_by_turn.setdefault(concern.turn_id, []).append(concern)
    evidence = analysis.evidence
    evidence_by_turn: dict[str, list[Evidence]] = {}
    for item in evidence:
        if item.turn_id:
            evidence_by_turn.setdefault(item.turn_id, []).append(item)

    seconds_shown = any(t.time is not None and t.time.second for t in conversation.turns)
    turns: list[TurnView] = []
    previous: Turn | None = None
    for turn in conversation.turns:
        note = notes.get(turn.id)
        spans = _turn_spans(
            turn,
            note,
            concerns_by_turn.get(turn.id, []),
            unaddressed_ids,
            evidence_by_turn.get(turn.id, []),
        )
        label, iso = _turn_time(turn, previous, seconds_shown)
        turns.append(
            TurnView(
                anchor=anchors[turn.id],
                id=turn.id,
                role=turn.role.value,
                speaker=turn.speaker,
                time_label=label,
                time_iso=iso,
                badges=_turn_badges(note),
                text=highlight(turn.text, spans),
            )
        )
        previous = turn

    components = []
    for name in COMPONENTS:
        component = analysis.components.get(name)
        if component is None:
            continue
        components.append(
            ComponentRow(
                key=name,
                name=_pretty(name),
                score=_score_cell(component.score, component.reason, whole=False),
                reason=component.reason if component.score is None else None,
            )
        )
    rows = []
    order = {name: i for i, name in enumerate([*COMPONENTS, "listening_score"])}
    for item in sorted(evidence, key=lambda e: order.get(e.component, len(order))):
        effect, css = _effect(item.effect)
        rows.append(
            EvidenceRow(
                component=_pretty(item.component),
                effect=effect,
                css=css,
                turn_id=item.turn_id,
                anchor=anchors.get(item.turn_id) if item.turn_id else None,
                quote=item.quote,
                reason=item.reason,
            )
        )
    unaddressed = [
        ConcernRow(c.text, c.quote, c.turn_id, anchors.get(c.turn_id), c.repeat_of)
        for c in signals.unaddressed_concerns
    ]
    interrogations = [
        [
            (turn_id, anchors.get(turn_id), quote)
            for turn_id, quote in zip(run.turn_ids, run.quotes, strict=False)
        ]
        for run in signals.interrogations
    ]
    return ConversationView(
        anchor=anchor,
        id=conversation.id,
        agent=conversation.agent_id,
        team=conversation.team_id,
        channel=conversation.channel.value,
        started=_date(conversation.started_at),
        started_iso=conversation.started_at.isoformat() if conversation.started_at else None,
        score=_score_cell(analysis.listening_score, "no component could be scored", whole=False),
        components=components,
        evidence=rows,
        turns=turns,
        trajectory=trajectory_chart(conversation, signals, anchors),
        customer_turns=sum(t.role is Role.CUSTOMER for t in conversation.turns),
        unaddressed=unaddressed,
        interrogations=interrogations,
        signals=_signal_groups(signals),
        open=open_,
        rubric_version=analysis.rubric_version,
        timeline=call_timeline(conversation, anchors),
    )


def call_timeline(conversation: Conversation, anchors: dict[str, str]) -> Markup | None:
    """The call's timeline chart when it was read from a recording (heard.audio)."""
    svg = timeline_svg(
        conversation.metadata, title=f"Who spoke when in {conversation.id}", anchors=anchors
    )
    if svg is None:
        return None
    # Built by heard.audio.timeline with every piece of data escaped.
    return Markup(f"{svg}<figcaption>{legend_html()}</figcaption>")


# ---------------------------------------------------------------------------------------------
# The whole report.


def _group_rows(cards: Sequence[GroupScorecard], none_label: str) -> list[GroupRow]:
    rows = []
    for card in cards:
        components = []
        for name in COMPONENTS:
            summary = card.components.get(name)
            mean = summary.mean if summary else None
            cell = _score_cell(mean, "no conversation could score it")
            if summary is not None and mean is not None:
                cell = ScoreCell(cell.text, cell.css, f"mean {_number(mean)} over {summary.n}")
            components.append(cell)
        rows.append(
            GroupRow(
                name=none_label if card.group == "(none)" else card.group,
                conversations=card.conversations,
                score=_score_cell(card.listening_score, "no scored conversations"),
                median="–"
                if card.listening_score_median is None
                else _number(card.listening_score_median),
                components=components,
                strongest=_pretty(card.strongest) if card.strongest else "–",
                weakest=_pretty(card.weakest) if card.weakest else "–",
            )
        )
    return rows


def _sort_key(item: tuple[int, Conversation, Analysis]) -> tuple[bool, float, int]:
    index, _, analysis = item
    score = analysis.listening_score
    return (score is None, score if score is not None else 0.0, index)


def build_report(
    pairs: Sequence[tuple[Conversation, Analysis]],
    agents: Sequence[GroupScorecard],
    teams: Sequence[GroupScorecard],
) -> Report:
    """The report's contents, before layout (conversations lowest score first)."""
    ordered = sorted(((i, c, a) for i, (c, a) in enumerate(pairs, start=1)), key=_sort_key)
    lowest = ordered[0][0] if ordered and ordered[0][2].listening_score is not None else None
    views = [conversation_view(i, c, a, open_=i == lowest) for i, c, a in ordered]
    overview = [
        OverviewRow(
            anchor=view.anchor,
            id=view.id,
            agent=view.agent or "–",
            team=view.team or "",
            channel=view.channel,
            started=(
                conversation.started_at.strftime("%Y-%m-%d") if conversation.started_at else "–"
            ),
            score=_score_cell(analysis.listening_score, "no component could be scored"),
            components=[
                _score_cell(analysis.components[n].score, analysis.components[n].reason)
                if n in analysis.components
                else _score_cell(None)
                for n in COMPONENTS
            ],
            unaddressed=len(view.unaddressed),
        )
        for view, (_, conversation, analysis) in zip(views, ordered, strict=True)
    ]
    scores = [a.listening_score for _, a in pairs]
    known = [s for s in scores if s is not None]
    dates = [c.started_at for c, _ in pairs if c.started_at is not None]
    agent_ids = {c.agent_id for c, _ in pairs if c.agent_id}
    team_ids = {c.team_id for c, _ in pairs if c.team_id}
    channels = Counter(c.channel.value for c, _ in pairs)
    facts = [
        ("Conversations", str(len(pairs))),
        (
            "Agents",
            str(len(agent_ids))
            + ("" if all(c.agent_id for c, _ in pairs) else " (and some with no agent id)"),
        ),
        ("Teams", str(len(team_ids))),
        ("Channels", ", ".join(f"{n} {name}" for name, n in sorted(channels.items())) or "–"),
    ]
    first: datetime | None = None
    last: datetime | None = None
    with contextlib.suppress(TypeError, ValueError):  # none, or naive and aware mixed
        first, last = min(dates), max(dates)
    if first is not None and last is not None:
        span = first.strftime("%Y-%m-%d")
        if last.date() != first.date():
            span += f" to {last.strftime('%Y-%m-%d')}"
        undated = len(pairs) - len(dates)
        facts.append(("Dates", span + (f" ({undated} undated)" if undated else "")))
    else:
        facts.append(("Dates", "not known"))
    if known:
        facts.append(
            (
                "Mean listening score",
                f"{_number(statistics.fmean(known))} (median {_number(statistics.median(known))})",
            )
        )
    show_teams = any(card.group != "(none)" for card in teams)
    return Report(
        conversations=views,
        overview=overview,
        agents=_group_rows(agents, "(no agent id)"),
        teams=_group_rows(teams, "(no team id)") if show_teams else [],
        histogram=histogram(scores),
        facts=facts,
        components=[(name, COMPONENT_SHORT[name], _pretty(name)) for name in COMPONENTS],
        emotions=[_emotion_badge(e.value) for e in Emotion],
        rubric_versions=sorted({a.rubric_version for _, a in pairs}),
    )


@cache
def _env() -> Environment:
    return html_environment("heard.report")


def render_report(
    pairs: Sequence[tuple[Conversation, Analysis]],
    agents: Sequence[GroupScorecard],
    teams: Sequence[GroupScorecard],
) -> str:
    """One self-contained HTML page: summary, score distribution, then every conversation with
    its scorecard, evidence, emotion trajectory and highlighted transcript."""
    report = build_report(pairs, agents, teams)
    return _env().get_template("report.html.j2").render(report=report)
