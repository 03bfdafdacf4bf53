"""What runs on the workers: the map task, the reduce step and the finish task.

They mirror :func:`heard.batch.analyses` so that the result is the same whatever the engine:

1. **map** (:func:`analyse_partition`): read the partition, analyse each conversation, and keep
   ``(conversation, analysis)`` spooled in compressed JSON exactly as ``batch.py`` spools them,
   with the partition's share of the scripted-empathy ledger and its counts.
2. **reduce** (:func:`merge_ledgers`): add the ledger partials together. Only whether an agent
   used a line in at least ``min_conversations`` conversations matters, so each line keeps at
   most that many conversation ids (the smallest, so merging is deterministic): the merged
   ledger answers exactly as the full one would, and its size is bounded by agents × lines.
3. **finish** (:func:`finish_partition`): read the spool back, mark scripted empathy from the
   merged ledger and rescore only what changed (:func:`heard.analysis.apply_ledger`), then write
   the partition's outputs: a Parquet file, database rows, records for the client.

These are plain functions of picklable values (no Dask inside), so they are tested without a
cluster and run the same on a thread, a local process or a remote machine.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from heard.analysis import Analysis, analyze, apply_ledger
from heard.conversation import Conversation
from heard.distributed.partition import Partition, RangeSource
from heard.listening.corpus import EmpathyLedger
from heard.readers import ReadError, ReadIssue, ReadOptions, Source, read_source
from heard.readers.native import NativeReader

if TYPE_CHECKING:
    from heard.distributed.store import StoreFailure
    from heard.redaction import Redactor
    from heard.scoring import Rubric

# A partition reports its first problems in full and counts the rest: a file with a million bad
# lines must not send a million messages to the client, which shows twenty anyway.
MAX_ISSUES_PER_PARTITION = 50
# Fast and still about 5× smaller on analysis JSON: the spool waits in worker memory (or on the
# worker's spill disk) between the two passes.
SPOOL_COMPRESSION = 1
# The Dask event topic on which tasks report each failed attempt (the client reads it back to
# say which partitions were retried, and why).
FAILURE_TOPIC = "heard-task-failure"
# Compressed spool read per step in the finish task.
SPOOL_READ_BYTES = 256 * 1024
# Rows per Parquet row group: large enough for good compression, small enough to stay light.
PARQUET_ROW_GROUP = 2000

# agent → normalised empathy line → conversation ids (at most min_conversations of them)
LedgerPartial = dict[str, dict[str, list[str]]]
FaultHook = Callable[[Partition, str], None]


class Collect(StrEnum):
    """What a finish task sends back to the client besides its counts."""

    NONE = "none"  # outputs are written by the workers (Parquet, database)
    LINES = "lines"  # the JSONL records, ready to write
    PAIRS = "pairs"  # (conversation, analysis) pairs, for tables, CSV, JSON and HTML


@dataclass(frozen=True)
class TaskSettings:
    """Everything a partition task needs besides its partition; sent with every task."""

    rubric: Rubric
    input_format: str = "auto"
    options: ReadOptions = field(default_factory=ReadOptions)
    redactor: Redactor | None = None
    # When set, skip what the database already has (``heard import``) and write there.
    database_url: str | None = None
    skip_unchanged: bool = False
    batch_size: int = 200
    parquet_dir: str | None = None
    collect: Collect = Collect.NONE
    # Called at the start of every attempt of every task: tests and fire drills make a
    # partition fail on purpose here (heard.distributed.faults).
    fault: FaultHook | None = None
    # Which run a task belongs to, in the failure events it logs (a cluster outlives runs).
    run_id: str = ""


@dataclass
class MapSummary:
    """A partition's counts after the first pass: small, gathered by the client."""

    index: int
    files: int = 0
    failed_files: int = 0
    lines: int = 0  # lines in a byte range, to number the lines after it
    read: int = 0
    skipped: int = 0
    unchanged: int = 0
    analysed: int = 0
    failed: int = 0
    issues: list[ReadIssue] = field(default_factory=list)
    failures: list[ReadIssue] = field(default_factory=list)


@dataclass
class MapResult:
    summary: MapSummary
    sources: tuple[str, ...]
    ledger: LedgerPartial
    spool: bytes  # compressed lines: file index, conversation JSON, analysis JSON, tab-separated


@dataclass
class FinishResult:
    """A partition after the second pass."""

    index: int
    conversations: int = 0
    rescored: int = 0  # conversations whose scripted-empathy marks changed their score
    parquet: str | None = None
    lines: bytes | None = None  # compressed JSONL records (Collect.LINES)
    pairs: bytes | None = None  # compressed spool of final pairs (Collect.PAIRS)
    stored: dict[str, int] = field(default_factory=dict)
    store_failures: list[StoreFailure] = field(default_factory=list)


def report_failed_attempt(
    stage: str, partition: Partition, error: BaseException, run_id: str
) -> None:
    """Tell the scheduler that this attempt failed (Dask retries it, or gives up, silently)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):  # not on a Dask worker: the caller sees the exception
        return
    worker.log_event(
        FAILURE_TOPIC,
        {
            "run": run_id,
            "stage": stage,
            "partition": partition.index,
            "error": f"{type(error).__name__}: {error}",
        },
    )


# Reading ---------------------------------------------------------------------------------


class _Collector:
    def __init__(self, summary: MapSummary) -> None:
        self.summary = summary

    def issue(self, issue: ReadIssue) -> None:
        self.summary.skipped += 1
        if len(self.summary.issues) < MAX_ISSUES_PER_PARTITION:
            self.summary.issues.append(issue)

    def failure(self, issue: ReadIssue) -> None:
        self.summary.failed += 1
        if len(self.summary.failures) < MAX_ISSUES_PER_PARTITION:
            self.summary.failures.append(issue)


def _read_lines(source: RangeSource, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
    # The planner checked the file is native JSONL read line by line; a range is read the
    # same way even when its first line happens to start with "[" (a bad record mid-file).
    for item in NativeReader()._read_lines(source):
        if options.channel is not None and isinstance(item, Conversation):
            item.channel = options.channel
        yield item


def read_partition(
    partition: Partition, settings: TaskSettings, collector: _Collector
) -> Iterator[tuple[int, Conversation]]:
    """``(file index, conversation)`` for every conversation of the partition, in input order;
    bad records and unreadable files go to ``collector``, as ``heard read`` reports them."""
    summary = collector.summary
    summary.files = len(partition.files)
    if partition.end is not None:
        source = RangeSource(Path(partition.files[0]), partition.start, partition.end)
        try:
            for item in _read_lines(source, settings.options):
                if isinstance(item, ReadIssue):
                    collector.issue(item)
                else:
                    summary.read += 1
                    yield 0, item
        except ReadError as error:
            summary.failed_files += 1
            collector.issue(error.issue)
        summary.lines = source.lines_read
        return
    for file_index, name in enumerate(partition.files):
        try:
            whole = Source.from_path(name)
            for item in read_source(whole, settings.input_format, settings.options):
                if isinstance(item, ReadIssue):
                    collector.issue(item)
                else:
                    summary.read += 1
                    yield file_index, item
        except ReadError as error:
            summary.failed_files += 1
            collector.issue(error.issue)


# The map task ----------------------------------------------------------------------------


def _to_work_on(
    conversations: Iterator[tuple[int, Conversation]], settings: TaskSettings, summary: MapSummary
) -> Iterator[tuple[int, Conversation]]:
    """What to analyse: redacted first (when asked); with ``skip_unchanged``, what the database
    already has unchanged is counted and skipped, as ``heard import`` does."""
    if settings.redactor is not None:
        # Before anything else sees them: the analysis quotes turns as evidence.
        redactor = settings.redactor
        conversations = ((i, redactor.redact_conversation(c)) for i, c in conversations)
    if not (settings.skip_unchanged and settings.database_url):
        yield from conversations
        return
    from heard.distributed.store import database_for, needing_work

    sources: list[int] = []

    def remember(pairs: Iterator[tuple[int, Conversation]]) -> Iterator[Conversation]:
        for file_index, conversation in pairs:
            sources.append(file_index)
            yield conversation

    database = database_for(settings.database_url)
    for position, (conversation, needed) in enumerate(
        needing_work(database, remember(conversations), settings.rubric.version)
    ):
        if needed:
            yield sources[position], conversation
        else:
            summary.unchanged += 1


def analyse_partition(partition: Partition, settings: TaskSettings) -> MapResult:
    """The first pass over one partition (see the module docstring)."""
    try:
        if settings.fault is not None:
            settings.fault(partition, "map")
        return _analyse_partition(partition, settings)
    except Exception as error:
        report_failed_attempt("map", partition, error, settings.run_id)
        raise


def _analyse_partition(partition: Partition, settings: TaskSettings) -> MapResult:
    summary = MapSummary(partition.index)
    collector = _Collector(summary)
    ledger = EmpathyLedger()
    compressor = zlib.compressobj(SPOOL_COMPRESSION)
    chunks: list[bytes] = []
    for file_index, conversation in _to_work_on(
        read_partition(partition, settings, collector), settings, summary
    ):
        try:
            analysis = analyze(conversation, rubric=settings.rubric)
        except Exception as error:  # one conversation the engine cannot handle: report it
            collector.failure(
                ReadIssue(
                    partition.files[file_index],
                    f"cannot analyse it: {type(error).__name__}: {error}",
                    f"conversation {conversation.id}",
                )
            )
            continue
        summary.analysed += 1
        ledger.add(conversation.agent_id, conversation.id, analysis.turns)
        line = f"{file_index}\t{conversation.model_dump_json()}\t{analysis.model_dump_json()}\n"
        chunks.append(compressor.compress(line.encode("utf-8")))
    chunks.append(compressor.flush())
    return MapResult(
        summary=summary,
        sources=partition.files,
        ledger=compact_ledger(ledger, settings.rubric.scripted_empathy.min_conversations),
        spool=b"".join(chunks),
    )


def summary_of(result: MapResult) -> MapSummary:
    return result.summary


def ledger_of(result: MapResult) -> LedgerPartial:
    return result.ledger


# The reduce step -------------------------------------------------------------------------


def compact_ledger(ledger: EmpathyLedger, cap: int) -> LedgerPartial:
    """The ledger as plain data, each line keeping its ``cap`` smallest conversation ids: enough
    to answer "used in at least ``cap`` conversations?" exactly, after any number of merges."""
    keep = max(1, cap)
    return {
        agent: {line: sorted(ids)[:keep] for line, ids in sorted(lines.items())}
        for agent, lines in sorted(ledger.lines.items())
    }


def merge_ledgers(cap: int, *partials: LedgerPartial) -> LedgerPartial:
    """The reduce step: the union of ledger partials, compacted again (associative, so the
    cluster can merge them in a tree)."""
    merged: dict[str, dict[str, set[str]]] = {}
    for partial in partials:
        for agent, lines in partial.items():
            agent_lines = merged.setdefault(agent, {})
            for line, ids in lines.items():
                agent_lines.setdefault(line, set()).update(ids)
    keep = max(1, cap)
    return {
        agent: {line: sorted(ids)[:keep] for line, ids in sorted(lines.items())}
        for agent, lines in sorted(merged.items())
    }


def as_ledger(partial: LedgerPartial) -> EmpathyLedger:
    return EmpathyLedger(
        {agent: {line: set(ids) for line, ids in lines.items()} for agent, lines in partial.items()}
    )


# The finish task -------------------------------------------------------------------------


def _parse_spooled(line: bytes) -> tuple[int, Conversation, Analysis]:
    file_index, conversation_json, analysis_json = line.split(b"\t", 2)
    return (
        int(file_index),
        Conversation.model_validate_json(conversation_json),
        Analysis.model_validate_json(analysis_json),
    )


def read_spool(spool: bytes) -> Iterator[tuple[int, Conversation, Analysis]]:
    """The spooled ``(file index, conversation, analysis)`` triples, parsed back one at a time
    (the decompressed spool is several times larger than the spool: never all of it at once)."""
    decompressor = zlib.decompressobj()
    pending = b""
    for start in range(0, len(spool), SPOOL_READ_BYTES):
        pending += decompressor.decompress(spool[start : start + SPOOL_READ_BYTES])
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield _parse_spooled(line)
    pending += decompressor.flush()
    for line in pending.split(b"\n"):
        if line:
            yield _parse_spooled(line)


def finish_partition(
    result: MapResult, ledger: LedgerPartial, settings: TaskSettings, index: int
) -> FinishResult:
    """The second pass over one partition (see the module docstring)."""
    partition = Partition(index, result.sources)
    try:
        if settings.fault is not None:
            settings.fault(partition, "finish")
        return _finish_partition(result, ledger, settings, index)
    except Exception as error:
        report_failed_attempt("finish", partition, error, settings.run_id)
        raise


def _finish_partition(
    result: MapResult, partial: LedgerPartial, settings: TaskSettings, index: int
) -> FinishResult:
    from heard.distributed.parquet import PartWriter
    from heard.distributed.store import BatchStore, StoreItem, database_for

    ledger = as_ledger(partial)
    finished = FinishResult(index)
    # Every output is fed one conversation at a time: a worker holds one row group of a
    # partition, never the whole partition's analyses.
    writer = PartWriter(Path(settings.parquet_dir), index) if settings.parquet_dir else None
    store = (
        BatchStore(database_for(settings.database_url), settings.batch_size)
        if settings.database_url
        else None
    )
    compressor = zlib.compressobj(SPOOL_COMPRESSION)
    chunks: list[bytes] = []
    rows: list[tuple[Conversation, Analysis, str | None]] = []
    try:
        for file_index, conversation, analysis in read_spool(result.spool):
            (final,) = apply_ledger([(conversation, analysis)], ledger, settings.rubric)
            finished.rescored += final is not analysis
            finished.conversations += 1
            source = result.sources[file_index]
            if store is not None:
                store.add(StoreItem(conversation, final, source))
            if settings.collect is Collect.LINES:
                chunks.append(compressor.compress((final.record_line() + "\n").encode("utf-8")))
            elif settings.collect is Collect.PAIRS:
                pair = f"0\t{conversation.model_dump_json()}\t{final.model_dump_json()}\n"
                chunks.append(compressor.compress(pair.encode("utf-8")))
            if writer is not None:
                rows.append((conversation, final, source))
                if len(rows) >= PARQUET_ROW_GROUP:
                    writer.write(rows)
                    rows = []
        if writer is not None:
            writer.write(rows)
            finished.parquet = str(writer.close())
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if store is not None:
        store.flush()
        finished.stored = dict(store.counts)
        finished.store_failures = store.failures
    if settings.collect is not Collect.NONE:
        chunks.append(compressor.flush())
        payload = b"".join(chunks)
        if settings.collect is Collect.LINES:
            finished.lines = payload
        else:
            finished.pairs = payload
    return finished
