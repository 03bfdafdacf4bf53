"""The whole analysis of a conversation: turn annotations, signals and scorecard together.

>>> import heard
>>> analysis = heard.analyze(conversation)
>>> analysis.listening_score, analysis.components["empathy"].score
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, Field

from heard.conversation import Channel, Conversation
from heard.listening.corpus import EmpathyLedger
from heard.listening.model import Signals, TurnAnnotation
from heard.listening.pipeline import Pipeline, default_pipeline
from heard.scoring import ComponentScore, Evidence, Rubric, default_rubric, score_conversation

ENGINE_VERSION = "0.1.0"


class Analysis(BaseModel):
    conversation_id: str
    agent_id: str | None = None
    team_id: str | None = None
    channel: Channel
    started_at: str | None = None
    listening_score: float | None
    components: dict[str, ComponentScore]
    penalties: list[Evidence] = Field(default_factory=list)
    turns: list[TurnAnnotation]
    signals: Signals
    engine_version: str = ENGINE_VERSION
    rubric_version: str

    @property
    def evidence(self) -> list[Evidence]:
        return [e for c in self.components.values() for e in c.evidence] + self.penalties

    def record(self) -> dict[str, Any]:
        """The documented JSONL record (docs/analysis.md): exactly these keys."""
        return {
            "conversation_id": self.conversation_id,
            "agent_id": self.agent_id,
            "listening_score": self.listening_score,
            "components": {
                name: {"score": c.score, "reason": c.reason} for name, c in self.components.items()
            },
            "evidence": [e.model_dump(mode="json") for e in self.evidence],
            "turns": [
                {
                    "id": t.id,
                    "role": t.role.value,
                    "labels": t.labels,
                    "detail": t.detail,
                    "emotion": t.emotion.value if t.emotion else None,
                    "intensity": t.intensity,
                }
                for t in self.turns
            ],
            "signals": self.signals.model_dump(mode="json", exclude_none=True),
        }

    def record_line(self) -> str:
        """The record as one line of JSONL text (without the newline), as every engine
        writes it."""
        return json.dumps(self.record(), ensure_ascii=False)


def _build(
    conversation: Conversation, turns: list[TurnAnnotation], signals: Signals, rubric: Rubric
) -> Analysis:
    card = score_conversation(conversation, turns, signals, rubric)
    return Analysis(
        conversation_id=conversation.id,
        agent_id=conversation.agent_id,
        team_id=conversation.team_id,
        channel=conversation.channel,
        started_at=conversation.started_at.isoformat() if conversation.started_at else None,
        listening_score=card.listening_score,
        components=card.components,
        penalties=card.penalties,
        turns=turns,
        signals=signals,
        rubric_version=card.rubric_version,
    )


def analyze(
    conversation: Conversation, *, rubric: Rubric | None = None, pipeline: Pipeline | None = None
) -> Analysis:
    """Annotate and score one conversation."""
    annotated = (pipeline or default_pipeline()).annotate(conversation)
    return _build(conversation, annotated.turns, annotated.signals, rubric or default_rubric())


def rescore(
    conversation: Conversation, analysis: Analysis, rubric: Rubric | None = None
) -> Analysis:
    """Score again from existing annotations (after corpus-level marks, or with another rubric)."""
    return _build(conversation, analysis.turns, analysis.signals, rubric or default_rubric())


def analyze_many(
    conversations: Iterable[Conversation],
    *,
    rubric: Rubric | None = None,
    pipeline: Pipeline | None = None,
) -> list[Analysis]:
    """Analyse many conversations, including what needs them all (scripted empathy per agent)."""
    rubric = rubric or default_rubric()
    pairs = [(c, analyze(c, rubric=rubric, pipeline=pipeline)) for c in conversations]
    ledger = EmpathyLedger()
    for conversation, analysis in pairs:
        ledger.add(conversation.agent_id, conversation.id, analysis.turns)
    return list(apply_ledger(pairs, ledger, rubric))


def apply_ledger(
    pairs: Iterable[tuple[Conversation, Analysis]], ledger: EmpathyLedger, rubric: Rubric
) -> Iterator[Analysis]:
    """Mark scripted empathy from a corpus ledger, rescoring the conversations it changes."""
    minimum = rubric.scripted_empathy.min_conversations
    for conversation, analysis in pairs:
        if ledger.mark(conversation.agent_id, analysis.turns, minimum):
            yield rescore(conversation, analysis, rubric)
        else:
            yield analysis
