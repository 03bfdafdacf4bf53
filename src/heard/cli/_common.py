"""What every command shares: reading inputs with progress and error reporting, output files.

Commands stay small by building on :class:`InputSession`: it expands paths, detects formats,
shows one progress bar, prints each bad record as a one-line error, and ends with a summary and
the exit code, so reading behaves the same in ``read``, ``analyze`` and whatever comes next.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from heard.conversation import Channel, Conversation

# Every command module imports this one, and `heard --help` imports every command module: the
# readers (with their HTML and e-mail parsers) are imported by the functions that read, so
# start-up does not pay for them. tests/cli/test_startup.py keeps it that way.
if TYPE_CHECKING:
    from heard.readers import ReadIssue, ReadOptions

stderr = Console(stderr=True, highlight=False, soft_wrap=True)

# Exit codes, documented in `heard --help`.
EXIT_OK = 0
EXIT_SOME_SKIPPED = 1
EXIT_USAGE = 2
EXIT_NOTHING_READ = 3

# A user rarely wants hundreds of identical error lines; the count is in the summary.
MAX_ERRORS_SHOWN = 20
PROGRESS_AFTER_SECONDS = 1.0


def format_names() -> list[str]:
    # heard.readers, not heard.readers.registry: importing the package registers every reader.
    from heard.readers import readers

    return ["auto", *(reader.name for reader in readers())]


Paths = Annotated[
    list[Path], typer.Argument(help="Files or folders to read.", show_default=False, metavar="PATH")
]
FormatOption = Annotated[
    str,
    typer.Option(
        "--format", "-f", help="Input format, or auto to detect it (see `heard formats`)."
    ),
]
AgentOption = Annotated[
    list[str] | None,
    typer.Option(
        "--agent",
        help="A speaker label that is the agent (spk_0, SPEAKER_01, ch_0, an author id). "
        "Repeatable.",
    ),
]
CustomerOption = Annotated[
    list[str] | None,
    typer.Option("--customer", help="A speaker label that is the customer. Repeatable."),
]
MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="CSV column for a field, as FIELD=COLUMN (e.g. --map text=body). Repeatable.",
    ),
]
ChannelOption = Annotated[
    Channel | None, typer.Option("--channel", help="Set the channel of every conversation read.")
]
QuietOption = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress bar and no summary; errors still show.")
]


def _split_labels(values: Sequence[str] | None) -> frozenset[str]:
    labels: set[str] = set()
    for value in values or ():
        labels.update(part.strip() for part in value.split(",") if part.strip())
    return frozenset(labels)


def build_options(
    agent: Sequence[str] | None,
    customer: Sequence[str] | None,
    mapping: Sequence[str] | None,
    channel: Channel | None,
) -> ReadOptions:
    from heard.readers import ReadOptions

    columns: dict[str, str] = {}
    for item in mapping or ():
        field, separator, column = item.partition("=")
        if not separator or not field.strip() or not column.strip():
            raise typer.BadParameter(f"expected FIELD=COLUMN, got {item!r}", param_hint="--map")
        columns[field.strip()] = column.strip()
    agents, customers = _split_labels(agent), _split_labels(customer)
    both = agents & customers
    if both:
        raise typer.BadParameter(
            f"{', '.join(sorted(both))} cannot be both agent and customer", param_hint="--agent"
        )
    return ReadOptions(agent=agents, customer=customers, columns=columns, channel=channel)


def check_format(name: str) -> str:
    if name not in format_names():
        raise typer.BadParameter(
            f"unknown format {name!r}; choose from {', '.join(format_names())}",
            param_hint="--format",
        )
    return name


class InputSession:
    """Reads every input once, streaming, and keeps count of what was read and skipped."""

    def __init__(
        self, paths: Sequence[Path], format: str, options: ReadOptions, *, quiet: bool = False
    ) -> None:
        self.paths = list(paths)
        self.format = check_format(format)
        self.options = options
        self.quiet = quiet
        self.read = 0
        self.issues: list[ReadIssue] = []
        self.files = 0
        self.failed_files = 0

    def conversations(self) -> Iterator[Conversation]:
        from heard.readers import ReadIssue, expand_paths

        missing = [path for path in self.paths if not path.exists()]
        for path in missing:
            self._report(ReadIssue(str(path), "no such file or folder"))
            self.failed_files += 1
        files = list(expand_paths(path for path in self.paths if path.exists()))
        if not files and not missing:
            self._report(ReadIssue(", ".join(map(str, self.paths)), "no readable files found"))
        started = time.monotonic()
        progress = self._progress()
        task = progress.add_task("reading", total=len(files)) if progress else None
        try:
            for path in files:
                self.files += 1
                if progress is not None and task is not None:
                    progress.update(task, description=f"reading {path.name}")
                    if not progress.live.is_started and (
                        len(files) > 1 or time.monotonic() - started > PROGRESS_AFTER_SECONDS
                    ):
                        progress.start()
                yield from self._read_file(path)
                if progress is not None and task is not None:
                    progress.advance(task)
        finally:
            if progress is not None and progress.live.is_started:
                progress.stop()

    def _read_file(self, path: Path) -> Iterator[Conversation]:
        from heard.readers import ReadError, ReadIssue, Source, read_source

        source = Source.from_path(path)
        try:
            for item in read_source(source, self.format, self.options):
                if isinstance(item, ReadIssue):
                    self._report(item)
                else:
                    self.read += 1
                    yield item
        except ReadError as error:
            self.failed_files += 1
            self._report(error.issue)

    def _progress(self) -> Progress | None:
        if self.quiet or not stderr.is_terminal:
            return None
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr,
            transient=True,
        )

    def _report(self, issue: ReadIssue) -> None:
        self.issues.append(issue)
        if len(self.issues) <= MAX_ERRORS_SHOWN:
            stderr.print(f"[bold red]error[/]: {escape(str(issue))}")
        elif len(self.issues) == MAX_ERRORS_SHOWN + 1:
            stderr.print("[red]… further errors are counted in the summary[/]")

    @property
    def skipped(self) -> int:
        return len(self.issues)

    def summary(self) -> str:
        total = self.read + self.skipped
        if not self.skipped:
            return f"{plural(self.read, 'conversation')} read from {plural(self.files, 'file')}"
        return (
            f"{self.skipped:,} of {total:,} records skipped: see errors above "
            f"({plural(self.read, 'conversation')} read)"
        )

    def exit_code(self) -> int:
        if self.read == 0 and self.skipped:
            return EXIT_NOTHING_READ
        return EXIT_SOME_SKIPPED if self.skipped else EXIT_OK

    def finish(self) -> None:
        """Print the summary (unless quiet, or when there were errors) and exit accordingly."""
        if self.skipped or not self.quiet:
            style = "yellow" if self.skipped else "green"
            stderr.print(f"[{style}]{escape(self.summary())}[/]")
        code = self.exit_code()
        if code:
            raise typer.Exit(code)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def escape(text: str) -> str:
    from rich.markup import escape as rich_escape

    return rich_escape(text)


@contextlib.contextmanager
def output_stream(out: Path | None) -> Iterator[IO[str]]:
    """stdout, or a file written whole or not at all: readers of ``out`` never see half a file."""
    if out is None:
        import sys

        yield sys.stdout
        return
    directory = out.parent if str(out.parent) else Path(".")
    if not directory.is_dir():
        raise typer.BadParameter(f"folder {directory} does not exist", param_hint="--out")
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        os.replace(temporary, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
