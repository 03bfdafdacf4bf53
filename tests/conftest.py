"""Shared test fixtures: where ../shared lives, and skipping only when it is truly absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEARD_SHARED", REPO.parent / "shared"))
EXAMPLES = REPO / "examples"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; skips the test (saying why) when ../shared is absent.

    In CI (CI=true) ../shared is always beside the clone, so its absence there is a failure,
    not a skip.
    """
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED} is missing in CI; the shared data and samples must be present")
        pytest.skip(f"{SHARED} is absent (a user's clone without the shared data and samples)")
    path = SHARED.joinpath(*parts)
    assert path.exists(), f"expected {path} in the shared folder"
    return path


def sample_files(folder: str, *suffixes: str) -> list[Path]:
    """Every sample file in ../shared/samples/<folder> (SOURCE.md excluded)."""
    directory = shared_path("samples", folder)
    files = sorted(
        path
        for path in directory.iterdir()
        if path.name != "SOURCE.md" and (not suffixes or path.suffix.lower() in suffixes)
    )
    assert files, f"no sample files in {directory}"
    return files


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES
