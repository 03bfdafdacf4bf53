"""`heard import` and `heard db`: conversations and their analyses into the database.

``heard import`` streams conversations like ``heard read``, analyses the ones the database does
not have yet (or has in another version) with :func:`heard.batch.analyses`, and writes them in
batched transactions: a conversation, its turns and its analysis are committed together, so an
import that is killed keeps every batch it committed and never leaves half a conversation.
Running the same import again is a no-op; running it after a crash finishes the rest.

Personal data is redacted (:mod:`heard.redaction`) as conversations are read, before they are
analysed or stored, unless ``--no-redact``: nothing unredacted reaches the database, not even
as evidence quoted by an analysis.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from heard.cli._common import (
    EXIT_OK,
    EXIT_SOME_SKIPPED,
    AgentOption,
    ChannelOption,
    CustomerOption,
    InputSession,
    MapOption,
    Paths,
    QuietOption,
    build_options,
    escape,
    plural,
    stderr,
)
from heard.cli._database import DbOption, fail, one_line, open_database, require_existing
from heard.cli._distributed import (
    Engine,
    EngineOption,
    PartitionOption,
    SchedulerOption,
    check_engine_options,
)
from heard.cli.app import app
from heard.conversation import Conversation

if TYPE_CHECKING:
    from heard.analysis import Analysis
    from heard.readers import ReadOptions
    from heard.redaction import Redactor
    from heard.scoring import Rubric
    from heard.store import Database

# How many ids one "what do you already have?" query asks about (well under SQLite's limit).
LOOKUP_CHUNK = 500
SOURCE_LENGTH = 500  # the width of conversations.source

db_app = typer.Typer(
    name="db",
    help="The database: bring its schema up to date, or see what it holds.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")


# PostgreSQL's deadlock and serialization failures: a concurrent writer, worth another try.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def _fatal(error: Exception) -> bool:
    """Whether a database error means the database cannot be used, rather than that it
    refuses one conversation."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(error, OperationalError):
        return False
    return getattr(error.orig, "sqlstate", None) not in RETRYABLE_SQLSTATES


class _TrackedSession(InputSession):
    """An input session that knows which file the conversation it just gave came from."""

    current_source: str | None = None

    def _read_file(self, path: Path) -> Iterator[Conversation]:
        self.current_source = str(path)[:SOURCE_LENGTH]
        yield from super()._read_file(path)


@dataclass
class _Run:
    source: str | None
    count: int


@dataclass
class _Item:
    conversation: Conversation
    analysis: Analysis | None
    source: str | None


class Importer:
    """Writes conversations (and analyses) in batches of ``batch_size``, one transaction each."""

    def __init__(
        self,
        database: Database,
        inputs: _TrackedSession,
        *,
        rubric: Rubric | None,
        jobs: int,
        batch_size: int,
        quiet: bool,
        redactor: Redactor | None = None,
    ) -> None:
        self.database = database
        self.redactor = redactor
        self.inputs = inputs
        self.rubric = rubric
        self.jobs = jobs
        self.batch_size = batch_size
        self.quiet = quiet
        self.counts: Counter[str] = Counter()
        self.failed = 0
        # Which file each queued conversation came from, run-length encoded in input order:
        # analyses come back in input order, so the sources are handed out in the same order.
        self._sources: deque[_Run] = deque()
        self.queued = 0

    # Reading ---------------------------------------------------------------------------

    def _queue(self, conversation: Conversation) -> Conversation:
        source = self.inputs.current_source
        if self._sources and self._sources[-1].source == source:
            self._sources[-1].count += 1
        else:
            self._sources.append(_Run(source, 1))
        self.queued += 1
        return conversation

    def _next_source(self) -> str | None:
        if not self._sources:
            return None
        run = self._sources[0]
        run.count -= 1
        if not run.count:
            self._sources.popleft()
        return run.source

    def _needing_work(self, conversations: Iterable[Conversation]) -> Iterator[Conversation]:
        """The conversations that are new, changed, or lack an analysis by this engine and
        rubric version; the others are counted as unchanged and never analysed again."""
        chunk: list[Conversation] = []
        for conversation in conversations:
            chunk.append(conversation)
            if len(chunk) >= LOOKUP_CHUNK:
                yield from self._filter(chunk)
                chunk = []
        if chunk:
            yield from self._filter(chunk)

    def _filter(self, chunk: list[Conversation]) -> Iterator[Conversation]:
        from heard.analysis import ENGINE_VERSION
        from heard.store.repository import up_to_date

        assert self.rubric is not None
        with self.database.session() as session:
            current = up_to_date(session, chunk, ENGINE_VERSION, self.rubric.version)
        for conversation in chunk:
            if conversation.id in current:
                self.counts["unchanged"] += 1
            else:
                yield self._queue(conversation)

    # Writing ---------------------------------------------------------------------------

    def run(self) -> None:
        conversations: Iterable[Conversation] = self.inputs.conversations()
        if self.redactor is not None:
            # Before anything else sees them: the analysis quotes turns as evidence.
            conversations = map(self.redactor.redact_conversation, conversations)
        if self.rubric is None:
            items: Iterable[tuple[Conversation, Analysis | None]] = (
                (self._queue(conversation), None) for conversation in conversations
            )
            self._store(items, progress=None)  # the reading progress bar is showing
        else:
            from heard.batch import analyses

            results = analyses(self._needing_work(conversations), self.rubric, self.jobs)
            self._store(results, progress=self._progress())

    def _progress(self) -> Progress | None:
        if self.quiet or not stderr.is_terminal:
            return None
        return Progress(
            TextColumn("storing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr,
            transient=True,
        )

    def _store(
        self,
        results: Iterable[tuple[Conversation, Analysis | None]],
        progress: Progress | None,
    ) -> None:
        batch: list[_Item] = []
        task = None
        try:
            for conversation, analysis in results:
                if progress is not None and task is None:
                    # Analyses come out after the whole input was read: the total is known.
                    task = progress.add_task("storing", total=self.queued)
                    progress.start()
                batch.append(_Item(conversation, analysis, self._next_source()))
                if len(batch) >= self.batch_size:
                    self._commit(batch)
                    if progress is not None and task is not None:
                        progress.advance(task, len(batch))
                    batch = []
            if batch:
                self._commit(batch)
                if progress is not None and task is not None:
                    progress.advance(task, len(batch))
        finally:
            if progress is not None and progress.live.is_started:
                progress.stop()

    def _commit(self, batch: Sequence[_Item]) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            self.counts.update(self._write(batch))
            return
        except SQLAlchemyError as error:
            if _fatal(error):
                raise  # the database itself is unusable (gone, locked, full): stop
        # One conversation the database refuses (too long an id, a duplicate written by a
        # concurrent import, a deadlock with one): store the batch one by one, report that one.
        for item in batch:
            try:
                self.counts.update(self._write([item]))
            except SQLAlchemyError as error:
                if _fatal(error):
                    raise
                self.failed += 1
                where = f"{item.source}, " if item.source else ""
                stderr.print(
                    f"[bold red]error[/]: {escape(where)}conversation "
                    f"{escape(item.conversation.id)}: cannot store it: {escape(one_line(error))}"
                )

    def _write(self, batch: Sequence[_Item]) -> Counter[str]:
        from heard.store.repository import save_analysis, save_conversation

        counts: Counter[str] = Counter()
        with self.database.session() as session:
            for item in batch:
                counts[save_conversation(session, item.conversation, item.source)] += 1
                if item.analysis is not None and save_analysis(
                    session, item.conversation, item.analysis
                ):
                    counts["analysed"] += 1
        return counts

    # Reporting -------------------------------------------------------------------------

    def summary(self) -> str:
        counts = self.counts
        text = (
            f"{self.inputs.read:,} read: {counts['added']:,} added, {counts['updated']:,} updated, "
            f"{counts['unchanged']:,} unchanged"
        )
        if self.failed:
            text += f", {self.failed:,} not stored (see errors above)"
        if self.rubric is None:
            return text + "; not analysed (--no-analyze)"
        return text + f"; {counts['analysed']:,} analysed"

    def stored(self) -> int:
        return self.counts["added"] + self.counts["updated"]


@app.command("import")
def import_command(
    paths: Paths,
    db: DbOption = None,
    input_format: Annotated[
        str,
        typer.Option("--input-format", "-i", help="Input format, or auto (see `heard formats`)."),
    ] = "auto",
    agent: AgentOption = None,
    customer: CustomerOption = None,
    mapping: MapOption = None,
    channel: ChannelOption = None,
    no_analyze: Annotated[
        bool, typer.Option("--no-analyze", help="Store the conversations without analysing them.")
    ] = False,
    rubric: Annotated[
        Path | None, typer.Option("--rubric", help="A rubric YAML file (see docs/scoring.md).")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 1,
    redact: Annotated[
        bool,
        typer.Option(
            "--redact/--no-redact",
            help="Replace e-mails, phone and card numbers, IBANs, national ids, addresses… by "
            "their kind ([EMAIL]) before anything is stored (see docs/privacy.md).",
        ),
    ] = True,
    redaction_config: Annotated[
        Path | None,
        typer.Option(
            "--redaction-config",
            help="A YAML file: kinds to redact, values never to redact, patterns of your own.",
        ),
    ] = None,
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size", min=1, max=100_000, help="Conversations per committed transaction."
        ),
    ] = 200,
    engine: EngineOption = Engine.LOCAL,
    scheduler: SchedulerOption = None,
    partition_mb: PartitionOption = None,
    quiet: QuietOption = False,
) -> None:
    """Store conversations and their listening analyses in the database.

    Idempotent: a conversation already stored with the same content is left alone, a changed
    one is updated (and analysed again), never duplicated. Each batch is committed whole, so an
    interrupted import keeps what it committed; run it again to finish.

    Examples:

      heard import exports/

      heard import chats.jsonl --db postgresql://heard@db.internal/heard --jobs 2

      heard import calls/ --input-format aws-transcribe --agent spk_0 --no-analyze

      heard import chats.jsonl --redaction-config redaction.yaml

      heard import exports/ --db postgresql://heard@db/heard --engine dask --scheduler tcp://s:8786
    """
    chosen: Rubric | None = None
    if not no_analyze:
        from heard.scoring import RubricError, load_rubric

        try:
            chosen = load_rubric(rubric)
        except RubricError as error:
            raise typer.BadParameter(str(error), param_hint="--rubric") from None
    elif rubric is not None:
        raise typer.BadParameter(
            "a rubric scores analyses; drop --no-analyze", param_hint="--rubric"
        )
    check_engine_options(engine, scheduler, partition_mb)
    if engine is Engine.DASK and chosen is None:
        raise typer.BadParameter(
            "--engine dask analyses as it stores; drop --no-analyze", param_hint="--engine"
        )
    redactor = _redactor(redact, redaction_config)
    options: ReadOptions = build_options(agent, customer, mapping, channel)
    if engine is Engine.DASK and chosen is not None:
        from heard.cli._distributed import import_on_dask

        database = open_database(db)  # brings the schema up to date before the workers write
        database.dispose()
        import_on_dask(
            paths,
            database_url=database.url,
            rubric=chosen,
            redactor=redactor,
            batch_size=batch_size,
            jobs=jobs,
            scheduler=scheduler,
            partition_mb=partition_mb,
            input_format=input_format,
            options=options,
            quiet=quiet,
        )
        return
    inputs = _TrackedSession(paths, input_format, options, quiet=quiet)
    database = open_database(db)
    importer = Importer(
        database,
        inputs,
        rubric=chosen,
        jobs=jobs,
        batch_size=batch_size,
        quiet=quiet,
        redactor=redactor,
    )
    try:
        importer.run()
    except KeyboardInterrupt:
        stderr.print(
            f"[yellow]interrupted: {plural(importer.stored(), 'conversation')} stored before "
            "the interruption are kept; run the same import again to finish[/]"
        )
        raise typer.Exit(130) from None
    except Exception as error:
        from sqlalchemy.exc import SQLAlchemyError

        if not isinstance(error, SQLAlchemyError):
            raise
        fail(
            f"database error at {database.display_url}: {one_line(error)} "
            f"({plural(importer.stored(), 'conversation')} stored before it are kept)"
        )
    finally:
        database.dispose()
    _finish(importer)


def _redactor(redact: bool, config_path: Path | None) -> Redactor | None:
    """The redactor ``--redact`` and ``--redaction-config`` ask for (None: ``--no-redact``)."""
    if not redact:
        if config_path is not None:
            raise typer.BadParameter(
                "a redaction configuration needs redaction; drop --no-redact",
                param_hint="--redaction-config",
            )
        return None
    from heard.redaction import RedactionConfigError, Redactor, load_config

    try:
        config = load_config(config_path) if config_path is not None else None
    except RedactionConfigError as error:
        raise typer.BadParameter(str(error), param_hint="--redaction-config") from None
    return Redactor(config)


def _finish(importer: Importer) -> None:
    inputs = importer.inputs
    problems = bool(inputs.skipped or importer.failed)
    if problems or not importer.quiet:
        style = "yellow" if problems else "green"
        stderr.print(f"[{style}]{escape(importer.summary())}[/]")
    if inputs.skipped:
        stderr.print(f"[yellow]{escape(inputs.summary())}[/]")
    code = inputs.exit_code()
    if code == EXIT_OK and importer.failed:
        code = EXIT_SOME_SKIPPED
    if code:
        raise typer.Exit(code)


# heard db ------------------------------------------------------------------------------


def _revisions(database: Database) -> tuple[str | None, str | None]:
    """The schema revision the database is at, and the newest one heard knows."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from heard.store.database import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    with database.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head


@db_app.command("upgrade")
def upgrade_command(db: DbOption = None) -> None:
    """Bring the database schema up to date (creating the database's tables if needed).

    Every command that uses the database does this too; run it on its own before a deployment.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from heard.store import DatabaseError

    database = open_database(db, upgrade=False)
    try:
        before, _ = _revisions(database)
        database.upgrade()
        after, _ = _revisions(database)
    except DatabaseError as error:
        fail(" ".join(str(error).split()))
    except SQLAlchemyError as error:
        fail(f"cannot upgrade the database at {database.display_url}: {one_line(error)}")
    finally:
        database.dispose()
    if before == after:
        typer.echo(f"{database.display_url}: schema up to date (revision {after})")
    else:
        typer.echo(
            f"{database.display_url}: schema upgraded from revision {before or '(none)'} to {after}"
        )


INFO_TABLES = (
    ("conversations", "conversations"),
    ("turns", "turns"),
    ("analyses", "analyses"),
    ("agents", "agents"),
    ("teams", "teams"),
    ("surveys", "surveys"),
    ("survey responses", "survey_responses"),
    ("ratings", "ratings"),
    ("follow-ups", "follow_ups"),
)


@db_app.command("info")
def info_command(db: DbOption = None) -> None:
    """Where the database is, its schema revision, and how many rows each kind of record has."""
    from sqlalchemy import func, inspect, select, table
    from sqlalchemy.exc import SQLAlchemyError

    require_existing(db)
    database = open_database(db, upgrade=False)
    rows: list[tuple[str, str]] = [("database", database.display_url)]
    try:
        current, head = _revisions(database)
        if current is None:
            rows.append(("schema", "none yet: run `heard db upgrade`"))
        elif current == head:
            rows.append(("schema", f"revision {current} (up to date)"))
        else:
            rows.append(("schema", f"revision {current}; run `heard db upgrade` (latest: {head})"))
        with database.engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            for label, name in INFO_TABLES:
                if name in present:
                    count = connection.scalar(select(func.count()).select_from(table(name)))
                    rows.append((label, f"{count or 0:,}"))
    except SQLAlchemyError as error:
        fail(f"cannot read the database at {database.display_url}: {one_line(error)}")
    finally:
        database.dispose()
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        typer.echo(f"{label:<{width}}  {value}")
