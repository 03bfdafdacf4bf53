"""The listening pipeline: detectors run in order on each turn, like spaCy's components.

``Pipeline.annotate(conversation)`` analyses a whole conversation (features for every turn in
one vectorised batch); ``Pipeline.live(conversation)`` starts a session that takes one turn at
a time, as the real-time assistant needs. Both give the same annotations for the same turns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from heard.conversation import Conversation, Role, Turn
from heard.listening.detectors import (
    acknowledgement,
    assumption,
    concerns,
    dismissive,
    emotion,
    empathy,
    follow_up,
    interruption,
    language,
    ownership,
    paraphrase,
    questions,
    reassurance,
    repetition,
    solution,
    timeline,
    urgency,
)
from heard.listening.detectors.base import AgentDetector, CustomerDetector
from heard.listening.featurize import featurize
from heard.listening.model import Hit, Signals, TurnAnnotation
from heard.listening.signals import compute_signals
from heard.listening.state import ConversationState, TurnView

DEFAULT_AGENT_DETECTORS: tuple[AgentDetector, ...] = (
    acknowledgement.detect,
    paraphrase.detect,
    questions.detect,
    empathy.detect,
    reassurance.detect,
    ownership.detect,
    solution.detect,
    timeline.detect,
    follow_up.detect,
    interruption.detect,
    dismissive.detect,
    assumption.detect,
)
DEFAULT_CUSTOMER_DETECTORS: tuple[CustomerDetector, ...] = (
    emotion.detect,
    concerns.detect,
    urgency.detect,
    repetition.detect,
)
DEFAULT_ALL_TURN_DETECTORS: tuple[CustomerDetector, ...] = (language.detect,)


@dataclass(frozen=True)
class Annotated:
    """A conversation with every turn annotated and the conversation-level signals."""

    conversation: Conversation
    turns: list[TurnAnnotation]
    signals: Signals


class Pipeline:
    """An ordered set of detectors. Add or remove components by name, spaCy-style."""

    def __init__(
        self,
        agent_detectors: Sequence[AgentDetector] = DEFAULT_AGENT_DETECTORS,
        customer_detectors: Sequence[CustomerDetector] = DEFAULT_CUSTOMER_DETECTORS,
        all_turn_detectors: Sequence[CustomerDetector] = DEFAULT_ALL_TURN_DETECTORS,
    ) -> None:
        self.agent_detectors = list(agent_detectors)
        self.customer_detectors = list(customer_detectors)
        self.all_turn_detectors = list(all_turn_detectors)

    @property
    def names(self) -> list[str]:
        return [
            *(d.name for d in self.agent_detectors),
            *(d.name for d in self.customer_detectors),
            *(d.name for d in self.all_turn_detectors),
        ]

    def remove(self, name: str) -> None:
        self.agent_detectors = [d for d in self.agent_detectors if d.name != name]
        self.customer_detectors = [d for d in self.customer_detectors if d.name != name]
        self.all_turn_detectors = [d for d in self.all_turn_detectors if d.name != name]

    def add_agent_detector(self, detector: AgentDetector, *, before: str | None = None) -> None:
        position = len(self.agent_detectors)
        if before is not None:
            position = next(i for i, d in enumerate(self.agent_detectors) if d.name == before)
        self.agent_detectors.insert(position, detector)

    # --- whole conversations -------------------------------------------------------------

    def annotate(self, conversation: Conversation) -> Annotated:
        state = ConversationState(conversation=conversation)
        indices = list(range(len(conversation.turns)))
        state.features = featurize(state, indices) if indices else []
        state.annotations = [_blank(turn) for turn in conversation.turns]
        for index in indices:
            self._annotate_turn(state, index)
        return Annotated(conversation, state.annotations, compute_signals(state))

    # --- live ------------------------------------------------------------------------------

    def live(self, conversation: Conversation | None = None) -> LiveSession:
        """A session for a conversation in progress (its existing turns are analysed first)."""
        start = conversation or Conversation(id="live")
        session = LiveSession(self, start.model_copy(update={"turns": []}))
        session.extend(start.turns)
        return session

    def _annotate_turn(self, state: ConversationState, index: int) -> None:
        view = TurnView(state, index)
        turn = state.turns[index]
        if turn.role is Role.AGENT:
            for detector in self.agent_detectors:
                hit = detector(view)
                if hit is not None:
                    _add_hit(state.annotations[index], hit)
        elif turn.role is Role.CUSTOMER:
            for customer_detector in self.customer_detectors:
                _update(state.annotations[index], customer_detector(view))
        for any_detector in self.all_turn_detectors:
            _update(state.annotations[index], any_detector(view))

    def _revise(self, state: ConversationState, index: int) -> bool:
        """Re-run look-ahead detectors on an earlier agent turn now that a later turn exists."""
        if state.turns[index].role is not Role.AGENT:
            return False
        changed = False
        view = TurnView(state, index)
        for detector in self.agent_detectors:
            if getattr(detector, "lookahead", 0) and not state.annotations[index].has(
                detector.name
            ):
                hit = detector(view)
                if hit is not None:
                    _add_hit(state.annotations[index], hit)
                    changed = True
        return changed


class LiveSession:
    """A conversation in progress: add turns as they happen, read annotations and signals."""

    def __init__(self, pipeline: Pipeline, conversation: Conversation) -> None:
        self.pipeline = pipeline
        self.state = ConversationState(conversation=conversation)

    def add(self, turn: Turn) -> list[TurnAnnotation]:
        """Annotate a new turn; returns its annotation and any earlier one it revised."""
        state = self.state
        if not turn.id:
            turn = turn.model_copy(update={"id": f"t{len(state.turns) + 1}"})
        if any(existing.id == turn.id for existing in state.turns):
            raise ValueError(f"turn id {turn.id!r} is already in this conversation")
        state.conversation.turns.append(turn)
        index = len(state.turns) - 1
        state.features.extend(featurize(state, [index]))
        state.annotations.append(_blank(turn))
        self.pipeline._annotate_turn(state, index)
        changed = [state.annotations[index]]
        for earlier in range(max(0, index - 1), index):
            if self.pipeline._revise(state, earlier):
                changed.insert(0, state.annotations[earlier])
        return changed

    def extend(self, turns: Iterable[Turn]) -> None:
        for turn in turns:
            self.add(turn)

    def signals(self) -> Signals:
        return compute_signals(self.state)

    @property
    def annotations(self) -> list[TurnAnnotation]:
        return self.state.annotations

    @property
    def conversation(self) -> Conversation:
        return self.state.conversation


def _blank(turn: Turn) -> TurnAnnotation:
    return TurnAnnotation(id=turn.id, role=turn.role)


def _add_hit(annotation: TurnAnnotation, hit: Hit) -> None:
    if hit.label in annotation.labels:
        return
    annotation.labels.append(hit.label)
    annotation.hits.append(hit)
    if hit.detail:
        annotation.detail[hit.label] = dict(hit.detail)


def _update(annotation: TurnAnnotation, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        setattr(annotation, key, value)


_default: Pipeline | None = None


def default_pipeline() -> Pipeline:
    global _default
    if _default is None:
        _default = Pipeline()
    return _default
