"""Shared by the training scripts: load our labelled data, build feature matrices."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse as sp

from heard.listening.encoder import default_encoder
from heard.listening.features import HASH_SIZE, HashedTerms, reply_features, text_features

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


def reply_matrix(replies: Sequence[str], contexts: Sequence[str]) -> sp.csr_matrix:
    encoder = default_encoder()
    dense, hashed = reply_features(
        replies, contexts, encoder.encode(replies), encoder.encode(contexts)
    )
    return to_matrix(dense, hashed)


def text_matrix(texts: Sequence[str]) -> sp.csr_matrix:
    dense, hashed = text_features(texts, default_encoder().encode(texts))
    return to_matrix(dense, hashed)
