"""The shape of a detector, and the evidence-finding helpers most of them share."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from heard.conversation import Role
from heard.listening.labels import FUNCTION_LABELS
from heard.listening.model import Hit
from heard.listening.resources import agent_model
from heard.listening.state import TurnView
from heard.listening.text import Sentence

_FUNCTIONS = frozenset(label.value for label in FUNCTION_LABELS)


class AgentDetector(Protocol):
    """Decides one label on an agent turn; a pure function of the conversation so far."""

    @property
    def name(self) -> str: ...

    def __call__(self, view: TurnView) -> Hit | None: ...


class CustomerDetector(Protocol):
    """Adds fields to a customer turn's annotation (emotion, concerns, …)."""

    @property
    def name(self) -> str: ...

    def __call__(self, view: TurnView) -> dict[str, Any]: ...


def sentence_hit(
    view: TurnView,
    label: str,
    sentence: Sentence,
    confidence: float,
    reason: str,
    detail: dict[str, Any] | None = None,
) -> Hit:
    return Hit(
        label=label,
        quote=sentence.text,
        start=sentence.start,
        end=sentence.end,
        confidence=round(min(max(confidence, 0.0), 1.0), 3),
        reason=reason,
        detail=detail or {},
    )


def span_hit(
    view: TurnView,
    label: str,
    match: re.Match[str],
    confidence: float,
    reason: str,
    detail: dict[str, Any] | None = None,
) -> Hit:
    """A hit quoting the whole sentence that contains a cue match."""
    sentence = sentence_at(view, match.start())
    return sentence_hit(view, label, sentence, confidence, reason, detail)


def sentence_at(view: TurnView, offset: int) -> Sentence:
    for sentence in view.features.sentences:
        if sentence.start <= offset < max(sentence.end, sentence.start + 1):
            return sentence
    text = view.turn.text
    return Sentence(text.strip(), 0, len(text))


def probability(view: TurnView, label: str) -> float:
    return view.features.label_probabilities.get(label, 0.0)


# The function model must give its choice at least this probability to stand on its own.
MIN_FUNCTION_PROBABILITY = 0.4


def model_says(view: TurnView, label: str, margin: float = 0.0) -> float | None:
    """The model's confidence that this turn does ``label``, or None when it does not say so.

    The five listening functions come from the function model (the turn's main function);
    the other labels from the per-label model above its cross-validated threshold + margin.
    """
    if label in _FUNCTIONS:
        main, p = view.main_function()
        return p if main == label and p >= MIN_FUNCTION_PROBABILITY else None
    p = probability(view, label)
    return p if p >= min(threshold(label) + margin, 0.95) else None


def threshold(label: str) -> float:
    model = agent_model()
    return float(model.thresholds[model.labels.index(label)])


@dataclass(frozen=True)
class CueDetector:
    """A label decided by phrases that say it outright, backed by the trained model.

    A cue alone fires (explicit wording is the best evidence); the model alone fires when it
    is confident (above its cross-validated threshold plus ``model_margin``), so unusual
    wording is still caught. ``veto`` removes a cue match that reads as something else;
    ``model_exclude`` names sentences that can never be the model's evidence for the label
    (a shrug is not reassurance, whatever the model's score).
    """

    name: str
    cues: re.Pattern[str]
    describe: str
    model_margin: float = 0.1
    veto: Callable[[TurnView, re.Match[str]], bool] | None = None
    use_model: bool = True
    model_exclude: re.Pattern[str] | None = None

    def __call__(self, view: TurnView) -> Hit | None:
        if view.turn.role is not Role.AGENT:
            return None
        p = probability(view, self.name)
        vetoed: list[int] = []
        for match in self.cues.finditer(view.turn.text):
            if self.veto is not None and self.veto(view, match):
                vetoed.append(match.start())
                continue
            return span_hit(
                view, self.name, match, max(p, 0.75), f"{self.describe}: “{match.group().strip()}”"
            )
        said = model_says(view, self.name, self.model_margin) if self.use_model else None
        if said is not None:
            p = said
            sentence = (
                view.features.sentences[view.best_sentence(self.name)]
                if view.features.sentences
                else None
            )
            # The model keys on the same words as the cue: when the sentence it picks holds a
            # vetoed cue ("I see your order here"), the veto stands.
            if sentence is not None and any(
                sentence.start <= offset < sentence.end for offset in vetoed
            ):
                sentence = None
            if (
                sentence is not None
                and self.model_exclude is not None
                and self.model_exclude.search(sentence.text)
            ):
                sentence = None
            if sentence is not None:
                return sentence_hit(
                    view, self.name, sentence, p, f"{self.describe} (model, p={p:.2f})"
                )
        return None


def cue(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# A sentence that only announces a check ("Let me check the booking system."): it presumes
# nothing and dismisses nothing, whatever the models make of it after a complaint.
ANNOUNCES_A_CHECK = cue(
    r"^\s*(?:(?:ok(?:ay)?|right|sure|one moment|one sec(?:ond)?),?\s+)?(?:let me|I(?:'ll| will)|I(?:'m| am) "
    r"going to) (?:just |quickly )?(?:check|look (?:into|at|up)|see|find|pull up|have a look|take a look)\b"
    r"[^.!?]*[.!]?\s*$"
)
