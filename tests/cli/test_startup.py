"""`heard --help` and the light commands start quickly: importing the command line, and building
every command from it (what `--help` does), loads neither the database layer nor the analysis.

Each check runs in a fresh interpreter, since this test process has long imported everything.
See "Command start-up" in docs/benchmarks.md for what this saved.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "numpy", "heard.listening")

LOADED = """
import json, sys
{code}
heavy = {heavy!r}
print(json.dumps(sorted(
    name for name in sys.modules if any(name == h or name.startswith(h + ".") for h in heavy)
)))
"""


def _heavy_modules_after(code: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    script = LOADED.format(code=code, heavy=heavy)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "code",
    [
        "import heard.cli",
        # Typer builds every command and its options for `heard --help`.
        "import heard.cli, typer.main; typer.main.get_command(heard.cli.app)",
    ],
    ids=["import", "build-commands"],
)
def test_command_line_starts_without_heavy_modules(code: str) -> None:
    assert _heavy_modules_after(code) == []


def test_the_check_sees_heavy_modules() -> None:
    # Guards the test above against passing vacuously (a misspelt module name, say).
    loaded = _heavy_modules_after("import heard.cli, heard.analysis, heard.store")
    for name in HEAVY:
        assert name in loaded


def test_the_rubric_and_the_scorecard_types_load_without_the_engine() -> None:
    # What a command needs to check a --rubric file, or to read stored scorecards: the
    # vocabulary and annotation types of heard.listening, not its pipeline and models.
    engine = ("numpy", "heard.listening.pipeline", "heard.listening.featurize")
    assert _heavy_modules_after("import heard.scoring", engine) == []
    assert _heavy_modules_after("from heard.listening import Emotion, TurnAnnotation", engine) == []
    assert _heavy_modules_after("from heard.listening import default_pipeline", engine) != []
