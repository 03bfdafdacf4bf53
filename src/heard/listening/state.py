"""The conversation so far, with what has been computed about each turn.

Features are computed once per turn (in one vectorised batch when a whole conversation is
analysed, one turn at a time when it is live) and then read by every detector.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from heard.conversation import Conversation, Role, Turn
from heard.listening.features import FloatArray
from heard.listening.model import TurnAnnotation
from heard.listening.text import Sentence

# How many customer turns before an agent turn count as "what the agent is answering".
CONTEXT_TURNS = 2


@dataclass
class TurnFeatures:
    tokens: list[str]
    sentences: list[Sentence]
    vector: FloatArray
    sentence_vectors: FloatArray
    # Agent turns: label → probability from the agent-turn model, for the whole turn and for
    # each sentence (rows follow ``sentences``).
    label_probabilities: dict[str, float] = field(default_factory=dict)
    sentence_label_probabilities: dict[str, FloatArray] = field(default_factory=dict)
    # Agent turns: what the turn mainly does ("none" or a function label) → probability.
    function_probabilities: dict[str, float] = field(default_factory=dict)
    # Customer turns: emotion → probability.
    emotion_probabilities: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ConversationState:
    conversation: Conversation
    features: list[TurnFeatures] = field(default_factory=list)
    annotations: list[TurnAnnotation] = field(default_factory=list)

    @property
    def turns(self) -> list[Turn]:
        return self.conversation.turns

    def context_indices(self, index: int, limit: int = CONTEXT_TURNS) -> list[int]:
        """The customer turns an agent turn at ``index`` answers: those since the previous agent
        turn (the last ``limit`` of them), else the most recent customer turns before it."""
        found: list[int] = []
        for earlier in range(index - 1, -1, -1):
            role = self.turns[earlier].role
            if role is Role.CUSTOMER:
                found.append(earlier)
                if len(found) >= limit:
                    break
            elif role is Role.AGENT and found:
                break
        return sorted(found)

    def context_text(self, index: int) -> str:
        return " ".join(self.turns[i].text for i in self.context_indices(index))


@dataclass(frozen=True)
class TurnView:
    """What a detector may look at: the turn, its features, and everything before it."""

    state: ConversationState
    index: int

    @property
    def turn(self) -> Turn:
        return self.state.turns[self.index]

    @property
    def features(self) -> TurnFeatures:
        return self.state.features[self.index]

    @property
    def annotation(self) -> TurnAnnotation:
        """This turn's annotation as built so far by earlier detectors."""
        return self.state.annotations[self.index]

    @property
    def conversation(self) -> Conversation:
        return self.state.conversation

    def context(self) -> list[int]:
        return self.state.context_indices(self.index)

    def earlier(self, role: Role | None = None) -> Iterator[int]:
        """Indices of earlier turns, most recent first."""
        for earlier in range(self.index - 1, -1, -1):
            if role is None or self.state.turns[earlier].role is role:
                yield earlier

    def previous(self, role: Role | None = None) -> int | None:
        return next(self.earlier(role), None)

    def sentence_probability(self, label: str, position: int) -> float:
        """The agent-turn model's probability of ``label`` for one sentence of this turn."""
        scores = self.features.sentence_label_probabilities.get(label)
        if scores is None or not len(scores):
            return self.features.label_probabilities.get(label, 0.0)
        return float(scores[min(position, len(scores) - 1)])

    def main_function(self) -> tuple[str, float]:
        """What this agent turn mainly does, by the function model, and its probability."""
        probabilities = self.features.function_probabilities
        if not probabilities:
            return "none", 0.0
        return max(probabilities.items(), key=lambda item: item[1])

    def best_sentence(self, label: str) -> int:
        """The sentence most typical of ``label`` (by the model), for quoting as evidence."""
        scores = self.features.sentence_label_probabilities.get(label)
        if scores is None or not len(scores):
            return 0
        return int(np.argmax(scores))
