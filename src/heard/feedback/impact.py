"""What listening goes with, in a team's own data: satisfaction, NPS and resolution.

For each listening behaviour (a paraphrase in the first three agent turns, a clarifying
question, no interruption, …) and each scorecard component (≥ 70), the stored conversations
are split into those with it and those without, and compared on:

- **CSAT**: the share of satisfied customers (CSAT 4 or 5 of 5), with a Newcombe (Wilson score)
  95% confidence interval for the difference of the two shares;
- **NPS**: % promoters (9–10) − % detractors (0–6), with a seeded bootstrap interval;
- **resolution**: the share not reopened, counted as ``heard report`` counts FCR (the same
  customer does not come back about the same concern within 7 days), where enough conversations
  have a customer id and a start time; otherwise the share that ended without an unaddressed
  concern.

A regression (a linear probability model fitted with numpy, HC1 robust standard errors) then
asks whether the difference in satisfaction remains once the channel and the customer's
starting emotion are allowed for. Multitasking is measured from the turn times: how many
conversations the same agent had open at once (their [first turn, last turn] intervals
overlapping), grouped 1 / 2 / 3+.

Every finding is an association in the team's own data, never a cause, and says so plainly
when the data are too few to conclude (fewer than 30 conversations in a group) or show no clear
difference (the confidence interval spans zero).

>>> with database.session() as session:
...     report = build_impact_report(session, team="billing")
>>> report.findings[0]
'Conversations with a paraphrase in the first three agent turns had CSAT 12 points higher …'
"""

from __future__ import annotations

import math
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from heard.store.models import StoredAnalysis, StoredConversation, StoredTurn, SurveyResponse

Floats = npt.NDArray[np.float64]

Z95: Final = 1.959963984540054
MIN_GROUP: Final = 30
RESAMPLES: Final = 2000
SATISFIED_FROM: Final = 4  # CSAT 4 or 5 (of 5) counts as satisfied
COMPONENT_THRESHOLD: Final = 70.0
EARLY_AGENT_TURNS: Final = 3

RESOLUTION_REOPENED: Final = "not reopened within 7 days"
RESOLUTION_CONCERNS: Final = "ended without unaddressed concerns"

OUTCOMES: Final = ("csat", "nps", "resolution")
# How an outcome reads after "had …" and after "no clear difference in …".
_OUTCOME_HAD: Final = {"csat": "CSAT", "nps": "NPS", "resolution": "a resolution rate"}
_OUTCOME_IN: Final = {"csat": "CSAT", "nps": "NPS", "resolution": "the resolution rate"}

COMPONENT_LABELS: Final = {
    "attention": "an attention",
    "no_interruption": "a no-interruption",
    "clarification": "a clarification",
    "paraphrase": "a paraphrase",
    "empathy": "an empathy",
    "solution": "a solution",
    "follow_up": "a follow-up",
}
CAVEAT: Final = (
    "These are associations in your own conversations, not proof that one causes the other: "
    "customers, problems and agents differ in ways the data cannot see."
)

Detector = Callable[[Mapping[str, Any], Mapping[str, float | None]], bool | None]


# ---------------------------------------------------------------------------------------------
# Behaviours: what is read from each stored analysis.


@dataclass(frozen=True)
class Behaviour:
    key: str
    phrase: str  # reads after "conversations with"
    kind: str  # behaviour | component
    detect: Detector


def _agent_turns(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    turns = record.get("turns")
    if not isinstance(turns, list):
        return []
    return [t for t in turns if isinstance(t, Mapping) and t.get("role") == "agent"]


def _labels(turn: Mapping[str, Any]) -> set[str]:
    labels = turn.get("labels")
    return (
        {label for label in labels if isinstance(label, str)} if isinstance(labels, list) else set()
    )


def _labelled(label: str, *, first: int | None = None, absent: bool = False) -> Detector:
    def detect(record: Mapping[str, Any], _components: Mapping[str, float | None]) -> bool | None:
        turns = _agent_turns(record)
        if not turns:
            return None
        found = any(label in _labels(turn) for turn in turns[:first])
        return not found if absent else found

    return detect


def _no_interruption(
    record: Mapping[str, Any], components: Mapping[str, float | None]
) -> bool | None:
    turns = _agent_turns(record)
    if not turns:
        return None
    if any("interruption" in _labels(turn) for turn in turns):
        return False
    # Without timestamps an interruption cannot be seen: unknown, not "none".
    return None if components.get("no_interruption") is None else True


def _component_at_least(name: str) -> Detector:
    def detect(_record: Mapping[str, Any], components: Mapping[str, float | None]) -> bool | None:
        score = components.get(name)
        return None if score is None else score >= COMPONENT_THRESHOLD

    return detect


BEHAVIOURS: Final[tuple[Behaviour, ...]] = (
    Behaviour(
        "paraphrase_early",
        f"a paraphrase in the first {('one', 'two', 'three')[EARLY_AGENT_TURNS - 1]} agent turns",
        "behaviour",
        _labelled("paraphrase", first=EARLY_AGENT_TURNS),
    ),
    Behaviour(
        "clarifying_question",
        "a clarifying question",
        "behaviour",
        _labelled("clarifying_question"),
    ),
    Behaviour("empathy_statement", "an empathy statement", "behaviour", _labelled("empathy")),
    Behaviour("no_interruption", "no interruption", "behaviour", _no_interruption),
    Behaviour("follow_up", "a follow-up commitment", "behaviour", _labelled("follow_up")),
    Behaviour(
        "no_dismissive", "no dismissive language", "behaviour", _labelled("dismissive", absent=True)
    ),
    *(
        Behaviour(
            f"component:{name}",
            f"{article} score of {COMPONENT_THRESHOLD:.0f} or more",
            "component",
            _component_at_least(name),
        )
        for name, article in COMPONENT_LABELS.items()
    ),
)


# ---------------------------------------------------------------------------------------------
# Loading: conversations joined to their latest analysis and their survey answers.


@dataclass
class ConversationRow:
    """One analysed conversation, reduced to what the impact analysis needs."""

    id: str
    channel: str
    agent_id: str | None = None
    start_emotion: str | None = None
    listening_score: float | None = None
    behaviours: dict[str, bool | None] = field(default_factory=dict)
    csat: int | None = None
    nps: int | None = None
    reopened: bool | None = None
    unaddressed: bool | None = None
    resolved: bool | None = None
    interval: tuple[datetime, datetime] | None = None
    concurrency: int | None = None

    @property
    def satisfied(self) -> bool | None:
        return None if self.csat is None else self.csat >= SATISFIED_FROM

    def outcome(self, name: str) -> float | None:
        if name == "csat":
            return None if self.csat is None else float(self.csat >= SATISFIED_FROM)
        if name == "nps":
            return None if self.nps is None else float(self.nps)
        if name == "resolution":
            return None if self.resolved is None else float(self.resolved)
        raise ValueError(f"unknown outcome {name!r}")


def in_scope(
    team: str | None, since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    """Conditions on conversations: the team's, started in [since, until)."""
    conditions: list[ColumnElement[bool]] = []
    if team is not None:
        conditions.append(StoredConversation.team_id == team)
    if since is not None:
        conditions.append(StoredConversation.started_at >= since)
    if until is not None:
        conditions.append(StoredConversation.started_at < until)
    return conditions


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything heard stores is UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _component_scores(components: Mapping[str, Any] | None) -> dict[str, float | None]:
    scores: dict[str, float | None] = {}
    for name, value in (components or {}).items():
        if isinstance(value, Mapping):  # a full record's {"score": …, "reason": …}
            value = value.get("score")
        scores[name] = float(value) if isinstance(value, int | float) else None
    return scores


def _unaddressed(record: Mapping[str, Any]) -> bool | None:
    signals = record.get("signals")
    if not isinstance(signals, Mapping):
        return None
    return bool(signals.get("unaddressed_concerns"))


def _start_emotion(record: Mapping[str, Any]) -> str | None:
    """The customer's first emotion, from the record when the analysis row lacks it."""
    signals = record.get("signals")
    trajectory = signals.get("emotion_trajectory") if isinstance(signals, Mapping) else None
    start = trajectory.get("start") if isinstance(trajectory, Mapping) else None
    emotion = start.get("emotion") if isinstance(start, Mapping) else None
    return emotion if isinstance(emotion, str) else None


def _concern_texts(record: Mapping[str, Any]) -> tuple[str, ...]:
    signals = record.get("signals")
    concerns = signals.get("concerns") if isinstance(signals, Mapping) else None
    if not isinstance(concerns, list):
        return ()
    return tuple(
        c["text"] for c in concerns if isinstance(c, Mapping) and isinstance(c.get("text"), str)
    )


def load_rows(
    session: Session,
    *,
    team: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_group: int = MIN_GROUP,
) -> tuple[list[ConversationRow], str]:
    """The analysed conversations in scope (started in [since, until)), with their latest
    analysis, latest CSAT and NPS answers, resolution and multitasking; and the resolution
    measure used (:data:`RESOLUTION_REOPENED` or :data:`RESOLUTION_CONCERNS`).

    Resolution is "not reopened" as ``heard report`` counts it (FCR: the same customer does not
    start another conversation about the same concern within the reopen window) when at least
    ``2 × min_group`` conversations had the chance to be reopened; otherwise "ended without
    unaddressed concerns". Reopening is looked for up to a window past ``until``.
    """
    from heard.feedback.metrics import REOPEN_WINDOW, ConversationFacts, find_reopens

    extended = until + REOPEN_WINDOW if until is not None else None
    # Columns, not ORM objects, streamed: records can be large, and none is kept.
    query = (
        select(
            StoredConversation.id,
            StoredConversation.channel,
            StoredConversation.agent_id,
            StoredConversation.started_at,
            StoredAnalysis.listening_score,
            StoredAnalysis.components,
            StoredAnalysis.start_emotion,
            StoredAnalysis.record,
        )
        .join(
            StoredAnalysis,
            (StoredAnalysis.conversation_id == StoredConversation.id)
            & (StoredAnalysis.content_hash == StoredConversation.content_hash),
        )
        .order_by(StoredConversation.id, StoredAnalysis.created_at.desc(), StoredAnalysis.id.desc())
        .where(*in_scope(team, since, extended))
        .execution_options(yield_per=500)
    )
    rows: dict[str, ConversationRow] = {}
    concerns: dict[str, tuple[str, ...]] = {}
    for (
        conversation_id,
        channel,
        agent_id,
        started_at,
        listening_score,
        components,
        start_emotion,
        record,
    ) in session.execute(query):
        if conversation_id in concerns:
            continue  # an older analysis
        record = record if isinstance(record, Mapping) else {}
        concerns[conversation_id] = _concern_texts(record)
        started = _aware(started_at)
        if until is not None and (started is None or started >= until):
            continue  # after the period: only there to see reopening
        scores = _component_scores(components)
        rows[conversation_id] = ConversationRow(
            id=conversation_id,
            channel=channel,
            agent_id=agent_id,
            start_emotion=start_emotion or _start_emotion(record),
            listening_score=listening_score,
            behaviours={b.key: b.detect(record, scores) for b in BEHAVIOURS},
            unaddressed=_unaddressed(record),
        )

    answers = (
        select(SurveyResponse.conversation_id, SurveyResponse.kind, SurveyResponse.score)
        .join(StoredConversation, StoredConversation.id == SurveyResponse.conversation_id)
        .where(SurveyResponse.kind.in_(("csat", "nps")), *in_scope(team, since, until))
        .order_by(SurveyResponse.submitted_at, SurveyResponse.id)
    )
    for conversation_id, kind, score in session.execute(answers):
        row = rows.get(conversation_id)
        if row is None:
            continue
        if kind == "csat" and 1 <= score <= 5:
            row.csat = score  # ordered by time: the latest answer wins
        elif kind == "nps" and 0 <= score <= 10:
            row.nps = score

    contacts = session.execute(
        select(
            StoredConversation.id,
            StoredConversation.channel,
            StoredConversation.customer_id,
            StoredConversation.started_at,
        ).where(
            StoredConversation.customer_id.is_not(None),
            StoredConversation.started_at.is_not(None),
            *in_scope(team, since, extended),
        )
    )
    facts = [
        ConversationFacts(
            id=conversation_id,
            channel=channel,
            customer_id=customer,
            started_at=_aware(started),
            concerns=concerns.get(conversation_id, ()),
        )
        for conversation_id, channel, customer, started in contacts
    ]
    latest = session.scalar(
        select(func.max(StoredConversation.started_at)).where(*in_scope(team, None, None))
    )
    reopens = find_reopens(facts, as_of=_aware(latest)) if facts else {}
    for conversation_id, reopen in reopens.items():
        if conversation_id in rows and reopen.eligible:
            rows[conversation_id].reopened = reopen.by is not None
    eligible = sum(1 for row in rows.values() if row.reopened is not None)
    measure = RESOLUTION_REOPENED if eligible >= 2 * min_group else RESOLUTION_CONCERNS
    for row in rows.values():
        if measure == RESOLUTION_REOPENED:
            row.resolved = None if row.reopened is None else not row.reopened
        else:
            row.resolved = None if row.unaddressed is None else not row.unaddressed

    intervals = load_intervals(session, team=team, since=since, until=until)
    for conversation_id, level in concurrency(intervals).items():
        if conversation_id in rows:
            rows[conversation_id].concurrency = level
    for conversation_id, (_agent, start, end) in intervals.items():
        if conversation_id in rows:
            rows[conversation_id].interval = (start, end)
    return list(rows.values()), measure


def load_intervals(
    session: Session,
    *,
    team: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, tuple[str, datetime, datetime]]:
    """Each conversation's agent and [first turn, last turn] interval, where the turns are timed:
    message times (chat, e-mail), or call offsets from the conversation's start (voice).
    Every conversation in scope counts, analysed or not: it kept the agent busy all the same."""
    query = (
        select(
            StoredConversation.id,
            StoredConversation.agent_id,
            StoredConversation.started_at,
            func.min(StoredTurn.time),
            func.max(StoredTurn.time),
            func.min(StoredTurn.start),
            func.max(func.coalesce(StoredTurn.end, StoredTurn.start)),
        )
        .join(StoredTurn, StoredTurn.conversation_id == StoredConversation.id)
        .where(StoredConversation.agent_id.is_not(None), *in_scope(team, since, until))
        .group_by(StoredConversation.id, StoredConversation.agent_id, StoredConversation.started_at)
    )
    intervals: dict[str, tuple[str, datetime, datetime]] = {}
    for conversation_id, agent, started, first, last, offset, last_offset in session.execute(query):
        start, end = _aware(first), _aware(last)
        if agent is None:
            continue
        if start is None or end is None:
            started = _aware(started)
            if started is None or offset is None or last_offset is None:
                continue
            start = started + timedelta(seconds=float(offset))
            end = started + timedelta(seconds=float(last_offset))
        if end < start:
            start, end = end, start
        intervals[conversation_id] = (agent, start, end)
    return intervals


def concurrency(intervals: Mapping[str, tuple[str, datetime, datetime]]) -> dict[str, int]:
    """For each conversation, the most conversations its agent had open at one moment during it
    (itself included): 1 when it had the agent to itself.

    Intervals overlap when one starts before the other ends (touching ends do not overlap).
    The peak, not the count of overlapping conversations: an agent who finished one chat and
    then began another while this one went on handled two at a time, never three.
    """
    by_agent: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for conversation_id, (agent, start, end) in intervals.items():
        by_agent[agent].append((start, end, conversation_id))
    result: dict[str, int] = {}
    for items in by_agent.values():
        items.sort()
        active: list[tuple[datetime, datetime, str]] = []
        for index, (start, end, conversation_id) in enumerate(items):
            active = [item for item in active if item[1] > start]
            overlapping = list(active)
            for later in items[index + 1 :]:
                if later[0] >= end:
                    break
                overlapping.append(later)
            peak = 1
            for other in overlapping:
                moment = max(start, other[0])
                covering = sum(
                    1
                    for item in overlapping
                    if item[0] <= moment and (moment < item[1] or item[0] == item[1] == moment)
                )
                peak = max(peak, 1 + covering)
            result[conversation_id] = peak
            active.append((start, end, conversation_id))
    return result


# ---------------------------------------------------------------------------------------------
# Statistics, with numpy alone.


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (0–1)."""
    if n <= 0:
        return (0.0, 1.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def newcombe(s1: int, n1: int, s0: int, n0: int) -> tuple[float, float, float]:
    """Difference p1 − p0 of two independent proportions with Newcombe's hybrid score 95% CI
    (method 10, built from the two Wilson intervals)."""
    p1, p0 = s1 / n1, s0 / n0
    l1, u1 = wilson(s1, n1)
    l0, u0 = wilson(s0, n0)
    difference = p1 - p0
    low = difference - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return difference, low, high


def mean_ci(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean with a normal-approximation 95% CI (the mean itself when there is one value)."""
    array = np.asarray(values, dtype=np.float64)
    mean = float(array.mean())
    if array.size < 2:
        return mean, mean, mean
    half = Z95 * float(array.std(ddof=1)) / math.sqrt(array.size)
    return mean, mean - half, mean + half


def welch_difference(a: Sequence[float], b: Sequence[float]) -> tuple[float, float, float]:
    """mean(a) − mean(b) with a normal-approximation (Welch) 95% CI."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    difference = float(x.mean() - y.mean())
    variance = (float(x.var(ddof=1)) / x.size if x.size > 1 else 0.0) + (
        float(y.var(ddof=1)) / y.size if y.size > 1 else 0.0
    )
    half = Z95 * math.sqrt(variance)
    return difference, difference - half, difference + half


def nps(scores: Sequence[float]) -> float:
    """Net Promoter Score: % promoters (9–10) − % detractors (0–6), −100…100."""
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return 100.0 * (promoters - detractors) / len(scores)


def bootstrap_nps_difference(
    a: Sequence[float], b: Sequence[float], *, seed: int | Sequence[int], resamples: int = RESAMPLES
) -> tuple[float, float, float]:
    """NPS(a) − NPS(b) with a percentile bootstrap 95% CI, resampling each group.

    NPS depends only on how many promoters, passives and detractors a sample holds, so
    resampling n answers with replacement is exactly a multinomial draw of those three counts:
    the same bootstrap, without an n-by-resamples index array.
    """
    rng = np.random.default_rng(list(seed) if isinstance(seed, Sequence) else seed)

    def draws(scores: Sequence[float]) -> Floats:
        n = len(scores)
        promoters = sum(1 for s in scores if s >= 9)
        detractors = sum(1 for s in scores if s <= 6)
        shares = [promoters / n, (n - promoters - detractors) / n, detractors / n]
        counts = rng.multinomial(n, shares, size=resamples)
        result: Floats = 100.0 * (counts[:, 0] - counts[:, 2]) / n
        return result

    differences = draws(a) - draws(b)
    low, high = np.percentile(differences, [2.5, 97.5])
    return nps(a) - nps(b), float(low), float(high)


def robust_ols(x: Floats, y: Floats) -> tuple[Floats, Floats]:
    """Ordinary least squares with HC1 (heteroskedasticity-robust) standard errors:
    coefficients and their standard errors. ``x`` must have full column rank and n > k."""
    n, k = x.shape
    bread = np.linalg.inv(x.T @ x)
    beta: Floats = bread @ (x.T @ y)
    residuals = y - x @ beta
    meat = (x * (residuals**2)[:, None]).T @ x
    covariance = bread @ meat @ bread * (n / (n - k))
    se: Floats = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    return beta, se


def normal_p(z: float) -> float:
    """Two-sided p-value of a z statistic."""
    return math.erfc(abs(z) / math.sqrt(2.0))


# ---------------------------------------------------------------------------------------------
# The report's parts.


@dataclass(frozen=True)
class Comparison:
    """One outcome with vs without a behaviour: values, difference in points and its 95% CI."""

    outcome: str  # csat | nps | resolution
    n_with: int
    n_without: int
    value_with: float | None  # % satisfied, NPS, or % resolved
    value_without: float | None
    difference: float | None  # points
    low: float | None
    high: float | None
    method: str  # newcombe | bootstrap
    verdict: str  # higher | lower | no_clear_difference | too_few


@dataclass(frozen=True)
class AdjustedEffect:
    """The behaviour's coefficient in outcome ~ behaviour + channel + starting emotion (a linear
    probability model, HC1 standard errors), in points."""

    outcome: str
    n: int
    n_with: int
    n_without: int
    coefficient: float | None
    low: float | None
    high: float | None
    p_value: float | None
    controls: list[str]
    verdict: str  # higher | lower | no_clear_difference | too_few | not_estimable


@dataclass(frozen=True)
class BehaviourImpact:
    key: str
    behaviour: str
    kind: str  # behaviour | component
    n_with: int
    n_without: int
    comparisons: list[Comparison]
    adjusted: list[AdjustedEffect]
    findings: list[str]

    def comparison(self, outcome: str) -> Comparison:
        return next(c for c in self.comparisons if c.outcome == outcome)

    def adjusted_effect(self, outcome: str) -> AdjustedEffect | None:
        return next((a for a in self.adjusted if a.outcome == outcome), None)


@dataclass(frozen=True)
class MultitaskGroup:
    group: str  # 1 | 2 | 3+
    conversations: int
    listening_n: int
    listening_mean: float | None
    listening_low: float | None
    listening_high: float | None
    csat_n: int
    satisfied_percent: float | None
    satisfied_low: float | None
    satisfied_high: float | None


@dataclass(frozen=True)
class GroupDifference:
    """A multitasking group against conversations handled one at a time."""

    group: str
    outcome: str  # listening_score | csat
    n_group: int
    n_reference: int
    difference: float | None
    low: float | None
    high: float | None
    verdict: str


@dataclass(frozen=True)
class Multitasking:
    measured: int  # conversations whose interval (timed turns and an agent) is known
    unmeasured: int
    groups: list[MultitaskGroup]
    differences: list[GroupDifference]
    findings: list[str]


@dataclass(frozen=True)
class ImpactReport:
    team: str | None
    since: str | None
    until: str | None
    conversations: int
    with_csat: int
    with_nps: int
    with_resolution: int
    resolution_measure: str
    satisfied: str
    min_group: int
    behaviours: list[BehaviourImpact]
    multitasking: Multitasking
    findings: list[str]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def behaviour(self, key: str) -> BehaviourImpact:
        return next(b for b in self.behaviours if b.key == key)


# ---------------------------------------------------------------------------------------------
# Wording.


def _points(value: float, decimals: int) -> str:
    return f"{abs(value):,.{decimals}f}"


def _decimals(*values: float) -> int:
    return 0 if min(abs(v) for v in values) >= 1 else 1


def _n(value: int) -> str:
    return f"{value:,}"


def _signed(value: float, decimals: int) -> str:
    text = f"{value:+,.{decimals}f}"
    return text.replace("-", "−")


def _clear_range(difference: float, low: float, high: float) -> tuple[str, int]:
    """The CI as magnitudes on the estimate's side ("7–17" for 12 higher or 12 lower)."""
    decimals = _decimals(difference, low, high)
    a, b = sorted((abs(low), abs(high)))
    return f"{_points(a, decimals)}–{_points(b, decimals)}", decimals


def _signed_range(low: float, high: float, decimals: int) -> str:
    return f"{_signed(low, decimals)} to {_signed(high, decimals)}"


def verdict_of(low: float, high: float) -> str:
    if low <= 0 <= high:
        return "no_clear_difference"
    return "higher" if low > 0 else "lower"


def _outcome_had(outcome: str, measure: str) -> str:
    text = _OUTCOME_HAD[outcome]
    return f"{text} ({measure})" if outcome == "resolution" else text


def _outcome_in(outcome: str, measure: str) -> str:
    text = _OUTCOME_IN[outcome]
    return f"{text} ({measure})" if outcome == "resolution" else text


def describe_comparison(comparison: Comparison, phrase: str, measure: str, min_group: int) -> str:
    total = comparison.n_with + comparison.n_without
    if comparison.verdict == "too_few" or comparison.difference is None:
        return (
            "Too few conversations to conclude anything about"
            f" {_outcome_in(comparison.outcome, measure)} with {phrase}:"
            f" {_n(comparison.n_with)} with it and {_n(comparison.n_without)}"
            f" without (at least {min_group} in each group are needed)."
        )
    assert comparison.low is not None and comparison.high is not None
    if comparison.verdict == "no_clear_difference":
        decimals = 1
        return (
            f"No clear difference in {_outcome_in(comparison.outcome, measure)} between"
            f" conversations with and without {phrase}"
            f" ({_signed(comparison.difference, decimals)} points,"
            f" 95% CI {_signed_range(comparison.low, comparison.high, decimals)}, n={_n(total)})."
        )
    span, decimals = _clear_range(comparison.difference, comparison.low, comparison.high)
    return (
        f"Conversations with {phrase} had {_outcome_had(comparison.outcome, measure)}"
        f" {_points(comparison.difference, decimals)} points {comparison.verdict}"
        f" (95% CI {span}, n={_n(total)})."
    )


def _controls_text(controls: Sequence[str]) -> str:
    names = {"channel": "the channel", "starting emotion": "the customer's starting emotion"}
    return " and ".join(names.get(c, c) for c in controls)


def describe_adjusted(effect: AdjustedEffect, phrase: str, measure: str) -> str | None:
    """The adjusted effect in a sentence that follows the plain difference's (None when there
    is nothing to add: too few conversations, or nothing to allow for)."""
    if effect.verdict == "too_few" or not effect.controls:
        return None
    controls = _controls_text(effect.controls)
    outcome = _OUTCOME_IN[effect.outcome]
    if effect.verdict == "not_estimable" or effect.coefficient is None:
        return (
            f"How {outcome} differs with {phrase} cannot be told apart from {controls}: the"
            " conversations with it and without it differ entirely in one of them."
        )
    assert effect.low is not None and effect.high is not None and effect.p_value is not None
    p = "p<0.001" if effect.p_value < 0.001 else f"p={effect.p_value:.2g}"
    if effect.verdict == "no_clear_difference":
        return (
            f"Allowing for {controls}, there was no clear difference in {outcome}"
            f" ({_signed(effect.coefficient, 1)} points,"
            f" 95% CI {_signed_range(effect.low, effect.high, 1)}, {p})."
        )
    span, decimals = _clear_range(effect.coefficient, effect.low, effect.high)
    return (
        f"Allowing for {controls}, {outcome} was"
        f" {_points(effect.coefficient, decimals)} points {effect.verdict} (95% CI {span}, {p})."
    )


# ---------------------------------------------------------------------------------------------
# The analysis.


def _seed(base: int, *parts: str) -> list[int]:
    return [base, *(zlib.crc32(part.encode("utf-8")) for part in parts)]


def compare(
    rows: Sequence[ConversationRow],
    key: str,
    outcome: str,
    *,
    min_group: int = MIN_GROUP,
    seed: int = 0,
    resamples: int = RESAMPLES,
) -> Comparison:
    """One outcome, with vs without behaviour ``key``."""
    present: list[float] = []
    absent: list[float] = []
    for row in rows:
        has = row.behaviours.get(key)
        value = row.outcome(outcome)
        if has is None or value is None:
            continue
        (present if has else absent).append(value)
    method = "bootstrap" if outcome == "nps" else "newcombe"

    def value_of(values: list[float]) -> float | None:
        if not values:
            return None
        return nps(values) if outcome == "nps" else 100.0 * sum(values) / len(values)

    with_value, without_value = value_of(present), value_of(absent)
    if not present or not absent:
        return Comparison(
            outcome,
            len(present),
            len(absent),
            with_value,
            without_value,
            None,
            None,
            None,
            method,
            "too_few",
        )
    if outcome == "nps":
        difference, low, high = bootstrap_nps_difference(
            present, absent, seed=_seed(seed, key, outcome), resamples=resamples
        )
    else:
        d, lo, hi = newcombe(int(sum(present)), len(present), int(sum(absent)), len(absent))
        difference, low, high = 100 * d, 100 * lo, 100 * hi
    few = len(present) < min_group or len(absent) < min_group
    return Comparison(
        outcome=outcome,
        n_with=len(present),
        n_without=len(absent),
        value_with=with_value,
        value_without=without_value,
        difference=difference,
        low=low,
        high=high,
        method=method,
        verdict="too_few" if few else verdict_of(low, high),
    )


def adjusted(
    rows: Sequence[ConversationRow], key: str, outcome: str, *, min_group: int = MIN_GROUP
) -> AdjustedEffect:
    """outcome (0/1) ~ behaviour + channel dummies + starting-emotion dummies, by OLS with HC1
    standard errors; the behaviour's coefficient in points with a 95% CI and p-value."""
    usable = [
        (row, has, value)
        for row in rows
        if (has := row.behaviours.get(key)) is not None
        and (value := row.outcome(outcome)) is not None
    ]
    n_with = sum(1 for _, has, _ in usable if has)
    n_without = len(usable) - n_with
    controls_used: list[str] = []
    columns: list[Floats] = [
        np.ones(len(usable)),
        np.array([float(has) for _, has, _ in usable]),
    ]
    for label, values in (
        ("channel", [row.channel for row, _, _ in usable]),
        ("starting emotion", [row.start_emotion or "unknown" for row, _, _ in usable]),
    ):
        levels = Counter(values)
        if len(levels) < 2:
            continue
        reference = min(levels, key=lambda level: (-levels[level], level))
        for level in sorted(levels):
            if level != reference:
                columns.append(np.array([float(v == level) for v in values]))
        controls_used.append(label)

    def result(verdict: str, *numbers: float | None) -> AdjustedEffect:
        coefficient, low, high, p = numbers if numbers else (None, None, None, None)
        return AdjustedEffect(
            outcome,
            len(usable),
            n_with,
            n_without,
            coefficient,
            low,
            high,
            p,
            controls_used,
            verdict,
        )

    if n_with == 0 or n_without == 0:
        return result("too_few")
    x = np.column_stack(columns)
    # A control level that adds nothing beyond the other controls is dropped; one that, with
    # them, spells out the behaviour itself (all its conversations on one channel, say) leaves
    # nothing to estimate from.
    controls: list[int] = []
    for j in range(2, x.shape[1]):
        if np.linalg.matrix_rank(x[:, [0, *controls, j]]) < len(controls) + 2:
            continue  # redundant among the controls
        if np.linalg.matrix_rank(x[:, [0, 1, *controls, j]]) < len(controls) + 3:
            return result("not_estimable")
        controls.append(j)
    x = x[:, [0, 1, *controls]]
    if len(usable) <= x.shape[1]:
        return result("too_few")
    y = np.array([value for _, _, value in usable], dtype=np.float64)
    beta, se = robust_ols(x, y)
    coefficient, error = 100 * float(beta[1]), 100 * float(se[1])
    if not math.isfinite(error):
        return result("not_estimable")
    low, high = coefficient - Z95 * error, coefficient + Z95 * error
    p = normal_p(coefficient / error) if error > 0 else 0.0
    few = n_with < min_group or n_without < min_group
    return result("too_few" if few else verdict_of(low, high), coefficient, low, high, p)


_GROUP_TEXT: Final = {
    "2": "two conversations at once",
    "3+": "three or more conversations at once",
}


def multitasking(rows: Sequence[ConversationRow], *, min_group: int = MIN_GROUP) -> Multitasking:
    """Listening score and satisfaction by how many conversations the agent had open at once."""
    grouped: dict[str, list[ConversationRow]] = {"1": [], "2": [], "3+": []}
    for row in rows:
        if row.concurrency is not None:
            grouped["1" if row.concurrency <= 1 else "2" if row.concurrency == 2 else "3+"].append(
                row
            )
    measured = sum(len(members) for members in grouped.values())
    groups: list[MultitaskGroup] = []
    for name, members in grouped.items():
        scores = [r.listening_score for r in members if r.listening_score is not None]
        satisfied = [r.satisfied for r in members if r.satisfied is not None]
        mean = mean_ci(scores) if scores else (None, None, None)
        share = sum(satisfied)
        low_high = wilson(share, len(satisfied)) if satisfied else None
        groups.append(
            MultitaskGroup(
                group=name,
                conversations=len(members),
                listening_n=len(scores),
                listening_mean=mean[0],
                listening_low=mean[1],
                listening_high=mean[2],
                csat_n=len(satisfied),
                satisfied_percent=100 * share / len(satisfied) if satisfied else None,
                satisfied_low=100 * low_high[0] if low_high else None,
                satisfied_high=100 * low_high[1] if low_high else None,
            )
        )
    reference = grouped["1"]
    reference_scores = [r.listening_score for r in reference if r.listening_score is not None]
    reference_satisfied = [r.satisfied for r in reference if r.satisfied is not None]
    differences: list[GroupDifference] = []
    findings: list[str] = []
    if measured == 0:
        findings.append(
            "No conversation here has timed turns and an agent, so how many conversations an"
            " agent handled at once cannot be measured."
        )
    for name in ("2", "3+"):
        members = grouped[name]
        scores = [r.listening_score for r in members if r.listening_score is not None]
        satisfied = [r.satisfied for r in members if r.satisfied is not None]
        differences.append(
            _group_difference(name, "listening_score", scores, reference_scores, min_group)
        )
        differences.append(
            _group_difference(
                name,
                "csat",
                [float(s) for s in satisfied],
                [float(s) for s in reference_satisfied],
                min_group,
            )
        )
    if measured:
        findings.extend(_describe_group(d, min_group) for d in differences)
    return Multitasking(
        measured=measured,
        unmeasured=len(rows) - measured,
        groups=groups,
        differences=differences,
        findings=findings,
    )


def _group_difference(
    name: str, outcome: str, group: Sequence[float], reference: Sequence[float], min_group: int
) -> GroupDifference:
    if not group or not reference:
        return GroupDifference(
            name, outcome, len(group), len(reference), None, None, None, "too_few"
        )
    if outcome == "csat":
        d, lo, hi = newcombe(int(sum(group)), len(group), int(sum(reference)), len(reference))
        difference, low, high = 100 * d, 100 * lo, 100 * hi
    else:
        difference, low, high = welch_difference(group, reference)
    few = len(group) < min_group or len(reference) < min_group
    verdict = "too_few" if few else verdict_of(low, high)
    return GroupDifference(
        name, outcome, len(group), len(reference), difference, low, high, verdict
    )


def _describe_group(difference: GroupDifference, min_group: int) -> str:
    what = "listening scores" if difference.outcome == "listening_score" else "CSAT"
    when = _GROUP_TEXT[difference.group]
    total = difference.n_group + difference.n_reference
    if difference.verdict == "too_few" or difference.difference is None:
        return (
            f"Too few conversations to conclude how {what} differ when the agent was handling"
            f" {when}: {_n(difference.n_group)} such conversations and"
            f" {_n(difference.n_reference)} handled one at a time"
            f" (at least {min_group} in each group are needed)."
        )
    assert difference.low is not None and difference.high is not None
    unit = "points"
    if difference.verdict == "no_clear_difference":
        return (
            f"No clear difference in {what} when the agent was handling {when} compared with one"
            f" at a time ({_signed(difference.difference, 1)} {unit},"
            f" 95% CI {_signed_range(difference.low, difference.high, 1)}, n={_n(total)})."
        )
    span, decimals = _clear_range(difference.difference, difference.low, difference.high)
    verb = "were" if difference.outcome == "listening_score" else "was"
    return (
        f"When the agent was handling {when}, {what} {verb}"
        f" {_points(difference.difference, decimals)} {unit} {difference.verdict} than with one"
        f" at a time (95% CI {span}, n={_n(total)})."
    )


def analyse_impact(
    rows: Sequence[ConversationRow],
    *,
    resolution_measure: str = RESOLUTION_CONCERNS,
    team: str | None = None,
    since: str | None = None,
    until: str | None = None,
    min_group: int = MIN_GROUP,
    seed: int = 0,
    resamples: int = RESAMPLES,
    behaviours: Iterable[Behaviour] = BEHAVIOURS,
) -> ImpactReport:
    """The whole report from loaded rows (see :func:`load_rows`)."""
    impacts: list[BehaviourImpact] = []
    for behaviour in behaviours:
        known = [row.behaviours.get(behaviour.key) for row in rows]
        comparisons = [
            compare(
                rows, behaviour.key, outcome, min_group=min_group, seed=seed, resamples=resamples
            )
            for outcome in OUTCOMES
        ]
        effects = [
            adjusted(rows, behaviour.key, outcome, min_group=min_group)
            for outcome in ("csat", "resolution")
        ]
        findings: list[str] = []
        for comparison in comparisons:
            findings.append(
                describe_comparison(comparison, behaviour.phrase, resolution_measure, min_group)
            )
            effect = next((e for e in effects if e.outcome == comparison.outcome), None)
            if effect is not None and comparison.verdict != "too_few":
                text = describe_adjusted(effect, behaviour.phrase, resolution_measure)
                if text:
                    findings.append(text)
        impacts.append(
            BehaviourImpact(
                key=behaviour.key,
                behaviour=behaviour.phrase,
                kind=behaviour.kind,
                n_with=sum(1 for k in known if k is True),
                n_without=sum(1 for k in known if k is False),
                comparisons=comparisons,
                adjusted=effects,
                findings=findings,
            )
        )
    tasking = multitasking(rows, min_group=min_group)
    with_csat = sum(1 for r in rows if r.csat is not None)
    report_findings = _headline(impacts, tasking, with_csat, resolution_measure, min_group)
    notes = [
        CAVEAT,
        f"Satisfied means a CSAT answer of {SATISFIED_FROM} or 5 (of 5); NPS is % promoters (9–10)"
        " minus % detractors (0–6); differences are in points.",
        f"Resolution is the share {resolution_measure}"
        + (
            ": the same customer did not start another conversation about the same concern"
            " within 7 days (as FCR in `heard report`)."
            if resolution_measure == RESOLUTION_REOPENED
            else " (too few conversations with a customer id and start time to see reopening):"
            " partly the engine's own judgement, so it leans towards the behaviours that"
            " address concerns."
        ),
        "95% confidence intervals: Newcombe (Wilson score) for differences of shares, a seeded"
        f" bootstrap ({resamples:,} resamples) for NPS; adjusted effects from a linear"
        " probability model with HC1 robust standard errors.",
        f"Fewer than {min_group} conversations in a group is too few to conclude; an interval"
        " that spans zero is no clear difference.",
    ]
    return ImpactReport(
        team=team,
        since=since,
        until=until,
        conversations=len(rows),
        with_csat=with_csat,
        with_nps=sum(1 for r in rows if r.nps is not None),
        with_resolution=sum(1 for r in rows if r.resolved is not None),
        resolution_measure=resolution_measure,
        satisfied=f"CSAT {SATISFIED_FROM} or 5 of 5",
        min_group=min_group,
        behaviours=impacts,
        multitasking=tasking,
        findings=report_findings,
        notes=notes,
    )


def _headline(
    impacts: Sequence[BehaviourImpact],
    tasking: Multitasking,
    with_csat: int,
    measure: str,
    min_group: int,
) -> list[str]:
    """The findings worth reading first: clear differences (CSAT, then NPS, then resolution;
    largest first), then the rest in a sentence."""
    findings: list[str] = []
    if with_csat < 2 * min_group:
        findings.append(
            f"Only {_n(with_csat)} conversations have a CSAT answer: too few to conclude how"
            " satisfaction differs with listening (at least"
            f" {2 * min_group} are needed, {min_group} with and {min_group} without a behaviour)."
        )
    clear: list[tuple[int, float, str]] = []
    unclear = few = 0
    for impact in impacts:
        for comparison in impact.comparisons:
            if comparison.verdict in ("higher", "lower") and comparison.difference is not None:
                text = describe_comparison(comparison, impact.behaviour, measure, min_group)
                effect = impact.adjusted_effect(comparison.outcome)
                if effect is not None:
                    extra = describe_adjusted(effect, impact.behaviour, measure)
                    if extra:
                        text = f"{text} {extra}"
                clear.append(
                    (OUTCOMES.index(comparison.outcome), -abs(comparison.difference), text)
                )
            elif comparison.verdict == "no_clear_difference":
                unclear += 1
            else:
                few += 1
    clear.sort(key=lambda item: item[:2])
    findings.extend(text for _, _, text in clear)
    if tasking.measured:
        findings.extend(
            text
            for difference, text in zip(tasking.differences, tasking.findings, strict=True)
            if difference.verdict in ("higher", "lower")
        )
    else:
        findings.extend(tasking.findings)
    if unclear or few:
        parts = []
        if unclear:
            parts.append(f"{unclear} showed no clear difference")
        if few:
            parts.append(f"{few} had too few conversations to conclude")
        findings.append(
            "Of the other behaviour–outcome pairs, " + " and ".join(parts) + " (see below)."
        )
    return findings


def build_impact_report(
    session: Session,
    *,
    team: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_group: int = MIN_GROUP,
    seed: int = 0,
    resamples: int = RESAMPLES,
) -> ImpactReport:
    """Load the team's analysed conversations started in [since, until) and analyse them."""
    rows, measure = load_rows(session, team=team, since=since, until=until, min_group=min_group)
    return analyse_impact(
        rows,
        resolution_measure=measure,
        team=team,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        min_group=min_group,
        seed=seed,
        resamples=resamples,
    )


# ---------------------------------------------------------------------------------------------
# Plain text cells and the self-contained HTML page.

VERDICT_TEXT: Final = {
    "higher": "higher",
    "lower": "lower",
    "no_clear_difference": "no clear difference",
    "too_few": "too few to conclude",
    "not_estimable": "cannot be separated",
}


def format_value(value: float | None, suffix: str = "") -> str:
    return "–" if value is None else f"{value:.0f}{suffix}"


def format_difference(
    difference: float | None, low: float | None, high: float | None, decimals: int = 1
) -> str:
    """ "+12.3 (+7.1 to +17.4)", or "–" when there is nothing to show."""
    if difference is None or low is None or high is None:
        return "–"
    return (
        f"{_signed(difference, decimals)} ({_signed(low, decimals)} to {_signed(high, decimals)})"
    )


@dataclass(frozen=True)
class ForestMark:
    x: float
    low: float
    high: float
    css: str
    title: str


@dataclass(frozen=True)
class ForestRow:
    label: str
    y: float
    raw: ForestMark | None
    adjusted: ForestMark | None


@dataclass(frozen=True)
class Forest:
    title: str
    width: int
    height: int
    left: float
    right: float
    zero: float
    axis_y: float
    ticks: list[tuple[float, str]]
    rows: list[ForestRow]


_FOREST_TITLES: Final = {
    "csat": "CSAT: difference in % satisfied, with vs without (points)",
    "nps": "NPS: difference with vs without (points)",
    "resolution": "Resolution: difference in % resolved, with vs without (points)",
}


def _mark_css(verdict: str) -> str:
    return {"higher": "up", "lower": "down", "no_clear_difference": "flat"}.get(verdict, "few")


def forest(report: ImpactReport, outcome: str) -> Forest | None:
    """A forest plot of the behaviours' differences in one outcome: the raw difference (square)
    and, for CSAT and resolution, the adjusted one (diamond), each with its 95% CI."""
    width, left, right, row_height, top = 860, 330.0, 830.0, 30.0, 12.0
    entries: list[tuple[BehaviourImpact, Comparison, AdjustedEffect | None]] = []
    for impact in report.behaviours:
        comparison = impact.comparison(outcome)
        effect = impact.adjusted_effect(outcome)
        if comparison.difference is not None or (effect and effect.coefficient is not None):
            entries.append((impact, comparison, effect))
    if not entries:
        return None
    extent = 10.0
    for _, comparison, effect in entries:
        for value in (comparison.low, comparison.high) + (
            (effect.low, effect.high) if effect else ()
        ):
            if value is not None and math.isfinite(value):
                extent = max(extent, abs(value))
    extent = min(200.0, math.ceil(extent / 10) * 10)

    def x(value: float) -> float:
        value = max(-extent, min(extent, value))
        return round(left + (value + extent) / (2 * extent) * (right - left), 1)

    rows: list[ForestRow] = []
    for index, (impact, comparison, effect) in enumerate(entries):
        y = round(top + row_height * (index + 0.5), 1)
        raw = None
        if (
            comparison.difference is not None
            and comparison.low is not None
            and comparison.high is not None
        ):
            raw = ForestMark(
                x(comparison.difference),
                x(comparison.low),
                x(comparison.high),
                _mark_css(comparison.verdict),
                f"{format_difference(comparison.difference, comparison.low, comparison.high)}"
                f" points, n={comparison.n_with:,} with and {comparison.n_without:,} without:"
                f" {VERDICT_TEXT[comparison.verdict]}",
            )
        mark = None
        if (
            effect is not None
            and effect.coefficient is not None
            and effect.low is not None
            and effect.high is not None
        ):
            mark = ForestMark(
                x(effect.coefficient),
                x(effect.low),
                x(effect.high),
                _mark_css(effect.verdict),
                f"adjusted for {', '.join(effect.controls) or 'nothing'}:"
                f" {format_difference(effect.coefficient, effect.low, effect.high)} points,"
                f" {VERDICT_TEXT[effect.verdict]}",
            )
        rows.append(ForestRow(impact.behaviour, y, raw, mark))
    axis_y = round(top + row_height * len(entries) + 4, 1)
    ticks = [(x(v), _signed(v, 0) if v else "0") for v in np.linspace(-extent, extent, 5)]
    return Forest(
        title=_FOREST_TITLES[outcome],
        width=width,
        height=int(axis_y + 30),
        left=left,
        right=right,
        zero=x(0.0),
        axis_y=axis_y,
        ticks=ticks,
        rows=rows,
    )


def render_html(report: ImpactReport) -> str:
    """One self-contained HTML page: inline CSS and SVG, every value from the data escaped."""
    from heard.report.templating import html_environment

    environment = html_environment("heard.feedback")
    environment.filters["value"] = format_value
    environment.globals["difference"] = format_difference
    environment.globals["verdict"] = lambda v: VERDICT_TEXT.get(v, v)
    template = environment.get_template("impact.html.j2")
    forests = [f for f in (forest(report, o) for o in OUTCOMES) if f is not None]
    return template.render(report=report, forests=forests, outcomes=OUTCOMES)
