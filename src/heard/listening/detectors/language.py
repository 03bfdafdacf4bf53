"""Turn `language` (BCP 47 primary tag), from py3langid's shipped model; short turns say nothing."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from heard.listening.state import TurnView

MIN_WORDS = 4
# Restricting the candidates to languages customer service is commonly given in makes short
# texts far less error-prone than asking among all 97.
LANGUAGES = (
    "en fr es de it pt nl sv da no fi pl cs sk hu ro bg el tr ru uk ar he fa hi bn ur id ms vi th "
    "zh ja ko tl sw ca hr sr sl lt lv et".split()
)


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> tuple[str | None, float]:
    if len(text.split()) < MIN_WORDS:
        return None, 0.0
    language, probability = _identifier().classify(text)
    return str(language), float(probability)


class LanguageDetector:
    name = "language"

    def __call__(self, view: TurnView) -> dict[str, Any]:
        language, probability = detect_language(view.turn.text)
        if language is None or probability < 0.8:
            return {}
        return {"language": language}


detect = LanguageDetector()
