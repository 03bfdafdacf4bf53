"""`--engine dask` for `heard analyze` and `heard import`: the same commands on a Dask cluster.

The commands stay as they are for ``--engine local``; this module turns their options into a
:class:`heard.distributed.DistributedRun`, writes what it returns, and reports like
:class:`heard.cli._common.InputSession` does: each bad record as a one-line error (the first
20), failed conversations and partitions, a summary with the counts read / analysed / failed,
and the same exit codes (0 all done, 1 something skipped or failed, 2 usage, 3 nothing read).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from heard.cli._common import (
    EXIT_NOTHING_READ,
    EXIT_OK,
    EXIT_SOME_SKIPPED,
    EXIT_USAGE,
    MAX_ERRORS_SHOWN,
    check_format,
    escape,
    output_stream,
    plural,
    stderr,
)

if TYPE_CHECKING:
    from heard.analysis import Analysis
    from heard.conversation import Conversation
    from heard.distributed import DistributedRun, RunReport, TaskSettings
    from heard.readers import ReadIssue, ReadOptions
    from heard.redaction import Redactor
    from heard.scoring import Rubric


class Engine(StrEnum):
    LOCAL = "local"
    DASK = "dask"


# The options `heard analyze` and `heard import` share.
EngineOption = Annotated[
    Engine,
    typer.Option(
        "--engine", help="local: processes on this machine; dask: a Dask cluster (docs/scale.md)."
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="With --engine dask: the scheduler's address (tcp://host:8786) or scheduler file; "
        "without it, a local cluster of --jobs workers.",
        show_default=False,
    ),
]
PartitionOption = Annotated[
    float | None,
    typer.Option(
        "--partition-mb",
        min=0.001,
        help="With --engine dask: input per partition, in MB (default: sized to the cluster).",
        show_default=False,
    ),
]


def check_engine_options(engine: Engine, scheduler: str | None, partition_mb: float | None) -> None:
    if engine is Engine.LOCAL and (scheduler is not None or partition_mb is not None):
        option = "--scheduler" if scheduler is not None else "--partition-mb"
        raise typer.BadParameter("needs --engine dask", param_hint=option)


WriteResults = Callable[[IO[str], str, Iterable[tuple["Conversation", "Analysis"]]], None]


def _usage_error(message: str) -> typer.Exit:
    stderr.print(f"[bold red]error[/]: {escape(message)}")
    return typer.Exit(EXIT_USAGE)


def _require_dask() -> None:
    from heard.distributed import DaskUnavailableError, require_dask

    try:
        require_dask()
    except DaskUnavailableError as error:
        raise _usage_error(f"--engine dask: {error}") from None


def _input_files(paths: Sequence[Path]) -> tuple[list[Path], list[ReadIssue]]:
    """The files to read, and the problems with the paths named (as InputSession says them)."""
    from heard.readers import ReadIssue, expand_paths

    issues = [ReadIssue(str(path), "no such file or folder") for path in paths if not path.exists()]
    files = list(expand_paths(path for path in paths if path.exists()))
    if not files and not issues:
        issues.append(ReadIssue(", ".join(map(str, paths)), "no readable files found"))
    return files, issues


class _ProgressBar:
    """One bar per stage (analysing partitions, then writing them), on a terminal only."""

    def __init__(self, quiet: bool) -> None:
        self.progress: Progress | None = None
        if not quiet and stderr.is_terminal:
            self.progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=stderr,
                transient=True,
            )
        self.tasks: dict[str, object] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.progress is None:
            return
        if not self.progress.live.is_started:
            self.progress.start()
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(f"{stage} partitions", total=total)
        self.progress.update(self.tasks[stage], completed=done)  # type: ignore[arg-type]

    def stop(self) -> None:
        if self.progress is not None and self.progress.live.is_started:
            self.progress.stop()


def _run(
    paths: Sequence[Path],
    settings: TaskSettings,
    *,
    jobs: int,
    scheduler: str | None,
    partition_mb: float | None,
    progress: _ProgressBar,
) -> tuple[DistributedRun, list[ReadIssue]]:
    from heard.distributed import DistributedRun

    files, path_issues = _input_files(paths)
    run = DistributedRun(
        files,
        settings,
        scheduler=scheduler,
        workers=jobs,
        partition_bytes=None if partition_mb is None else int(partition_mb * 1_000_000),
        progress=progress,
    )
    return run, path_issues


def _iterate(run: DistributedRun, progress: _ProgressBar) -> Iterator[object]:
    from heard.distributed import ClusterError

    try:
        yield from run
    except ClusterError as error:
        progress.stop()
        raise _usage_error(str(error)) from None
    finally:
        progress.stop()


def _report(report: RunReport, path_issues: list[ReadIssue]) -> list[str]:
    """Print every problem (bad records first, then failures); the lines of the summary."""
    for issue in [*path_issues, *report.issues][:MAX_ERRORS_SHOWN]:
        stderr.print(f"[bold red]error[/]: {escape(str(issue))}")
    if report.skipped + len(path_issues) > MAX_ERRORS_SHOWN:
        stderr.print("[red]… further errors are counted in the summary[/]")
    for failure in report.failures:
        stderr.print(f"[bold red]error[/]: {escape(str(failure))}")
    for stored in report.store_failures:
        where = f"{stored.source}, " if stored.source else ""
        stderr.print(
            f"[bold red]error[/]: {escape(where)}conversation {escape(stored.conversation_id)}: "
            f"{escape(stored.problem)}"
        )
    for lost in report.partition_failures:
        stderr.print(f"[bold red]error[/]: {escape(str(lost))}")
    for index, errors in sorted(report.retried.items()):
        stderr.print(
            f"[yellow]partition {index} recovered after {plural(len(errors), 'failed attempt')}: "
            f"{escape(errors[-1])}[/]"
        )
    lines = [
        f"{report.counts()} ({plural(report.partitions, 'partition')} of "
        f"{plural(report.files, 'file')} on {plural(report.workers, 'Dask worker')})"
    ]
    skipped = report.skipped + len(path_issues)
    if skipped:
        lines.append(f"{skipped:,} of {report.read + skipped:,} records skipped: see errors above")
    return lines


def _finish(lines: list[str], report: RunReport, path_issues: list[ReadIssue], quiet: bool) -> None:
    skipped = report.skipped + len(path_issues)
    problems = bool(
        skipped
        or report.failed
        or report.partition_failures
        or report.store_failures
        or report.failed_files
    )
    if problems or not quiet:
        style = "yellow" if problems else "green"
        for line in lines:
            stderr.print(f"[{style}]{escape(line)}[/]")
    if report.read == 0 and not report.unchanged and (skipped or report.partition_failures):
        code = EXIT_NOTHING_READ
    else:
        code = EXIT_SOME_SKIPPED if problems else EXIT_OK
    if code:
        raise typer.Exit(code)


def _pairs(run: Iterable[object]) -> Iterator[tuple[Conversation, Analysis]]:
    from heard.distributed import FinishResult
    from heard.distributed.tasks import read_spool

    for finished in run:
        assert isinstance(finished, FinishResult) and finished.pairs is not None
        for _, conversation, analysis in read_spool(finished.pairs):
            yield conversation, analysis


def analyze_on_dask(
    paths: Sequence[Path],
    *,
    format: str,
    out: Path | None,
    rubric: Rubric,
    jobs: int,
    scheduler: str | None,
    partition_mb: float | None,
    input_format: str,
    options: ReadOptions,
    quiet: bool,
    write_results: WriteResults,
) -> None:
    """``heard analyze --engine dask``: every output format, and partitioned Parquet."""
    from heard.distributed import Collect, FinishResult, TaskSettings
    from heard.distributed.parquet import existing_parts, write_manifest

    _require_dask()
    check_format(input_format)
    parquet = format == "parquet"
    if parquet:
        assert out is not None
        if out.exists() and not out.is_dir():
            raise _usage_error(f"--out {out}: Parquet output is a folder, and this is a file")
        if existing_parts(out):
            raise _usage_error(
                f"--out {out} already holds Parquet parts: remove them or name another folder"
            )
    collect = Collect.NONE if parquet else Collect.LINES if format == "jsonl" else Collect.PAIRS
    settings = TaskSettings(
        rubric=rubric,
        input_format=input_format,
        options=options,
        parquet_dir=str(out) if parquet else None,
        collect=collect,
    )
    progress = _ProgressBar(quiet)
    run, path_issues = _run(
        paths,
        settings,
        jobs=jobs,
        scheduler=scheduler,
        partition_mb=partition_mb,
        progress=progress,
    )
    results = _iterate(run, progress)
    if parquet:
        for _ in results:
            pass
        assert out is not None
        write_manifest(out, run.report.as_dict())
    elif collect is Collect.LINES:
        with output_stream(out) as stream:
            for finished in results:
                assert isinstance(finished, FinishResult) and finished.lines is not None
                stream.write(zlib.decompress(finished.lines).decode("utf-8"))
    else:
        with output_stream(out) as stream:
            write_results(stream, format, _pairs(results))
    _finish(_report(run.report, path_issues), run.report, path_issues, quiet)


def import_on_dask(
    paths: Sequence[Path],
    *,
    database_url: str,
    rubric: Rubric,
    redactor: Redactor | None,
    batch_size: int,
    jobs: int,
    scheduler: str | None,
    partition_mb: float | None,
    input_format: str,
    options: ReadOptions,
    quiet: bool,
) -> None:
    """``heard import --engine dask``: the workers read, analyse and write to the database."""
    from heard.distributed import TaskSettings

    _require_dask()
    check_format(input_format)
    settings = TaskSettings(
        rubric=rubric,
        input_format=input_format,
        options=options,
        redactor=redactor,
        database_url=database_url,
        skip_unchanged=True,
        batch_size=batch_size,
    )
    progress = _ProgressBar(quiet)
    run, path_issues = _run(
        paths,
        settings,
        jobs=jobs,
        scheduler=scheduler,
        partition_mb=partition_mb,
        progress=progress,
    )
    for _ in _iterate(run, progress):
        pass
    report = run.report
    lines = _report(report, path_issues)
    stored = report.stored
    lines.insert(
        0,
        f"{report.read:,} read: {stored['added']:,} added, {stored['updated']:,} updated, "
        f"{stored['unchanged'] + report.unchanged:,} unchanged; {stored['analysed']:,} analysed"
        + (f", {len(report.store_failures):,} not stored" if report.store_failures else ""),
    )
    _finish(lines, report, path_issues, quiet)
