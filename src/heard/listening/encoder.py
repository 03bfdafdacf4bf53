"""heard's sentence encoder: static token embeddings distilled from all-MiniLM-L6-v2.

A sentence's vector is the mean of its tokens' vectors, L2-normalised: a table lookup, so
encoding costs microseconds and needs only numpy and `tokenizers` (no PyTorch, no downloads).
How the table was made, and how well it does, is in docs/models.md.
"""

from __future__ import annotations

import json
import re
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

# BERT's pre-tokeniser on ASCII: runs of letters and digits, and each punctuation character
# (every printable ASCII character that is neither a letter, a digit nor a space) on its own.
_ASCII_PRE_TOKENS = re.compile(r"[a-z0-9]+|[!-/:-@\[-`{-~]")
# Control characters (which BERT's normaliser deletes, joining what surrounds them) and
# special tokens such as "[UNK]" (matched before normalising): leave those to the tokenizer.
_NEEDS_TOKENIZER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\[(?:UNK|CLS|SEP|PAD|MASK)\]")
_WORD_CACHE_SIZE = 200_000


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
        self._word_ids: dict[str, list[int]] = {}

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        ids: list[list[int] | None] = [self._plain_token_ids(text) for text in texts]
        others = [i for i, row in enumerate(ids) if row is None]
        if others:
            with self._lock:  # the tokenizer is not documented as re-entrant
                encodings = self._tokenizer.encode_batch_fast(
                    [texts[i] for i in others], add_special_tokens=False
                )
            for i, encoding in zip(others, encodings, strict=True):
                ids[i] = [t for t in encoding.ids if t != self._unknown]
        return [row or [] for row in ids]

    def _plain_token_ids(self, text: str) -> list[int] | None:
        """Token ids of plain ASCII text without the tokenizer's per-call overhead (most of
        the cost of a short sentence); None for any other text, which the tokenizer takes.

        For such text BERT's normaliser only lowercases, and its pre-tokeniser splits at
        whitespace and at every ASCII punctuation character; word pieces depend on the word
        alone, so each word is tokenised once and remembered.
        """
        if not text.isascii() or _NEEDS_TOKENIZER.search(text):
            return None
        ids: list[int] = []
        words = self._word_ids
        for word in _ASCII_PRE_TOKENS.findall(text.lower()):
            pieces = words.get(word)
            if pieces is None:
                with self._lock:
                    encoding = self._tokenizer.encode(word, add_special_tokens=False)
                pieces = [t for t in encoding.ids if t != self._unknown]
                if len(words) < _WORD_CACHE_SIZE:
                    words[word] = pieces
            ids.extend(pieces)
        return ids

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
