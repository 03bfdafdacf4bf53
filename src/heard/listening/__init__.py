"""The listening engine: what each agent turn does and what each customer turn feels.

>>> from heard.listening import annotate
>>> annotated = annotate(conversation)
>>> annotated.turns[2].labels
['acknowledgement', 'paraphrase']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from heard.listening.labels import AgentLabel, Emotion
from heard.listening.model import Concern, Hit, Signals, TurnAnnotation

if TYPE_CHECKING:
    from heard.conversation import Conversation
    from heard.listening.pipeline import Annotated, LiveSession, Pipeline, default_pipeline

__all__ = [
    "AgentLabel",
    "Annotated",
    "Concern",
    "Emotion",
    "Hit",
    "LiveSession",
    "Pipeline",
    "Signals",
    "TurnAnnotation",
    "annotate",
    "default_pipeline",
]

# The pipeline loads numpy, the tokenizer and the models: the vocabulary and the annotation
# types (all that scoring, the store and the CLI's start-up need) should not pay for it.
_PIPELINE_NAMES = frozenset({"Annotated", "LiveSession", "Pipeline", "default_pipeline"})


def __getattr__(name: str) -> object:
    if name in _PIPELINE_NAMES:
        from heard.listening import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'heard.listening' has no attribute {name!r}")


def annotate(conversation: Conversation) -> Annotated:
    """Annotate every turn of a conversation with the default pipeline."""
    from heard.listening.pipeline import default_pipeline

    return default_pipeline().annotate(conversation)
