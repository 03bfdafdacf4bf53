"""`heard analyze`: the listening scorecard of every conversation, with its evidence."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from heard.audio.cli import AgentChannelOption, TranscriptOption, recording_options
from heard.cli._common import (
    AgentOption,
    ChannelOption,
    CustomerOption,
    InputSession,
    MapOption,
    Paths,
    QuietOption,
    build_options,
    output_stream,
)
from heard.cli._distributed import (
    Engine,
    EngineOption,
    PartitionOption,
    SchedulerOption,
    check_engine_options,
)
from heard.cli.app import app

# heard.scoring and heard.analysis load the data models and, for analysis, the engine (numpy,
# the models): the functions that need them import them, so `heard --help` loads neither.
if TYPE_CHECKING:
    from heard.analysis import Analysis
    from heard.conversation import Conversation
    from heard.scoring.aggregate import GroupScorecard


def stream_is_terminal(stream: IO[str]) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


class AnalysisFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    HTML = "html"
    PARQUET = "parquet"


SHORT = {
    "attention": "attn",
    "no_interruption": "no-int",
    "clarification": "clarify",
    "paraphrase": "para",
    "empathy": "empathy",
    "solution": "solution",
    "follow_up": "follow",
}


@app.command("analyze")
def analyze_command(
    paths: Paths,
    format: Annotated[
        AnalysisFormat, typer.Option("--format", "-f", help="Output format.")
    ] = AnalysisFormat.TABLE,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
    ] = None,
    rubric: Annotated[
        Path | None, typer.Option("--rubric", help="A rubric YAML file (see docs/scoring.md).")
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes (with --engine dask and no --scheduler: local Dask workers).",
        ),
    ] = 1,
    engine: EngineOption = Engine.LOCAL,
    scheduler: SchedulerOption = None,
    partition_mb: PartitionOption = None,
    input_format: Annotated[
        str,
        typer.Option("--input-format", "-i", help="Input format, or auto (see `heard formats`)."),
    ] = "auto",
    agent: AgentOption = None,
    customer: CustomerOption = None,
    mapping: MapOption = None,
    channel: ChannelOption = None,
    transcript: TranscriptOption = None,
    agent_channel: AgentChannelOption = None,
    quiet: QuietOption = False,
) -> None:
    """Score how well agents listened, with the quoted words behind every number.

    Examples:

      heard analyze examples/

      heard analyze export.json --format jsonl --out scores.jsonl

      heard analyze calls/ --format html --out report.html --jobs 2

      heard analyze chats.csv --rubric our-rubric.yaml

      heard analyze call.wav --transcript call.json --agent-channel 0

      heard analyze exports/ --engine dask --scheduler tcp://10.0.0.5:8786 -f parquet -o out/
    """
    from heard.batch import analyses, rendered
    from heard.scoring import RubricError, load_rubric

    check_engine_options(engine, scheduler, partition_mb)
    if format is AnalysisFormat.PARQUET and (engine is Engine.LOCAL or out is None):
        problem = (
            "partitioned Parquet is written by the Dask engine: add --engine dask (a local "
            "cluster of --jobs workers, nothing to set up)"
            if engine is Engine.LOCAL
            else "Parquet output is a folder: name it with --out"
        )
        raise typer.BadParameter(problem, param_hint="--format")
    try:
        chosen = load_rubric(rubric)
    except RubricError as error:
        raise typer.BadParameter(str(error), param_hint="--rubric") from None
    options = build_options(agent, customer, mapping, channel)
    options = recording_options(paths, options, transcript, agent_channel)
    if engine is Engine.DASK:
        from heard.cli._distributed import analyze_on_dask

        analyze_on_dask(
            paths,
            format=format.value,
            out=out,
            rubric=chosen,
            jobs=jobs,
            scheduler=scheduler,
            partition_mb=partition_mb,
            input_format=input_format,
            options=options,
            quiet=quiet,
            write_results=write_results,
        )
        return
    session = InputSession(paths, input_format, options, quiet=quiet)
    render = LINE_RENDERERS.get(format)
    with output_stream(out) as stream:
        if render is None:
            write_results(stream, format.value, analyses(session.conversations(), chosen, jobs))
        else:
            # A line per conversation: rendered on the workers, the corpus pass included.
            if format == AnalysisFormat.CSV:
                stream.write(csv_line(csv_header()))
            for line in rendered(session.conversations(), render, chosen, jobs):
                stream.write(line)
    session.finish()


def csv_header() -> list[str]:
    from heard.scoring import COMPONENTS

    return ["conversation_id", "agent_id", "team_id", "channel", "listening_score", *COMPONENTS]


def csv_line(fields: Sequence[object]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(fields)
    return buffer.getvalue()


def jsonl_line(conversation: Conversation, analysis: Analysis) -> str:
    return analysis.record_line() + "\n"


def csv_row(conversation: Conversation, analysis: Analysis) -> str:
    from heard.scoring import COMPONENTS  # cheap: whatever made the analysis imported it

    return csv_line(
        [
            analysis.conversation_id,
            analysis.agent_id or "",
            analysis.team_id or "",
            analysis.channel.value,
            "" if analysis.listening_score is None else analysis.listening_score,
            *(
                "" if analysis.components[c].score is None else analysis.components[c].score
                for c in COMPONENTS
            ),
        ]
    )


LINE_RENDERERS: dict[str, Callable[[Conversation, Analysis], str]] = {
    AnalysisFormat.JSONL: jsonl_line,
    AnalysisFormat.CSV: csv_row,
}


def write_results(
    stream: IO[str], format: str, results: Iterable[tuple[Conversation, Analysis]]
) -> None:
    """Write final ``(conversation, analysis)`` pairs, in input order, as ``format`` (any
    output format but parquet), whichever engine produced them."""
    if format == AnalysisFormat.CSV:
        stream.write(csv_line(csv_header()))
    if format in LINE_RENDERERS:
        render = LINE_RENDERERS[format]
        for conversation, analysis in results:
            stream.write(render(conversation, analysis))
    else:
        from heard.scoring.aggregate import aggregate

        pairs = list(results)
        agents = aggregate([a for _, a in pairs], [a.agent_id for _, a in pairs], "agent_id")
        teams = aggregate([a for _, a in pairs], [a.team_id for _, a in pairs], "team_id")
        if format == AnalysisFormat.JSON:
            document = {
                "conversations": [a.record() for _, a in pairs],
                "agents": [c.model_dump(mode="json") for c in agents],
                "teams": [c.model_dump(mode="json") for c in teams],
            }
            json.dump(document, stream, ensure_ascii=False, indent=2)
            stream.write("\n")
        elif format == AnalysisFormat.HTML:
            from heard.report.html import render_report

            stream.write(render_report(pairs, agents, teams))
        else:
            console = Console(file=stream, width=None if stream_is_terminal(stream) else 120)
            _print_tables(console, pairs, agents)


def _score_text(score: float | None) -> Text:
    if score is None:
        return Text("–", style="dim")
    style = "green" if score >= 75 else "yellow" if score >= 50 else "red"
    return Text(f"{score:.0f}", style=style)


def _print_tables(console: Console, pairs: list, agents: list[GroupScorecard]) -> None:  # type: ignore[type-arg]
    from heard.scoring import COMPONENTS

    table = Table(
        title="Listening scorecards (0–100; – where a component cannot apply)", title_justify="left"
    )
    table.add_column("conversation", no_wrap=True)
    table.add_column("agent", no_wrap=True)
    table.add_column("score", justify="right")
    for name in COMPONENTS:
        table.add_column(SHORT[name], justify="right")
    notes: list[Text] = []
    for _, analysis in pairs:
        table.add_row(
            analysis.conversation_id,
            analysis.agent_id or "",
            _score_text(analysis.listening_score),
            *(_score_text(analysis.components[c].score) for c in COMPONENTS),
        )
        costly = sorted((e for e in analysis.evidence if e.effect < 0), key=lambda e: e.effect)
        if costly and (analysis.listening_score or 0) < 75:
            worst = costly[0]
            note = Text("• ", style="dim")
            note.append(analysis.conversation_id, style="bold")
            note.append(f" {worst.turn_id}: " if worst.turn_id else ": ")
            note.append(worst.reason)
            if worst.quote:
                note.append(f" — “{worst.quote[:90]}”", style="italic")
            notes.append(note)
    console.print(table)
    if notes:
        console.print("What cost the most points:", style="bold")
        for note in notes:
            console.print(note)
    if len(agents) > 1 or (agents and agents[0].group != "(none)"):
        summary = Table(title="Agents", title_justify="left")
        summary.add_column("agent", no_wrap=True)
        summary.add_column("conversations", justify="right")
        summary.add_column("mean score", justify="right")
        summary.add_column("strongest")
        summary.add_column("weakest")
        for card in agents:
            summary.add_row(
                card.group,
                str(card.conversations),
                _score_text(card.listening_score),
                card.strongest or "",
                card.weakest or "",
            )
        console.print(summary)
