"""Linear classifiers stored as plain arrays: trained with scikit-learn at build time
(tools/train_models.py), applied here with numpy alone, so no pickles and no version lock."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from heard.listening.features import HASH_SIZE, FloatArray, HashedTerms


@dataclass(frozen=True)
class LinearModel:
    """``kind`` is "ovr" (independent sigmoids, multi-label) or "softmax" (one class)."""

    labels: tuple[str, ...]
    kind: str
    dense_weights: FloatArray  # (n_dense, n_labels)
    hashed_weights: FloatArray  # (HASH_SIZE, n_labels)
    bias: FloatArray  # (n_labels,)
    thresholds: FloatArray  # (n_labels,) decision thresholds on probabilities (ovr)
    info: dict[str, Any]

    def logits(self, dense: FloatArray, sparse: Sequence[HashedTerms]) -> FloatArray:
        out: FloatArray = dense @ self.dense_weights + self.bias
        for row, terms in enumerate(sparse):
            if terms.indices.size:
                out[row] += terms.values @ self.hashed_weights[terms.indices]
        return out.astype(np.float32)

    def probabilities(self, dense: FloatArray, sparse: Sequence[HashedTerms]) -> FloatArray:
        logits = self.logits(dense, sparse)
        probabilities: FloatArray
        if self.kind == "softmax":
            shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
            probabilities = (shifted / shifted.sum(axis=1, keepdims=True)).astype(np.float32)
        else:
            probabilities = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return probabilities

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            dense_weights=self.dense_weights.astype(np.float32),
            hashed_weights=self.hashed_weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
            thresholds=self.thresholds.astype(np.float32),
            meta=np.array(
                json.dumps({"labels": list(self.labels), "kind": self.kind, "info": self.info})
            ),
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            hashed = data["hashed_weights"].astype(np.float32)
            if hashed.shape[0] != HASH_SIZE:
                raise ValueError(f"{path}: model was trained with another hash size")
            return cls(
                labels=tuple(meta["labels"]),
                kind=str(meta["kind"]),
                dense_weights=data["dense_weights"].astype(np.float32),
                hashed_weights=hashed,
                bias=data["bias"].astype(np.float32),
                thresholds=data["thresholds"].astype(np.float32),
                info=dict(meta.get("info", {})),
            )
