"""The driver: partitions in, a Dask cluster does the work, results out in input order.

    run = DistributedRun(files, TaskSettings(rubric=rubric), workers=2)
    for finished in run:            # FinishResult per partition, in partition order
        ...
    run.report                      # counts read / analysed / failed, what failed and why

With ``scheduler=None`` the run starts a ``LocalCluster`` of ``workers`` single-threaded
processes (threads with ``processes=False``: tests) and closes it at the end; with an address
(``tcp://host:8786``) or a scheduler file it uses that cluster and leaves it running.

The graph, per run: one map task per partition; a tree of ledger merges (the reduce step); one
finish task per partition, which needs its own map result and the merged ledger. Map and finish
tasks are retried ``retries`` times by Dask; each failed attempt is logged as a Dask event
(:data:`heard.distributed.tasks.FAILURE_TOPIC`), so the report says which partitions needed a
retry and which failed for good, and why. Partitions that failed are left out of the reduce
step and the outputs, and reported with what they held; nothing is dropped silently.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heard.distributed.partition import Partition, partition_size, plan_partitions
from heard.distributed.partition import shift_line_numbers as _shift
from heard.distributed.tasks import (
    FAILURE_TOPIC,
    FinishResult,
    MapSummary,
    TaskSettings,
    analyse_partition,
    finish_partition,
    ledger_of,
    merge_ledgers,
    summary_of,
)
from heard.readers import ReadIssue

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

    from heard.distributed.store import StoreFailure

DEFAULT_RETRIES = 2
# Seconds to wait for a scheduler to answer (Dask's own default).
CONNECT_TIMEOUT = 30
# Ledger partials merged per reduce task: a shallow tree, no task waiting on hundreds of inputs.
REDUCE_FAN_IN = 8
INSTALL_HINT = "pip install 'heard[scale]'"

ProgressCallback = Callable[[str, int, int], None]


class DaskUnavailableError(RuntimeError):
    """Dask (or pyarrow) is not installed; the message says how to install it."""


class ClusterError(RuntimeError):
    """The cluster cannot be reached or cannot run heard's tasks."""


def require_dask() -> None:
    """Raise :class:`DaskUnavailableError`, saying how to install them, when dask, distributed or
    pyarrow cannot be imported."""
    missing = []
    for module in ("dask", "distributed", "pyarrow"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise DaskUnavailableError(
            f"the dask engine needs {', '.join(missing)}, which are not installed: {INSTALL_HINT}"
        )


@dataclass(frozen=True)
class PartitionFailure:
    """A partition that failed for good: where its data is, at which stage, why."""

    partition: Partition
    stage: str
    error: str
    attempts: int
    records: int | None = None  # non-blank lines in a failed byte range: what is missing

    def __str__(self) -> str:
        held = f", {self.records:,} records" if self.records is not None else ""
        tries = f"after {self.attempts} attempts" if self.attempts > 1 else "on its only attempt"
        return (
            f"partition {self.partition.index} ({self.partition.describe()}{held}): "
            f"{self.stage} failed {tries}: {self.error}"
        )


@dataclass
class RunReport:
    """What a distributed run did: the counts the issue asks for (read / analysed / failed)
    and everything behind them."""

    workers: int = 0
    partitions: int = 0
    files: int = 0
    failed_files: int = 0
    read: int = 0
    skipped: int = 0  # bad records (not conversations)
    unchanged: int = 0  # already in the database, not analysed again
    analysed: int = 0
    failed: int = 0  # conversations that could not be analysed (each reported)
    rescored: int = 0  # conversations the reduce step (scripted empathy) rescored
    written: int = 0  # conversations in the outputs
    stored: Counter[str] = field(default_factory=Counter)
    issues: list[ReadIssue] = field(default_factory=list)  # bad records and unreadable files
    failures: list[ReadIssue] = field(default_factory=list)  # conversations that failed
    store_failures: list[StoreFailure] = field(default_factory=list)
    partition_failures: list[PartitionFailure] = field(default_factory=list)
    # partition index → the errors of its attempts that failed before one succeeded
    retried: dict[int, list[str]] = field(default_factory=dict)

    @property
    def lost_records(self) -> int:
        """Records in failed partitions, where known (byte ranges)."""
        return sum(f.records or 0 for f in self.partition_failures)

    def counts(self) -> str:
        """``read / analysed / failed`` in one line."""
        text = f"{self.read:,} read, {self.analysed:,} analysed, {self.failed:,} failed"
        if self.unchanged:
            text += f", {self.unchanged:,} unchanged"
        if self.partition_failures:
            lost = f" ({self.lost_records:,} records)" if self.lost_records else ""
            text += f"; {_partitions(len(self.partition_failures))} failed{lost}"
        if self.retried:
            text += f"; {_partitions(len(self.retried))} recovered on retry"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "workers": self.workers,
            "partitions": self.partitions,
            "files": self.files,
            "read": self.read,
            "skipped_records": self.skipped,
            "unchanged": self.unchanged,
            "analysed": self.analysed,
            "failed": self.failed,
            "rescored_by_reduce_step": self.rescored,
            "written": self.written,
            "stored": dict(self.stored),
            "failed_partitions": [
                {
                    "partition": f.partition.index,
                    "where": f.partition.describe(),
                    "stage": f.stage,
                    "attempts": f.attempts,
                    "records": f.records,
                    "error": f.error,
                }
                for f in self.partition_failures
            ],
            "retried_partitions": {str(k): v for k, v in sorted(self.retried.items())},
            "complete": not (self.partition_failures or self.failed or self.store_failures),
        }


def _partitions(count: int) -> str:
    return f"{count:,} partition{'' if count == 1 else 's'}"


def _count_records(partition: Partition) -> int | None:
    """Non-blank lines in a byte range (what a failed range held); None for whole files."""
    if partition.end is None:
        return None
    remaining = partition.end - partition.start
    count = 0
    tail = b""
    try:
        with open(partition.files[0], "rb") as stream:
            stream.seek(partition.start)
            while remaining > 0:
                chunk = stream.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
                lines = (tail + chunk).split(b"\n")
                tail = lines.pop()
                count += sum(1 for line in lines if line.strip())
    except OSError:
        return None
    return count + (1 if tail.strip() else 0)


def _lines_in(partition: Partition) -> int:
    if partition.end is None:
        return 0
    with open(partition.files[0], "rb") as stream:
        stream.seek(partition.start)
        data = stream.read(partition.end - partition.start)
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def _engine_version() -> str:
    from heard.analysis import ENGINE_VERSION

    return ENGINE_VERSION


class DistributedRun:
    """One analysis run on a Dask cluster; iterate it for the finished partitions in order."""

    def __init__(
        self,
        files: Sequence[Path],
        settings: TaskSettings,
        *,
        scheduler: str | None = None,
        workers: int = 2,
        processes: bool = True,
        partition_bytes: int | None = None,
        retries: int = DEFAULT_RETRIES,
        progress: ProgressCallback | None = None,
    ) -> None:
        require_dask()
        self.files = list(files)
        self.run_id = uuid.uuid4().hex[:10]
        self.settings = settings
        self.scheduler = scheduler
        self.workers = workers
        self.processes = processes
        self.partition_bytes = partition_bytes
        self.retries = retries
        self.progress = progress
        self.report = RunReport(files=len(self.files))
        self.partitions: list[Partition] = []

    # The cluster -----------------------------------------------------------------------

    def _connect(self) -> tuple[Client, LocalCluster | None]:
        from distributed import Client, LocalCluster

        if self.scheduler is None:
            cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=self.processes,
                dashboard_address=":0",  # a free port: never clash with another cluster
                silence_logs=logging.ERROR,
            )
            return Client(cluster, set_as_default=False), cluster
        try:
            if "://" not in self.scheduler and Path(self.scheduler).is_file():
                client = Client(
                    scheduler_file=self.scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT
                )
            else:
                client = Client(self.scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT)
        except OSError as error:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {self.scheduler}: {error}"
            ) from error
        return client, None

    def _check_workers(self, client: Client) -> int:
        threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        if not threads:
            client.wait_for_workers(1, timeout=60)
            threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        versions = set(client.run(_engine_version).values())
        if versions - {_engine_version()}:
            raise ClusterError(
                f"the workers run heard engine {', '.join(sorted(versions))}, this client "
                f"{_engine_version()}: install the same heard on every machine"
            )
        return max(1, int(threads))

    # The run ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[FinishResult]:
        client, cluster = self._connect()
        try:
            yield from self._run(client)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()

    def _key(self, stage: str, index: int) -> str:
        return f"heard-{stage}-{self.run_id}-{index}"

    def _run(self, client: Client) -> Iterator[FinishResult]:
        report = self.report
        report.workers = self._check_workers(client)
        total = sum(path.stat().st_size for path in self.files if path.is_file())
        size = self.partition_bytes or partition_size(total, report.workers)
        self.partitions = plan_partitions(self.files, size, self.settings.input_format)
        report.partitions = len(self.partitions)
        settings = dataclasses.replace(self.settings, run_id=self.run_id)
        count = len(self.partitions)

        # Map: earlier partitions first, so output can stream in order as they finish.
        maps = [
            client.submit(
                analyse_partition,
                partition,
                settings,
                key=self._key("map", partition.index),
                retries=self.retries,
                priority=count - partition.index,
                pure=False,
            )
            for partition in self.partitions
        ]
        summaries = [
            client.submit(summary_of, future, key=self._key("summary", i), pure=False)
            for i, future in enumerate(maps)
        ]
        self._wait(client, summaries, "analysing")
        ok = self._collect_summaries(maps, summaries)

        # Reduce: merge the ledger partials of the partitions that succeeded.
        cap = settings.rubric.scripted_empathy.min_conversations
        level: list[Future[Any]] = [
            client.submit(ledger_of, maps[i], key=self._key("ledger", i), pure=False) for i in ok
        ]
        depth = 0
        while len(level) != 1:
            level = [
                client.submit(
                    merge_ledgers,
                    cap,
                    *level[start : start + REDUCE_FAN_IN],
                    key=self._key(f"reduce{depth}", start),
                    retries=self.retries,
                    pure=False,
                )
                for start in range(0, max(1, len(level)), REDUCE_FAN_IN)
            ]
            depth += 1
        (ledger,) = level

        # Finish: the cheap second pass, and the outputs.
        finishes = [
            client.submit(
                finish_partition,
                maps[i],
                ledger,
                settings,
                i,
                key=self._key("finish", i),
                retries=self.retries,
                priority=count - i,
                pure=False,
            )
            for i in ok
        ]
        del maps, summaries, level, ledger  # workers free each map result once it is finished
        for done, (index, future) in enumerate(zip(ok, finishes, strict=True), start=1):
            try:
                finished: FinishResult = future.result()
            except Exception as error:
                self._failed(index, "finish", error)
            else:
                report.rescored += finished.rescored
                report.written += finished.conversations
                report.stored.update(finished.stored)
                report.store_failures.extend(finished.store_failures)
                yield finished
            future.release()
            if self.progress is not None:
                self.progress("writing", done, len(ok))
        self._read_failure_events(client)

    def _wait(self, client: Client, futures: Sequence[Future[Any]], stage: str) -> None:
        from distributed import as_completed

        # This client is not Dask's default one (a library must not change a global): name it.
        completed = as_completed(futures, loop=client.loop, raise_errors=False)
        for done, _ in enumerate(completed, start=1):
            if self.progress is not None:
                self.progress(stage, done, len(futures))

    def _collect_summaries(
        self, maps: Sequence[Future[Any]], summaries: Sequence[Future[Any]]
    ) -> list[int]:
        """Add up the map summaries in partition order; the indices of those that succeeded."""
        report = self.report
        ok: list[int] = []
        lines_before: dict[str, int] = defaultdict(int)
        for partition, summary_future in zip(self.partitions, summaries, strict=True):
            name = partition.files[0]
            if summary_future.status != "finished":
                error = maps[partition.index].exception()
                self._failed(partition.index, "map", error)
                if partition.end is not None:
                    lines_before[name] += _lines_in(partition)
                continue
            summary: MapSummary = summary_future.result()
            shift = lines_before[name] if partition.end is not None else 0
            for issue in summary.issues:
                report.issues.append(
                    dataclasses.replace(issue, location=_shift(issue.location, shift))
                )
            report.failures.extend(summary.failures)
            if partition.end is not None:
                lines_before[name] += summary.lines
            report.failed_files += summary.failed_files
            report.read += summary.read
            report.skipped += summary.skipped
            report.unchanged += summary.unchanged
            report.analysed += summary.analysed
            report.failed += summary.failed
            ok.append(partition.index)
        return ok

    def _failed(self, index: int, stage: str, error: BaseException | None) -> None:
        partition = self.partitions[index]
        text = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        self.report.partition_failures.append(
            PartitionFailure(partition, stage, text, self.retries + 1, _count_records(partition))
        )

    def _read_failure_events(self, client: Client) -> None:
        """Which partitions failed an attempt, from the events the tasks logged."""
        attempts: dict[tuple[str, int], list[str]] = defaultdict(list)
        for _, message in client.get_events(FAILURE_TOPIC):
            if isinstance(message, dict) and message.get("run") == self.run_id:
                attempts[(message["stage"], message["partition"])].append(message["error"])
        failed_for_good = {(f.stage, f.partition.index) for f in self.report.partition_failures}
        for position, failure in enumerate(self.report.partition_failures):
            logged = attempts.get((failure.stage, failure.partition.index))
            if logged:
                # A worker that died logged nothing: count the attempts that said why.
                self.report.partition_failures[position] = dataclasses.replace(
                    failure, attempts=len(logged)
                )
        for (stage, index), errors in sorted(attempts.items(), key=lambda item: item[0][1]):
            if (stage, index) not in failed_for_good:
                self.report.retried.setdefault(index, []).extend(f"{stage}: {e}" for e in errors)
