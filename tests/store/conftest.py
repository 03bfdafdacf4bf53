"""Databases for the storage tests: every test that takes ``database`` runs twice, on a fresh
SQLite file and on a fresh PostgreSQL database.

PostgreSQL comes from ``HEARD_TEST_POSTGRES`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``); each test gets its own database,
``heard_t_<random>``, created on that server and dropped afterwards, so tests can run in
parallel. Without a reachable server the PostgreSQL half is skipped, saying why, except in CI
(``CI`` set), where it fails: CI must test both databases (``.ci/run`` starts PostgreSQL).

Other test folders can use the fixtures too, from their own ``conftest.py``::

    from store.conftest import database, database_url  # noqa: F401
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from heard.store import Database, normalise_url

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")

_unreachable: str | None = None  # why PostgreSQL could not be reached, once known


def postgres_server_url() -> URL:
    return make_url(normalise_url(os.environ.get("HEARD_TEST_POSTGRES") or DEFAULT_POSTGRES))


def _admin_connection(server: URL) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit psycopg connection to the server's own database (``postgres``), or to the
    one the URL names; raises psycopg.OperationalError when neither answers."""
    last: Exception | None = None
    for name in dict.fromkeys(["postgres", server.database or "postgres"]):
        try:
            return psycopg.connect(
                host=server.host or "127.0.0.1",
                port=server.port or 5432,
                user=server.username or "postgres",
                password=server.password,
                dbname=name,
                autocommit=True,
                connect_timeout=5,
            )
        except psycopg.OperationalError as error:
            last = error
    assert last is not None
    raise last


def _unavailable(reason: str) -> NoReturn:
    message = f"PostgreSQL is not available ({reason}); set HEARD_TEST_POSTGRES or start one"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: CI must test PostgreSQL too (.ci/run starts it)")
    pytest.skip(message)


@contextmanager
def postgres_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped when the block ends."""
    global _unreachable
    if _unreachable is not None:
        _unavailable(_unreachable)
    server = postgres_server_url()
    try:
        admin = _admin_connection(server)
    except psycopg.OperationalError as error:
        _unreachable = " ".join(str(error).split()) or "cannot connect"
        _unavailable(_unreachable)
    name = f"heard_t_{secrets.token_hex(6)}"
    with admin:
        for attempt in range(5):
            try:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                break
            except psycopg.errors.ObjectInUse:  # template1 busy with a concurrent CREATE
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            _drop(admin, name)


def _drop(admin: psycopg.Connection[tuple[object, ...]], name: str) -> None:
    try:  # FORCE (PostgreSQL 13+) ends connections a test left open
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    except psycopg.errors.SyntaxError:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'heard.db'}"


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database (schema not yet created): SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """An open, migrated, empty database: SQLite, then PostgreSQL."""
    opened = Database(database_url)
    try:
        yield opened
    finally:
        opened.dispose()


class ManualClock:
    """A clock the test moves by hand, for expiry and sliding windows."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
