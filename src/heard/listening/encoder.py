"""heard's sentence encoder: static token embeddings distilled from all-MiniLM-L6-v2.

A sentence's vector is the mean of its tokens' vectors, L2-normalised: a table lookup, so
encoding costs microseconds and needs only numpy and `tokenizers` (no PyTorch, no downloads).
How the table was made, and how well it does, is in docs/models.md.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "encoder"

Vectors = npt.NDArray[np.float32]


class StaticEncoder:
    """Encodes sentences to unit vectors; thread-safe and cheap to call per turn."""

    def __init__(self, directory: Path = MODEL_DIR) -> None:
        config = json.loads((directory / "config.json").read_text())
        self.table: Vectors = load_file(str(directory / "embeddings.safetensors"))[
            "embeddings"
        ].astype(np.float32)
        self.dimensions = int(self.table.shape[1])
        self.normalize = bool(config.get("normalize", True))
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        unknown = self._tokenizer.token_to_id("[UNK]")
        self._unknown = -1 if unknown is None else int(unknown)
        self._lock = threading.Lock()

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        with self._lock:  # tokenizers' batch API is not documented as re-entrant
            encodings = self._tokenizer.encode_batch_fast(list(texts), add_special_tokens=False)
        return [[i for i in encoding.ids if i != self._unknown] for encoding in encodings]

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text; an empty text gives a zero vector."""
        ids = self.token_ids(texts)
        out = np.zeros((len(ids), self.dimensions), dtype=np.float32)
        lengths = np.fromiter((len(row) for row in ids), dtype=np.int64, count=len(ids))
        nonzero = lengths > 0
        if nonzero.any():
            flat = np.fromiter(
                (i for row in ids for i in row), dtype=np.int64, count=int(lengths.sum())
            )
            # Rows are contiguous runs of tokens: sum each run in one vectorised reduction.
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonzero]
            out[nonzero] = np.add.reduceat(self.table[flat], starts, axis=0)
            out[nonzero] /= lengths[nonzero, None]
        if self.normalize:
            norms = np.linalg.norm(out, axis=1, keepdims=True)
            np.divide(out, norms, out=out, where=norms > 0)
        return out

    def encode_one(self, text: str) -> Vectors:
        vectors: Vectors = self.encode([text])[0]
        return vectors


@lru_cache(maxsize=1)
def default_encoder() -> StaticEncoder:
    """The shipped encoder, loaded once per process (about 15 MB)."""
    return StaticEncoder()
