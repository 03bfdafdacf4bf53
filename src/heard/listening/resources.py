"""The shipped models, loaded once per process. All files live in heard/models/ (see
docs/models.md for what each is, what it was trained on, its licence and scores)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from heard.listening.encoder import StaticEncoder, default_encoder
from heard.listening.linear import LinearModel

MODELS = Path(__file__).resolve().parents[1] / "models"


@lru_cache(maxsize=1)
def agent_model() -> LinearModel:
    return LinearModel.load(MODELS / "agent_labels.npz")


@lru_cache(maxsize=1)
def function_model() -> LinearModel:
    """What an agent turn mainly does: none, or one of FUNCTION_LABELS (softmax)."""
    return LinearModel.load(MODELS / "agent_functions.npz")


@lru_cache(maxsize=1)
def emotion_model() -> LinearModel:
    return LinearModel.load(MODELS / "emotion.npz")


def encoder() -> StaticEncoder:
    return default_encoder()


def warm_up() -> None:
    """Load every model now (servers call this at start-up, not on the first request)."""
    from heard.listening.detectors.language import detect_language

    encoder()
    agent_model()
    function_model()
    emotion_model()
    detect_language("warm up the language model now")
