"""Fixtures for the distributed engine's tests: a corpus folder, and a small Dask cluster."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .scale_corpus import EXAMPLES, write_corpus


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """The examples (every other format, whole files) and a JSONL file to cut in ranges."""
    folder = tmp_path / "corpus"
    shutil.copytree(EXAMPLES, folder)
    (folder / "README.md").unlink(missing_ok=True)
    write_corpus(folder / "zz-big.jsonl", 160)
    return folder


@pytest.fixture(scope="module")
def thread_cluster() -> Iterator[str]:
    """A 2-worker cluster of threads in this process (fast to start): its scheduler address."""
    import logging

    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:
        yield cluster.scheduler_address
