"""Features shared by training (tools/train_models.py) and run time, so both see the same thing.

Two kinds, both cheap: dense vectors (static sentence embeddings and a few scalars) and hashed
word n-grams. Hashing uses CRC-32, which is stable across processes and Python versions
(unlike ``hash()``), so a model trained once keeps working everywhere.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from heard.listening.text import words

HASH_BITS = 16
HASH_SIZE = 1 << HASH_BITS

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "so",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "about",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "i",
        "me",
        "my",
        "mine",
        "you",
        "your",
        "yours",
        "we",
        "us",
        "our",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "he",
        "she",
        "they",
        "them",
        "their",
        "his",
        "her",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "how",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "just",
        "really",
        "very",
        "also",
        "too",
        "not",
        "no",
        "yes",
        "ok",
        "okay",
        "oh",
        "please",
        "thanks",
        "thank",
        "hi",
        "hello",
        "hey",
        "well",
        "um",
        "uh",
        "like",
        "get",
        "got",
        "let",
        "any",
        "some",
        "all",
        "more",
        "most",
        "than",
        "then",
        "now",
        "up",
        "out",
        "into",
        "over",
        "again",
        "still",
        "even",
        "only",
        "own",
        "same",
        "such",
        "because",
        "while",
        "until",
        "after",
        "before",
    ]
)


@dataclass(frozen=True, slots=True)
class HashedTerms:
    """A sparse, L2-normalised bag of hashed unigrams and bigrams."""

    indices: IntArray
    values: FloatArray


def _bucket(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & (HASH_SIZE - 1)


@lru_cache(maxsize=65536)
def _character_buckets(token: str) -> tuple[int, ...]:
    padded = f" {token} "
    return tuple(
        _bucket("#" + padded[start : start + n])
        for n in (3, 4, 5)
        for start in range(len(padded) - n + 1)
    )


@lru_cache(maxsize=131072)
def _term_bucket(term: str) -> int:
    return _bucket(term)


def _character_counts(tokens: Sequence[str]) -> dict[int, float]:
    """Hashed character 3–5-grams inside each word, counted."""
    counts: dict[int, float] = {}
    for token in tokens:
        for bucket in _character_buckets(token):
            counts[bucket] = counts.get(bucket, 0.0) + 1.0
    return counts


def _word_counts(tokens: Sequence[str]) -> dict[int, float]:
    """Hashed word unigrams and bigrams, with sentence-boundary markers, counted."""
    counts: dict[int, float] = {}
    if not tokens:
        return counts
    previous = "<s>"
    for token in tokens:
        for term in (token, f"{previous} {token}"):
            bucket = _term_bucket(term)
            counts[bucket] = counts.get(bucket, 0.0) + 1.0
        previous = token
    bucket = _term_bucket(f"{previous} </s>")
    counts[bucket] = counts.get(bucket, 0.0) + 1.0
    return counts


def hashed_terms(tokens: Sequence[str], *, characters: bool = False) -> HashedTerms:
    """Word unigrams and bigrams (with sentence-boundary markers), and with ``characters``
    also character 3–5-grams inside words, which catch misspellings and word forms."""
    counts = _character_counts(tokens) if characters else {}
    for bucket, count in _word_counts(tokens).items():
        counts[bucket] = counts.get(bucket, 0.0) + count
    if not counts:
        return HashedTerms(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    values = (
        1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
    ).astype(np.float32)
    values /= np.float32(np.linalg.norm(values))
    return HashedTerms(indices, values)


def content_words(tokens: Sequence[str]) -> set[str]:
    return {token for token in tokens if token not in STOPWORDS and len(token) > 1}


def overlap_features(
    reply_tokens: Sequence[str], context_tokens: Sequence[str]
) -> tuple[float, float, float]:
    """(share of the reply's content words found in the context, Jaccard of content words,
    longest run of the reply's words copied verbatim from the context / reply length)."""
    reply = content_words(reply_tokens)
    context = content_words(context_tokens)
    if not reply or not context:
        return 0.0, 0.0, 0.0
    shared = reply & context
    covered = len(shared) / len(reply)
    jaccard = len(shared) / len(reply | context)
    return (
        covered,
        jaccard,
        longest_copied_run(reply_tokens, context_tokens) / max(len(reply_tokens), 1),
    )


def longest_copied_run(reply_tokens: Sequence[str], context_tokens: Sequence[str]) -> int:
    """Length of the longest word sequence the reply shares verbatim with the context."""
    if not reply_tokens or not context_tokens:
        return 0
    positions: dict[str, list[int]] = {}
    for index, token in enumerate(context_tokens):
        positions.setdefault(token, []).append(index)
    best = 0
    previous: dict[int, int] = {}
    for token in reply_tokens:
        current: dict[int, int] = {}
        for index in positions.get(token, ()):
            run = previous.get(index - 1, 0) + 1
            current[index] = run
            best = max(best, run)
        previous = current
    return best


_WH = frozenset(
    ["what", "how", "why", "when", "where", "which", "who", "whose", "tell", "describe", "explain"]
)
_TIME = re.compile(
    r"\b(?:within|in|by|before|after|until|over the next|no later than)\s+(?:the\s+)?"
    r"(?:\d+|a|an|one|two|three|four|five|six|seven|ten|24|48|next|this|end of)\b"
    r"|\b(?:today|tonight|tomorrow|this (?:morning|afternoon|evening|week)|next (?:week|month|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|\d+\s*(?:-|to|–)\s*\d+\s*(?:working |business )?(?:days|hours|weeks)|"
    r"\d+\s*(?:minutes|hours|days|weeks|working days|business days)|"
    r"\d{1,2}(?::\d{2})?\s*(?:am|pm))\b",
    re.IGNORECASE,
)


def has_time_expression(text: str) -> bool:
    return bool(_TIME.search(text))


def time_expressions(text: str) -> list[re.Match[str]]:
    return list(_TIME.finditer(text))


SCALAR_NAMES = (
    "bias_one",
    "log_words",
    "ends_question",
    "question_marks",
    "starts_wh",
    "second_person",
    "first_person",
    "digits",
    "time_expression",
    "context_cosine",
    "context_covered",
    "context_jaccard",
    "context_copied_run",
    "no_context",
)

_SECOND = frozenset(["you", "your", "you're", "you've", "you'll", "yours", "yourself"])
_FIRST = frozenset(
    ["i", "i'm", "i've", "i'll", "i'd", "me", "my", "we", "we'll", "we've", "our", "us"]
)


def scalar_features(
    text: str, tokens: Sequence[str], context_tokens: Sequence[str], context_cosine: float
) -> FloatArray:
    covered, jaccard, copied = overlap_features(tokens, context_tokens)
    n = max(len(tokens), 1)
    stripped = text.rstrip()
    return np.array(
        [
            1.0,
            math.log1p(len(tokens)) / 4.0,
            float(stripped.endswith("?")),
            min(text.count("?"), 3) / 3.0,
            float(bool(tokens) and tokens[0] in _WH),
            sum(t in _SECOND for t in tokens) / n,
            sum(t in _FIRST for t in tokens) / n,
            float(any(ch.isdigit() for ch in text)),
            float(has_time_expression(text)),
            context_cosine,
            covered,
            jaccard,
            copied,
            float(not context_tokens),
        ],
        dtype=np.float32,
    )


def reply_features(
    reply_texts: Sequence[str],
    context_texts: Sequence[str],
    reply_vectors: FloatArray,
    context_vectors: FloatArray,
) -> tuple[FloatArray, list[HashedTerms]]:
    """Features for agent replies, each with the recent customer words it answers.

    Dense part: [reply embedding, reply ⊙ context embedding, scalars]; sparse part: hashed
    n-grams of the reply. Vectors must be unit-length rows (the encoder's output).
    """
    cosines = np.einsum("ij,ij->i", reply_vectors, context_vectors)
    rows = []
    sparse = []
    for index, (reply, context) in enumerate(zip(reply_texts, context_texts, strict=True)):
        tokens = words(reply)
        context_tokens = words(context)
        scalars = scalar_features(reply, tokens, context_tokens, float(cosines[index]))
        rows.append(scalars)
        sparse.append(hashed_terms(tokens))
    dense = np.hstack(
        [
            reply_vectors,
            reply_vectors * context_vectors,
            np.vstack(rows) if rows else np.zeros((0, len(SCALAR_NAMES)), np.float32),
        ]
    ).astype(np.float32)
    return dense, sparse


# Customer emotion: the word n-grams and the character n-grams are L2-normalised as two separate
# blocks and added with these weights. One norm over both (as ``hashed_terms`` does) lets the
# many character n-grams of a message drown its few word n-grams.
EMOTION_WORD_WEIGHT = 1.0
EMOTION_CHAR_WEIGHT = 1.0


def _normalised_block(counts: dict[int, float], weight: float) -> tuple[IntArray, FloatArray]:
    indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    values = np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
    values += np.float32(1.0)
    values *= np.float32(weight) / np.float32(np.linalg.norm(values))
    return indices, values.astype(np.float32, copy=False)


def emotion_terms(tokens: Sequence[str]) -> HashedTerms:
    """Hashed word uni/bigrams (with sentence-boundary markers) and character 3–5-grams, the
    same terms as ``hashed_terms(tokens, characters=True)``, each kind normalised on its own.
    A bucket that both kinds hit is listed twice (a linear model adds the two up)."""
    if not tokens:
        return HashedTerms(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
    word_indices, word_values = _normalised_block(_word_counts(tokens), EMOTION_WORD_WEIGHT)
    char_indices, char_values = _normalised_block(_character_counts(tokens), EMOTION_CHAR_WEIGHT)
    return HashedTerms(
        np.concatenate([word_indices, char_indices]),
        np.concatenate([word_values, char_values]).astype(np.float32),
    )


def text_features(
    texts: Sequence[str], vectors: FloatArray
) -> tuple[FloatArray, list[HashedTerms]]:
    """Features for a single text (customer emotion): [embedding, a few scalars] + word and
    character n-grams (``emotion_terms``)."""
    rows = []
    sparse = []
    for text in texts:
        tokens = words(text)
        letters = [ch for ch in text if ch.isalpha()]
        caps = sum(ch.isupper() for ch in letters) / len(letters) if letters else 0.0
        rows.append(
            np.array(
                [
                    1.0,
                    math.log1p(len(tokens)) / 4.0,
                    min(text.count("!"), 3) / 3.0,
                    min(text.count("?"), 3) / 3.0,
                    caps,
                ],
                dtype=np.float32,
            )
        )
        sparse.append(emotion_terms(tokens))
    scalars = np.vstack(rows) if rows else np.zeros((0, 5), np.float32)
    return np.hstack([vectors, scalars]).astype(np.float32), sparse


# The function model also reads the reply's last sentence on its own: what a turn ends with
# ("I'm sorry to hear that. Have you tried talking to her?") is usually what it mainly does.
# Its n-grams are hashed with this prefix, so they do not share weights with the same words
# elsewhere in the reply.
LAST_SENTENCE_PREFIX = "last|"


def function_features(
    dense: FloatArray,
    hashed: Sequence[HashedTerms],
    last_sentences: Sequence[str],
    last_sentence_vectors: FloatArray,
) -> tuple[FloatArray, list[HashedTerms]]:
    """Features for what a turn mainly does: the reply features (``reply_features``) of whole
    turns, plus each turn's last sentence as an embedding and as prefixed hashed n-grams."""
    combined: list[HashedTerms] = []
    for terms, sentence in zip(hashed, last_sentences, strict=True):
        last = hashed_terms([LAST_SENTENCE_PREFIX + token for token in words(sentence)])
        combined.append(
            HashedTerms(
                np.concatenate([terms.indices, last.indices]),
                np.concatenate([terms.values, last.values]).astype(np.float32),
            )
        )
    return np.hstack([dense, last_sentence_vectors]).astype(np.float32), combined
