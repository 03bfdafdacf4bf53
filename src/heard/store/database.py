"""Where heard keeps its data: an embedded SQLite file by default, PostgreSQL in production.

The database is named by a URL (``postgresql+psycopg://user@host/db``) or a file path, from
``--db`` or the ``HEARD_DB`` environment variable; without either, a SQLite file in the user's
data folder (``$XDG_DATA_HOME/heard/heard.db``, usually ``~/.local/share/heard/heard.db``).
Opening a database brings its schema up to date with the Alembic migrations.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseError(RuntimeError):
    """The database cannot be opened or used, with what to do about it."""


def default_url() -> str:
    configured = os.environ.get("HEARD_DB")
    if configured:
        return normalise_url(configured)
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return normalise_url(str(base / "heard" / "heard.db"))


def normalise_url(value: str) -> str:
    """A SQLAlchemy URL from a URL or a file path; PostgreSQL URLs use the psycopg 3 driver."""
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    if value.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    return value


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the web app) work while an import writes; NORMAL sync is safe with WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Database:
    """An open database: an engine, a session factory, and an up-to-date schema."""

    def __init__(self, url: str | None = None, *, upgrade: bool = True) -> None:
        self.url = normalise_url(url) if url else default_url()
        try:
            parsed = make_url(self.url)
        except ArgumentError as error:
            raise DatabaseError(f"not a database URL or path: {url!r}") from error
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(self.url, future=True, pool_pre_ping=True)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, future=True)
        if upgrade:
            self.upgrade()

    def upgrade(self) -> None:
        """Apply any migrations the database does not have yet."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as error:
            raise DatabaseError(
                f"cannot open the database at {self.display_url}: {error.orig}"
            ) from error

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
