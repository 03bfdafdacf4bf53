"""How the simulator reads an agent's words against a scenario: by words and by meaning.

Keywords are word *prefixes* ("deliver" matches "delivered" and "delivery"); phrases match
with any spacing. Meaning is the engine's static sentence encoder: cosine similarity of unit
vectors, cached per text because scenarios reuse the same examples every turn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

from heard.listening.detectors.paraphrase import LEADS, REFLECTS_FEELING
from heard.listening.detectors.questions import (
    CHECK,
    INVITATION,
    NOT_CLARIFYING,
    RESTATES,
    is_question,
    question_kind,
)
from heard.listening.encoder import Vectors
from heard.listening.resources import encoder
from heard.listening.text import Sentence, split_sentences

_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
# "Can I ask what made you…?", "Could you tell me how…?": a polite frame around an open
# question is still an open question.
_EMBEDDED_OPEN = re.compile(
    r"\b(?:ask|tell me|know|share|explain|understand)\s+(?:a bit\s+)?(?:more\s+)?"
    r"(?:about\s+)?(?:what|how|why)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=512)
def keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    """Word prefixes (phrases with flexible spacing), case-insensitive."""
    parts = sorted({re.escape(k.strip()).replace(r"\ ", r"\s+") for k in keywords if k.strip()})
    return re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")", re.IGNORECASE)


def mentions(text: str, keywords: Iterable[str]) -> str | None:
    """The first keyword found in ``text`` (as it is written there), or None."""
    words = tuple(keywords)
    if not words:
        return None
    match = keyword_pattern(words).search(text)
    return match.group() if match else None


@lru_cache(maxsize=4096)
def _vector(text: str) -> Vectors:
    return encoder().encode_one(text)


def similarity(texts: Sequence[str], others: Sequence[str]) -> float:
    """The highest cosine similarity between any of ``texts`` and any of ``others``."""
    if not texts or not others:
        return 0.0
    left = np.stack([_vector(t) for t in texts])
    right = np.stack([_vector(o) for o in others])
    return float((left @ right.T).max())


def question_sentences(text: str) -> list[tuple[Sentence, str]]:
    """The sentences of an agent turn that ask the customer something, each open or closed."""
    found: list[tuple[Sentence, str]] = []
    for sentence in split_sentences(text):
        if RESTATES.search(sentence.text) or CHECK.search(sentence.text):
            continue  # "So it went to the old flat?", "…, is that right?": checks, not asks
        if LEADS.search(sentence.text):
            continue
        invites = bool(INVITATION.search(sentence.text))
        if invites or (is_question(sentence) and not NOT_CLARIFYING.search(sentence.text)):
            kind = question_kind(sentence.text)
            if kind == "closed" and _EMBEDDED_OPEN.search(sentence.text):
                kind = "open"
            found.append((sentence, kind))
    return found


def restatements(text: str) -> list[Sentence]:
    """Sentences that lead into a restatement ("So your order…", "Just to confirm…")."""
    return [
        s
        for s in split_sentences(text)
        if LEADS.search(s.text) and not REFLECTS_FEELING.search(s.text)
    ]


def numbers(text: str) -> list[str]:
    return _NUMBER.findall(text)


def sentence_texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)] or [text]
