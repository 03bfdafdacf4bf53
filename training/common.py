"""Shared by the training scripts: load our labelled data, build feature matrices."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse as sp

from heard.listening.encoder import default_encoder
from heard.listening.features import (
    HASH_SIZE,
    HashedTerms,
    function_features,
    reply_features,
    text_features,
)
from heard.listening.text import split_sentences

DATA = Path(__file__).resolve().parent / "data"


def read_jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield json.loads(line)


def to_matrix(dense: np.ndarray, sparse_rows: Sequence[HashedTerms]) -> sp.csr_matrix:
    rows = np.concatenate(
        [np.full(t.indices.size, i) for i, t in enumerate(sparse_rows)] or [np.zeros(0)]
    )
    cols = np.concatenate([t.indices for t in sparse_rows] or [np.zeros(0)])
    vals = np.concatenate([t.values for t in sparse_rows] or [np.zeros(0)])
    hashed = sp.csr_matrix(
        (vals, (rows.astype(int), cols.astype(int))), shape=(len(sparse_rows), HASH_SIZE)
    )
    return sp.hstack([sp.csr_matrix(dense), hashed]).tocsr()


def _reply_parts(
    replies: Sequence[str], contexts: Sequence[str]
) -> tuple[np.ndarray, list[HashedTerms]]:
    encoder = default_encoder()
    return reply_features(replies, contexts, encoder.encode(replies), encoder.encode(contexts))


def reply_matrix(replies: Sequence[str], contexts: Sequence[str]) -> sp.csr_matrix:
    return to_matrix(*_reply_parts(replies, contexts))


def function_matrix(replies: Sequence[str], contexts: Sequence[str]) -> sp.csr_matrix:
    """The function model's features: as ``reply_matrix``, plus the reply's last sentence."""
    dense, hashed = _reply_parts(replies, contexts)
    last = [(split_sentences(reply) or [None])[-1] for reply in replies]
    last_texts = [reply if s is None else s.text for reply, s in zip(replies, last, strict=True)]
    vectors = default_encoder().encode(last_texts)
    return to_matrix(*function_features(dense, hashed, last_texts, vectors))


def text_matrix(texts: Sequence[str]) -> sp.csr_matrix:
    dense, hashed = text_features(texts, default_encoder().encode(texts))
    return to_matrix(dense, hashed)
