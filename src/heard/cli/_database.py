"""The `--db` option every storage command shares, and one-line database error messages."""

from __future__ import annotations

import re
from typing import Annotated

import typer

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (postgresql://user@host/db) or SQLite file path. "
        "Default: $HEARD_DB, else ~/.local/share/heard/heard.db.",
        show_default=False,
    ),
]


def hide_password(text: str) -> str:
    """``scheme://user:secret@host`` → ``scheme://user:***@host`` anywhere in ``text``."""
    return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)


def one_line(error: BaseException) -> str:
    """A database error in one line: the driver's message, without SQLAlchemy's background."""
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error) or type(error).__name__
    text = text.split("\n(Background on this error", 1)[0]
    return " ".join(text.split())
