"""Service metrics with their uncertainty: CSAT, NPS, CES, FCR, handle and response times, and
listening scores, overall and sliced by agent, team, channel and period.

Pure functions on plain values: no database, no files (the one exception is the optional sentence
encoder that :class:`ConcernMatcher` loads once to compare concern texts). The definitions follow
``reference/conversation-intelligence.md`` section 3:

* **CSAT** = responses of 4 or 5 on a 1–5 scale ÷ all responses, in %. A 3 is not satisfied.
* **NPS** = % promoters (9–10) − % detractors (0–6) on 0–10; passives (7–8) stay in the
  denominator. Range −100…+100.
* **CES** (2.0) = the *mean* agreement on a 1–7 scale; reported beside it, and named as such,
  the *% agreeing* (5–7).
* **FCR** = 1 − reopen rate, over the conversations that had the chance to be reopened. A
  conversation is reopened when the same ``customer_id`` starts another conversation within the
  window (7 days by default) about the same concern. It had its chance when its whole window lies
  before the latest conversation in the data (``as_of``): a conversation whose window is still
  open is left out rather than counted as resolved.
* **AHT** = the span of the conversation itself: first turn start to last turn end for voice,
  first to last message time for the other channels. Hold and after-call work are not in
  transcripts, so this is the talk-and-hold span only (queue time excluded, as in the standard).
* **FRT** = the first customer message to the next human agent message (not a bot). Messaging
  channels only: a call is answered by the agent, and its queue time is not in the transcript.

Every estimate carries its sample size and a 95% interval: Wilson score intervals for
proportions, a seeded percentile bootstrap (2,000 resamples) for NPS and for means. Samples under
30 are flagged ``small_sample``. An empty input gives ``value=None`` with a reason, never an error.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt

SMALL_SAMPLE: Final = 30
CONFIDENCE: Final = 0.95
RESAMPLES: Final = 2000
SEED: Final = 20240611
REOPEN_WINDOW: Final = timedelta(days=7)
SIMILARITY_THRESHOLD: Final = 0.6
MIN_SHARED_WORDS: Final = 2
# Bootstrap resamples are drawn in chunks of at most this many values, so a large slice never
# needs a (resamples × n) matrix in memory at once.
_CHUNK_VALUES: Final = 2_000_000

Period = Literal["day", "week", "month"]
Dimension = Literal["agent", "team", "channel", "period"]
PERIODS: Final[tuple[Period, ...]] = ("day", "week", "month")
DIMENSIONS: Final[tuple[Dimension, ...]] = ("agent", "team", "channel", "period")
COMPONENTS: Final = (
    "attention",
    "no_interruption",
    "clarification",
    "paraphrase",
    "empathy",
    "solution",
    "follow_up",
)
NONE_GROUP: Final[dict[str, str]] = {
    "agent": "(no agent)",
    "team": "(no team)",
    "channel": "(no channel)",
    "period": "(undated)",
}

Detail = float | int | str | None


# ---------------------------------------------------------------------------------------------
# Estimates.


@dataclass(frozen=True)
class Estimate:
    """One metric over one sample: its value, sample size and confidence interval.

    ``value`` is None (with ``reason``) when the sample is empty or nothing could be measured.
    """

    metric: str
    value: float | None
    n: int
    unit: str
    definition: str
    ci_low: float | None = None
    ci_high: float | None = None
    method: str | None = None  # "wilson" | "bootstrap"
    confidence: float = CONFIDENCE
    reason: str | None = None
    details: Mapping[str, Detail] = field(default_factory=dict)

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "value": self.value,
            "n": self.n,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "ci_method": self.method,
            "confidence": self.confidence,
            "unit": self.unit,
            "small_sample": self.small_sample,
            "reason": self.reason,
            "definition": self.definition,
            "details": dict(self.details),
        }


def _missing(metric: str, unit: str, definition: str, reason: str, **details: Detail) -> Estimate:
    return Estimate(metric, None, 0, unit, definition, reason=reason, details=details)


def _z(confidence: float) -> float:
    return statistics.NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of a proportion, as fractions 0–1.

    >>> low, high = wilson_interval(8, 10)   # 0.490, 0.943
    """
    if n <= 0:
        raise ValueError("a proportion needs at least one observation")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n, got {successes} of {n}")
    z = _z(confidence)
    p = successes / n
    z2n = z * z / n
    denominator = 1 + z2n
    centre = (p + z2n / 2) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2n / (4 * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def bootstrap_interval(
    values: Sequence[float],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> tuple[float, float]:
    """A percentile bootstrap interval of the mean: ``resamples`` resamples with replacement,
    drawn from a generator seeded with ``seed``, so the same inputs give the same interval."""
    if not values:
        raise ValueError("a bootstrap needs at least one value")
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    data: npt.NDArray[np.float64] = np.asarray(values, dtype=np.float64)
    n = len(data)
    rng = np.random.default_rng(seed)
    distinct, counts = np.unique(data, return_counts=True)
    tail = (1 - confidence) / 2
    if 4 * len(distinct) < n:
        # Few distinct values (a rating scale, NPS points, rounded scores): drawing n values with
        # replacement is drawing how many of each value, a multinomial, which costs
        # resamples × distinct values instead of resamples × n, with the same distribution.
        draws = rng.multinomial(n, counts / n, size=resamples)
        sums: npt.NDArray[np.float64] = draws @ distinct
        low, high = np.quantile(sums / n, [tail, 1 - tail])
        return float(low), float(high)
    means: npt.NDArray[np.float64] = np.empty(resamples, dtype=np.float64)
    chunk = max(1, _CHUNK_VALUES // n)
    for start in range(0, resamples, chunk):
        stop = min(resamples, start + chunk)
        picks = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = data[picks].mean(axis=1)
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def proportion(
    metric: str,
    successes: int,
    n: int,
    *,
    unit: str = "%",
    definition: str,
    empty_reason: str,
    confidence: float = CONFIDENCE,
    details: Mapping[str, Detail] | None = None,
) -> Estimate:
    """A percentage with its Wilson interval (also in %)."""
    extra = dict(details or {})
    if n == 0:
        return Estimate(metric, None, 0, unit, definition, reason=empty_reason, details=extra)
    low, high = wilson_interval(successes, n, confidence)
    return Estimate(
        metric,
        100 * successes / n,
        n,
        unit,
        definition,
        ci_low=100 * low,
        ci_high=100 * high,
        method="wilson",
        confidence=confidence,
        details=extra,
    )


def mean_estimate(
    metric: str,
    values: Sequence[float],
    *,
    unit: str,
    definition: str,
    empty_reason: str,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
    details: Mapping[str, Detail] | None = None,
) -> Estimate:
    """A mean with its bootstrap interval, and the median beside it."""
    extra = dict(details or {})
    if not values:
        return Estimate(metric, None, 0, unit, definition, reason=empty_reason, details=extra)
    low, high = bootstrap_interval(values, resamples=resamples, seed=seed, confidence=confidence)
    extra.setdefault("median", float(statistics.median(values)))
    return Estimate(
        metric,
        float(statistics.fmean(values)),
        len(values),
        unit,
        definition,
        ci_low=low,
        ci_high=high,
        method="bootstrap",
        confidence=confidence,
        details=extra,
    )


def _split_range(scores: Sequence[int], low: int, high: int) -> tuple[list[int], int]:
    """The scores on the scale, and how many were off it (those are left out, and counted)."""
    kept = [int(s) for s in scores if low <= s <= high]
    return kept, len(scores) - len(kept)


# ---------------------------------------------------------------------------------------------
# Survey metrics.

CSAT_DEFINITION: Final = "share of responses 4–5 on a 1–5 scale (3 is not satisfied), in %"
NPS_DEFINITION: Final = (
    "% promoters (9–10) − % detractors (0–6) on 0–10; passives (7–8) count in the denominator"
)
CES_DEFINITION: Final = "mean agreement with “made it easy to handle my issue”, 1–7 (7 = easiest)"
CES_AGREE_DEFINITION: Final = "share of CES responses agreeing (5–7 on 1–7), in %"


def csat(scores: Sequence[int], *, confidence: float = CONFIDENCE) -> Estimate:
    """CSAT %: responses of 4 or 5 on 1–5, over all responses, with a Wilson interval."""
    kept, off = _split_range(scores, 1, 5)
    satisfied = sum(1 for s in kept if s >= 4)
    return proportion(
        "csat",
        satisfied,
        len(kept),
        definition=CSAT_DEFINITION,
        empty_reason="no CSAT responses",
        confidence=confidence,
        details={"satisfied": satisfied, "off_scale": off},
    )


def nps(
    scores: Sequence[int],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> Estimate:
    """NPS: % promoters − % detractors, −100…100, with a bootstrap interval.

    Each response counts +100 (promoter), 0 (passive) or −100 (detractor); the NPS is their mean,
    so the bootstrap of that mean is the bootstrap of the NPS.
    """
    kept, off = _split_range(scores, 0, 10)
    promoters = sum(1 for s in kept if s >= 9)
    detractors = sum(1 for s in kept if s <= 6)
    passives = len(kept) - promoters - detractors
    counts: dict[str, Detail] = {
        "promoters": promoters,
        "passives": passives,
        "detractors": detractors,
        "off_scale": off,
    }
    if not kept:
        return _missing(
            "nps", "NPS points (−100…100)", NPS_DEFINITION, "no NPS responses", **counts
        )
    points = [100.0 if s >= 9 else -100.0 if s <= 6 else 0.0 for s in kept]
    low, high = bootstrap_interval(points, resamples=resamples, seed=seed, confidence=confidence)
    return Estimate(
        "nps",
        100 * (promoters - detractors) / len(kept),
        len(kept),
        "NPS points (−100…100)",
        NPS_DEFINITION,
        ci_low=low,
        ci_high=high,
        method="bootstrap",
        confidence=confidence,
        details=counts,
    )


def ces(
    scores: Sequence[int],
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> Estimate:
    """CES 2.0 as the mean of 1–7, with a bootstrap interval."""
    kept, off = _split_range(scores, 1, 7)
    return mean_estimate(
        "ces",
        [float(s) for s in kept],
        unit="points (1–7)",
        definition=CES_DEFINITION,
        empty_reason="no CES responses",
        resamples=resamples,
        seed=seed,
        confidence=confidence,
        details={"off_scale": off},
    )


def ces_agreement(scores: Sequence[int], *, confidence: float = CONFIDENCE) -> Estimate:
    """CES as the % agreeing (5–7 on 1–7), with a Wilson interval."""
    kept, off = _split_range(scores, 1, 7)
    agreeing = sum(1 for s in kept if s >= 5)
    return proportion(
        "ces_agree",
        agreeing,
        len(kept),
        definition=CES_AGREE_DEFINITION,
        empty_reason="no CES responses",
        confidence=confidence,
        details={"agreeing": agreeing, "off_scale": off},
    )


# ---------------------------------------------------------------------------------------------
# Conversations.


@dataclass(frozen=True)
class TurnTiming:
    """When one turn happened: offsets in seconds (voice) and/or a wall-clock time (messages)."""

    role: str
    start: float | None = None
    end: float | None = None
    time: datetime | None = None


@dataclass(frozen=True)
class ConversationFacts:
    """What the metrics need to know about one conversation, its analysis and its surveys."""

    id: str
    channel: str
    started_at: datetime | None = None
    agent_id: str | None = None
    team_id: str | None = None
    customer_id: str | None = None
    turns: tuple[TurnTiming, ...] = ()
    concerns: tuple[str, ...] = ()
    analysed: bool = False
    listening_score: float | None = None
    components: Mapping[str, float | None] = field(default_factory=dict)
    csat: tuple[int, ...] = ()
    nps: tuple[int, ...] = ()
    ces: tuple[int, ...] = ()


def utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one (as SQLite returns them) is taken to be UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _span(points: Sequence[float]) -> float | None:
    if len(points) < 2:
        return None
    return max(points) - min(points)


def _offsets(turns: Sequence[TurnTiming]) -> list[float]:
    return [v for t in turns for v in (t.start, t.end) if v is not None]


def _times(turns: Sequence[TurnTiming]) -> list[float]:
    return [utc(t.time).timestamp() for t in turns if t.time is not None]


def handle_time(channel: str, turns: Sequence[TurnTiming]) -> float | None:
    """Seconds from the first turn to the last: voice from the first start to the last end (a
    turn without an end counts at its start), other channels from the first to the last message
    time. Each falls back on the other kind of timestamp; None when fewer than two are known."""
    offsets, times = _offsets(turns), _times(turns)
    first, second = (offsets, times) if channel == "voice" else (times, offsets)
    span = _span(first)
    if span is None:
        span = _span(second)
    return span


def first_response_time(channel: str, turns: Sequence[TurnTiming]) -> float | None:
    """Seconds from the first customer message to the next human agent message (messaging
    channels; None for voice, where the agent answers the call and queue time is unknown)."""
    if channel == "voice":
        return None
    customer: datetime | None = None
    for turn in turns:
        if customer is None:
            if turn.role == "customer" and turn.time is not None:
                customer = utc(turn.time)
        elif turn.role == "agent" and turn.time is not None:
            gap = (utc(turn.time) - customer).total_seconds()
            return gap if gap >= 0 else None
    return None


def handle_times(conversations: Iterable[ConversationFacts]) -> list[float]:
    return [v for c in conversations if (v := handle_time(c.channel, c.turns)) is not None]


def first_response_times(conversations: Iterable[ConversationFacts]) -> list[float]:
    return [v for c in conversations if (v := first_response_time(c.channel, c.turns)) is not None]


# ---------------------------------------------------------------------------------------------
# Reopens and first-contact resolution.

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS: Final = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further get got had hadn't has hasn't have
    haven't having he her here hers herself him himself his how i i'd i'll i'm i've if in into is
    isn't it it's its itself just let's me more most much my myself no nor not now of off on once
    only or other ought our ours ourselves out over own please same she should shouldn't so some
    still such than thanks thank that that's the their theirs them themselves then there there's
    these they they're this those through to too under until up us very was wasn't we we're
    we've were weren't what what's when where which while who whom why will with won't would
    wouldn't yes yet you you'd you'll you're you've your yours yourself yourselves hi hello ok
    okay really also again already one two""".split()
)


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> frozenset[str]:
    """Lower-cased words that carry meaning: no stop words, crude suffixes stripped."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    return frozenset(_stem(w) for w in words if w not in STOPWORDS and len(w) > 1)


class ConcernMatcher:
    """Whether two conversations are about the same concern: some concern of one shares
    ``min_shared_words`` content words with some concern of the other, or (with an encoder)
    their sentence vectors have cosine ≥ ``threshold``.

    The encoder is heard's static sentence encoder, loaded on first use; pass ``encoder=False``
    to compare words only.
    """

    def __init__(
        self,
        *,
        min_shared_words: int = MIN_SHARED_WORDS,
        threshold: float = SIMILARITY_THRESHOLD,
        encoder: Any = None,
    ) -> None:
        self.min_shared_words = min_shared_words
        self.threshold = threshold
        self._encoder = encoder
        self._vectors: dict[str, npt.NDArray[np.float32]] = {}

    def _encode(self, texts: Sequence[str]) -> list[npt.NDArray[np.float32]]:
        if self._encoder is None:
            from heard.listening.encoder import default_encoder

            self._encoder = default_encoder()
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            for text, vector in zip(missing, self._encoder.encode(missing), strict=True):
                self._vectors[text] = vector
        return [self._vectors[t] for t in texts]

    def words_match(self, first: Sequence[str], second: Sequence[str]) -> bool:
        words = [content_words(t) for t in second]
        for text in first:
            mine = content_words(text)
            for theirs in words:
                if len(mine & theirs) >= self.min_shared_words:
                    return True
        return False

    def vectors_match(self, first: Sequence[str], second: Sequence[str]) -> bool:
        if self._encoder is False:
            return False
        a = np.stack(self._encode(first))
        b = np.stack(self._encode(second))
        return bool((a @ b.T).max() >= self.threshold)

    def __call__(self, first: Sequence[str], second: Sequence[str]) -> bool:
        if not first or not second:
            return False
        return self.words_match(first, second) or self.vectors_match(first, second)


SameConcern = Callable[[Sequence[str], Sequence[str]], bool]


class ReopenStatus(StrEnum):
    REOPENED = "reopened"
    RESOLVED = "resolved"
    NO_CUSTOMER = "no customer id"
    NO_START = "no start time"
    WINDOW_OPEN = "window still open"


@dataclass(frozen=True)
class Reopen:
    """Whether a conversation was reopened, by which later conversation, and how we know."""

    status: ReopenStatus
    by: str | None = None
    concern_unknown: bool = False

    @property
    def eligible(self) -> bool:
        return self.status in (ReopenStatus.REOPENED, ReopenStatus.RESOLVED)


def find_reopens(
    conversations: Sequence[ConversationFacts],
    *,
    window: timedelta = REOPEN_WINDOW,
    as_of: datetime | None = None,
    same_concern: SameConcern | None = None,
) -> dict[str, Reopen]:
    """Each conversation's reopen status.

    A conversation is reopened when a later conversation of the same ``customer_id`` starts
    within ``window`` about the same concern (``same_concern`` on the two lists of concern texts;
    by default a :class:`ConcernMatcher`). When either conversation has no concern texts (not
    analysed, or nothing detected) the topic cannot be compared, and the repeat contact counts as
    a reopen, as in the usual topic-blind definition; ``concern_unknown`` says so.

    Only conversations whose whole window ends by ``as_of`` (default: the latest start in the
    data) had the chance to be reopened; the rest are ``window still open``.
    """
    matcher = same_concern or ConcernMatcher()
    starts = [utc(c.started_at) for c in conversations if c.started_at is not None]
    horizon = utc(as_of) if as_of is not None else max(starts, default=None)
    by_customer: dict[str, list[tuple[datetime, ConversationFacts]]] = defaultdict(list)
    result: dict[str, Reopen] = {}
    for conversation in conversations:
        if conversation.customer_id is None:
            result[conversation.id] = Reopen(ReopenStatus.NO_CUSTOMER)
        elif conversation.started_at is None:
            result[conversation.id] = Reopen(ReopenStatus.NO_START)
        else:
            by_customer[conversation.customer_id].append(
                (utc(conversation.started_at), conversation)
            )
    for contacts in by_customer.values():
        contacts.sort(key=lambda item: (item[0], item[1].id))
        for index, (start, conversation) in enumerate(contacts):
            reopen: Reopen | None = None
            for later_start, later in contacts[index + 1 :]:
                gap = later_start - start
                if gap > window:
                    break
                if gap <= timedelta(0) or later.id == conversation.id:
                    continue
                unknown = not conversation.concerns or not later.concerns
                if unknown or matcher(conversation.concerns, later.concerns):
                    reopen = Reopen(ReopenStatus.REOPENED, later.id, unknown)
                    break
            if reopen is None:
                closed = horizon is not None and start + window <= horizon
                reopen = Reopen(ReopenStatus.RESOLVED if closed else ReopenStatus.WINDOW_OPEN)
            result[conversation.id] = reopen
    return result


FCR_DEFINITION: Final = (
    "share of conversations not reopened by the same customer about the same concern within "
    "the window, over conversations whose window has passed, in %"
)
REOPEN_DEFINITION: Final = (
    "share of conversations the same customer reopened about the same concern within the "
    "window, over conversations whose window has passed, in %"
)


def _reopen_counts(reopens: Iterable[Reopen]) -> tuple[int, int, dict[str, Detail]]:
    reopened = eligible = unknown = 0
    excluded: dict[str, int] = defaultdict(int)
    for item in reopens:
        if item.eligible:
            eligible += 1
            reopened += item.status is ReopenStatus.REOPENED
            unknown += item.status is ReopenStatus.REOPENED and item.concern_unknown
        else:
            excluded[item.status.value] += 1
    details: dict[str, Detail] = {
        "resolved": eligible - reopened,
        "reopened": reopened,
        "reopened_concern_unknown": unknown,
        **{f"excluded_{k.replace(' ', '_')}": v for k, v in sorted(excluded.items())},
    }
    return reopened, eligible, details


def reopen_rate(reopens: Iterable[Reopen], *, confidence: float = CONFIDENCE) -> Estimate:
    reopened, eligible, details = _reopen_counts(reopens)
    return proportion(
        "reopen_rate",
        reopened,
        eligible,
        definition=REOPEN_DEFINITION,
        empty_reason="no conversation had the chance to be reopened (customer id, start time "
        "and a closed window are all needed)",
        confidence=confidence,
        details=details,
    )


def fcr(reopens: Iterable[Reopen], *, confidence: float = CONFIDENCE) -> Estimate:
    """First-contact resolution: 1 − the reopen rate, with a Wilson interval."""
    reopened, eligible, details = _reopen_counts(reopens)
    return proportion(
        "fcr",
        eligible - reopened,
        eligible,
        definition=FCR_DEFINITION,
        empty_reason="no conversation had the chance to be reopened (customer id, start time "
        "and a closed window are all needed)",
        confidence=confidence,
        details=details,
    )


# ---------------------------------------------------------------------------------------------
# Everything for one group of conversations.


def _not_checked(conversation: ConversationFacts) -> Reopen:
    if conversation.customer_id is None:
        return Reopen(ReopenStatus.NO_CUSTOMER)
    if conversation.started_at is None:
        return Reopen(ReopenStatus.NO_START)
    return Reopen(ReopenStatus.WINDOW_OPEN)


METRICS: Final = (
    "listening_score",
    *(f"component.{name}" for name in COMPONENTS),
    "csat",
    "nps",
    "ces",
    "ces_agree",
    "fcr",
    "reopen_rate",
    "aht",
    "frt",
)


def summarize(
    conversations: Sequence[ConversationFacts],
    reopens: Mapping[str, Reopen] | None = None,
    *,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> dict[str, Estimate]:
    """Every metric over these conversations, keyed as in :data:`METRICS`.

    ``reopens`` comes from :func:`find_reopens`, best run over *all* conversations of the
    customers concerned (a reopen may reach another agent, team or period than the first
    contact); without it, reopens are found among these conversations only.
    """
    analysed = [c for c in conversations if c.analysed]
    scores = [c.listening_score for c in analysed if c.listening_score is not None]
    out: dict[str, Estimate] = {
        "listening_score": mean_estimate(
            "listening_score",
            scores,
            unit="points (0–100)",
            definition="mean listening score of analysed conversations",
            empty_reason="no analysed conversation has a listening score"
            if analysed
            else "no analysed conversations",
            details={"analysed": len(analysed)},
            resamples=resamples,
            seed=seed,
            confidence=confidence,
        )
    }
    for name in COMPONENTS:
        values = [v for c in analysed if (v := c.components.get(name)) is not None]
        out[f"component.{name}"] = mean_estimate(
            f"component.{name}",
            [float(v) for v in values],
            unit="points (0–100)",
            definition=f"mean {name.replace('_', ' ')} component score, where it applied",
            empty_reason=f"{name.replace('_', ' ')} applied to no analysed conversation"
            if analysed
            else "no analysed conversations",
            resamples=resamples,
            seed=seed,
            confidence=confidence,
        )
    out["csat"] = csat([s for c in conversations for s in c.csat], confidence=confidence)
    out["nps"] = nps(
        [s for c in conversations for s in c.nps],
        resamples=resamples,
        seed=seed,
        confidence=confidence,
    )
    ces_scores = [s for c in conversations for s in c.ces]
    out["ces"] = ces(ces_scores, resamples=resamples, seed=seed, confidence=confidence)
    out["ces_agree"] = ces_agreement(ces_scores, confidence=confidence)
    if reopens is None:
        reopens = find_reopens(conversations)
    statuses = [reopens.get(c.id) or _not_checked(c) for c in conversations]
    out["fcr"] = fcr(statuses, confidence=confidence)
    out["reopen_rate"] = reopen_rate(statuses, confidence=confidence)
    out["aht"] = mean_estimate(
        "aht",
        handle_times(conversations),
        unit="seconds",
        definition="mean span from the first to the last turn (voice: first start to last end; "
        "messages: first to last message time); hold and after-call work not included",
        empty_reason="no conversation has two or more timestamps",
        resamples=resamples,
        seed=seed,
        confidence=confidence,
    )
    messaging = [c for c in conversations if c.channel != "voice"]
    out["frt"] = mean_estimate(
        "frt",
        first_response_times(messaging),
        unit="seconds",
        definition="mean time from the first customer message to the next agent message "
        "(messaging channels only)",
        empty_reason="no messaging conversation has timed customer and agent messages"
        if messaging
        else "no messaging conversations (first response is not measured for calls)",
        resamples=resamples,
        seed=seed,
        confidence=confidence,
    )
    return out


# ---------------------------------------------------------------------------------------------
# Slicing.


def period_key(moment: datetime, period: Period) -> str:
    """The period a moment falls in (UTC): ``2026-03-02`` (day), ``2026-W10`` (ISO week),
    ``2026-03`` (month). The keys sort in time order."""
    moment = utc(moment)
    if period == "day":
        return moment.strftime("%Y-%m-%d")
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return moment.strftime("%Y-%m")
    raise ValueError(f"unknown period {period!r}; choose from {', '.join(PERIODS)}")


def group_key(conversation: ConversationFacts, by: Dimension, period: Period = "week") -> str:
    """The group a conversation falls in along one dimension; missing values get their own
    group, named in brackets (``(no agent)``, ``(undated)``)."""
    value: str | None
    if by == "agent":
        value = conversation.agent_id
    elif by == "team":
        value = conversation.team_id
    elif by == "channel":
        value = conversation.channel
    elif by == "period":
        value = (
            None if conversation.started_at is None else period_key(conversation.started_at, period)
        )
    else:
        raise ValueError(f"unknown dimension {by!r}; choose from {', '.join(DIMENSIONS)}")
    return value if value else NONE_GROUP[by]


def group_by(
    conversations: Iterable[ConversationFacts], by: Dimension, period: Period = "week"
) -> dict[str, list[ConversationFacts]]:
    """Conversations per group, groups in sorted order (bracketed "none" groups last)."""
    groups: dict[str, list[ConversationFacts]] = defaultdict(list)
    for conversation in conversations:
        groups[group_key(conversation, by, period)].append(conversation)
    return {k: groups[k] for k in sorted(groups, key=lambda k: (k.startswith("("), k))}


def tidy(
    estimates: Mapping[str, Estimate], slice_name: str, group: str, conversations: int
) -> list[dict[str, Any]]:
    """One flat record per metric: ``slice``, ``group``, ``conversations`` and the estimate."""
    return [
        {"slice": slice_name, "group": group, "conversations": conversations, **e.as_dict()}
        for e in estimates.values()
    ]


def sliced_metrics(
    conversations: Sequence[ConversationFacts],
    reopens: Mapping[str, Reopen] | None,
    by: Dimension,
    *,
    period: Period = "week",
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> list[dict[str, Any]]:
    """Tidy records: every metric for every group along ``by`` (``slice`` is ``by``, or the
    period's name for ``period``)."""
    name = period if by == "period" else by
    records: list[dict[str, Any]] = []
    for group, members in group_by(conversations, by, period).items():
        estimates = summarize(
            members, reopens, resamples=resamples, seed=seed, confidence=confidence
        )
        records.extend(tidy(estimates, name, group, len(members)))
    return records
