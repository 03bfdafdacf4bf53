"""The listening engine: what each agent turn does and what each customer turn feels.

>>> from heard.listening import annotate
>>> annotated = annotate(conversation)
>>> annotated.turns[2].labels
['acknowledgement', 'paraphrase']
"""

from heard.conversation import Conversation
from heard.listening.labels import AgentLabel, Emotion
from heard.listening.model import Concern, Hit, Signals, TurnAnnotation
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


def annotate(conversation: Conversation) -> Annotated:
    """Annotate every turn of a conversation with the default pipeline."""
    return default_pipeline().annotate(conversation)
