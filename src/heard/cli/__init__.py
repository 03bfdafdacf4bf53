"""The ``heard`` command line.

Exit codes: 0 all read; 1 some records were skipped (the good ones are still processed);
2 a usage mistake; 3 nothing could be read.
"""

from __future__ import annotations

from heard.cli import analyze, read  # noqa: F401  (each module registers its commands)
from heard.cli import bot_commands as _bot_commands  # noqa: F401
from heard.cli import feedback_commands as _feedback_commands  # noqa: F401
from heard.cli import impact_command as _impact_command  # noqa: F401
from heard.cli import report_command as _report_command  # noqa: F401
from heard.cli import serve_command as _serve_command  # noqa: F401
from heard.cli import store_commands as _store_commands  # noqa: F401
from heard.cli import train_command as _train_command  # noqa: F401
from heard.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
