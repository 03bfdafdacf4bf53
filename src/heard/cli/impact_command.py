"""`heard impact` and `heard concerns`: what listening goes with, and what customers raise.

Both read the database (``--db``, ``HEARD_DB`` or the default file) and never write to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from heard.cli._common import EXIT_NOTHING_READ, EXIT_USAGE, escape, output_stream, stderr
from heard.cli._database import DbOption, require_existing
from heard.cli.app import app

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from heard.feedback.concerns import ConcernDigest, ConcernGroup
    from heard.feedback.impact import ImpactReport


class ImpactFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    HTML = "html"


class ConcernsFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


TeamOption = Annotated[
    str | None, typer.Option("--team", help="Only this team's conversations.", show_default=False)
]
SinceOption = Annotated[
    str | None,
    typer.Option(
        "--since",
        help="Conversations started on or after this date (YYYY-MM-DD) or time (ISO 8601).",
        show_default=False,
    ),
]
UntilOption = Annotated[
    str | None,
    typer.Option(
        "--until",
        help="Conversations started up to this date, inclusive (YYYY-MM-DD), or before this "
        "time (ISO 8601).",
        show_default=False,
    ),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
]


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    stderr.print(f"[bold red]error[/]: {escape(message)}")
    raise typer.Exit(code)


def parse_moment(value: str, option: str, *, end: bool = False) -> datetime:
    """A date (the whole day: its start, or with ``end`` the next day's start) or an ISO time;
    naive times are UTC."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return start + timedelta(days=1) if end else start
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        _fail(
            f"{option}: expected a date like 2024-05-31 or a time like 2024-05-31T17:00,"
            f" got {value!r}"
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@contextmanager
def _reading(db: str | None) -> Iterator[Session]:
    """A read-only session on the database, with every failure as one line (exit 2)."""
    from sqlalchemy.exc import SQLAlchemyError

    from heard.store.database import Database, DatabaseError

    require_existing(db)
    database: Database | None = None
    try:
        database = Database(db)
        with database.session() as session:
            yield session
    except DatabaseError as error:
        _fail(" ".join(str(error).split()))
    except SQLAlchemyError as error:
        where = database.display_url if database else "the database"
        original = getattr(error, "orig", None) or error
        _fail(f"cannot read {where}: {str(original).splitlines()[0]}")
    except OSError as error:
        _fail(f"cannot open the database: {error}")
    finally:
        if database is not None:
            database.dispose()


def _check_out(out: Path | None) -> None:
    if out is not None and not (out.parent if str(out.parent) else Path(".")).is_dir():
        _fail(f"folder {out.parent} does not exist (--out)")


def _console(stream: IO[str]) -> Console:
    terminal = bool(getattr(stream, "isatty", lambda: False)())
    return Console(file=stream, width=None if terminal else 120, highlight=False)


def _scope(team: str | None, since: datetime | None, until: datetime | None) -> str:
    parts = []
    if team:
        parts.append(f"team {team}")
    if since:
        parts.append(f"from {since.date().isoformat()}")
    if until:
        parts.append(f"before {until.date().isoformat()}")
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------
# heard impact


@app.command("impact")
def impact_command(
    db: DbOption = None,
    team: TeamOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    format: Annotated[
        ImpactFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ImpactFormat.TABLE,
    out: OutOption = None,
) -> None:
    """How CSAT, NPS and resolution differ with and without each listening behaviour, in your own
    conversations, with 95% confidence intervals; adjusted for channel and the customer's
    starting emotion; and what multitasking goes with. Associations, not causes.

    Examples:

      heard impact

      heard impact --team billing --since 2024-01-01 --until 2024-06-30

      heard impact --format html --out impact.html
    """
    from heard.feedback.impact import build_impact_report, render_html

    start = parse_moment(since, "--since") if since else None
    end = parse_moment(until, "--until", end=True) if until else None
    if start and end and end <= start:
        _fail("--until must be after --since")
    _check_out(out)
    with _reading(db) as session:
        report = build_impact_report(session, team=team, since=start, until=end)
    if report.conversations == 0:
        scope = _scope(team, start, end)
        _fail(
            f"no analysed conversations{' for ' + scope if scope else ''}"
            " (`heard import` stores and analyses them)",
            EXIT_NOTHING_READ,
        )
    with output_stream(out) as stream:
        if format is ImpactFormat.JSON:
            json.dump(report.to_dict(), stream, ensure_ascii=False, indent=2)
            stream.write("\n")
        elif format is ImpactFormat.HTML:
            stream.write(render_html(report))
        else:
            _print_impact(_console(stream), report)


def _verdict_text(verdict: str, text: str) -> Text:
    style = {"higher": "green", "lower": "red"}.get(verdict, "dim")
    return Text(text, style=style)


def _print_impact(console: Console, report: ImpactReport) -> None:
    from heard.feedback.impact import VERDICT_TEXT, format_value

    scope = " ".join(
        part
        for part in (
            f"team {report.team}" if report.team else "",
            f"from {report.since[:10]}" if report.since else "",
            f"before {report.until[:10]}" if report.until else "",
        )
        if part
    )
    console.print(
        f"[bold]What listening goes with[/]{' — ' + escape(scope) if scope else ''}: "
        f"{report.conversations:,} analysed conversations, {report.with_csat:,} with CSAT, "
        f"{report.with_nps:,} with NPS; resolution = {escape(report.resolution_measure)}"
    )
    console.print(Text(report.notes[0], style="yellow"))
    console.print()
    console.print("Findings", style="bold")
    for finding in report.findings:
        console.print(Text("• " + finding))
    console.print()
    table = Table(
        title="By behaviour: difference in points, with − without (95% CI)", title_justify="left"
    )
    table.add_column("conversations with …", ratio=1, min_width=16)
    for name in (
        "n\nwith / without",
        "CSAT %\nwith / without",
        "CSAT\ndiff",
        "CSAT diff\nadjusted",
        "NPS\ndiff",
        "resolved\ndiff",
    ):
        table.add_column(name, justify="right", no_wrap=True)

    def cell(verdict: str, difference: float | None, low: float | None, high: float | None) -> Text:
        if difference is None or low is None or high is None:
            return Text("–", style="dim")
        text = _verdict_text(verdict, f"{difference:+.0f}".replace("-", "−"))
        text.append(f"\n({low:+.0f} to {high:+.0f})".replace("-", "−"), style="dim")
        return text

    for impact in report.behaviours:
        csat = impact.comparison("csat")
        nps = impact.comparison("nps")
        resolution = impact.comparison("resolution")
        effect = impact.adjusted_effect("csat")
        table.add_row(
            impact.behaviour,
            f"{impact.n_with:,} / {impact.n_without:,}",
            f"{format_value(csat.value_with, '%')} / {format_value(csat.value_without, '%')}",
            cell(csat.verdict, csat.difference, csat.low, csat.high),
            cell(effect.verdict, effect.coefficient, effect.low, effect.high)
            if effect
            else Text("–"),
            cell(nps.verdict, nps.difference, nps.low, nps.high),
            cell(resolution.verdict, resolution.difference, resolution.low, resolution.high),
        )
    console.print(table)
    console.print(
        "Green: higher; red: lower; grey: "
        f"{VERDICT_TEXT['no_clear_difference']} or {VERDICT_TEXT['too_few']}.",
        style="dim",
    )
    tasking = report.multitasking
    groups = Table(
        title=f"Multitasking: conversations the agent had open at once "
        f"({tasking.measured:,} measured, {tasking.unmeasured:,} without timed turns)",
        title_justify="left",
    )
    groups.add_column("at once")
    groups.add_column("conversations", justify="right")
    groups.add_column("listening score (95% CI)", justify="right")
    groups.add_column("% satisfied (95% CI)", justify="right")
    groups.add_column("CSAT answers", justify="right")
    for group in tasking.groups:
        score = (
            f"{group.listening_mean:.1f} ({group.listening_low:.1f}–{group.listening_high:.1f})"
            if group.listening_mean is not None
            and group.listening_low is not None
            and group.listening_high is not None
            else "–"
        )
        satisfied = (
            f"{group.satisfied_percent:.0f}% ({group.satisfied_low:.0f}–{group.satisfied_high:.0f})"
            if group.satisfied_percent is not None
            and group.satisfied_low is not None
            and group.satisfied_high is not None
            else "–"
        )
        groups.add_row(
            group.group, f"{group.conversations:,}", score, satisfied, f"{group.csat_n:,}"
        )
    console.print(groups)
    for finding in tasking.findings:
        console.print(Text("• " + finding))
    console.print()
    for note in report.notes[1:]:
        console.print(Text(note, style="dim"))


# ---------------------------------------------------------------------------------------------
# heard concerns


@app.command("concerns")
def concerns_command(
    db: DbOption = None,
    week: Annotated[
        str | None,
        typer.Option(
            "--week",
            help="An ISO week, e.g. 2024-W05 (default: the last complete week).",
            show_default=False,
        ),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    team: TeamOption = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many concerns to list.")] = 10,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            min=0.0,
            max=1.0,
            help="How alike two phrases must be to be one concern (cosine).",
        ),
    ] = 0.5,
    format: Annotated[
        ConcernsFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ConcernsFormat.TABLE,
    out: OutOption = None,
) -> None:
    """The customers' most frequent and fastest-growing concerns of a week (or any period), against
    the period before, with their own words and the satisfaction that went with them.

    Examples:

      heard concerns

      heard concerns --week 2024-W05 --top 5

      heard concerns --since 2024-05-01 --until 2024-05-31 --format json
    """
    from heard.feedback.concerns import concern_digest, last_full_week, parse_week, week_label

    if week and (since or until):
        _fail("choose --week or --since/--until, not both")
    if week:
        try:
            start, end = parse_week(week)
        except ValueError as error:
            _fail(f"--week: {error}")
        label: str | None = week_label(start)
    elif since or until:
        if not (since and until):
            _fail("--since and --until go together (or use --week)")
        start = parse_moment(since, "--since")
        end = parse_moment(until, "--until", end=True)
        if end <= start:
            _fail("--until must be after --since")
        label = None
    else:
        start, end = last_full_week()
        label = week_label(start)
    _check_out(out)
    with _reading(db) as session:
        digest = concern_digest(
            session, since=start, until=end, team=team, week=label, top=top, threshold=threshold
        )
    if digest.conversations == 0 and digest.previous_conversations == 0:
        scope = _scope(team, start - (end - start), end)
        _fail(
            f"no analysed conversations {scope} (`heard import` stores and analyses them)",
            EXIT_NOTHING_READ,
        )
    with output_stream(out) as stream:
        if format is ConcernsFormat.JSON:
            json.dump(digest.to_dict(), stream, ensure_ascii=False, indent=2)
            stream.write("\n")
        else:
            _print_concerns(_console(stream), digest)


def _period_text(digest: ConcernDigest) -> str:
    start = datetime.fromisoformat(digest.since)
    end = datetime.fromisoformat(digest.until) - timedelta(seconds=1)
    span = f"{start:%a %d %b %Y} – {end:%a %d %b %Y}"
    return f"{digest.week} ({span})" if digest.week else span


def _growth_text(group: ConcernGroup) -> Text:
    if group.previous == 0:
        return Text("new", style="bold yellow")
    sign = "+" if group.growth > 0 else ""
    percent = f" ({sign}{group.growth_percent:.0f}%)" if group.growth_percent is not None else ""
    style = "yellow" if group.growth > 0 else "green" if group.growth < 0 else "dim"
    return Text(f"{sign}{group.growth}{percent}".replace("-", "−"), style=style)


def _satisfaction_text(group: ConcernGroup) -> str:
    if group.satisfied_percent is None:
        return "– (n=0)"
    return f"{group.satisfied_percent:.0f}% (n={group.csat_n})"


def _concern_table(title: str, groups: list[ConcernGroup]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("concern")
    table.add_column("convs", justify="right")
    table.add_column("before", justify="right")
    table.add_column("change", justify="right")
    table.add_column("satisfied", justify="right")
    table.add_column("in their words")
    for rank, group in enumerate(groups, 1):
        examples = Text()
        for index, example in enumerate(group.examples):
            if index:
                examples.append("\n")
            examples.append(f"“{example.quote[:140]}”", style="italic")
            examples.append(f" {example.conversation_id}/{example.turn_id}", style="dim")
        table.add_row(
            str(rank),
            Text(group.name, style="bold"),
            f"{group.count:,}",
            f"{group.previous:,}",
            _growth_text(group),
            _satisfaction_text(group),
            examples,
        )
    return table


def _print_concerns(console: Console, digest: ConcernDigest) -> None:
    console.print(
        f"[bold]Customer concerns, {escape(_period_text(digest))}[/]"
        f"{' — team ' + escape(digest.team) if digest.team else ''}: "
        f"{digest.conversations:,} analysed conversations, {digest.mentions:,} concerns "
        f"(period before: {digest.previous_conversations:,} and {digest.previous_mentions:,})"
    )
    if not digest.top:
        console.print("No concerns found in this period.", style="dim")
    else:
        console.print(_concern_table("Most frequent", digest.top))
    if digest.growing:
        console.print(_concern_table("Fastest growing", digest.growing))
    elif digest.top:
        console.print("No concern grew against the period before.", style="dim")
    for note in digest.notes:
        console.print(Text(note, style="dim"))
