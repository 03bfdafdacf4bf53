"""Turn `language` (BCP 47 primary tag), from py3langid's shipped model; short turns say nothing."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from py3langid.langid import visit_counts

from heard.listening.state import TurnView

MIN_WORDS = 4
# Restricting the candidates to languages customer service is commonly given in makes short
# texts far less error-prone than asking among all 97.
LANGUAGES = (
    "en fr es de it pt nl sv da no fi pl cs sk hu ro bg el tr ru uk ar he fa hi bn ur id ms vi th "
    "zh ja ko tl sw ca hr sr sl lt lv et".split()
)


class _Identifier:
    """py3langid's naive Bayes model and byte n-gram automaton, scored in float32.

    py3langid keeps its weights in float16, which numpy multiplies without BLAS and which made
    scoring cost more than finding the n-grams; the same weights widened once score a turn in
    a few microseconds. Probabilities are py3langid's (length-normalised softmax).
    """

    def __init__(self, languages: list[str]) -> None:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        model.set_languages(languages)
        # A language written in two scripts (Serbian) has a column per script: fold them.
        self._aliases: list[tuple[int, int]] = list(model._alias_pairs)
        self._encode = model._encode
        self._transitions = model.tk_nextmove
        self._row_base = model._rowbase
        self._outputs = model.tk_output
        self._weights = np.ascontiguousarray(model.nb_ptc, dtype=np.float32)
        self._priors = np.asarray(model.nb_pc, dtype=np.float32)
        self._languages = list(model.nb_classes)

    def classify(self, text: str) -> tuple[str, float]:
        data = self._encode(text)
        visits = visit_counts(self._transitions, self._row_base, self._outputs, data)
        if visits:
            features = np.fromiter(visits.keys(), dtype=np.intp, count=len(visits))
            counts = np.fromiter(visits.values(), dtype=np.float32, count=len(visits))
            scores = np.log1p(counts) @ self._weights[features] + self._priors
            scores *= 1.0 / math.sqrt(len(data) or 1)
        else:  # no known n-gram: every language equally likely, as py3langid says
            scores = np.zeros(len(self._languages), dtype=np.float32)
        scores = np.exp(scores - scores.max())
        for first, other in self._aliases:
            scores[first] += scores[other]
            scores[other] = 0.0
        best = int(scores.argmax())
        return self._languages[best], float(scores[best] / scores.sum())


@lru_cache(maxsize=1)
def _identifier() -> _Identifier:
    return _Identifier(list(LANGUAGES))


def detect_language(text: str) -> tuple[str | None, float]:
    if len(text.split()) < MIN_WORDS:
        return None, 0.0
    return _identifier().classify(text)


class LanguageDetector:
    name = "language"

    def __call__(self, view: TurnView) -> dict[str, Any]:
        language, probability = detect_language(view.turn.text)
        if language is None or probability < 0.8:
            return {}
        return {"language": language}


detect = LanguageDetector()
