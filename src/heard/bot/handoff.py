"""When the bot hands over, and the packet the human agent receives.

The bot hands off when the customer asks for a person, shows strong negative emotion, has to
repeat a concern, asks about something the KB does not cover, or when two answers in a row did
not help (and for topics the KB marks ``handoff: true``, or a language it cannot answer in).
The packet tells the agent the whole story so the customer never has to repeat it: the issue
and what they want in their own words, their emotion and its trajectory, the facts they gave,
what the bot already tried, and a first reply that shows they were heard.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from heard.bot.facts import Fact
from heard.bot.routing import Route
from heard.listening.labels import NEGATIVE_EMOTIONS, Emotion
from heard.listening.model import Trajectory, TurnAnnotation


class HandoffReason(StrEnum):
    ASKED_FOR_PERSON = "asked_for_person"
    STRONG_EMOTION = "strong_emotion"
    REPEATED_CONCERN = "repeated_concern"
    OUT_OF_SCOPE = "out_of_scope"
    FAILED_ANSWERS = "failed_answers"
    SENSITIVE_TOPIC = "sensitive_topic"
    LANGUAGE = "language"


ASKS_FOR_PERSON = re.compile(
    r"\b(?:(?:speak|talk|chat)\s+(?:to|with)\s+(?:a|an|some|your|the)?\s*(?:real\s+|actual\s+|live\s+)?"
    r"(?:human|person|people|someone|somebody|agent|representative|rep|manager|supervisor|operator|"
    r"advisor|adviser)|(?:real|actual|live)\s+(?:human|person|agent)|human\s+(?:being|agent|please)|"
    r"(?:get|put|transfer|connect)\s+me\s+(?:to|through to|with)\s+(?:a|an|someone|somebody|your)|"
    r"(?:need|want)\s+(?:a|an)\s+(?:human|person|agent|representative)|\bagent\s+please|"
    r"not\s+(?:a|another)\s+(?:bot|robot|machine)|stop\s+(?:the\s+)?bot|call\s+me\s+back)\b",
    re.IGNORECASE,
)
# Strong words: with a negative emotion the model reads at all, they make it strong.
STRONG_WORDS = re.compile(
    r"\b(?:furious|livid|outraged|outrageous|disgusted|disgusting|unacceptable|ridiculous|"
    r"absurd|appalling|appalled|disgrace\w*|useless|pathetic|worst|a joke|scam\w*|"
    r"fed up|sick (?:and tired )?of|had enough|lawyer|solicitor|legal action|sue\b|"
    r"report you|close my account|cancel my account|"
    r"never (?:buy|order|shop) (?:from|with|here) again|"
    r"desperate|devastated|in tears|can'?t cope|panick\w*|terrified)\b",
    re.IGNORECASE,
)
STRONG_INTENSITY = 0.85
CUE_INTENSITY = 0.35
FRUSTRATED_INTENSITY = 0.35
_HEATED = frozenset({Emotion.ANGER, Emotion.FRUSTRATION, Emotion.SADNESS, Emotion.ANXIETY})


def asks_for_person(text: str) -> re.Match[str] | None:
    return ASKS_FOR_PERSON.search(text)


def strong_emotion(annotation: TurnAnnotation, text: str) -> str | None:
    """Why this customer turn shows strong negative emotion (None when it does not): a very
    intense reading of the emotion model, or strong words with a negative reading."""
    emotion, intensity = annotation.emotion, annotation.intensity or 0.0
    if emotion not in _HEATED:
        return None
    if intensity >= STRONG_INTENSITY:
        return f"{emotion} at intensity {intensity:.2f}"
    cue = STRONG_WORDS.search(text)
    if cue is not None and intensity >= CUE_INTENSITY:
        return f"{emotion} at intensity {intensity:.2f}, saying “{cue.group()}”"
    return None


def upset(annotation: TurnAnnotation, text: str) -> bool:
    """Upset enough that cheerful lines would jar: a negative emotion read with some intensity,
    or strong words whatever the model read."""
    if STRONG_WORDS.search(text):
        return True
    return (
        annotation.emotion in NEGATIVE_EMOTIONS
        and annotation.emotion is not Emotion.CONFUSION
        and (annotation.intensity or 0.0) >= FRUSTRATED_INTENSITY
    )


class Quote(BaseModel):
    """The customer's words, exactly, and where they said them."""

    turn_id: str
    text: str


class Attempt(BaseModel):
    """Something the bot tried, and how the customer took it."""

    turn_id: str
    decision: str = Field(description="answer, confirm or clarify")
    entry_id: str | None = None
    entry_question: str | None = None
    confidence: float | None = None
    outcome: str = Field(
        default="no_reply",
        description="helped, failed (said it did not help), rejected (said no to a "
        "confirmation), confirmed, or no_reply",
    )


class SuggestedReply(BaseModel):
    text: str
    grounded_in: list[Quote] = Field(
        default_factory=list, description="The customer's words the reply restates."
    )


class EmotionNow(BaseModel):
    emotion: str | None = None
    intensity: float | None = None
    quote: str | None = None


class HandoffPacket(BaseModel):
    """Everything the human agent needs to take over without asking again."""

    conversation_id: str
    created_at: datetime
    reason: HandoffReason
    reason_detail: str
    evidence: Quote | None = Field(default=None, description="The words that triggered it.")
    issue: list[Quote] = Field(description="The issue, in the customer's own words.")
    wants: list[Quote] = Field(description="What they want, in their own words.")
    emotion: EmotionNow
    trajectory: Trajectory
    facts: list[Fact]
    tried: list[Attempt]
    suggested_reply: SuggestedReply
    urgency: Quote | None = None
    language: str | None = None
    route: Route
    kb: str
    turns: int
