"""Database output from partition tasks: the same idempotent writes as ``heard import``.

Each worker opens the database once (the client has already brought its schema up to date) and
writes its partition in batches, one transaction per batch, with the repository functions
``heard import`` uses: a conversation stored unchanged is left alone, a changed one updated,
none duplicated, so a retried task or a second run writes nothing twice. When the database
refuses a batch (a duplicate written by a concurrent worker, a deadlock) the batch is written
one conversation at a time and the ones it still refuses are reported, as ``heard import``
does; when the database itself is unusable, the task fails and Dask retries it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from heard.conversation import Conversation

if TYPE_CHECKING:
    from heard.analysis import Analysis
    from heard.store import Database

# Same as `heard import`: ids per "what do you already have?" query, well under SQLite's limit.
LOOKUP_CHUNK = 500
SOURCE_LENGTH = 500  # the width of conversations.source
# PostgreSQL's deadlock and serialization failures: a concurrent writer, worth another try.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})

_databases: dict[str, Database] = {}
_databases_lock = threading.Lock()


def database_for(url: str) -> Database:
    """This worker process's connection pool for ``url``, opened on first use and kept: a task
    per partition must not pay for a new engine each time."""
    from heard.store import Database

    with _databases_lock:
        database = _databases.get(url)
        if database is None:
            database = _databases[url] = Database(url, upgrade=False)
        return database


@dataclass
class StoreItem:
    conversation: Conversation
    analysis: Analysis
    source: str | None


@dataclass(frozen=True)
class StoreFailure:
    conversation_id: str
    source: str | None
    problem: str


def _fatal(error: Exception) -> bool:
    """Whether the database cannot be used at all, rather than refusing one conversation."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(error, OperationalError):
        return False
    return getattr(error.orig, "sqlstate", None) not in RETRYABLE_SQLSTATES


def _one_line(error: BaseException) -> str:
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error) or type(error).__name__
    return " ".join(text.split("\n(Background on this error", 1)[0].split())


def needing_work(
    database: Database, conversations: Iterable[Conversation], rubric_version: str
) -> Iterator[tuple[Conversation, bool]]:
    """Each conversation with whether it needs analysing and storing: it is new, changed, or
    lacks an analysis by this engine and rubric version (the test ``heard import`` makes)."""
    chunk: list[Conversation] = []
    for conversation in conversations:
        chunk.append(conversation)
        if len(chunk) >= LOOKUP_CHUNK:
            yield from _check(database, chunk, rubric_version)
            chunk = []
    if chunk:
        yield from _check(database, chunk, rubric_version)


def _check(
    database: Database, chunk: list[Conversation], rubric_version: str
) -> Iterator[tuple[Conversation, bool]]:
    from heard.analysis import ENGINE_VERSION
    from heard.store.repository import up_to_date

    with database.session() as session:
        current = up_to_date(session, chunk, ENGINE_VERSION, rubric_version)
    for conversation in chunk:
        yield conversation, conversation.id not in current


class BatchStore:
    """Takes conversations one at a time and writes them ``batch_size`` per transaction."""

    def __init__(self, database: Database, batch_size: int) -> None:
        self.database = database
        self.batch_size = batch_size
        self.counts: Counter[str] = Counter()
        self.failures: list[StoreFailure] = []
        self._batch: list[StoreItem] = []

    def add(self, item: StoreItem) -> None:
        self._batch.append(item)
        if len(self._batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self._batch:
            _commit(self.database, self._batch, self.counts, self.failures)
            self._batch = []


def store_batches(
    database: Database, items: Iterable[StoreItem], batch_size: int
) -> tuple[Counter[str], list[StoreFailure]]:
    """Write ``items`` in transactions of ``batch_size``; counts (added, updated, unchanged,
    analysed) and the conversations the database refused."""
    store = BatchStore(database, batch_size)
    for item in items:
        store.add(item)
    store.flush()
    return store.counts, store.failures


ITEM_ATTEMPTS = 3


def _commit(
    database: Database,
    batch: Sequence[StoreItem],
    counts: Counter[str],
    failures: list[StoreFailure],
) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    try:
        counts.update(_write(database, batch))
        return
    except SQLAlchemyError as error:
        if _fatal(error):
            raise
    for item in batch:
        # Workers storing at once can race to add the same agent or team (a unique-key
        # conflict): the loser's transaction is rolled back whole, so trying again is safe.
        for attempt in range(ITEM_ATTEMPTS):
            try:
                counts.update(_write(database, [item]))
                break
            except SQLAlchemyError as error:
                if _fatal(error):
                    raise
                if attempt == ITEM_ATTEMPTS - 1:
                    problem = f"cannot store it: {_one_line(error)}"
                    failures.append(StoreFailure(item.conversation.id, item.source, problem))


def _write(database: Database, batch: Sequence[StoreItem]) -> Counter[str]:
    from heard.store.repository import save_analysis, save_conversation

    counts: Counter[str] = Counter()
    with database.session() as session:
        if database.is_sqlite:
            # Take SQLite's write lock before the first read: workers writing at once then
            # wait their turn (busy_timeout) instead of failing to upgrade a read lock.
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        for item in batch:
            source = item.source[:SOURCE_LENGTH] if item.source else None
            counts[save_conversation(session, item.conversation, source)] += 1
            if save_analysis(session, item.conversation, item.analysis):
                counts["analysed"] += 1
    return counts
