"""The KB index: what retrieval needs, built once when a KB is imported and saved beside it.

Retrieval scores every entry three ways — the re-ranker's probability (a linear model trained
on the KB's question variants), the cosine of the query to the entry's closest variant (the
engine's static sentence encoder), and BM25 over the variants' words — fuses them into one
ranking score, and turns the top entry's evidence into a calibrated confidence.

Building holds out a fifth of the variants of every entry that has three or more: the
re-ranker is trained on the rest, the fusion weights are chosen for top-1 accuracy on the held
out ones, and the calibrator and the default thresholds are fitted on them; then the re-ranker
is trained again on every variant. The index is one ``.npz`` (plain arrays, no pickles) and the
KB itself as ``kb.json``, in one folder.
"""

from __future__ import annotations

import json
import math
import os
import random
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, Field

from heard.bot.calibration import Calibrator
from heard.bot.kb import Entry, KnowledgeBase, KnowledgeBaseError
from heard.bot.lexical import BM25, content_terms
from heard.bot.reranker import Reranker
from heard.bot.sparse import FloatArray, IntArray
from heard.listening.resources import encoder

FORMAT_VERSION = 1
INDEX_FILE = "index.npz"
KB_FILE = "kb.json"
HOLD_OUT = 0.2
SEED = 20260302
# Precision wanted among answered queries when the default answer threshold is chosen.
ANSWER_PRECISION = 0.97
CONFIRM_PRECISION = 0.6
DEFAULT_ANSWER = 0.8
DEFAULT_CONFIRM = 0.4
MIN_CALIBRATION = 30
# How much closer than the out-of-scope cosine a question sharing no word must be.
NO_WORDS_MARGIN = 0.1
FOLDS = 5
LARGE = 2000
FUSION_GRID = (0.0, 1.0, 2.0, 4.0, 8.0)


class Thresholds(BaseModel):
    """Confidence at or above ``answer``: answer; at or above ``confirm``: check first."""

    answer: float = Field(default=DEFAULT_ANSWER, ge=0, le=1)
    confirm: float = Field(default=DEFAULT_CONFIRM, ge=0, le=1)
    # Below this cosine to every variant, a query is about something the KB does not cover.
    out_of_scope_similarity: float = Field(default=0.45, ge=-1, le=1)


class IndexInfo(BaseModel):
    """What an index says about itself (shown by ``heard kb list``)."""

    name: str
    kb_digest: str
    entries: int
    variants: int
    built_at: float
    build_seconds: float
    format_version: int = FORMAT_VERSION
    fusion: dict[str, float] = Field(default_factory=dict)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    calibration: dict[str, Any] = Field(
        default_factory=dict, description="Held-out variants: count, top-1 accuracy, rates."
    )


@dataclass(frozen=True)
class Candidate:
    """One entry's evidence for a query."""

    entry: Entry
    score: float
    probability: float
    similarity: float
    lexical: float
    closest_question: str
    shared_words: tuple[str, ...]

    def evidence(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry.id,
            "question": self.entry.question,
            "closest_question": self.closest_question,
            "similarity": round(self.similarity, 3),
            "lexical": round(self.lexical, 3),
            "reranker": round(self.probability, 3),
            "shared_words": list(self.shared_words),
        }


@dataclass(frozen=True)
class Retrieval:
    query: str
    candidates: list[Candidate]
    confidence: float
    features: tuple[float, ...] = field(default=())

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass
class Scores:
    """Per query (rows) and entry (columns): the three kinds of evidence."""

    probability: FloatArray
    similarity: FloatArray
    lexical: FloatArray
    # Per query and question variant (None where scores of several indexes were joined).
    cosine: FloatArray | None = None


def out_of_scope(retrieval: Retrieval, thresholds: Thresholds) -> bool:
    """Nothing in the KB is about this: the closest question is further than in-scope
    questions ever are, or it shares no word with the query and is barely closer than that."""
    top = retrieval.top
    if top is None:
        return True
    if top.similarity < thresholds.out_of_scope_similarity:
        return True
    return (
        top.lexical == 0.0 and top.similarity < thresholds.out_of_scope_similarity + NO_WORDS_MARGIN
    )


class KBIndex:
    def __init__(
        self,
        kb: KnowledgeBase,
        *,
        texts: list[str],
        owners: IntArray,
        embeddings: FloatArray,
        bm25: BM25,
        reranker: Reranker | None,
        calibrator: Calibrator,
        info: IndexInfo,
    ) -> None:
        self.kb = kb
        self.texts = texts
        self.owners = owners
        self.embeddings = embeddings
        self.bm25 = bm25
        self.reranker = reranker
        self.calibrator = calibrator
        self.info = info
        # Variants are stored grouped by entry, so per-entry maxima are one reduceat.
        self._starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])

    @property
    def thresholds(self) -> Thresholds:
        return self.info.thresholds

    # --- building ----------------------------------------------------------------------------

    @classmethod
    def build(cls, kb: KnowledgeBase, *, seed: int = SEED) -> KBIndex:
        started = time.perf_counter()
        if not kb.entries:
            raise KnowledgeBaseError(f"knowledge base {kb.name!r} has no entries")
        texts: list[str] = []
        owners: list[int] = []
        for number, entry in enumerate(kb.entries):
            for question in entry.questions:
                texts.append(question)
                owners.append(number)
        owner_array = np.array(owners, dtype=np.int64)
        embeddings = encoder().encode(texts)
        folds = _folds(owner_array, seed)
        fusion = {"similarity": 2.0, "lexical": 1.0}
        calibrator = Calibrator.identity()
        thresholds = Thresholds()
        held = folds >= 0
        calibration: dict[str, Any] = {"held_out": int(held.sum()), "folds": int(folds.max() + 1)}
        if held.sum() >= MIN_CALIBRATION:
            # Out-of-fold evidence for every held-out variant: each fold's variants are scored
            # by an index built without them.
            parts: list[tuple[IntArray, Scores]] = []
            for fold in range(int(folds.max()) + 1):
                out = folds == fold
                partial = cls._assemble(
                    kb, texts, owner_array, embeddings, ~out, Calibrator.identity(), fusion
                )
                held_texts = [t for t, h in zip(texts, out, strict=True) if h]
                parts.append((np.flatnonzero(out), partial.score(held_texts, embeddings[out])))
            positions = np.concatenate([p for p, _ in parts])
            scores = Scores(
                np.concatenate([s.probability for _, s in parts]),
                np.concatenate([s.similarity for _, s in parts]),
                np.concatenate([s.lexical for _, s in parts]),
            )
            truth = owner_array[positions]
            fusion = _choose_fusion(scores, truth)
            features, top = top_features(scores, fusion)
            correct = top == truth
            calibrator = Calibrator.fit(features, correct)
            confidence = calibrator.confidence(features)
            thresholds = _choose_thresholds(confidence, correct, scores, truth)
            calibration.update(
                top1=round(float(correct.mean()), 4),
                answer_rate=round(float((confidence >= thresholds.answer).mean()), 4),
                wrong_among_answered=_wrong_rate(confidence, correct, thresholds.answer),
            )
        everything = np.ones(len(texts), dtype=bool)
        index = cls._assemble(kb, texts, owner_array, embeddings, everything, calibrator, fusion)
        index.info.thresholds = thresholds
        index.info.calibration = calibration
        index.info.build_seconds = round(time.perf_counter() - started, 2)
        return index

    @classmethod
    def _assemble(
        cls,
        kb: KnowledgeBase,
        texts: list[str],
        owners: IntArray,
        embeddings: FloatArray,
        kept: npt.NDArray[np.bool_],
        calibrator: Calibrator,
        fusion: dict[str, float],
    ) -> KBIndex:
        chosen = [t for t, k in zip(texts, kept, strict=True) if k]
        chosen_owners = owners[kept]
        chosen_embeddings = embeddings[kept]
        bm25 = BM25.build([content_terms(t) for t in chosen])
        reranker = None
        if len(kb.entries) >= 2:
            reranker = Reranker.train(chosen, chosen_embeddings, chosen_owners, len(kb.entries))
        info = IndexInfo(
            name=kb.name,
            kb_digest=kb.digest(),
            entries=len(kb.entries),
            variants=len(chosen),
            built_at=round(time.time(), 3),
            build_seconds=0.0,
            fusion=dict(fusion),
        )
        return cls(
            kb,
            texts=chosen,
            owners=chosen_owners,
            embeddings=chosen_embeddings,
            bm25=bm25,
            reranker=reranker,
            calibrator=calibrator,
            info=info,
        )

    # --- searching ---------------------------------------------------------------------------

    def score(self, queries: Sequence[str], embeddings: FloatArray | None = None) -> Scores:
        """The evidence for every query and entry (vectorised over queries)."""
        if embeddings is None:
            embeddings = encoder().encode(list(queries))
        entries = len(self.kb.entries)
        cosine = embeddings @ self.embeddings.T  # queries × variants
        # An entry whose variants were all held out (while calibrating) has no evidence.
        similarity = np.full((len(queries), entries), -1.0, dtype=np.float32)
        present = self.owners[self._starts]
        similarity[:, present] = np.maximum.reduceat(cosine, self._starts, axis=1)
        lexical = np.zeros((len(queries), entries), dtype=np.float32)
        for row, query in enumerate(queries):
            bm25, ceiling = self.bm25.scores(content_terms(query))
            if ceiling > 0:
                lexical[row, present] = np.maximum.reduceat(bm25, self._starts) / ceiling
        if self.reranker is not None:
            probability = self.reranker.probabilities(list(queries), embeddings)
        else:
            probability = np.ones((len(queries), entries), dtype=np.float32)
        return Scores(probability, similarity, np.minimum(lexical, 1.0), cosine)

    def fused(self, scores: Scores) -> FloatArray:
        return fuse(scores, self.info.fusion)

    def top_features(self, scores: Scores) -> tuple[FloatArray, IntArray]:
        return top_features(scores, self.info.fusion)

    def search_many(self, queries: Sequence[str], *, k: int = 3) -> list[Retrieval]:
        if not queries:
            return []
        scores = self.score(queries)
        fused = self.fused(scores)
        features, _ = self.top_features(scores)
        confidence = self.calibrator.confidence(features)
        results: list[Retrieval] = []
        for row, query in enumerate(queries):
            order = np.argsort(-fused[row])[:k]
            query_terms = set(content_terms(query))
            candidates = []
            for column in order:
                closest = self._closest(scores, row, int(column))
                shared = tuple(sorted(query_terms & set(content_terms(closest))))
                candidates.append(
                    Candidate(
                        entry=self.kb.entries[int(column)],
                        score=float(fused[row, column]),
                        probability=float(scores.probability[row, column]),
                        similarity=float(scores.similarity[row, column]),
                        lexical=float(scores.lexical[row, column]),
                        closest_question=closest,
                        shared_words=shared,
                    )
                )
            results.append(
                Retrieval(
                    query,
                    candidates,
                    float(confidence[row]),
                    tuple(float(v) for v in features[row]),
                )
            )
        return results

    def _closest(self, scores: Scores, row: int, entry: int) -> str:
        """The entry's question variant closest to the query (by cosine)."""
        positions = np.flatnonzero(self.owners == entry)
        if scores.cosine is None or not len(positions):
            return self.kb.entries[entry].question
        best = positions[int(scores.cosine[row, positions].argmax())]
        return self.texts[int(best)]

    def search(self, query: str, *, k: int = 3) -> Retrieval:
        return self.search_many([query], k=k)[0]

    # --- saving ------------------------------------------------------------------------------

    def save(self, folder: Path) -> Path:
        """Write ``kb.json`` and ``index.npz`` into ``folder`` (each atomically)."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "format_version": np.array(FORMAT_VERSION),
            "texts": np.array(self.texts, dtype=np.str_),
            "owners": self.owners,
            "embeddings": self.embeddings.astype(np.float16),
            "info": np.array(self.info.model_dump_json()),
            **self.bm25.arrays(),
            **self.calibrator.arrays(),
        }
        if self.reranker is not None:
            arrays.update(self.reranker.arrays())
        _atomic(folder / KB_FILE, self.kb.model_dump_json(indent=2).encode())
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz", delete=False) as handle:
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
        os.replace(handle.name, folder / INDEX_FILE)
        return folder

    @classmethod
    def load(cls, folder: Path) -> KBIndex:
        kb_path, index_path = folder / KB_FILE, folder / INDEX_FILE
        if not index_path.is_file() or not kb_path.is_file():
            raise KnowledgeBaseError(f"{folder}: not a KB index (no {KB_FILE} and {INDEX_FILE})")
        try:
            kb = KnowledgeBase.model_validate_json(kb_path.read_text(encoding="utf-8"))
            with np.load(index_path, allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
        except (OSError, ValueError) as error:
            raise KnowledgeBaseError(f"{folder}: cannot read the index ({error})") from None
        if int(arrays["format_version"]) != FORMAT_VERSION:
            raise KnowledgeBaseError(f"{folder}: index format is old; import the KB again")
        info = IndexInfo.model_validate_json(str(arrays["info"]))
        if info.kb_digest != kb.digest():
            raise KnowledgeBaseError(f"{folder}: {KB_FILE} changed since the index was built")
        reranker = Reranker.from_arrays(arrays) if "rerank_bias" in arrays else None
        return cls(
            kb,
            texts=[str(t) for t in arrays["texts"]],
            owners=arrays["owners"].astype(np.int64),
            embeddings=arrays["embeddings"].astype(np.float32),
            bm25=BM25.from_arrays(arrays),
            reranker=reranker,
            calibrator=Calibrator.from_arrays(arrays),
            info=info,
        )


def fuse(scores: Scores, fusion: dict[str, float]) -> FloatArray:
    """One ranking score per entry: log re-ranker probability plus weighted cosine and BM25."""
    out: FloatArray = (
        np.log(np.maximum(scores.probability, 1e-6))
        + fusion.get("similarity", 0.0) * scores.similarity
        + fusion.get("lexical", 0.0) * scores.lexical
    ).astype(np.float32)
    return out


def top_features(scores: Scores, fusion: dict[str, float]) -> tuple[FloatArray, IntArray]:
    """The calibrator's inputs for each query's top entry, and that entry."""
    fused = fuse(scores, fusion)
    order = np.argsort(-fused, axis=1)
    rows = np.arange(fused.shape[0])
    top = order[:, 0]
    second = order[:, 1] if fused.shape[1] > 1 else top
    probability = scores.probability[rows, top]
    margin = probability - np.where(second == top, 0.0, scores.probability[rows, second])
    features = np.stack(
        [probability, margin, scores.similarity[rows, top], scores.lexical[rows, top]], axis=1
    ).astype(np.float32)
    return features, top.astype(np.int64)


def _atomic(path: Path, content: bytes) -> None:
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
        handle.write(content)
    os.replace(handle.name, path)


def _folds(owners: IntArray, seed: int) -> IntArray:
    """Which calibration fold each variant is held out in (-1: never held out).

    Small KBs (under LARGE variants) use five folds, so every variant but each entry's
    canonical question is held out once and the calibrator sees enough examples; large ones
    hold out a fifth once (five trainings on thousands of variants would make imports slow).
    Entries with fewer than three questions are never held out: the index must keep two.
    """
    folds = np.full(len(owners), -1, dtype=np.int64)
    rng = random.Random(seed)
    large = len(owners) >= LARGE
    for entry in np.unique(owners):
        positions = [int(p) for p in np.flatnonzero(owners == entry)]
        if len(positions) < 3:
            continue
        # Never the canonical question (the first): it names the entry in confirmations.
        candidates = positions[1:]
        rng.shuffle(candidates)
        if large:
            count = max(1, math.floor(len(positions) * HOLD_OUT))
            for position in candidates[:count]:
                folds[position] = 0
        else:
            offset = rng.randrange(FOLDS)
            # Spread over the folds: a fold holds out at most ceil((n - 1) / 5) of an entry's n
            # questions, so every fold's index keeps at least two of them.
            for number, position in enumerate(candidates):
                folds[position] = (offset + number) % FOLDS
    return folds


def _choose_fusion(scores: Scores, truth: IntArray) -> dict[str, float]:
    best: tuple[float, float, float] = (-1.0, 0.0, 0.0)
    log_probability = np.log(np.maximum(scores.probability, 1e-6))
    for similarity in FUSION_GRID:
        for lexical in FUSION_GRID:
            fused = log_probability + similarity * scores.similarity + lexical * scores.lexical
            accuracy = float((fused.argmax(axis=1) == truth).mean())
            # Ties go to the smaller weights (first in the grid): the simpler fusion.
            if accuracy > best[0] + 1e-9:
                best = (accuracy, similarity, lexical)
    return {"similarity": best[1], "lexical": best[2]}


def _wrong_rate(
    confidence: FloatArray, correct: npt.NDArray[np.bool_], threshold: float
) -> float | None:
    answered = confidence >= threshold
    if not answered.any():
        return None
    return round(float(1 - correct[answered].mean()), 4)


def _choose_thresholds(
    confidence: FloatArray,
    correct: npt.NDArray[np.bool_],
    scores: Scores,
    truth: IntArray,
) -> Thresholds:
    """The lowest thresholds whose answered (confirmed) queries are right often enough."""
    candidates = np.unique(np.round(confidence, 3))
    answer = _lowest_with_precision(candidates, confidence, correct, ANSWER_PRECISION)
    confirm = _lowest_with_precision(candidates, confidence, correct, CONFIRM_PRECISION)
    answer = DEFAULT_ANSWER if answer is None else max(answer, 0.5)
    confirm = DEFAULT_CONFIRM if confirm is None else min(max(confirm, 0.2), answer)
    # Out of scope: below the cosine that 98 % of held-out, in-scope variants reach to their
    # own entry's closest variant.
    own = scores.similarity[np.arange(len(truth)), truth]
    floor = float(np.quantile(own, 0.02)) if len(own) else 0.45
    return Thresholds(
        answer=round(answer, 3), confirm=round(confirm, 3), out_of_scope_similarity=round(floor, 3)
    )


def _lowest_with_precision(
    candidates: FloatArray,
    confidence: FloatArray,
    correct: npt.NDArray[np.bool_],
    precision: float,
) -> float | None:
    for threshold in candidates:
        answered = confidence >= threshold
        if answered.sum() >= 10 and correct[answered].mean() >= precision:
            return float(threshold)
    return None


def index_summary(index: KBIndex) -> dict[str, Any]:
    return json.loads(index.info.model_dump_json())  # type: ignore[no-any-return]
