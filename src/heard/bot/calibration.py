"""Calibrated confidence: how likely the top entry is the right answer, from its evidence.

A logistic regression (Platt scaling with several inputs) on the top entry's evidence —
re-ranker probability, its margin over the runner-up, the closest variant's cosine and the
share of the query's BM25 weight matched — fitted on question variants held out of the index
being calibrated. Its weights are kept non-negative, so the confidence is monotone in every
piece of evidence: a closer match never lowers it (a plain fit can give a small negative
weight to correlated inputs, which would make the bot less sure of a better match).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from heard.bot.sparse import FloatArray

FEATURES = ("probability", "margin", "similarity", "lexical")
STEPS = 3000
LEARNING_RATE = 0.5
PENALTY = 1e-3


@dataclass(frozen=True)
class Calibrator:
    weights: FloatArray  # one per FEATURES entry, all ≥ 0
    bias: float
    mean: FloatArray
    scale: FloatArray

    @classmethod
    def identity(cls) -> Calibrator:
        """Before any fit (a KB too small to hold variants out): the re-ranker's probability."""
        weights = np.array([4.0, 2.0, 2.0, 0.5], dtype=np.float32)
        mean = np.array([0.5, 0.25, 0.6, 0.3], dtype=np.float32)
        return cls(weights, 0.0, mean, np.ones(len(FEATURES), dtype=np.float32))

    @classmethod
    def fit(cls, features: FloatArray, correct: npt.NDArray[np.bool_]) -> Calibrator:
        """Projected gradient descent on the penalised log-loss, weights clipped at zero."""
        x = features.astype(np.float64)
        y = correct.astype(np.float64)
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-6] = 1.0
        z = (x - mean) / scale
        weights = np.zeros(x.shape[1])
        prior = min(max(y.mean(), 1e-3), 1 - 1e-3)
        bias = float(np.log(prior / (1 - prior)))
        for _ in range(STEPS):
            p = 1 / (1 + np.exp(-(z @ weights + bias)))
            error = p - y
            weights -= LEARNING_RATE * (z.T @ error / len(y) + PENALTY * weights)
            np.maximum(weights, 0.0, out=weights)
            bias -= LEARNING_RATE * float(error.mean())
        return cls(
            weights.astype(np.float32), bias, mean.astype(np.float32), scale.astype(np.float32)
        )

    def confidence(self, features: FloatArray) -> FloatArray:
        """P(the top entry is right) for each row of features."""
        z = (features.astype(np.float32) - self.mean) / self.scale
        out: FloatArray = (1 / (1 + np.exp(-(z @ self.weights + self.bias)))).astype(np.float32)
        return out

    def arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        return {
            "calibration_weights": self.weights,
            "calibration_bias": np.array(self.bias, dtype=np.float32),
            "calibration_mean": self.mean,
            "calibration_scale": self.scale,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[np.generic]]) -> Calibrator:
        return cls(
            arrays["calibration_weights"].astype(np.float32),
            float(arrays["calibration_bias"]),
            arrays["calibration_mean"].astype(np.float32),
            arrays["calibration_scale"].astype(np.float32),
        )
