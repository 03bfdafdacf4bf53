"""`heard report`: listening and service metrics (CSAT, NPS, CES, FCR, handle and response
times) from the database, with sample sizes and 95% intervals, per period, agent, team, channel."""

from __future__ import annotations

import json
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from heard.cli._common import EXIT_USAGE, escape, output_stream, stderr
from heard.cli._database import DbOption, require_existing
from heard.cli.app import app
from heard.conversation import Channel


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    HTML = "html"


class PeriodChoice(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def _fail(message: str) -> NoReturn:
    # One line, always: driver messages (psycopg's) carry their own line breaks.
    stderr.print(f"[bold red]error[/]: {escape(' '.join(message.split()))}")
    raise typer.Exit(EXIT_USAGE)


@app.command("report")
def report_command(
    db: DbOption = None,
    agent: Annotated[str | None, typer.Option("--agent", help="Only this agent id.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Only this team id.")] = None,
    channel: Annotated[Channel | None, typer.Option("--channel", help="Only this channel.")] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Conversations started on or after this date (YYYY-MM-DD)."),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Conversations started on or before this date (YYYY-MM-DD)."),
    ] = None,
    period: Annotated[
        PeriodChoice, typer.Option("--period", help="Trend periods (UTC).")
    ] = PeriodChoice.WEEK,
    window: Annotated[
        float,
        typer.Option(
            "--reopen-window",
            min=0.0,
            help="Days within which a contact by the same customer about the same concern "
            "counts as a reopen (for FCR).",
        ),
    ] = 7.0,
    format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ReportFormat.TABLE,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Service metrics with their uncertainty: listening score, CSAT, NPS, CES, first-contact
    resolution, handle and first response times, each with n and a 95% interval.

    Examples:

      heard report

      heard report --team team-orders --since 2026-03-01 --period day

      heard report --agent agent-mia --format html --out mia.html

      heard report --db postgresql://heard@db/heard --format json --out report.json
    """
    # Here, not at the top: `heard --help` and the other commands should not load SQLAlchemy.
    from sqlalchemy.exc import SQLAlchemyError

    from heard.feedback.report import (
        Filters,
        ReportError,
        build_report,
        parse_moment,
        print_report,
        render_html,
        report_json,
    )
    from heard.store.database import Database, DatabaseError

    if agent and team:
        _fail("choose --agent or --team, not both")
    try:
        filters = Filters(
            agent=agent,
            team=team,
            channel=channel.value if channel else None,
            since=parse_moment(since) if since else None,
            until=parse_moment(until, end=True) if until else None,
            period=period.value,
        )
    except ReportError as error:
        _fail(str(error))
    if out is not None and not (out.parent if str(out.parent) else Path(".")).is_dir():
        _fail(f"folder {out.parent} does not exist (--out)")
    database: Database | None = None
    try:
        if db:
            require_existing(db)
        database = Database(db)
        report = build_report(database, filters, window=timedelta(days=window))
    except DatabaseError as error:
        _fail(str(error))
    except SQLAlchemyError as error:
        where = database.display_url if database else "the database"
        _fail(f"cannot read {where}: {str(error).splitlines()[0]}")
    except OSError as error:
        _fail(f"cannot open the database: {error}")
    finally:
        if database is not None:
            database.dispose()

    with output_stream(out) as stream:
        if format is ReportFormat.JSON:
            json.dump(report_json(report), stream, ensure_ascii=False, indent=2)
            stream.write("\n")
        elif format is ReportFormat.HTML:
            stream.write(render_html(report))
        else:
            is_terminal = bool(getattr(stream, "isatty", lambda: False)())
            console = Console(file=stream, width=None if is_terminal else 160)
            print_report(report, console)
