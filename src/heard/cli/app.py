"""The ``heard`` Typer application and its global options."""

from __future__ import annotations

from typing import Annotated

import typer

from heard import __version__

app = typer.Typer(
    name="heard",
    help=(
        "Active listening, measured and coached, for customer-service teams.\n\n"
        "Examples:\n\n"
        "  heard formats\n\n"
        "  heard read examples/ --out conversations.jsonl\n\n"
        "  heard analyze examples/ --format table\n\n"
        "  heard analyze calls/ --format html --out report.html\n\n"
        "  heard read call.json --format aws-transcribe --agent spk_0\n\n"
        "Exit codes: 0 all read; 1 some records were skipped (the good ones are still "
        "processed); 2 a usage mistake; 3 nothing could be read."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"heard {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Active listening, measured and coached, for customer-service teams."""
