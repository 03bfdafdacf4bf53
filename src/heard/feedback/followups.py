"""Follow-ups: tasks to get back to a customer, found by rules and drafted in their own words.

Rules (``followup_rules.yaml`` documents every setting and its default) look at a stored
conversation, its latest analysis and its survey answers:

* ``negative_end`` – the customer's last feeling was negative (and strong enough);
* ``csat_low`` – a CSAT answer at or below 2; ``nps_detractor`` – an NPS answer of 0–6;
* ``unresolved`` – a concern never acknowledged nor answered, or no solution given at all;
* ``urgency`` – a deadline or time pressure mentioned; ``callback`` – "call me back".

Each firing becomes one :class:`~heard.store.models.FollowUp` per conversation and cause (the
database's unique constraint guarantees it, whatever the task's status later), with a due date
by priority, an assignee (the conversation's agent or a queue), a channel (a call when the
customer asked for one or for a call, email for email, else a message) and a drafted message:
the customer's issue in their own words, what the agent did (quoted), and what happens next.
Drafting is deterministic: the same data always gives the same words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from heard.feedback.surveys import FeedbackError
from heard.listening.detectors.solution import CUES as SOLUTION_CUES
from heard.listening.detectors.urgency import URGENT
from heard.listening.features import time_expressions
from heard.listening.text import split_sentences
from heard.store.models import Agent, FollowUp, StoredConversation, SurveyResponse
from heard.store.repository import latest_analyses

CAUSES: tuple[str, ...] = (
    "negative_end",
    "csat_low",
    "nps_detractor",
    "unresolved",
    "urgency",
    "callback",
)
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
STATUSES: tuple[str, ...] = ("open", "done", "snoozed", "cancelled")
DEFAULT_RULES = "followup_rules.yaml"

Priority = Literal["low", "normal", "high", "urgent"]
ContactChannel = Literal["call", "email", "message"]


class FollowUpError(FeedbackError):
    """Codes: not_found, closed, bad_time, bad_status, bad_rules."""


def now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- the rules ---------------------------------------------------------------------------------

_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``30m``, ``4h``, ``2d`` or ``1w`` as a timedelta."""
    match = _DURATION.match(str(text))
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration like 4h, 2d or 1w")
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    enabled: bool = True
    priority: Priority = "normal"


class NegativeEndRule(Rule):
    emotions: list[str] = Field(
        default_factory=lambda: ["anger", "frustration", "anxiety", "sadness", "confusion"]
    )
    min_intensity: float = Field(default=0.35, ge=0, le=1)


class ScoreRule(Rule):
    max_score: int


class UnresolvedRule(Rule):
    unaddressed_concerns: bool = True
    no_solution: bool = True


class PatternRule(Rule):
    patterns: list[str] = Field(default_factory=list)

    @field_validator("patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(
                    f"pattern {pattern!r} is not a regular expression: {error}"
                ) from None
        return patterns

    def compiled(self) -> list[re.Pattern[str]]:
        return [re.compile(p, re.IGNORECASE) for p in self.patterns]


class Rules(_Strict):
    negative_end: NegativeEndRule = NegativeEndRule()
    csat_low: ScoreRule = ScoreRule(priority="high", max_score=2)
    nps_detractor: ScoreRule = ScoreRule(max_score=6)
    unresolved: UnresolvedRule = UnresolvedRule()
    urgency: PatternRule = PatternRule(priority="urgent")
    callback: PatternRule = PatternRule(priority="high")


class Assignment(_Strict):
    to: Literal["agent", "queue"] = "agent"
    queue: str = "follow-ups"
    team_queues: dict[str, str] = Field(default_factory=dict)


_BY_CHANNEL: dict[str, ContactChannel] = {
    "voice": "call",
    "email": "email",
    "chat": "message",
    "sms": "message",
    "social": "message",
}


class Channels(_Strict):
    call_when_requested: bool = True
    by_channel: dict[str, ContactChannel] = Field(default_factory=lambda: dict(_BY_CHANNEL))


class FollowUpRules(_Strict):
    """Every setting of the follow-up rules; ``followup_rules.yaml`` documents them."""

    due_within: dict[str, str] = Field(
        default_factory=lambda: {"urgent": "4h", "high": "1d", "normal": "2d", "low": "5d"}
    )
    assign: Assignment = Assignment()
    channels: Channels = Channels()
    signature: str = Field(default="The customer service team", min_length=1)
    rules: Rules = Rules()

    @field_validator("due_within")
    @classmethod
    def _durations(cls, value: dict[str, str]) -> dict[str, str]:
        for duration in value.values():
            parse_duration(duration)
        unknown = [p for p in value if p not in PRIORITIES]
        if unknown:
            raise ValueError(
                f"unknown priority {', '.join(unknown)}; priorities are {', '.join(PRIORITIES)}"
            )
        missing = [p for p in PRIORITIES if p not in value]
        if missing:
            raise ValueError(f"no due time for priority {', '.join(missing)}")
        return value

    def due(self, priority: str, start: datetime) -> datetime:
        return start + parse_duration(self.due_within[priority])


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _default_document() -> dict[str, Any]:
    text = resources.files("heard.feedback").joinpath(DEFAULT_RULES).read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    assert isinstance(document, dict)
    return document


def default_rules() -> FollowUpRules:
    return FollowUpRules.model_validate(_default_document())


def load_rules(path: Path | str | None = None) -> FollowUpRules:
    """The default rules, with a YAML file's settings merged over them."""
    if path is None:
        return default_rules()
    path = Path(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise FollowUpError("bad_rules", f"cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise FollowUpError("bad_rules", f"{path} is not valid YAML{where}") from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise FollowUpError("bad_rules", f"{path} must be a mapping of settings")
    try:
        return FollowUpRules.model_validate(_merge(_default_document(), document))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise FollowUpError("bad_rules", f"{path}: {where}: {first['msg']}") from None


# --- what the customer said ---------------------------------------------------------------------

_CALLBACK = re.compile(
    r"\b(?:call|ring|phone)(?:ing)? (?:me|us) back\b|\bcall ?backs?\b|\bring ?back\b|"
    r"\b(?:can|could|would|will) (?:someone|somebody|anyone|you|a manager|a supervisor|one of "
    r"you)(?: please)?(?: just)? (?:call|ring|phone)\b|"
    r"\bgive (?:me|us) a (?:call|ring|bell|phone call|phone)\b|"
    r"\b(?:have|get|ask) (?:someone|somebody|a manager|a supervisor|them|him|her) (?:to )?"
    r"(?:call|ring|phone)\b|"
    r"\b(?:I'd|I would|I want|I need|I'd like|I would like|can I|could I|may I) (?:like )?(?:to )?"
    r"(?:get |have |request |arrange |book )?(?:a |an )?(?:call|phone call|phone)\b|"
    r"\b(?:speak|talk) to (?:someone|somebody|a person|a human|a manager|a supervisor|you) "
    r"(?:on|over|by) the phone\b|"
    r"\b(?:call|ring|phone) me\b",
    re.IGNORECASE,
)
# A refusal just before the request ("please don't call me", "no need to ring me back").
_NOT_WANTED = re.compile(
    r"\b(?:don't|do not|no need to|not necessary to|rather not|prefer not to|never|stop)"
    r"(?:\W+\w+){0,2}\W*$",
    re.IGNORECASE,
)


def _norm(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'")


def asks_for_call(sentence: str, extra: Sequence[re.Pattern[str]] = ()) -> bool:
    """Does a customer's sentence ask to be called ("call me back", "can someone ring me")?"""
    text = _norm(sentence)
    match = _CALLBACK.search(text) or next((m for p in extra if (m := p.search(text))), None)
    return match is not None and _NOT_WANTED.search(text[: match.start()]) is None


@dataclass(frozen=True)
class Said:
    turn_id: str
    text: str


def _customer_sentences(stored: StoredConversation) -> list[Said]:
    return [
        Said(turn.turn_id, sentence.text)
        for turn in stored.turns
        if turn.role == "customer"
        for sentence in split_sentences(turn.text)
    ]


# --- one conversation's facts --------------------------------------------------------------------


@dataclass
class _Facts:
    stored: StoredConversation
    record: dict[str, Any] | None
    responses: list[SurveyResponse]  # oldest first
    callback: Said | None
    urgency: Said | None
    agent_name: str | None
    customer_name: str | None

    @property
    def signals(self) -> dict[str, Any]:
        return dict((self.record or {}).get("signals") or {})

    def concerns(self, key: str = "concerns") -> list[dict[str, Any]]:
        return [c for c in self.signals.get(key) or [] if isinstance(c, dict)]

    def turn_text(self, turn_id: str) -> str | None:
        return next((t.text for t in self.stored.turns if t.turn_id == turn_id), None)

    def agent_labelled(self, *labels: str) -> list[dict[str, Any]]:
        return [
            t
            for t in (self.record or {}).get("turns") or []
            if t.get("role") == "agent"
            and any(label in (t.get("labels") or []) for label in labels)
        ]

    def latest(self, kind: str) -> SurveyResponse | None:
        answers = [r for r in self.responses if r.kind == kind]
        return answers[-1] if answers else None


_ROLE_WORDS = {"customer", "client", "user", "caller", "guest", "visitor", "agent", "support"}
_NAME = re.compile(r"^[A-Z][a-zà-ÿ'’-]+(?: [A-Z][a-zà-ÿ'’-]+){0,2}$")


def _person_name(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    name = value.strip()
    if not _NAME.match(name) or name.split()[0].lower() in _ROLE_WORDS:
        return None
    return name


def _speaker_name(stored: StoredConversation, role: str) -> str | None:
    names = {_person_name(t.speaker) for t in stored.turns if t.role == role}
    names.discard(None)
    return names.pop() if len(names) == 1 else None


def _facts(
    session: Session,
    stored: StoredConversation,
    record: dict[str, Any] | None,
    responses: list[SurveyResponse],
    rules: FollowUpRules,
) -> _Facts:
    sentences = _customer_sentences(stored)
    callback_extra = rules.rules.callback.compiled()
    callback = next((s for s in sentences if asks_for_call(s.text, callback_extra)), None)
    urgency_extra = rules.rules.urgency.compiled()
    # A time in a call-back request ("call me back tomorrow") is the callback rule's business.
    urgency = next(
        (
            s
            for s in sentences
            if (URGENT.search(s.text) or any(p.search(s.text) for p in urgency_extra))
            and not asks_for_call(s.text, callback_extra)
        ),
        None,
    )
    agent = session.get(Agent, stored.agent_id) if stored.agent_id else None
    agent_name = _person_name(agent.name if agent else None) or _speaker_name(stored, "agent")
    meta = stored.meta or {}
    customer_name = next(
        (
            name
            for key in ("customer_name", "customer", "name")
            if (name := _person_name(meta.get(key)))
        ),
        None,
    ) or _speaker_name(stored, "customer")
    return _Facts(stored, record, responses, callback, urgency, agent_name, customer_name)


# --- the rules, applied --------------------------------------------------------------------------


@dataclass(frozen=True)
class Trigger:
    cause: str
    reason: str
    priority: str


def _quote(text: str, limit: int = 30) -> str:
    parts = text.split()
    return text.strip() if len(parts) <= limit else " ".join(parts[:limit]) + "…"


def _end_quote(facts: _Facts, turn_id: str) -> str | None:
    in_turn = [
        c["quote"] for c in facts.concerns() if c.get("turn_id") == turn_id and c.get("quote")
    ]
    if in_turn:
        return _quote(in_turn[0])
    text = facts.turn_text(turn_id)
    if not text:
        return None
    sentences = split_sentences(text)
    return _quote(sentences[0].text if sentences else text)


def evaluate(facts: _Facts, rules: FollowUpRules) -> list[Trigger]:
    """Which rules fire for one conversation, with the evidence in words."""
    found: list[Trigger] = []
    settings = rules.rules
    end = (facts.signals.get("emotion_trajectory") or {}).get("end")
    rule_end = settings.negative_end
    if (
        rule_end.enabled
        and isinstance(end, dict)
        and end.get("emotion") in rule_end.emotions
        and float(end.get("intensity") or 0.0) >= rule_end.min_intensity
    ):
        quote = _end_quote(facts, str(end.get("turn_id")))
        found.append(
            Trigger(
                "negative_end",
                f"the customer's last message ({end.get('turn_id')}) reads as {end['emotion']} "
                f"(intensity {float(end.get('intensity') or 0):.2f})"
                + (f": “{quote}”" if quote else ""),
                rule_end.priority,
            )
        )
    for cause, kind, rule, out_of in (
        ("csat_low", "csat", settings.csat_low, 5),
        ("nps_detractor", "nps", settings.nps_detractor, 10),
    ):
        answer = facts.latest(kind)
        if rule.enabled and answer is not None and answer.score <= rule.max_score:
            comment = f": “{_quote(answer.comment, 40)}”" if answer.comment else ""
            found.append(
                Trigger(
                    cause,
                    f"{kind.upper()} {answer.score}/{out_of} (at or below {rule.max_score}) on "
                    f"{_aware(answer.submitted_at):%Y-%m-%d}{comment}",
                    rule.priority,
                )
            )
    unresolved = settings.unresolved
    if unresolved.enabled and facts.record is not None:
        open_concerns = _open(facts.concerns("unaddressed_concerns"))
        raised = _open(facts.concerns())
        if unresolved.unaddressed_concerns and open_concerns:
            found.append(
                Trigger(
                    "unresolved",
                    "never acknowledged or answered: "
                    + "; ".join(f"“{c['text']}” ({c.get('turn_id')})" for c in open_concerns),
                    unresolved.priority,
                )
            )
        elif unresolved.no_solution and raised and not facts.agent_labelled("solution"):
            found.append(
                Trigger(
                    "unresolved",
                    "the agent gave no solution to: "
                    + "; ".join(f"“{c['text']}” ({c.get('turn_id')})" for c in raised[:3]),
                    unresolved.priority,
                )
            )
    if settings.urgency.enabled and facts.urgency is not None:
        found.append(
            Trigger(
                "urgency",
                f"time pressure mentioned in {facts.urgency.turn_id}: "
                f"“{_quote(facts.urgency.text)}”",
                settings.urgency.priority,
            )
        )
    if settings.callback.enabled and facts.callback is not None:
        found.append(
            Trigger(
                "callback",
                f"asked to be called in {facts.callback.turn_id}: “{_quote(facts.callback.text)}”",
                settings.callback.priority,
            )
        )
    return found


def _open(concerns: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Concerns that count as unresolved: all but requests to be called (the callback rule's)."""
    return [
        c for c in concerns if c.get("text") and not asks_for_call(str(c.get("quote") or c["text"]))
    ]


def _issues(concerns: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Concerns worth naming as the issue: not a repeat, not a bare feeling ("I'm annoyed")."""
    return [
        c
        for c in _open(concerns)
        if not c.get("repeat_of") and len(_TOKEN.findall(_phrase(c))) >= MIN_ISSUE_WORDS
    ]


# --- the drafted message --------------------------------------------------------------------------

_FILLER = re.compile(
    r"^\s*(?:(?:hi|hello|hey)(?: there)?[\s,.!:-]+|(?:so|well|um+|uh+|basically|yeah|ok(?:ay)?|and|"
    r"but|also|ps|look)[\s,.!:-]+)+",
    re.IGNORECASE,
)
_SWAP = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "i'm": "you're",
    "im": "you're",
    "i've": "you've",
    "i'd": "you'd",
    "i'll": "you'll",
    "we": "you",
    "us": "you",
    "our": "your",
    "ours": "yours",
    "ourselves": "yourselves",
    "we're": "you're",
    "we've": "you've",
    "we'd": "you'd",
    "we'll": "you'll",
}
_SECOND_PERSON = {
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "you're",
    "you've",
    "you'd",
    "you'll",
    "u",
    "ur",
}
_STATEMENT_START = {
    "i",
    "i'm",
    "i've",
    "i'd",
    "i'll",
    "my",
    "we",
    "we're",
    "we've",
    "we'd",
    "our",
    "the",
    "it",
    "it's",
    "this",
    "that",
    "there",
    "there's",
    "a",
    "an",
    "nobody",
    "no",
    "someone",
    "somebody",
    "they",
    "their",
    "its",
}
_QUESTION_START = re.compile(
    r"^(?:can|could|would|will|why|when|where|how|what|who|which|is|are|do|does|did|has|have|"
    r"should|shall|may)\b",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
MIN_ISSUE_WORDS = 4


def _phrase(concern: Mapping[str, Any]) -> str:
    """The concern in the customer's words: the whole sentence when it is short enough."""
    text = str(concern.get("text") or "").strip()
    quote = _FILLER.sub("", _norm(str(concern.get("quote") or ""))).strip()
    if quote and len(quote.split()) <= 30 and (text.endswith("…") or not text):
        text = quote
    return text.rstrip(" .!?")


def _is_question(text: str, quote: str) -> bool:
    return quote.rstrip().endswith("?") or bool(_QUESTION_START.match(text))


def reported(text: str) -> str | None:
    """A first-person phrase as the customer would hear it back ("my order" → "your order"),
    or None when it cannot be turned safely (it speaks to us, or is not a plain statement)."""
    text = _norm(text).strip()
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    if not tokens or tokens[0] not in _STATEMENT_START or _SECOND_PERSON & set(tokens):
        return None

    def swap(match: re.Match[str]) -> str:
        word = match.group()
        lower = word.lower()
        before = text[: match.start()].rstrip().lower()
        after = text[match.end() :].lstrip().lower()
        if lower == "am" and (before.endswith(" i") or before == "i" or after.startswith("i ")):
            return "are"
        if lower == "was" and (before.endswith(" i") or before == "i" or after.startswith("i ")):
            return "were"
        return _SWAP.get(lower, word)

    turned = _TOKEN.sub(swap, text)
    if tokens[0] in _STATEMENT_START and turned[:1].isupper() and not turned.startswith("I "):
        turned = turned[0].lower() + turned[1:]
    return turned


_CHANNEL_NOUN = {
    "chat": "chat",
    "email": "email",
    "voice": "call",
    "sms": "messages",
    "social": "messages",
}
_LAST_WORDS = {
    "chat": "your last message",
    "email": "your last email",
    "voice": "what you said at the end of the call",
    "sms": "your last message",
    "social": "your last message",
}
_PURPOSE = {
    "negative_end": "make sure everything is now sorted for you",
    "csat_low": "hear what went wrong and put it right",
    "nps_detractor": "hear what we could have done better",
    "unresolved": "give you a proper answer",
    "urgency": "make sure everything is on track in time",
    "callback": "go through it with you",
}


@dataclass(frozen=True)
class _Voice:
    personal: bool  # the conversation's agent writes ("I"), or the team ("we")

    @property
    def i(self) -> str:
        return "I" if self.personal else "we"

    @property
    def ill(self) -> str:
        return "I'll" if self.personal else "we'll"

    @property
    def im(self) -> str:
        return "I'm" if self.personal else "we're"


def _when(moment: datetime) -> str:
    return f"{moment:%A} {moment.day} {moment:%B}"


def _agent_quotes(facts: _Facts) -> list[str]:
    """What the agent did or committed to, in the agent's words (solution and timeline)."""
    record = facts.record or {}
    turns = facts.agent_labelled("solution", "timeline")
    ids = [t.get("id") for t in turns]
    found: dict[str, list[str]] = {}
    for evidence in record.get("evidence") or []:
        quote = evidence.get("quote")
        turn_id = evidence.get("turn_id")
        if (
            evidence.get("component") == "solution"
            and quote
            and turn_id in ids
            and not str(quote).rstrip().endswith("?")
        ):
            found.setdefault(str(turn_id), []).append(str(quote).strip())
    for turn in turns:
        turn_id = str(turn.get("id"))
        if turn_id in found:
            continue
        for sentence in split_sentences(facts.turn_text(turn_id) or ""):
            if sentence.is_question:
                continue
            if SOLUTION_CUES.search(sentence.text) or time_expressions(sentence.text):
                found[turn_id] = [sentence.text.strip()]
                break
    quotes: list[str] = []
    for turn_id in ids:
        for quote in found.get(str(turn_id), []):
            if quote not in quotes and not any(quote in q or q in quote for q in quotes):
                quotes.append(quote)
    return [_quote(q, 40) for q in quotes[:2]]


def _closed(text: str) -> str:
    """A sentence that ends in a quotation gets no second full stop."""
    return text if text.rstrip("”").endswith((".", "!", "?", "…")) else text + "."


def _told(concern: Mapping[str, Any], also: bool) -> str:
    text = _phrase(concern)
    prefix = "You also" if also else "You"
    if _is_question(text, str(concern.get("quote") or "")):
        return f"{prefix} asked: “{text}?”"
    turned = reported(text)
    if turned is not None:
        return f"{prefix} told us that {turned}."
    return _closed(f"{prefix} told us: “{text}”")


def draft_message(
    facts: _Facts,
    trigger: Trigger,
    *,
    channel: str,
    due_at: datetime,
    personal: bool,
    signature: str,
) -> str:
    """The follow-up, written to the customer: their issue in their words, what was done, and
    what happens next. Every part comes from the data, so there is nothing left to fill in."""
    voice = _Voice(personal)
    stored = facts.stored
    paragraphs: list[str] = []
    noun = _CHANNEL_NOUN.get(stored.channel, "conversation")
    started = _aware(stored.started_at) if stored.started_at else None
    on = f" on {started.day} {started:%B}" if started else ""
    opener = f"{voice.im.capitalize()} following up on your {noun} with us{on}."

    cause = trigger.cause
    all_issues = _issues(facts.concerns())
    open_issues = _open(facts.concerns("unaddressed_concerns"))
    if cause == "unresolved" and open_issues:
        main = [c for c in all_issues[:1] if c.get("id") not in {o.get("id") for o in open_issues}]
    else:
        main = all_issues[:2]
    told = [_told(c, also=i > 0) for i, c in enumerate(main)]
    if not told and cause not in ("csat_low", "nps_detractor"):
        comments = [r for r in reversed(facts.responses) if r.comment and r.comment_concerns]
        if comments:
            told = [_told(comments[0].comment_concerns[0], also=False)]
    paragraphs.append(" ".join([opener, *told]))

    quotes = _agent_quotes(facts)
    if quotes:
        said = " and ".join(f"“{q}”" for q in quotes)
        if voice.personal:
            paragraphs.append(f"At the time I told you: {said}")
        elif facts.agent_name:
            paragraphs.append(f"At the time {facts.agent_name} told you: {said}")
        else:
            paragraphs.append(f"At the time we told you: {said}")
    elif facts.record is not None and main and not (cause == "unresolved" and open_issues):
        paragraphs.append(
            f"{voice.im.capitalize()} sorry {voice.i} didn't give you a clear answer at the time."
        )

    if cause == "negative_end":
        end = (facts.signals.get("emotion_trajectory") or {}).get("end") or {}
        quote = _end_quote(facts, str(end.get("turn_id")))
        words_ = _LAST_WORDS.get(stored.channel, "your last message")
        heard = f" (“{quote}”)" if quote else ""
        paragraphs.append(
            f"I could tell from {words_}{heard} that things still weren't right for you when "
            f"we finished, and I'm sorry about that."
            if voice.personal
            else f"We could tell from {words_}{heard} that things still weren't right for you "
            f"when we finished, and we're sorry about that."
        )
    elif cause in ("csat_low", "nps_detractor"):
        answer = facts.latest("csat" if cause == "csat_low" else "nps")
        if answer is not None:
            wrote = f" and wrote: “{_quote(answer.comment, 40)}”" if answer.comment else ""
            if cause == "csat_low":
                line = _closed(f"Afterwards you rated us {answer.score} out of 5{wrote}")
                sorry = f"I'm sorry {voice.i} let you down."
            else:
                line = _closed(
                    "Afterwards, when we asked how likely you'd be to recommend us, you gave us "
                    f"{answer.score} out of 10{wrote}"
                )
                sorry = f"{voice.i.capitalize()}'d really like to understand why."
            paragraphs.append(f"{line} {sorry}")
    elif cause == "unresolved":
        if open_issues:
            asked = "; ".join(f"“{_phrase(c)}”" for c in open_issues[:3])
            paragraphs.append(
                _closed(
                    f"{voice.im.capitalize()} sorry {voice.i} didn't properly respond to what you "
                    f"said: {asked}"
                )
            )
    elif cause == "urgency" and facts.urgency is not None:
        already = any(facts.urgency.text.strip() == str(c.get("quote", "")).strip() for c in main)
        paragraphs.append(
            f"{voice.i.capitalize()} know the timing matters to you."
            if already
            else f"{voice.i.capitalize()} know the timing matters, because you told us: "
            f"“{_quote(facts.urgency.text)}”"
        )
    elif cause == "callback" and facts.callback is not None:
        paragraphs.append(f"You asked us to call you (“{_quote(facts.callback.text)}”).")

    purpose = _PURPOSE.get(cause, "make sure everything is sorted")
    by = _when(due_at)
    if channel == "call":
        paragraphs.append(f"{voice.ill.capitalize()} call you by {by} to {purpose}.")
    elif channel == "email":
        paragraphs.append(
            f"{voice.im.capitalize()} looking into it now and {voice.ill} email you by {by} to "
            f"{purpose}. If anything has changed in the meantime, just reply to this email."
        )
    else:
        paragraphs.append(
            f"{voice.im.capitalize()} looking into it now and {voice.ill} message you again by "
            f"{by} to {purpose}. You can reply here at any time."
        )

    greeting = f"Hi {facts.customer_name.split()[0]}," if facts.customer_name else "Hello,"
    sign = facts.agent_name if voice.personal and facts.agent_name else signature
    return "\n\n".join([greeting, *paragraphs, f"Best wishes,\n{sign}"])


# --- generating the tasks -------------------------------------------------------------------------


def _assignee(stored: StoredConversation, rules: FollowUpRules) -> str:
    assign = rules.assign
    if assign.to == "agent" and stored.agent_id:
        return stored.agent_id
    if stored.team_id and stored.team_id in assign.team_queues:
        return assign.team_queues[stored.team_id]
    return assign.queue


def _channel(facts: _Facts, rules: FollowUpRules) -> str:
    if rules.channels.call_when_requested and facts.callback is not None:
        return "call"
    return rules.channels.by_channel.get(facts.stored.channel, "message")


def generate_followups(
    session: Session,
    conversation_ids: Sequence[str] | None = None,
    rules: FollowUpRules | Path | str | None = None,
    *,
    at: datetime | None = None,
) -> list[FollowUp]:
    """Create the follow-ups the rules call for; returns only the new ones.

    Looks at every conversation with an analysis or a survey answer (or just those named). A
    conversation and cause that already has a task, in any status, never gets a second one.
    """
    chosen = rules if isinstance(rules, FollowUpRules) else load_rules(rules)
    moment = at or now()
    ids = list(dict.fromkeys(conversation_ids)) if conversation_ids is not None else None
    records: dict[str, tuple[StoredConversation, dict[str, Any] | None]] = {
        stored.id: (stored, dict(analysis.record or {}))
        for stored, analysis in latest_analyses(session, ids)
    }
    answers = select(SurveyResponse).where(SurveyResponse.kind.in_(("csat", "nps")))
    if ids is not None:
        answers = answers.where(SurveyResponse.conversation_id.in_(ids))
    responses: dict[str, list[SurveyResponse]] = {}
    for response in session.scalars(
        answers.order_by(SurveyResponse.submitted_at, SurveyResponse.id)
    ):
        responses.setdefault(response.conversation_id, []).append(response)
    for conversation_id in [*(ids or []), *responses]:
        if conversation_id not in records:
            stored = session.get(StoredConversation, conversation_id)
            if stored is not None:
                records[conversation_id] = (stored, None)
    if not records:
        return []
    existing: set[tuple[str, str]] = {
        (row[0], row[1])
        for row in session.execute(
            select(FollowUp.conversation_id, FollowUp.cause).where(
                FollowUp.conversation_id.in_(list(records))
            )
        )
    }
    created: list[FollowUp] = []
    for conversation_id in sorted(records):
        stored, record = records[conversation_id]
        facts = _facts(session, stored, record, responses.get(conversation_id, []), chosen)
        triggers = [
            t for t in evaluate(facts, chosen) if (conversation_id, t.cause) not in existing
        ]
        if not triggers:
            continue
        assignee = _assignee(stored, chosen)
        channel = _channel(facts, chosen)
        personal = assignee == stored.agent_id and facts.agent_name is not None
        for trigger in triggers:
            due_at = chosen.due(trigger.priority, moment)
            task = FollowUp(
                conversation_id=conversation_id,
                cause=trigger.cause,
                reason=trigger.reason,
                priority=trigger.priority,
                channel=channel,
                assignee=assignee,
                due_at=due_at,
                status="open",
                message=draft_message(
                    facts,
                    trigger,
                    channel=channel,
                    due_at=due_at,
                    personal=personal,
                    signature=chosen.signature,
                ),
                created_at=moment,
                updated_at=moment,
                note=None,
            )
            try:
                with session.begin_nested():
                    session.add(task)
            except IntegrityError:
                # Created by someone else since we looked: the constraint kept it to one.
                continue
            existing.add((conversation_id, trigger.cause))
            created.append(task)
    return created


# --- working the tasks ---------------------------------------------------------------------------

_PRIORITY_RANK = {name: rank for rank, name in enumerate(reversed(PRIORITIES))}


def list_followups(
    session: Session,
    *,
    status: str | None = None,
    assignee: str | None = None,
    due_before: datetime | None = None,
    conversation_id: str | None = None,
    at: datetime | None = None,
) -> list[FollowUp]:
    """Tasks, soonest due first (then most urgent). ``status="open"`` includes snoozed tasks
    whose snooze has ended."""
    query = select(FollowUp)
    if status is not None:
        if status not in STATUSES:
            raise FollowUpError(
                "bad_status", f"unknown status {status!r}; choose from {', '.join(STATUSES)}"
            )
        if status == "open":
            moment = at or now()
            query = query.where(
                or_(
                    FollowUp.status == "open",
                    and_(FollowUp.status == "snoozed", FollowUp.due_at <= moment),
                )
            )
        else:
            query = query.where(FollowUp.status == status)
    if assignee is not None:
        query = query.where(FollowUp.assignee == assignee)
    if due_before is not None:
        query = query.where(FollowUp.due_at < due_before)
    if conversation_id is not None:
        query = query.where(FollowUp.conversation_id == conversation_id)
    tasks = list(session.scalars(query))
    tasks.sort(key=lambda t: (_aware(t.due_at), _PRIORITY_RANK.get(t.priority, 9), t.id))
    return tasks


def get_followup(session: Session, followup_id: int) -> FollowUp:
    task = session.get(FollowUp, followup_id)
    if task is None:
        raise FollowUpError("not_found", f"no follow-up with id {followup_id}")
    return task


def _still_open(task: FollowUp, action: str) -> None:
    if task.status in ("done", "cancelled"):
        raise FollowUpError(
            "closed", f"follow-up {task.id} is already {task.status}; it cannot be {action}"
        )


def _with_note(task: FollowUp, note: str | None) -> None:
    if note and note.strip():
        task.note = f"{task.note}\n{note.strip()}" if task.note else note.strip()


def mark_done(
    session: Session, followup_id: int, note: str | None = None, *, at: datetime | None = None
) -> FollowUp:
    task = get_followup(session, followup_id)
    _still_open(task, "marked done")
    task.status = "done"
    task.updated_at = at or now()
    _with_note(task, note)
    session.flush()
    return task


def snooze(
    session: Session,
    followup_id: int,
    until: datetime,
    note: str | None = None,
    *,
    at: datetime | None = None,
) -> FollowUp:
    """Put a task aside until a later moment; it is due (and listed as open) again then."""
    moment = at or now()
    until = _aware(until)
    task = get_followup(session, followup_id)
    _still_open(task, "snoozed")
    if until <= moment:
        raise FollowUpError(
            "bad_time", f"cannot snooze until {until:%Y-%m-%d %H:%M}: it has passed"
        )
    task.status = "snoozed"
    task.due_at = until
    task.notified_at = None  # due again later: announce it again then
    task.updated_at = moment
    _with_note(task, note)
    session.flush()
    return task


def cancel(
    session: Session, followup_id: int, note: str | None = None, *, at: datetime | None = None
) -> FollowUp:
    task = get_followup(session, followup_id)
    _still_open(task, "cancelled")
    task.status = "cancelled"
    task.updated_at = at or now()
    _with_note(task, note)
    session.flush()
    return task


__all__ = [
    "CAUSES",
    "PRIORITIES",
    "STATUSES",
    "FollowUpError",
    "FollowUpRules",
    "Trigger",
    "asks_for_call",
    "cancel",
    "default_rules",
    "draft_message",
    "evaluate",
    "generate_followups",
    "get_followup",
    "list_followups",
    "load_rules",
    "mark_done",
    "parse_duration",
    "reported",
    "snooze",
]
