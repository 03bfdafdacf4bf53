"""The `--db` option every storage command shares, and one-line database error messages."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from heard.cli._common import EXIT_USAGE, escape, stderr

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from heard.store import Database

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


def fail(message: str) -> NoReturn:
    stderr.print(f"[bold red]error[/]: {escape(hide_password(message))}")
    raise typer.Exit(EXIT_USAGE)


def shown_url(url: str | None) -> str:
    from sqlalchemy.engine import make_url

    from heard.store import default_url, normalise_url

    try:
        return make_url(normalise_url(url) if url else default_url()).render_as_string(
            hide_password=True
        )
    except Exception:  # an unparsable URL: show it as given, password hidden
        return hide_password(url or "")


def backend_of(url: str | None) -> str | None:
    from sqlalchemy.engine import make_url

    from heard.store import default_url, normalise_url

    try:
        return make_url(normalise_url(url) if url else default_url()).get_backend_name()
    except Exception:  # unparsable: Database says so
        return None


def open_database(url: str | None, *, upgrade: bool = True) -> Database:
    """The database, or a one-line error and exit code 2 when it cannot be opened."""
    from sqlalchemy.exc import SQLAlchemyError

    from heard.store import Database, DatabaseError

    backend = backend_of(url)
    if backend is not None and backend not in ("sqlite", "postgresql"):
        fail(
            f"heard stores its data in SQLite (a file path) or PostgreSQL "
            f"(postgresql://user@host/db), not {backend}: {shown_url(url)}"
        )
    try:
        return Database(url, upgrade=upgrade)
    except DatabaseError as error:
        fail(" ".join(str(error).split()))
    except (SQLAlchemyError, ImportError, OSError, ValueError) as error:
        fail(f"cannot open the database at {shown_url(url)}: {one_line(error)}")


@contextlib.contextmanager
def database_session(url: str | None, *, upgrade: bool = True) -> Iterator[Session]:
    """One session on the database for a command that does one thing with it; the
    connections are closed afterwards, whatever happens."""
    database = open_database(url, upgrade=upgrade)
    try:
        with database.session() as session:
            yield session
    finally:
        database.dispose()


def require_existing(url: str | None) -> None:
    """For commands that only read: a SQLite file that does not exist is a mistake (a typo in
    --db), not a new, empty database to report on."""
    from pathlib import Path

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from heard.store import default_url, normalise_url

    try:
        parsed = make_url(normalise_url(url) if url else default_url())
    except ArgumentError:
        fail(f"not a database URL or path: {url!r} (--db)")
    name = parsed.database
    in_file = parsed.get_backend_name() == "sqlite" and name not in (None, "", ":memory:")
    if in_file and not Path(str(name)).is_file():
        fail(
            f"no database at {name} (check --db or HEARD_DB; "
            "`heard import` or `heard db upgrade` creates one)"
        )
