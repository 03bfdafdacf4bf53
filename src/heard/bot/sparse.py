"""Sparse rows with numpy alone: the little of CSR arithmetic that BM25 and the re-ranker need.

scipy would do this, but it is not a run-time dependency of heard, and the two products below
(rows × dense matrix, and its transpose for the gradient) are all the bot ever asks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SparseRows:
    """Rows of (column, value) pairs in CSR layout.

    Row ``r`` is ``indices[indptr[r]:indptr[r + 1]]`` with its ``data``.
    """

    indptr: IntArray
    indices: IntArray
    data: FloatArray
    columns: int

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[tuple[int, float]]], columns: int) -> SparseRows:
        lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        total = int(indptr[-1])
        indices = np.fromiter((c for row in rows for c, _ in row), dtype=np.int64, count=total)
        data = np.fromiter((v for row in rows for _, v in row), dtype=np.float32, count=total)
        return cls(indptr, indices, data, columns)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.indptr) - 1, self.columns

    def row_ids(self) -> IntArray:
        """The row of every stored value (the COO row coordinates)."""
        counts = np.diff(self.indptr)
        return np.repeat(np.arange(len(counts), dtype=np.int64), counts)

    def take(self, rows: IntArray) -> SparseRows:
        """A new matrix of these rows, in this order."""
        pieces = [
            (
                self.indices[self.indptr[r] : self.indptr[r + 1]],
                self.data[self.indptr[r] : self.indptr[r + 1]],
            )
            for r in rows
        ]
        lengths = np.fromiter((len(p[0]) for p in pieces), dtype=np.int64, count=len(pieces))
        indptr = np.zeros(len(pieces) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.concatenate([p[0] for p in pieces]) if pieces else np.zeros(0, np.int64)
        data = np.concatenate([p[1] for p in pieces]) if pieces else np.zeros(0, np.float32)
        return SparseRows(indptr, indices.astype(np.int64), data.astype(np.float32), self.columns)

    def dot(self, dense: FloatArray) -> FloatArray:
        """``self @ dense`` for a (columns × k) dense matrix."""
        rows = self.shape[0]
        out = np.zeros((rows, dense.shape[1]), dtype=np.float32)
        if len(self.indices) == 0:
            return out
        products = np.take(dense, self.indices, axis=0)
        products *= self.data[:, None]
        counts = np.diff(self.indptr)
        nonempty = counts > 0
        # reduceat sums each run; an empty row would wrongly take its neighbour's first value.
        out[nonempty] = np.add.reduceat(products, self.indptr[:-1][nonempty], axis=0)
        return out

    def transposed(self) -> SparseRows:
        """The same matrix stored by column (CSC as CSR of the transpose), for ``self.T @ x``."""
        order = np.argsort(self.indices, kind="stable")
        counts = np.bincount(self.indices, minlength=self.columns)
        indptr = np.zeros(self.columns + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return SparseRows(indptr, self.row_ids()[order], self.data[order], self.shape[0])
