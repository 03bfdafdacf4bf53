"""The re-ranker: a softmax regression over the KB's entries, trained on its question variants.

Static embeddings and BM25 find the right entry for about 86 % and 77 % of BANKING77 queries;
a linear model that has seen every variant of every entry learns which words and which
directions of the embedding separate entries that look alike ("card arrival" and "card
delivery estimate"), and reaches about 0.9 (docs/bot.md has the figures). It is trained with
numpy alone when a KB is imported — seconds for thousands of variants — and ships in the
KB's index.

Features: the variant's sentence embedding (256) and its L2-normalised tf-idf unigrams and
bigrams over the KB's own vocabulary. Training: full-batch Adam on the L2-penalised
cross-entropy, a fixed number of steps and a fixed seed, so an import is reproducible.
"""

from __future__ import annotations

import contextlib
import importlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from heard.bot.lexical import Vocabulary, ngrams, terms
from heard.bot.sparse import FloatArray, IntArray, SparseRows

STEPS = 120
LEARNING_RATE = 0.1
PENALTY = 1e-4
# The embedding block counts for more than one tf-idf row's worth: both are unit vectors, and
# the embedding generalises to wording no variant used.
EMBEDDING_WEIGHT = 1.0


@dataclass(frozen=True)
class Reranker:
    vocabulary: Vocabulary
    dense_weights: FloatArray  # (dimensions × entries)
    sparse_weights: FloatArray  # (vocabulary × entries)
    bias: FloatArray  # (entries,)

    @property
    def entries(self) -> int:
        return int(self.bias.shape[0])

    @staticmethod
    def tokens(texts: list[str]) -> list[list[str]]:
        return [ngrams(terms(text)) for text in texts]

    @classmethod
    def train(
        cls,
        texts: list[str],
        embeddings: FloatArray,
        labels: IntArray,
        entries: int,
        *,
        steps: int = STEPS,
        penalty: float = PENALTY,
    ) -> Reranker:
        with _one_blas_thread():
            return cls._train(texts, embeddings, labels, entries, steps=steps, penalty=penalty)

    @classmethod
    def _train(
        cls,
        texts: list[str],
        embeddings: FloatArray,
        labels: IntArray,
        entries: int,
        *,
        steps: int,
        penalty: float,
    ) -> Reranker:
        tokens = cls.tokens(texts)
        vocabulary = Vocabulary.build(tokens)
        sparse = vocabulary.tfidf(tokens)
        by_column = sparse.transposed()
        dense = (embeddings * EMBEDDING_WEIGHT).astype(np.float32)
        rows = len(texts)
        onehot = np.zeros((rows, entries), dtype=np.float32)
        onehot[np.arange(rows), labels] = 1.0
        w_dense = np.zeros((dense.shape[1], entries), dtype=np.float32)
        w_sparse = np.zeros((len(vocabulary), entries), dtype=np.float32)
        bias = np.zeros(entries, dtype=np.float32)
        params = [w_dense, w_sparse, bias]
        moments = [np.zeros_like(p) for p in params]
        squares = [np.zeros_like(p) for p in params]
        beta1, beta2, epsilon = 0.9, 0.999, 1e-8
        for step in range(1, steps + 1):
            logits = dense @ w_dense + sparse.dot(w_sparse) + bias
            probabilities = _softmax(logits.astype(np.float32, copy=False))
            error = ((probabilities - onehot) / rows).astype(np.float32)
            grads = [
                dense.T @ error + penalty * w_dense,
                by_column.dot(error) + penalty * w_sparse,
                error.sum(axis=0),
            ]
            for param, grad, moment, square in zip(params, grads, moments, squares, strict=True):
                moment *= beta1
                moment += (1 - beta1) * grad
                square *= beta2
                square += (1 - beta2) * grad * grad
                corrected = moment / (1 - beta1**step)
                scale = np.sqrt(square / (1 - beta2**step)) + epsilon
                param -= LEARNING_RATE * corrected / scale
        return cls(vocabulary, w_dense, w_sparse, bias)

    def probabilities(self, texts: list[str], embeddings: FloatArray) -> FloatArray:
        sparse = self.vocabulary.tfidf(self.tokens(texts))
        dense = (embeddings * EMBEDDING_WEIGHT).astype(np.float32)
        logits = dense @ self.dense_weights + sparse.dot(self.sparse_weights) + self.bias
        return _softmax(logits.astype(np.float32))

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        return {
            "rerank_terms": np.array(self.vocabulary.terms, dtype=np.str_),
            "rerank_idf": self.vocabulary.idf,
            "rerank_dense": self.dense_weights.astype(np.float16),
            "rerank_sparse": self.sparse_weights.astype(np.float16),
            "rerank_bias": self.bias,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[np.generic]]) -> Reranker:
        vocabulary = Vocabulary(
            tuple(str(t) for t in arrays["rerank_terms"]), arrays["rerank_idf"].astype(np.float32)
        )
        return cls(
            vocabulary,
            arrays["rerank_dense"].astype(np.float32),
            arrays["rerank_sparse"].astype(np.float32),
            arrays["rerank_bias"].astype(np.float32),
        )


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """Training multiplies small matrices hundreds of times, and a multi-threaded BLAS spends
    more time waking its threads than working (a hundred times slower on a busy machine).
    threadpoolctl, when installed (scikit-learn brings it), keeps BLAS to one thread here."""
    try:
        module = importlib.import_module("threadpoolctl")
    except ImportError:
        return contextlib.nullcontext()
    limits: contextlib.AbstractContextManager[object] = module.threadpool_limits(
        limits=1, user_api="blas"
    )
    return limits


def _softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    out: FloatArray = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


__all__ = ["Reranker", "SparseRows"]
