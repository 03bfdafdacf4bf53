"""Retrieval: sparse arithmetic, BM25, the fused ranking, calibration and the saved index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from heard.bot import KBIndex, KnowledgeBaseError
from heard.bot.calibration import Calibrator
from heard.bot.lexical import BM25, content_terms, stem
from heard.bot.sparse import SparseRows


def test_sparse_products_match_dense() -> None:
    rng = np.random.default_rng(3)
    dense = (rng.random((6, 9)) * (rng.random((6, 9)) > 0.6)).astype(np.float32)
    dense[2] = 0  # an empty row must stay zero
    rows = [[(int(c), float(dense[r, c])) for c in np.flatnonzero(dense[r])] for r in range(6)]
    sparse = SparseRows.from_rows(rows, 9)
    weights = rng.random((9, 4)).astype(np.float32)
    errors = rng.random((6, 4)).astype(np.float32)
    assert np.allclose(sparse.dot(weights), dense @ weights, atol=1e-5)
    assert np.allclose(sparse.transposed().dot(errors), dense.T @ errors, atol=1e-5)
    assert np.allclose(sparse.take(np.array([4, 0])).dot(weights), dense[[4, 0]] @ weights)


def test_bm25_prefers_rare_shared_words() -> None:
    documents = [
        content_terms(t)
        for t in ["where is my parcel", "change my delivery address", "my card was declined"]
    ]
    bm25 = BM25.build(documents)
    scores, ceiling = bm25.scores(content_terms("my card got declined at checkout"))
    assert scores.argmax() == 2
    assert ceiling > scores.max() > 0
    # A word no question uses still counts in the ceiling: the query matched none of itself.
    none, ceiling = bm25.scores(content_terms("bonjour"))
    assert not none.any() and ceiling > 0


def test_stems_meet() -> None:
    assert stem("cards") == stem("card")
    assert stem("charged") == stem("charge") or stem("charged") == "charg"
    assert stem("deliveries") == "delivery"
    assert stem("glass") == "glass"


@pytest.mark.parametrize(
    ("query", "entry"),
    [
        ("how can I change the address my order goes to", "change-delivery-address"),
        ("my parcel hasn't arrived, can I track it?", "where-is-my-order"),
        ("I forgot my password and can't sign in", "reset-password"),
        ("do you deliver to other countries", "international-shipping"),
        ("the vase I ordered arrived broken", "damaged-item"),
    ],
)
def test_finds_the_entry(shop_index: KBIndex, query: str, entry: str) -> None:
    result = shop_index.search(query)
    assert result.top is not None and result.top.entry.id == entry
    evidence = result.top.evidence()
    assert evidence["entry_id"] == entry
    assert evidence["closest_question"] in result.top.entry.questions
    assert 0 < result.confidence <= 1


def test_an_exact_question_is_answered_with_confidence(shop_index: KBIndex) -> None:
    result = shop_index.search("How do I change my delivery address?")
    assert result.confidence >= shop_index.thresholds.answer
    assert result.top is not None and result.top.similarity > 0.95


def test_import_calibrates_on_held_out_questions(shop_index: KBIndex) -> None:
    info = shop_index.info
    assert info.calibration["held_out"] >= 100
    assert 0 < info.calibration["top1"] <= 1
    thresholds = info.thresholds
    assert 0 < thresholds.confirm <= thresholds.answer < 1
    assert info.variants == sum(len(e.questions) for e in shop_index.kb.entries)


def test_calibration_is_monotone_in_every_input() -> None:
    rng = np.random.default_rng(0)
    features = rng.random((400, 4)).astype(np.float32)
    # Right answers have more evidence, with noise; one input (the last) is pure noise.
    signal = features[:, 0] * 2 + features[:, 2] - 1.3 + rng.normal(0, 0.3, 400)
    calibrator = Calibrator.fit(features, signal > 0)
    assert (calibrator.weights >= 0).all()
    base = np.full((50, 4), 0.5, dtype=np.float32)
    for column in range(4):
        rising = base.copy()
        rising[:, column] = np.linspace(0, 1, 50)
        confidence = calibrator.confidence(rising)
        assert (np.diff(confidence) >= -1e-7).all(), column
    spread = calibrator.confidence(features)
    assert spread.min() < 0.3 and spread.max() > 0.7


def test_confidence_follows_the_evidence(shop_index: KBIndex) -> None:
    close = shop_index.search("How do I reset my password?").confidence
    vague = shop_index.search("thing with the stuff").confidence
    assert close > vague


def test_saved_index_gives_the_same_answers(shop_index: KBIndex, tmp_path: Path) -> None:
    folder = shop_index.save(tmp_path / "shop")
    loaded = KBIndex.load(folder)
    for query in ("where is my refund", "can I pay later", "size guide please"):
        a, b = shop_index.search(query), loaded.search(query)
        assert a.top is not None and b.top is not None
        assert a.top.entry.id == b.top.entry.id
        assert abs(a.confidence - b.confidence) < 0.02  # float16 storage
    assert loaded.info.thresholds == shop_index.info.thresholds


def test_a_changed_kb_file_makes_the_index_stale(shop_index: KBIndex, tmp_path: Path) -> None:
    folder = shop_index.save(tmp_path / "shop")
    kb_file = folder / "kb.json"
    kb_file.write_text(kb_file.read_text().replace("30 days", "31 days"))
    with pytest.raises(KnowledgeBaseError, match="changed since the index was built"):
        KBIndex.load(folder)
    with pytest.raises(KnowledgeBaseError, match="not a KB index"):
        KBIndex.load(tmp_path)
