"""Words as retrieval sees them: terms (lower-cased, lightly stemmed), a vocabulary, BM25.

BM25 (Robertson & Zaragoza's Okapi weighting, k1 = 1.2, b = 0.75) scores every question
variant of the knowledge base against a query at once: the index keeps, per term, the variants
that contain it and their weight, so a query of ten words costs ten gathers.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from heard.bot.sparse import FloatArray, IntArray, SparseRows
from heard.listening.text import words

K1 = 1.2
B = 0.75

# Words that carry no topic: left out of BM25 (they would only add noise to every score), kept
# in the re-ranker's bigrams where "how do" and "can i" do tell questions apart.
STOPWORDS = frozenset(
    "a an the and or but if so of to in on at by for with from about as is are was were be been "
    "am do does did i me my you your we us our it its this that there here what which who how "
    "can could would should will shall may might just please hi hello hey thanks thank "
    # Feedback words ("no, that's not it") say nothing about the topic.
    "no not yes that's thats it's isn't okay ok".split()
)
_SUFFIX = re.compile(r"(?:ies|ing|ed|es|s)$")


def stem(word: str) -> str:
    """A light stem: 'cards' and 'card', 'charged' and 'charge' meet; short words stay."""
    if len(word) <= 4 or word.endswith("ss"):
        return word
    stemmed = _SUFFIX.sub("", word)
    if word.endswith("ies"):
        stemmed += "y"
    return stemmed if len(stemmed) >= 3 else word


def terms(text: str) -> list[str]:
    """The stemmed words of a text, stopwords included (callers drop them where they must)."""
    return [stem(word.replace("'", "")) for word in words(text)]


def content_terms(text: str) -> list[str]:
    return [term for term in terms(text) if term not in STOPWORDS]


def ngrams(tokens: Sequence[str]) -> list[str]:
    """Unigrams and bigrams (bigrams written 'a_b')."""
    return [*tokens, *(f"{a}_{b}" for a, b in itertools.pairwise(tokens))]


@dataclass(frozen=True)
class Vocabulary:
    """Term → column, with each term's inverse document frequency."""

    terms: tuple[str, ...]
    idf: FloatArray

    @classmethod
    def build(cls, documents: Iterable[Sequence[str]], *, min_count: int = 1) -> Vocabulary:
        frequency: Counter[str] = Counter()
        total = 0
        for document in documents:
            frequency.update(set(document))
            total += 1
        kept = sorted(term for term, count in frequency.items() if count >= min_count)
        # Smoothed idf (as scikit-learn's): never zero, so a term in every document still counts.
        idf = np.array(
            [math.log((1 + total) / (1 + frequency[term])) + 1 for term in kept], dtype=np.float32
        )
        return cls(tuple(kept), idf)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_column", {term: i for i, term in enumerate(self.terms)})

    def column(self, term: str) -> int | None:
        found: int | None = self.__dict__["_column"].get(term)
        return found

    def __len__(self) -> int:
        return len(self.terms)

    def tfidf(self, documents: Sequence[Sequence[str]]) -> SparseRows:
        """Sublinear tf × idf, each row L2-normalised (rows without known terms stay empty)."""
        rows: list[list[tuple[int, float]]] = []
        for document in documents:
            counts = Counter(c for c in (self.column(t) for t in document) if c is not None)
            row = [(c, (1 + math.log(n)) * float(self.idf[c])) for c, n in counts.items()]
            norm = math.sqrt(sum(v * v for _, v in row)) or 1.0
            rows.append(sorted((c, v / norm) for c, v in row))
        return SparseRows.from_rows(rows, len(self))


@dataclass(frozen=True)
class BM25:
    """Okapi BM25 over a fixed set of documents (the KB's question variants)."""

    vocabulary: Vocabulary
    # term × document weights: row t holds the documents containing term t and their weight.
    postings: SparseRows
    documents: int

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]]) -> BM25:
        vocabulary = Vocabulary.build(documents)
        count = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        average = float(lengths.mean()) if count and lengths.mean() > 0 else 1.0
        frequency = np.zeros(len(vocabulary), dtype=np.float32)
        per_term: list[list[tuple[int, float]]] = [[] for _ in range(len(vocabulary))]
        tallies: list[Counter[str]] = [Counter(document) for document in documents]
        for tally in tallies:
            for term in tally:
                column = vocabulary.column(term)
                assert column is not None
                frequency[column] += 1
        # Lucene's idf: always positive, so a very common term still adds a little.
        idf = np.log(1 + (count - frequency + 0.5) / (frequency + 0.5)).astype(np.float32)
        for doc, tally in enumerate(tallies):
            norm = K1 * (1 - B + B * lengths[doc] / average)
            for term, tf in tally.items():
                column = vocabulary.column(term)
                assert column is not None
                weight = float(idf[column]) * tf * (K1 + 1) / (tf + norm)
                per_term[column].append((doc, weight))
        postings = SparseRows.from_rows(per_term, count)
        return cls(Vocabulary(vocabulary.terms, idf), postings, count)

    def scores(self, query: Sequence[str]) -> tuple[FloatArray, float]:
        """Every document's BM25 score for the query, and the best score the query could reach
        (each of its terms matched once in a document of average length), to normalise."""
        distinct = set(query)
        columns = sorted(
            {c for c in (self.vocabulary.column(t) for t in distinct) if c is not None}
        )
        out = np.zeros(self.documents, dtype=np.float32)
        # A word no question uses counts as the rarest word: "plumber" matters to a query about
        # plumbers, and a KB that never says it matched less of that query.
        unknown = len(distinct) - len(columns)
        rarest = float(self.vocabulary.idf.max()) if len(self.vocabulary) else 1.0
        ceiling = float(self.vocabulary.idf[columns].sum()) + unknown * rarest
        if not columns:
            return out, ceiling
        picked = self.postings.take(np.array(columns, dtype=np.int64))
        np.add.at(out, picked.indices, picked.data)
        return out, ceiling

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        return {
            "bm25_terms": np.array(self.vocabulary.terms, dtype=np.str_),
            "bm25_idf": self.vocabulary.idf,
            "bm25_indptr": self.postings.indptr,
            "bm25_indices": self.postings.indices,
            "bm25_data": self.postings.data,
            "bm25_documents": np.array(self.documents, dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[np.generic]]) -> BM25:
        documents = int(arrays["bm25_documents"])
        vocabulary = Vocabulary(
            tuple(str(t) for t in arrays["bm25_terms"]),
            arrays["bm25_idf"].astype(np.float32),
        )
        postings = SparseRows(
            arrays["bm25_indptr"].astype(np.int64),
            arrays["bm25_indices"].astype(np.int64),
            arrays["bm25_data"].astype(np.float32),
            documents,
        )
        return cls(vocabulary, postings, documents)


__all__ = ["BM25", "IntArray", "Vocabulary", "content_terms", "ngrams", "stem", "terms"]
