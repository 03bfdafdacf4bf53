"""heard's public vocabulary of listening behaviours and customer signals.

These names appear in every output and in users' rubrics: renaming one is a breaking change.
"""

from __future__ import annotations

from enum import StrEnum


class AgentLabel(StrEnum):
    """What an agent turn does."""

    ACKNOWLEDGEMENT = "acknowledgement"
    PARAPHRASE = "paraphrase"
    CLARIFYING_QUESTION = "clarifying_question"
    EMPATHY = "empathy"
    REASSURANCE = "reassurance"
    OWNERSHIP = "ownership"
    SOLUTION = "solution"
    TIMELINE = "timeline"
    FOLLOW_UP = "follow_up"
    INTERRUPTION = "interruption"
    DISMISSIVE = "dismissive"
    ASSUMPTION = "assumption"


class Emotion(StrEnum):
    """How a customer turn sounds."""

    ANGER = "anger"
    FRUSTRATION = "frustration"
    ANXIETY = "anxiety"
    SADNESS = "sadness"
    CONFUSION = "confusion"
    GRATITUDE = "gratitude"
    NEUTRAL = "neutral"


NEGATIVE_EMOTIONS = frozenset(
    {Emotion.ANGER, Emotion.FRUSTRATION, Emotion.ANXIETY, Emotion.SADNESS, Emotion.CONFUSION}
)

# What a turn mainly does, as one choice among these (or none): a second model decides this,
# because a turn that does one thing well should not be credited with three.
FUNCTION_LABELS: tuple[AgentLabel, ...] = (
    AgentLabel.CLARIFYING_QUESTION,
    AgentLabel.PARAPHRASE,
    AgentLabel.EMPATHY,
    AgentLabel.REASSURANCE,
    AgentLabel.SOLUTION,
)

# Labels the trained agent-turn model predicts (the others come from timing and rules alone).
MODEL_LABELS: tuple[AgentLabel, ...] = (
    AgentLabel.ACKNOWLEDGEMENT,
    AgentLabel.PARAPHRASE,
    AgentLabel.CLARIFYING_QUESTION,
    AgentLabel.EMPATHY,
    AgentLabel.REASSURANCE,
    AgentLabel.OWNERSHIP,
    AgentLabel.SOLUTION,
    AgentLabel.TIMELINE,
    AgentLabel.FOLLOW_UP,
    AgentLabel.DISMISSIVE,
    AgentLabel.ASSUMPTION,
)
