"""What the listening engine says about a conversation: per-turn annotations with the quoted
words behind each label, and conversation-level signals."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from heard.conversation import Role
from heard.listening.labels import Emotion


class Hit(BaseModel):
    """One label on one turn, and the words that earned it."""

    model_config = ConfigDict(frozen=True)

    label: str
    quote: str
    start: int = Field(description="Character offset of the quote in the turn's text.")
    end: int
    confidence: float = Field(ge=0, le=1)
    reason: str
    detail: dict[str, Any] = Field(default_factory=dict)


class Concern(BaseModel):
    """Something the customer raised, in their own words, and whether it was heard."""

    id: str
    turn_id: str
    text: str = Field(description="A short phrase of the concern.")
    quote: str
    start: int
    end: int
    acknowledged_by: str | None = Field(
        default=None, description="Agent turn that acknowledged it."
    )
    answered_by: str | None = Field(default=None, description="Agent turn that answered it.")
    repeat_of: str | None = Field(default=None, description="Earlier concern this one repeats.")


class TurnAnnotation(BaseModel):
    """Everything the engine says about one turn."""

    id: str
    role: Role
    labels: list[str] = Field(default_factory=list)
    detail: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per label, e.g. {'clarifying_question': {'question': 'open'}}.",
    )
    hits: list[Hit] = Field(default_factory=list)
    emotion: Emotion | None = None
    intensity: float | None = Field(default=None, ge=0, le=1)
    emotion_quote: str | None = None
    concerns: list[Concern] = Field(default_factory=list)
    urgency: bool | None = None
    urgency_quote: str | None = None
    repeated_concern: bool = False
    language: str | None = None

    def has(self, label: str) -> bool:
        return label in self.labels

    def hit(self, label: str) -> Hit | None:
        return next((hit for hit in self.hits if hit.label == label), None)


class EmotionPoint(BaseModel):
    turn_id: str
    emotion: Emotion
    intensity: float
    valence: float = Field(description="-1 (very negative) … +1 (very positive).")
    time: float | None = Field(default=None, description="Seconds from the start, when known.")


class Trajectory(BaseModel):
    start: EmotionPoint | None = None
    end: EmotionPoint | None = None
    points: list[EmotionPoint] = Field(default_factory=list)
    change: float | None = Field(default=None, description="End valence minus start valence.")


class Interrogation(BaseModel):
    """A run of closed questions with no acknowledgement in between."""

    turn_ids: list[str]
    quotes: list[str]


class Timing(BaseModel):
    """Voice: talk and pauses; chat/email: response times. Null where the data cannot say."""

    timed: bool = False
    agent_talk_seconds: float | None = None
    customer_talk_seconds: float | None = None
    talk_to_listen_ratio: float | None = Field(
        default=None, description="Agent speaking time / all speaking time (silence excluded)."
    )
    longest_agent_monologue_seconds: float | None = None
    longest_agent_monologue_turn: str | None = None
    interruptions: int | None = None
    patience_seconds: float | None = Field(
        default=None, description="Median pause before the agent answers a customer turn."
    )
    dead_air_seconds: float | None = None
    first_response_seconds: float | None = None
    median_response_seconds: float | None = None
    max_response_seconds: float | None = None


class LanguageSignal(BaseModel):
    customer: str | None = None
    agent: str | None = None
    mismatch: bool = False


class Readability(BaseModel):
    """Of the agent's words: Flesch reading ease (higher is easier) and grade level."""

    reading_ease: float | None = None
    grade_level: float | None = None
    plain_language: bool | None = None
    hardest_turn: str | None = None


class Rapport(BaseModel):
    """Language style matching (Pennebaker): 1 is perfect matching of function-word use."""

    style_matching: float | None = None
    enough_words: bool = False


class Signals(BaseModel):
    """Conversation-level findings."""

    unaddressed_concerns: list[Concern] = Field(default_factory=list)
    concerns: list[Concern] = Field(default_factory=list)
    emotion_trajectory: Trajectory = Field(default_factory=Trajectory)
    interrogations: list[Interrogation] = Field(default_factory=list)
    timing: Timing = Field(default_factory=Timing)
    language: LanguageSignal = Field(default_factory=LanguageSignal)
    readability: Readability = Field(default_factory=Readability)
    rapport: Rapport = Field(default_factory=Rapport)
