"""`heard read`, `heard formats`, `heard schema`: getting conversations in."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from heard.cli._common import (
    AgentOption,
    ChannelOption,
    CustomerOption,
    FormatOption,
    InputSession,
    MapOption,
    Paths,
    QuietOption,
    build_options,
    output_stream,
)
from heard.cli.app import app
from heard.conversation import Conversation, Role, conversation_json_schema


class OutputFormat(StrEnum):
    JSONL = "jsonl"
    TABLE = "table"


def _conversation_table(conversations: list[Conversation]) -> Table:
    table = Table(title="Conversations read", title_justify="left")
    for column, justify in (
        ("id", "left"),
        ("channel", "left"),
        ("agent", "left"),
        ("turns", "right"),
        ("customer/agent", "right"),
        ("duration", "right"),
        ("roles", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for conversation in conversations:
        customer = len(conversation.turns_by(Role.CUSTOMER))
        agent = len(conversation.turns_by(Role.AGENT))
        table.add_row(
            conversation.id,
            conversation.channel.value,
            conversation.agent_id or "",
            str(len(conversation.turns)),
            f"{customer}/{agent}",
            _duration(conversation),
            "inferred" if conversation.metadata.get("roles_inferred") else "given",
        )
    return table


def _duration(conversation: Conversation) -> str:
    marks = [t for turn in conversation.turns for t in (turn.start, turn.end) if t is not None]
    if marks:
        seconds = max(marks)
    else:
        times = [turn.time for turn in conversation.turns if turn.time is not None]
        if len(times) < 2:
            return ""
        seconds = (max(times) - min(times)).total_seconds()
    minutes, rest = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"


@app.command("read")
def read_command(
    paths: Paths,
    format: FormatOption = "auto",
    to: Annotated[OutputFormat, typer.Option("--to", help="Output format.")] = OutputFormat.JSONL,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
    ] = None,
    agent: AgentOption = None,
    customer: CustomerOption = None,
    mapping: MapOption = None,
    channel: ChannelOption = None,
    quiet: QuietOption = False,
) -> None:
    """Convert conversations from any supported format into heard's native JSONL.

    Examples:

      heard read examples/

      heard read export.json calls/ --out conversations.jsonl

      heard read call.vtt --agent "Dana (Support)"
    """
    session = InputSession(
        paths, format, build_options(agent, customer, mapping, channel), quiet=quiet
    )
    if to is OutputFormat.TABLE:
        table = _conversation_table(list(session.conversations()))
        with output_stream(out) as stream:
            Console(file=stream, width=None if out is None else 120).print(table)
    else:
        with output_stream(out) as stream:
            for conversation in session.conversations():
                stream.write(conversation.to_json())
                stream.write("\n")
    session.finish()


@app.command("formats")
def formats_command() -> None:
    """List the supported input formats."""
    # Imported here, not at the top, so `heard --help` does not load every reader; the package
    # (not heard.readers.registry alone) so that every reader is registered.
    from heard.readers import readers

    table = Table(title="Input formats heard reads", title_justify="left")
    table.add_column("format", style="bold")
    table.add_column("extensions")
    table.add_column("what it reads")
    for reader in readers():
        table.add_row(reader.name, " ".join(f".{e}" for e in reader.extensions), reader.description)
    Console().print(table)


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of one line of heard's native JSONL."""
    typer.echo(json.dumps(conversation_json_schema(), indent=2))
