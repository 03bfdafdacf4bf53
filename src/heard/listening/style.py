"""How the agent writes: readability (Flesch) and language style matching with the customer.

Language style matching (Ireland & Pennebaker, 2010) compares how often each side uses nine
kinds of function words; people who are in tune converge on them without noticing — the written
counterpart of mirroring.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from heard.listening.text import words

_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=65536)
def syllables(word: str) -> int:
    word = word.lower().strip("'")
    if not word:
        return 0
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    return max(count, 1)


def flesch(texts: Sequence[str], sentence_count: int) -> tuple[float | None, float | None]:
    """(Flesch reading ease, Flesch–Kincaid grade) of the texts together; None without words."""
    tokens = [t for text in texts for t in words(text) if any(ch.isalpha() for ch in t)]
    if not tokens or sentence_count <= 0:
        return None, None
    per_sentence = len(tokens) / sentence_count
    per_word = sum(syllables(t) for t in tokens) / len(tokens)
    ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
    grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
    return round(ease, 1), round(grade, 1)


FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "personal_pronouns": frozenset(
        "i me my mine myself we us our ours you your yours yourself he him his she her hers they "
        "them their theirs i'm i've i'll i'd we're we've we'll you're you've you'll".split()
    ),
    "impersonal_pronouns": frozenset(
        "it its it's this that these those something anything everything nothing someone anyone "
        "everyone nobody somebody what which".split()
    ),
    "articles": frozenset("a an the".split()),
    "conjunctions": frozenset(
        "and but or so because although though while if unless whereas nor yet".split()
    ),
    "prepositions": frozenset(
        "to of in for on with at by from about into over after before under between through during "
        "without within until against among up down off out".split()
    ),
    "auxiliary_verbs": frozenset(
        "am is are was were be been being have has had do does did will would shall should can "
        "could may might must don't doesn't didn't won't wouldn't can't couldn't isn't aren't "
        "wasn't".split()
    ),
    "adverbs": frozenset(
        "very really just so too quite also then now here there even still already".split()
    ),
    "negations": frozenset(
        "no not never none nor n't don't won't can't isn't wasn't didn't nothing".split()
    ),
    "quantifiers": frozenset(
        "all some many much more most few several any each every lot lots both".split()
    ),
}
MIN_WORDS_FOR_MATCHING = 100


_CATEGORIES_OF: dict[str, tuple[str, ...]] = {
    word: tuple(c for c, members in FUNCTION_WORDS.items() if word in members)
    for word in frozenset().union(*FUNCTION_WORDS.values())
}


def style_profile(texts: Sequence[str]) -> tuple[dict[str, float], int]:
    counts = dict.fromkeys(FUNCTION_WORDS, 0)
    total = 0
    for text in texts:
        tokens = words(text)
        total += len(tokens)
        for token in tokens:
            for category in _CATEGORIES_OF.get(token, ()):
                counts[category] += 1
    if not total:
        return {category: 0.0 for category in FUNCTION_WORDS}, 0
    return {category: count / total for category, count in counts.items()}, total


def style_matching(
    agent_texts: Sequence[str], customer_texts: Sequence[str]
) -> tuple[float | None, bool]:
    """(LSM score 0–1, whether both sides wrote enough words for it to mean much)."""
    agent, agent_words = style_profile(agent_texts)
    customer, customer_words = style_profile(customer_texts)
    if not agent_words or not customer_words:
        return None, False
    scores = [
        1.0 - abs(agent[c] - customer[c]) / (agent[c] + customer[c] + 0.0001)
        for c in FUNCTION_WORDS
    ]
    enough = agent_words >= MIN_WORDS_FOR_MATCHING and customer_words >= MIN_WORDS_FOR_MATCHING
    return round(sum(scores) / len(scores), 3), enough
