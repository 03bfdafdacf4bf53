"""The customers' concerns of a week (or any period): the most frequent and the fastest growing.

Every concern the engine found (``signals.concerns`` of each conversation's latest analysis, in
the customer's own words) is embedded with heard's sentence encoder and grouped with the
others that say the same thing: a greedy pass, most frequent phrase first, joins each phrase to
the nearest group whose centroid is within cosine ``threshold`` or starts a new group, so the
result is the same on every run. A group is named by its most central phrase, counted in
conversations this period and the one before it (growth), and shown with a few of the
customers' own quotes (conversation and turn ids) and the satisfaction (CSAT) of its
conversations.

>>> with database.session() as session:
...     digest = concern_digest(session, since=monday, until=monday + timedelta(days=7))
>>> digest.top[0].name, digest.top[0].count, digest.top[0].growth
("my order still hasn't arrived", 42, 17)
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.feedback.impact import SATISFIED_FROM, in_scope, wilson
from heard.listening.features import STOPWORDS
from heard.listening.text import words
from heard.store.models import StoredAnalysis, StoredConversation, SurveyResponse

THRESHOLD: Final = 0.5
TOP: Final = 10
EXAMPLES: Final = 3
PHRASES_SHOWN: Final = 8
# Words that carry no topic: negations and auxiliaries the shared stop list keeps.
_NO_TOPIC: Final = frozenset(
    {
        "can't",
        "cannot",
        "won't",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "wasn't",
        "aren't",
        "hasn't",
        "haven't",
        "hadn't",
        "i'm",
        "i've",
        "it's",
        "i'd",
        "i'll",
        "yet",
        "never",
        "need",
        "want",
    }
)
_DIGITS: Final = re.compile(r"^[\d#]+$")
_WEEK: Final = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> Vectors: ...


# ---------------------------------------------------------------------------------------------
# Periods.


def parse_week(value: str) -> tuple[datetime, datetime]:
    """An ISO week ("2024-W05") as [Monday 00:00 UTC, next Monday 00:00 UTC)."""
    match = _WEEK.match(value.strip())
    if not match:
        raise ValueError(f"expected an ISO week like 2024-W05, got {value!r}")
    try:
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise ValueError(f"{value!r} is not a week of that year") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return start, start + timedelta(days=7)


def last_full_week(today: date | None = None) -> tuple[datetime, datetime]:
    """The last complete ISO week before ``today`` (default: today, UTC)."""
    today = today or datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday())
    end = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return end - timedelta(days=7), end


def week_label(start: datetime) -> str:
    year, week, _ = start.isocalendar()
    return f"{year}-W{week:02d}"


# ---------------------------------------------------------------------------------------------
# Clustering.


def topic_text(phrase: str) -> str:
    """The words of a phrase that carry its topic (no stop words, negations or order numbers);
    the phrase itself when nothing is left."""
    kept = [
        w
        for w in words(phrase)
        if w not in STOPWORDS and w not in _NO_TOPIC and not _DIGITS.match(w) and len(w) > 1
    ]
    return " ".join(kept) if kept else phrase


def _key(phrase: str) -> str:
    return " ".join(words(phrase)) or phrase.strip().lower()


def display(phrase: str) -> str:
    """A concern phrase for showing: trailing ellipsis and punctuation removed."""
    return phrase.strip().rstrip("….,;:!? ").strip() or phrase.strip()


@dataclass(frozen=True)
class PhraseCluster:
    members: list[int]  # indexes into the phrases given, most central first
    centroid: Vectors
    similarity: list[float]  # each member's cosine to the centroid, in the same order


def cluster_phrases(
    phrases: Sequence[str],
    *,
    threshold: float = THRESHOLD,
    encoder: Encoder | None = None,
) -> list[PhraseCluster]:
    """Group phrases that say the same thing. Deterministic: the same phrases in any order give
    the same groups.

    Equal phrases (ignoring case and punctuation) are one point weighted by how often they
    occur. Points are taken most frequent first (ties alphabetically); each joins the group
    whose weighted centroid is nearest if the cosine is at least ``threshold``, else starts a
    new group. Then every point is moved to its nearest final centroid once, so an early
    point is not stranded in a group that later drifted away from it.
    """
    if not phrases:
        return []
    if encoder is None:
        from heard.listening.encoder import default_encoder

        encoder = default_encoder()
    by_key: dict[str, list[int]] = defaultdict(list)
    for index, phrase in enumerate(phrases):
        by_key[_key(phrase)].append(index)
    keys = sorted(by_key, key=lambda k: (-len(by_key[k]), k))
    weights = np.array([len(by_key[k]) for k in keys], dtype=np.float32)
    vectors = encoder.encode([topic_text(phrases[by_key[k][0]]) for k in keys]).astype(np.float32)

    sums: list[Vectors] = []
    assignment: list[int] = []
    for point, vector in enumerate(vectors):
        best, score = -1, -1.0
        if sums and float(np.linalg.norm(vector)) > 0:
            centroids = _normalised(np.stack(sums))
            similarities = centroids @ vector
            best = int(np.argmax(similarities))
            score = float(similarities[best])
        if best >= 0 and score >= threshold:
            sums[best] = sums[best] + weights[point] * vector
            assignment.append(best)
        else:
            sums.append(weights[point] * vector)
            assignment.append(len(sums) - 1)

    # One refinement pass against the final centroids (a point stays put unless another group
    # is both nearer and within the threshold).
    centroids = _normalised(np.stack(sums))
    for point, vector in enumerate(vectors):
        if float(np.linalg.norm(vector)) == 0:
            continue
        similarities = centroids @ vector
        best = int(np.argmax(similarities))
        if (
            best != assignment[point]
            and similarities[best] >= threshold
            and similarities[best] > similarities[assignment[point]]
        ):
            assignment[point] = best

    groups: dict[int, list[int]] = defaultdict(list)
    for point, group in enumerate(assignment):
        groups[group].append(point)
    clusters: list[PhraseCluster] = []
    for points in groups.values():
        total = np.sum([weights[p] * vectors[p] for p in points], axis=0).astype(np.float32)
        centroid = _normalised(total[None, :])[0]
        scored = sorted(
            ((float(vectors[p] @ centroid), p) for p in points),
            key=lambda item: (-round(item[0], 6), -weights[item[1]], keys[item[1]]),
        )
        members: list[int] = []
        similarity: list[float] = []
        for score, point in scored:
            for index in by_key[keys[point]]:
                members.append(index)
                similarity.append(score)
        clusters.append(PhraseCluster(members, centroid, similarity))
    clusters.sort(key=lambda c: (-len(c.members), _key(phrases[c.members[0]])))
    return clusters


def _normalised(matrix: Vectors) -> Vectors:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    result: Vectors = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)
    return result


# ---------------------------------------------------------------------------------------------
# The digest.


@dataclass(frozen=True)
class Mention:
    """One concern in one conversation, as the engine quoted it."""

    conversation_id: str
    turn_id: str
    text: str
    quote: str
    current: bool  # in the period (else in the one before)


@dataclass(frozen=True)
class Example:
    conversation_id: str
    turn_id: str
    quote: str


@dataclass(frozen=True)
class ConcernGroup:
    name: str
    phrases: list[str]  # distinct phrases, most central first (at most PHRASES_SHOWN)
    count: int  # conversations this period
    mentions: int  # concerns this period
    previous: int  # conversations in the period before
    growth: int  # count − previous
    growth_percent: float | None  # None when there were none before (new)
    examples: list[Example]
    csat_n: int
    satisfied_percent: float | None
    satisfied_low: float | None
    satisfied_high: float | None


@dataclass(frozen=True)
class ConcernDigest:
    since: str
    until: str
    previous_since: str
    week: str | None
    team: str | None
    conversations: int  # analysed conversations this period
    previous_conversations: int
    mentions: int
    previous_mentions: int
    threshold: float
    top: list[ConcernGroup]  # most frequent
    growing: list[ConcernGroup]  # fastest growing
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_mentions(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    previous_since: datetime,
    team: str | None = None,
) -> tuple[list[Mention], dict[str, bool], dict[str, int]]:
    """Concerns of the conversations started in [previous_since, until), from each one's latest
    analysis; which analysed conversations are in the period (True) or the one before (False);
    and the latest CSAT of the conversations in the period."""
    query = (
        select(
            StoredConversation.id,
            StoredConversation.started_at,
            StoredAnalysis.record,
        )
        .join(
            StoredAnalysis,
            (StoredAnalysis.conversation_id == StoredConversation.id)
            & (StoredAnalysis.content_hash == StoredConversation.content_hash),
        )
        .where(*in_scope(team, previous_since, until))
        .order_by(StoredConversation.id, StoredAnalysis.created_at.desc(), StoredAnalysis.id.desc())
        .execution_options(yield_per=500)
    )
    mentions: list[Mention] = []
    periods: dict[str, bool] = {}
    for conversation_id, started, record in session.execute(query):
        if conversation_id in periods:
            continue  # an older analysis
        started = started if started.tzinfo else started.replace(tzinfo=UTC)
        current = started >= since
        periods[conversation_id] = current
        signals = (record or {}).get("signals")
        concerns = signals.get("concerns") if isinstance(signals, Mapping) else None
        for concern in concerns if isinstance(concerns, list) else []:
            if not isinstance(concern, Mapping) or concern.get("repeat_of"):
                continue  # said again in the same conversation: counted once
            text = concern.get("text")
            if not isinstance(text, str) or not text.strip():
                continue
            quote = concern.get("quote")
            mentions.append(
                Mention(
                    conversation_id=conversation_id,
                    turn_id=str(concern.get("turn_id") or ""),
                    text=text,
                    quote=quote if isinstance(quote, str) and quote.strip() else text,
                    current=current,
                )
            )
    csat: dict[str, int] = {}
    answers = (
        select(SurveyResponse.conversation_id, SurveyResponse.score)
        .join(StoredConversation, StoredConversation.id == SurveyResponse.conversation_id)
        .where(SurveyResponse.kind == "csat", *in_scope(team, since, until))
        .order_by(SurveyResponse.submitted_at, SurveyResponse.id)
    )
    for conversation_id, score in session.execute(answers):
        if 1 <= score <= 5:
            csat[conversation_id] = score
    return mentions, periods, csat


def digest(
    mentions: Sequence[Mention],
    *,
    since: datetime,
    until: datetime,
    previous_since: datetime,
    periods: Mapping[str, bool] | None = None,
    csat: Mapping[str, int] | None = None,
    team: str | None = None,
    week: str | None = None,
    top: int = TOP,
    threshold: float = THRESHOLD,
    encoder: Encoder | None = None,
) -> ConcernDigest:
    """Group the mentions and rank the groups by this period's conversations and by growth."""
    periods = periods or {}
    csat = csat or {}
    clusters = cluster_phrases([m.text for m in mentions], threshold=threshold, encoder=encoder)
    groups: list[ConcernGroup] = []
    for cluster in clusters:
        members = [mentions[i] for i in cluster.members]
        current = [m for m in members if m.current]
        count = len({m.conversation_id for m in current})
        previous = len({m.conversation_id for m in members if not m.current})
        if count == 0 and previous == 0:
            continue
        # The name: the most central phrase, in the form customers used most.
        central = _key(members[0].text)
        forms = Counter(display(m.text) for m in members if _key(m.text) == central)
        name = min(forms, key=lambda form: (-forms[form], form))
        phrases: list[str] = []
        for member in members:
            shown = display(member.text)
            if shown not in phrases:
                phrases.append(shown)
        examples = _examples(current)
        answered = [
            csat[c] >= SATISFIED_FROM
            for c in sorted({m.conversation_id for m in current})
            if c in csat
        ]
        satisfied = sum(answered)
        low_high = wilson(satisfied, len(answered)) if answered else None
        groups.append(
            ConcernGroup(
                name=name,
                phrases=phrases[:PHRASES_SHOWN],
                count=count,
                mentions=len(current),
                previous=previous,
                growth=count - previous,
                growth_percent=100.0 * (count - previous) / previous if previous else None,
                examples=examples,
                csat_n=len(answered),
                satisfied_percent=100.0 * satisfied / len(answered) if answered else None,
                satisfied_low=100.0 * low_high[0] if low_high else None,
                satisfied_high=100.0 * low_high[1] if low_high else None,
            )
        )
    frequent = sorted(
        (g for g in groups if g.count > 0), key=lambda g: (-g.count, -g.mentions, g.name)
    )
    growing = sorted(
        (g for g in groups if g.growth > 0),
        key=lambda g: (
            -g.growth,
            -(g.growth_percent if g.growth_percent is not None else math.inf),
            g.name,
        ),
    )
    in_period = [c for c, current in periods.items() if current]
    notes = [
        "Counts are conversations (a concern raised twice in one conversation counts once);"
        " growth compares with the period of the same length just before.",
        f"Concerns are grouped when their meaning is close (cosine ≥ {threshold:.2f} with heard's"
        " sentence encoder); a group is named by its most central phrase.",
        f"Satisfied means a CSAT answer of {SATISFIED_FROM} or 5 (of 5), of the conversations"
        " with an answer (n); few answers make the share uncertain (its 95% interval is in the"
        " JSON output).",
    ]
    return ConcernDigest(
        since=since.isoformat(),
        until=until.isoformat(),
        previous_since=previous_since.isoformat(),
        week=week,
        team=team,
        conversations=len(in_period),
        previous_conversations=len(periods) - len(in_period),
        mentions=sum(1 for m in mentions if m.current),
        previous_mentions=sum(1 for m in mentions if not m.current),
        threshold=threshold,
        top=frequent[:top],
        growing=growing[:top],
        notes=notes,
    )


def _examples(mentions: Sequence[Mention]) -> list[Example]:
    """Up to :data:`EXAMPLES` quotes from different conversations, most central first, and
    different wordings before the same wording again."""
    chosen: list[Mention] = []
    conversations: set[str] = set()
    wordings: set[str] = set()
    for fresh_wording_only in (True, False):
        for mention in mentions:  # most central first
            if len(chosen) == EXAMPLES:
                break
            if mention.conversation_id in conversations:
                continue
            if fresh_wording_only and _key(mention.text) in wordings:
                continue
            chosen.append(mention)
            conversations.add(mention.conversation_id)
            wordings.add(_key(mention.text))
    return [Example(m.conversation_id, m.turn_id, m.quote) for m in chosen]


def concern_digest(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    team: str | None = None,
    week: str | None = None,
    top: int = TOP,
    threshold: float = THRESHOLD,
    encoder: Encoder | None = None,
) -> ConcernDigest:
    """The digest of conversations started in [since, until), against the period of the same
    length just before."""
    if until <= since:
        raise ValueError("the period must end after it starts")
    previous_since = since - (until - since)
    mentions, periods, csat = load_mentions(
        session, since=since, until=until, previous_since=previous_since, team=team
    )
    return digest(
        mentions,
        since=since,
        until=until,
        previous_since=previous_since,
        periods=periods,
        csat=csat,
        team=team,
        week=week,
        top=top,
        threshold=threshold,
        encoder=encoder,
    )
