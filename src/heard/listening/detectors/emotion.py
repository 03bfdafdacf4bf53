"""Customer `emotion` and `intensity` (0–1), from the shipped emotion model.

The quote is the sentence that carries the feeling most (by a small lexicon of each emotion's
words), so evidence points at the words, not the whole message.
"""

from __future__ import annotations

import re
from typing import Any

from heard.conversation import Role
from heard.listening.labels import Emotion
from heard.listening.state import TurnView

# Below this probability a non-neutral emotion is not claimed.
MIN_PROBABILITY = 0.3
_LEXICON = {
    Emotion.ANGER: r"unacceptable|ridiculous|disgusting|furious|outrage|angry|livid|sue|lawyer|worst|"
    r"pathetic|joke|incompetent|useless|never again|hate|damn|hell|f\w*k",
    Emotion.FRUSTRATION: r"frustrat|annoy|fed up|still|again|third time|second time|already|nobody|"
    r"no one|keep|waste|sick of|tired of|disappoint|not good enough|seriously|really\?",
    Emotion.ANXIETY: r"worr|anxious|nervous|scared|afraid|panic|what if|urgent|asap|need it|before|"
    r"stress|concern|desperate|please help",
    Emotion.SADNESS: r"sad|upset|heartbroken|passed away|died|loss|lost|miss|cry|crying|devastat|"
    r"hurt|lonely|depress",
    Emotion.CONFUSION: r"confus|don'?t understand|unclear|not sure|which one|what does|how do i|"
    r"makes no sense|doesn'?t make sense|\?",
    Emotion.GRATITUDE: r"thank|thanks|appreciate|grateful|relief|relieved|brilliant|great|amazing|"
    r"perfect|lifesaver|helpful",
}
_INTENSIFIERS = re.compile(
    r"\b(?:so|really|very|extremely|absolutely|totally|completely)\b|!!|[A-Z]{4,}"
)
INTENSIFIER_STEP = 0.05
# A feeling the model names is felt at least this much: the floor of the labelled scale, where
# heard's authors put no named emotion below 0.3.
MIN_FELT_INTENSITY = 0.3
_PATTERNS = {emotion: re.compile(pattern, re.IGNORECASE) for emotion, pattern in _LEXICON.items()}


class EmotionDetector:
    name = "emotion"

    def __call__(self, view: TurnView) -> dict[str, Any]:
        if view.turn.role is not Role.CUSTOMER:
            return {}
        probabilities = view.features.emotion_probabilities
        if not probabilities:
            return {}
        label, p = max(probabilities.items(), key=lambda item: item[1])
        emotion = Emotion(label)
        if emotion is not Emotion.NEUTRAL and p < MIN_PROBABILITY:
            emotion = Emotion.NEUTRAL
        intensity = self._intensity(view, emotion, p)
        return {
            "emotion": emotion,
            "intensity": intensity,
            "emotion_quote": self._quote(view, emotion),
        }

    @staticmethod
    def _intensity(view: TurnView, emotion: Emotion, p: float) -> float:
        regressed = view.features.extra.get("intensity")
        return felt_intensity(
            emotion is Emotion.NEUTRAL,
            p,
            float(regressed) if regressed is not None else None,
            view.turn.text,
        )

    @staticmethod
    def _quote(view: TurnView, emotion: Emotion) -> str | None:
        sentences = view.features.sentences
        if not sentences:
            return None
        pattern = _PATTERNS.get(emotion)
        if pattern is None:
            return None
        scored = [(len(pattern.findall(s.text)), -i, s.text) for i, s in enumerate(sentences)]
        best = max(scored)
        return best[2] if best[0] > 0 else sentences[0].text


def felt_intensity(neutral: bool, p: float, regressed: float | None, text: str) -> float:
    """The intensity heard reports for a message: low for a neutral one; otherwise the model's
    intensity regression (``regressed``; the top probability ``p`` when a model has none),
    plus a little per intensifier, within the labelled scale.

    The regression is fitted on the probabilities the classifier gives messages it never saw.
    Blending in the top probability, as before, inflated it (the max-pooled part columns make
    that probability high) and lowered its agreement with the labels (docs/models.md,
    "intensity, measured"); intensifiers still add a little, which short emphatic messages,
    rare in the labelled set, need.
    """
    if neutral:
        return round(min(0.15, 1.0 - p), 2)
    base = regressed if regressed is not None else p
    boost = INTENSIFIER_STEP * len(_INTENSIFIERS.findall(text))
    return round(min(max(base + boost, MIN_FELT_INTENSITY), 1.0), 2)


detect = EmotionDetector()
