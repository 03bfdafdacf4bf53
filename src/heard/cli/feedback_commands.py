"""`heard survey`, `heard rating` and `heard followups`: customer feedback and closing the loop.

Errors are one line on standard error; exit codes: 0 done; 1 some rows of an import were
skipped (the good ones are imported); 2 a usage mistake (an unknown id, a value out of range,
an unreadable rules file, a database that cannot be opened); 3 nothing could be imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from heard.cli._common import (
    EXIT_NOTHING_READ,
    EXIT_SOME_SKIPPED,
    EXIT_USAGE,
    MAX_ERRORS_SHOWN,
    escape,
    plural,
    stderr,
)
from heard.cli._database import DbOption, hide_password, one_line, open_database
from heard.cli.app import app

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from heard.store.models import FollowUp

# Tables read by people in a terminal fit it; piped or captured, they keep their columns whole.
PIPED_WIDTH = 160


def _stdout() -> Console:
    import sys

    return Console(
        file=sys.stdout, highlight=False, width=None if sys.stdout.isatty() else PIPED_WIDTH
    )


survey_app = typer.Typer(
    name="survey",
    help="Surveys (CSAT, NPS, CES): send a one-time link, import results, list answers.",
    no_args_is_help=True,
)
rating_app = typer.Typer(
    name="rating", help="Live-chat ratings: thumbs up/down or 1–5 stars.", no_args_is_help=True
)
followups_app = typer.Typer(
    name="followups",
    help="Follow-ups: tasks to get back to customers, found by rules, drafted in their words.",
    no_args_is_help=True,
)
app.add_typer(survey_app, name="survey")
app.add_typer(rating_app, name="rating")
app.add_typer(followups_app, name="followups")


class SurveyKind(StrEnum):
    CSAT = "csat"
    NPS = "nps"
    CES = "ces"


class Thumbs(StrEnum):
    UP = "up"
    DOWN = "down"


class Status(StrEnum):
    OPEN = "open"
    SNOOZED = "snoozed"
    DONE = "done"
    CANCELLED = "cancelled"
    ALL = "all"


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    stderr.print(f"[bold red]error[/]: {escape(hide_password(message))}")
    raise typer.Exit(code)


@contextmanager
def _session(url: str | None) -> Iterator[Session]:
    """A committed-or-rolled-back session; feedback and database errors end in one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from heard.feedback.surveys import FeedbackError

    database = open_database(url)
    try:
        with database.session() as session:
            yield session
    except FeedbackError as error:
        _fail(error.message)
    except SQLAlchemyError as error:
        _fail(f"database: {one_line(error)}")
    finally:
        database.dispose()


def parse_moment(value: str, *, option: str) -> datetime:
    """An ISO date (midnight UTC), an ISO date and time (UTC unless it says), or a duration from
    now such as 3d or 4h."""
    from heard.feedback.followups import parse_duration

    text = value.strip()
    try:
        return datetime.now(UTC) + parse_duration(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (2026-03-10), a date and time (2026-03-10T14:00) or a "
            "duration from now (3d, 4h)",
            param_hint=option,
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _short(text: str | None, limit: int = 60) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --- heard survey ------------------------------------------------------------------------------


@survey_app.command("create")
def survey_create(
    conversation_id: Annotated[str, typer.Argument(help="The conversation the survey is about.")],
    kind: Annotated[SurveyKind, typer.Option("--kind", help="CSAT 1–5, NPS 0–10 or CES 1–7.")],
    days: Annotated[
        int, typer.Option("--days", min=1, help="How many days the link stays valid.")
    ] = 14,
    db: DbOption = None,
) -> None:
    """Create a survey and print its one-time link path (/s/<token>).

    The token is shown only now (heard keeps just its SHA-256), so keep the link.

    Example:

      heard survey create chat-1001 --kind csat --days 7
    """
    from heard.feedback.surveys import KIND_NAMES, create_survey, survey_path

    with _session(db) as session:
        token = create_survey(session, conversation_id, kind.value, ttl=timedelta(days=days))
    _stdout().print(escape(survey_path(token)), soft_wrap=True)
    until = datetime.now(UTC) + timedelta(days=days)
    stderr.print(
        f"[green]{KIND_NAMES[kind.value]} survey for {escape(conversation_id)} created; the link "
        f"works once, until {until:%Y-%m-%d}[/]"
    )


@survey_app.command("import")
def survey_import(
    file: Annotated[Path, typer.Argument(help="A CSV export of survey results.")],
    kind: Annotated[
        SurveyKind | None,
        typer.Option("--kind", help="The kind of every row (when the file has no kind column)."),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="The column for a field, as FIELD=COLUMN; fields: conversation_id, kind, score, "
            "comment, response_id, date. Repeatable.",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Import survey results exported from another tool (CSV).

    Common column names are found: ticket_id, rating, feedback, response_id, created_at, ….

    Importing the same file again changes nothing; bad rows are reported, the rest imported.

    Examples:

      heard survey import zendesk-csat.csv --kind csat

      heard survey import nps.csv --map conversation_id=Ticket --map score="How likely"
    """
    from heard.feedback.surveys import import_survey_results

    columns: dict[str, str] = {}
    for item in mapping or ():
        field, separator, column = item.partition("=")
        if not separator or not field.strip() or not column.strip():
            raise typer.BadParameter(f"expected FIELD=COLUMN, got {item!r}", param_hint="--map")
        columns[field.strip()] = column.strip()
    if not file.is_file():
        _fail(f"{file}: no such file", EXIT_NOTHING_READ)
    with _session(db) as session:
        result = import_survey_results(
            session, file, kind=kind.value if kind else None, columns=columns
        )
    for problem in result.problems[:MAX_ERRORS_SHOWN]:
        stderr.print(f"[bold red]error[/]: {escape(str(problem))}")
    if len(result.problems) > MAX_ERRORS_SHOWN:
        stderr.print("[red]… further errors are counted in the summary[/]")
    summary = f"{plural(result.imported, 'response')} imported"
    if result.duplicates:
        summary += f", {result.duplicates:,} already there"
    if result.problems:
        summary += f", {plural(len(result.problems), 'row')} skipped: see errors above"
    style = "yellow" if result.problems else "green"
    stderr.print(f"[{style}]{escape(summary)}[/]")
    if result.problems:
        nothing = result.imported == 0 and result.duplicates == 0
        raise typer.Exit(EXIT_NOTHING_READ if nothing else EXIT_SOME_SKIPPED)


@survey_app.command("list")
def survey_list(
    conversation: Annotated[
        str | None, typer.Option("--conversation", help="Only this conversation.")
    ] = None,
    kind: Annotated[SurveyKind | None, typer.Option("--kind", help="Only this kind.")] = None,
    db: DbOption = None,
) -> None:
    """List surveys sent (pending, expired or answered) and imported results."""
    from heard.feedback.surveys import list_surveys

    with _session(db) as session:
        rows = list_surveys(
            session, conversation_id=conversation, kind=kind.value if kind else None
        )
    if not rows:
        stderr.print("no surveys or results")
        return
    table = Table(title="Surveys", title_justify="left")
    for column in ("conversation", "kind", "status", "score", "when", "emotion", "comment"):
        table.add_column(column, justify="right" if column == "score" else "left")
    for row in rows:
        table.add_row(
            row.conversation_id,
            row.kind,
            row.status,
            "" if row.score is None else str(row.score),
            _when(row.submitted_at or row.expires_at),
            row.comment_emotion or "",
            _short(row.comment),
        )
    _stdout().print(table)


# --- heard rating --------------------------------------------------------------------------------


@rating_app.command("add")
def rating_add(
    conversation_id: Annotated[str, typer.Argument(help="The conversation rated.")],
    thumbs: Annotated[Thumbs | None, typer.Option("--thumbs", help="up or down.")] = None,
    stars: Annotated[int | None, typer.Option("--stars", help="1 to 5 stars.")] = None,
    db: DbOption = None,
) -> None:
    """Record a live-chat rating: --thumbs up|down or --stars N (1–5).

    Examples:

      heard rating add chat-1001 --thumbs up

      heard rating add chat-1002 --stars 2
    """
    from heard.feedback.surveys import add_rating

    if (thumbs is None) == (stars is None):
        raise typer.BadParameter("give either --thumbs up|down or --stars N", param_hint="--thumbs")
    with _session(db) as session:
        if thumbs is not None:
            add_rating(session, conversation_id, "thumbs", thumbs.value)
            shown = f"thumbs {thumbs.value}"
        else:
            assert stars is not None
            add_rating(session, conversation_id, "stars", stars)
            shown = f"{stars} star{'' if stars == 1 else 's'}"
    stderr.print(f"[green]rating added to {escape(conversation_id)}: {shown}[/]")


# --- heard followups -----------------------------------------------------------------------------


def _task_table(tasks: list[FollowUp], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("id", "conversation", "cause", "priority", "channel", "assignee", "due"):
        table.add_column(column, justify="right" if column == "id" else "left", no_wrap=True)
    table.add_column("status")
    table.add_column("reason")
    for task in tasks:
        table.add_row(
            str(task.id),
            task.conversation_id,
            task.cause,
            task.priority,
            task.channel,
            task.assignee or "",
            _when(task.due_at),
            task.status,
            _short(task.reason, 70),
        )
    return table


@followups_app.command("generate")
def followups_generate(
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="A YAML file of rule settings over the defaults."),
    ] = None,
    conversation: Annotated[
        list[str] | None,
        typer.Option("--conversation", help="Only this conversation. Repeatable."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Create follow-ups the rules call for (never twice for the same conversation and cause).

    Rules: a negative end, CSAT ≤ 2, an NPS detractor, unresolved concerns, urgency, callback.

    Settings and defaults: heard/feedback/followup_rules.yaml (override them with --rules).

    Examples:

      heard followups generate

      heard followups generate --rules our-rules.yaml
    """
    from heard.feedback.followups import FollowUpError, generate_followups, load_rules

    try:
        chosen = load_rules(rules)
    except FollowUpError as error:
        raise typer.BadParameter(error.message, param_hint="--rules") from None
    with _session(db) as session:
        created = generate_followups(session, conversation or None, chosen)
        if created:
            _stdout().print(_task_table(created, "New follow-ups"))
    stderr.print(f"[green]{plural(len(created), 'new follow-up')}[/]")


@followups_app.command("list")
def followups_list(
    status: Annotated[
        Status, typer.Option("--status", help="open (including ended snoozes), …, or all.")
    ] = Status.OPEN,
    assignee: Annotated[str | None, typer.Option("--assignee", help="Only this assignee.")] = None,
    due_before: Annotated[
        str | None,
        typer.Option("--due-before", help="Only tasks due before this (2026-03-10, or 3d)."),
    ] = None,
    conversation: Annotated[
        str | None, typer.Option("--conversation", help="Only this conversation.")
    ] = None,
    db: DbOption = None,
) -> None:
    """List follow-ups, soonest due first.

    Examples:

      heard followups list --assignee agent-mia

      heard followups list --status all --due-before 2026-03-10
    """
    from heard.feedback.followups import list_followups

    before = parse_moment(due_before, option="--due-before") if due_before else None
    with _session(db) as session:
        tasks = list_followups(
            session,
            status=None if status is Status.ALL else status.value,
            assignee=assignee,
            due_before=before,
            conversation_id=conversation,
        )
        if tasks:
            _stdout().print(_task_table(tasks, "Follow-ups"))
    if not tasks:
        stderr.print("no follow-ups")


@followups_app.command("show")
def followups_show(
    followup_id: Annotated[int, typer.Argument(metavar="ID", help="The follow-up's id.")],
    db: DbOption = None,
) -> None:
    """Show one follow-up with its drafted message."""
    from heard.feedback.followups import get_followup

    with _session(db) as session:
        task = get_followup(session, followup_id)
        out = _stdout()
        out.print(
            f"[bold]follow-up {task.id}[/] · {escape(task.conversation_id)} · {task.cause} · "
            f"{task.priority} · {task.channel} · {escape(task.assignee or '')} · due "
            f"{_when(task.due_at)} · {task.status}",
            soft_wrap=True,
        )
        out.print(f"[dim]why: {escape(task.reason)}[/]", soft_wrap=True)
        if task.note:
            out.print(f"[dim]note: {escape(task.note)}[/]", soft_wrap=True)
        out.print()
        out.print(escape(task.message), soft_wrap=True)


NoteOption = Annotated[str | None, typer.Option("--note", help="A note kept with the task.")]
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="The follow-up's id.")]


@followups_app.command("done")
def followups_done(followup_id: IdArgument, note: NoteOption = None, db: DbOption = None) -> None:
    """Mark a follow-up done."""
    from heard.feedback.followups import mark_done

    with _session(db) as session:
        mark_done(session, followup_id, note)
    stderr.print(f"[green]follow-up {followup_id} done[/]")


@followups_app.command("snooze")
def followups_snooze(
    followup_id: IdArgument,
    until: Annotated[
        str, typer.Option("--until", help="A date (2026-03-10), date and time, or 3d / 4h.")
    ],
    note: NoteOption = None,
    db: DbOption = None,
) -> None:
    """Put a follow-up aside until a later date; it is open (and due) again then."""
    from heard.feedback.followups import snooze

    moment = parse_moment(until, option="--until")
    with _session(db) as session:
        snooze(session, followup_id, moment, note)
    stderr.print(f"[green]follow-up {followup_id} snoozed until {_when(moment)} UTC[/]")


@followups_app.command("cancel")
def followups_cancel(followup_id: IdArgument, note: NoteOption = None, db: DbOption = None) -> None:
    """Cancel a follow-up (it is not created again)."""
    from heard.feedback.followups import cancel

    with _session(db) as session:
        cancel(session, followup_id, note)
    stderr.print(f"[green]follow-up {followup_id} cancelled[/]")
