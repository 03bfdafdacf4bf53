"""`heard train`: practise listening with a simulated customer, in the terminal.

    heard train --list                  the scenarios and summarising exercises
    heard train delayed-order           a role-play (/hint, /debrief, /quit inside)
    heard train --summary               a summarising exercise (the first, or name one)

Progress is stored per trainee in the database (``--db``, default ``HEARD_DB``) unless
``--no-save``; the trainee is ``--trainee``, else ``HEARD_TRAINEE``, else the login name.
"""

from __future__ import annotations

import getpass
import os
import select
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from heard.cli._common import EXIT_USAGE, escape, stderr
from heard.cli._database import DbOption, database_session, open_database
from heard.cli.app import app

if TYPE_CHECKING:
    from heard.training import Debrief, Exercise, Scenario, Simulator, TurnResult
    from heard.training.simulator import CustomerMessage, Mood

console = Console(highlight=False, soft_wrap=False)

COMMANDS = "/hint for a hint · /debrief to finish and see how you did · /quit to stop"
OUTCOME_STYLE = {"resolved": "bold green", "escalated": "bold red", "abandoned": "yellow"}
# How long a customer's unfinished burst takes to "type", in seconds at --pace 1.
BURST_SECONDS = 3.0


@app.command()
def train(
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="A scenario id (see --list) or a scenario YAML file; with --summary, an "
            "exercise id.",
            show_default=False,
        ),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="List the scenarios and summarising exercises.")
    ] = False,
    summary: Annotated[
        bool, typer.Option("--summary", help="Do a summarising exercise instead of a role-play.")
    ] = False,
    seed: Annotated[
        int | None,
        typer.Option(help="Seed for the customer's wording (same seed, same conversation)."),
    ] = None,
    trainee: Annotated[
        str | None,
        typer.Option(help="Whose progress this is (default: $HEARD_TRAINEE, else your login)."),
    ] = None,
    db: DbOption = None,
    no_save: Annotated[bool, typer.Option("--no-save", help="Do not store progress.")] = False,
    pace: Annotated[
        float,
        typer.Option(
            min=0,
            max=10,
            help="Speed of the customer's typing: 1 is natural, 0 shows everything at once "
            "(no chance to interrupt).",
        ),
    ] = 1.0,
    llm: Annotated[
        bool,
        typer.Option(
            "--llm",
            help="Let the language model at $HEARD_LLM_URL voice the customer more freely.",
        ),
    ] = False,
) -> None:
    """Role-play training: a simulated customer who calms when heard and escalates when not.

    Examples:

      heard train --list

      heard train delayed-order --seed 7

      heard train --summary double-charge-voicemail
    """
    from heard.training import ScenarioError, builtin_exercises, builtin_scenarios

    try:
        scenarios = builtin_scenarios()
        exercises = builtin_exercises()
    except ScenarioError as error:
        _fail(str(error))
    if list_:
        _list(scenarios, exercises)
        return
    who = trainee or os.environ.get("HEARD_TRAINEE") or _login()
    if summary:
        exercise = _pick_exercise(scenario, exercises)
        _summary_exercise(exercise, who, db, save=not no_save)
        return
    chosen = _pick_scenario(scenario, scenarios)
    _roleplay(chosen, who, seed, db, save=not no_save, pace=pace, llm=llm)


# --- choosing ------------------------------------------------------------------------------


def _fail(message: str) -> NoReturn:
    stderr.print(f"[bold red]error[/]: {escape(message)}")
    raise typer.Exit(EXIT_USAGE)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user database entry (some containers)
        return "trainee"


def _list(scenarios: tuple[Scenario, ...], exercises: tuple[Exercise, ...]) -> None:
    table = Table(title="Role-play scenarios", title_justify="left")
    table.add_column("id", no_wrap=True)  # ids are what is typed next: never broken
    for column in ("title", "channel", "level", "what happens"):
        table.add_column(column, overflow="fold")
    for s in scenarios:
        table.add_row(s.id, s.title, s.channel, "●" * s.difficulty, s.summary)
    console.print(table)
    table = Table(title="Summarising exercises (--summary ID)", title_justify="left")
    table.add_column("id", no_wrap=True)
    for column in ("title", "channel", "what it is"):
        table.add_column(column, overflow="fold")
    for e in exercises:
        table.add_row(e.id, e.title, e.channel, e.summary)
    console.print(table)


def _pick_scenario(name: str | None, scenarios: tuple[Scenario, ...]) -> Scenario:
    from heard.training import ScenarioError, find_scenario

    if name is None:
        for number, s in enumerate(scenarios, start=1):
            console.print(f"  [bold]{number:2}[/]  {escape(s.title)}  [dim]({s.id})[/]")
        answer = _ask("Which scenario? (number or id) ").strip()
        if answer.isdigit() and 1 <= int(answer) <= len(scenarios):
            return scenarios[int(answer) - 1]
        name = answer
    try:
        return find_scenario(name, scenarios)
    except ScenarioError as error:
        _fail(str(error))
    except KeyError:
        ids = ", ".join(s.id for s in scenarios)
        _fail(f"no scenario {name!r}; the scenarios are: {ids}")


def _pick_exercise(name: str | None, exercises: tuple[Exercise, ...]) -> Exercise:
    from heard.training import ScenarioError, find_exercise

    if name is None:
        return exercises[0]
    try:
        return find_exercise(name)
    except ScenarioError as error:
        _fail(str(error))
    except KeyError:
        ids = ", ".join(e.id for e in exercises)
        _fail(f"no exercise {name!r}; the exercises are: {ids}")


# --- terminal input ------------------------------------------------------------------------


def _ask(prompt: str) -> str:
    console.print(Text(prompt, style="bold cyan"), end="")
    try:
        return input()
    except EOFError:
        return "/quit"


def _typed_within(seconds: float) -> str | None:
    """A line typed within ``seconds`` (the trainee replying early), or None."""
    if seconds <= 0 or not sys.stdin.isatty():
        return None
    ready, _, _ = select.select([sys.stdin], [], [], seconds)
    if not ready:
        return None
    line = sys.stdin.readline()
    return line.rstrip("\n") if line else None


# --- the role-play -------------------------------------------------------------------------


def _roleplay(
    scenario: Scenario,
    trainee: str,
    seed: int | None,
    db: str | None,
    *,
    save: bool,
    pace: float,
    llm: bool,
) -> None:
    from heard.training import SessionOverError, Simulator, build_debrief

    voice = None
    if llm:
        from heard.training.voice import CustomerVoice

        voice = CustomerVoice.from_env()
        if voice is None:
            _fail("--llm needs HEARD_LLM_URL (an OpenAI-compatible server)")
    chosen_seed = seed if seed is not None else int(time.time()) % 100_000
    started = datetime.now(UTC)
    simulator = Simulator(scenario, seed=chosen_seed, trainee_id=trainee, voice=voice)
    _header(scenario, chosen_seed)
    opening = simulator.start()
    early = _show_customer(scenario, opening, pace)
    while not simulator.done:
        if early is not None:
            text, interrupted = early, True
            early = None
        else:
            text, interrupted = _ask("You › "), False
        command = text.strip().lower()
        if not command:
            continue
        if command in ("/quit", "/q", "/exit"):
            simulator.abandon()
            break
        if command == "/debrief":
            break
        if command in ("/hint", "/h"):
            for hint in simulator.hints()[:3]:
                console.print(f"  [yellow]hint[/] {escape(hint)}")
            continue
        if command.startswith("/"):
            console.print(f"  [dim]{COMMANDS}[/]")
            continue
        try:
            result = simulator.agent_turn(text, interrupted=interrupted)
        except SessionOverError:
            break
        _show_customer(scenario, result.customer, 0)
        _show_feedback(result)
    debrief = build_debrief(simulator)
    _show_debrief(debrief)
    if save:
        _save(simulator, debrief, trainee, started, db)


def _header(scenario: Scenario, seed: int) -> None:
    lines = [
        f"[bold]{escape(scenario.title)}[/]  [dim]({scenario.id}, {scenario.channel}, "
        f"level {scenario.difficulty}, seed {seed})[/]",
        "",
        escape(" ".join(scenario.brief.split())),
        "",
        f"The customer: [bold]{escape(scenario.persona.name)}[/]."
        + (
            "  They write in a second language: keep it plain."
            if scenario.language.first_language
            else ""
        ),
        f"[dim]{COMMANDS}[/]",
    ]
    console.print(Panel("\n".join(lines), title="heard train", border_style="cyan"))


def _show_customer(scenario: Scenario, messages: list[CustomerMessage], pace: float) -> str | None:
    """Print the customer's messages; while a burst is still being typed, a line the trainee
    sends is returned (an interruption) and the rest is not shown."""
    name = escape(scenario.persona.name)
    for message in messages:
        if message.pending and pace > 0:
            console.print("  [dim]… typing[/]")
            early = _typed_within(BURST_SECONDS * pace)
            if early is not None and early.strip() and not early.strip().startswith("/"):
                return early
        console.print(f"[bold magenta]{name}[/] › {escape(message.text)}")
    return None


def _bar(mood: Mood) -> str:
    filled = round(mood.intensity * 10)
    colour = "green" if mood.intensity < 0.35 else "yellow" if mood.intensity < 0.7 else "red"
    return f"[{colour}]{'█' * filled}{'░' * (10 - filled)}[/] {escape(mood.label)}"


def _show_feedback(result: TurnResult) -> None:
    feedback = result.feedback
    lines = [f"mood {_bar(feedback.mood_after)}  [dim]{escape(feedback.explanation)}[/]"]
    for note in feedback.did:
        mark = "[red]✗[/]" if note.label in ("interruption", "dismissive", "assumption") else "✓"
        lines.append(f"  {mark} {note.label}: {escape(note.note)} [dim]“{escape(note.quote)}”[/]")
    for fact in feedback.revealed:
        lines.append(f"  [green]+[/] you found out: {escape(fact)}")
    for missed in feedback.missed:
        lines.append(f"  [yellow]![/] {escape(missed)}")
    console.print(Panel("\n".join(lines), border_style="dim", padding=(0, 1)))
    if result.done and result.outcome:
        style = OUTCOME_STYLE[result.outcome]
        console.print(f"[{style}]The conversation is over: {result.outcome}.[/]")


def _show_debrief(debrief: Debrief) -> None:
    style = OUTCOME_STYLE[debrief.outcome]
    score = "–" if debrief.listening_score is None else f"{debrief.listening_score:.0f}"
    lines = [
        f"[{style}]{debrief.outcome.upper()}[/] after {debrief.agent_turns} "
        f"turn{'' if debrief.agent_turns == 1 else 's'} · "
        f"listening score [bold]{score}[/]/100",
        "",
    ]
    components = "  ".join(
        f"{name.replace('_', ' ')} {'–' if value is None else f'{value:.0f}'}"
        for name, value in debrief.components.items()
    )
    lines.append(f"[dim]{components}[/]")
    if debrief.helped:
        lines.append("\n[bold green]What helped[/]")
        lines += [f"  “{escape(n.quote)}” — {escape(n.why)}" for n in debrief.helped]
    if debrief.hurt:
        lines.append("\n[bold red]What hurt[/]")
        lines += [f"  “{escape(n.quote)}” — {escape(n.why)}" for n in debrief.hurt]
    if debrief.facts_missed:
        lines.append("\n[bold]You never found out[/]")
        lines += [f"  · {escape(f)}" for f in debrief.facts_missed]
    if debrief.concerns_missed:
        lines.append("\n[bold]Worries never acknowledged[/]")
        lines += [f"  · {escape(c)}" for c in debrief.concerns_missed]
    advice = debrief.practise_next
    lines.append(f"\n[bold cyan]Practise next: {escape(advice.skill)}[/]")
    lines.append(f"  {escape(advice.text)}")
    if advice.example:
        lines.append(f"  [dim]e.g. “{escape(advice.example)}”[/]")
    lines.append(f"\n[dim]What would have resolved it: {escape(debrief.resolution)}[/]")
    console.print(Panel("\n".join(lines), title="Debrief", border_style=style.split()[-1]))


def _save(
    simulator: Simulator, debrief: Debrief, trainee: str, started: datetime, db: str | None
) -> None:
    from heard.training import save_roleplay

    database = open_database(db)
    try:
        with database.session() as session:
            save_roleplay(session, simulator, debrief, started_at=started, trainee_id=trainee)
    finally:
        database.dispose()
    console.print(f"[dim]Saved to {escape(trainee)}'s progress ({database.display_url}).[/]")


# --- the summarising exercise --------------------------------------------------------------


def _summary_exercise(exercise: Exercise, trainee: str, db: str | None, *, save: bool) -> None:
    from heard.training import save_summary, score_summary

    console.print(
        Panel(
            escape(exercise.message.strip()),
            title=f"{escape(exercise.title)} ({exercise.channel})",
            border_style="cyan",
        )
    )
    console.print(
        f"{escape(' '.join(exercise.instructions.split()))} "
        f"[dim](at most {exercise.max_words} words; finish with an empty line)[/]"
    )
    started = datetime.now(UTC)
    lines: list[str] = []
    while True:
        line = _ask("› " if not lines else "  ")
        if line.strip() in ("", "/quit") and (lines or line.strip() == "/quit"):
            break
        if line.strip():
            lines.append(line)
    text = " ".join(lines).strip()
    if not text:
        console.print("[yellow]No summary written.[/]")
        return
    result = score_summary(exercise, text)
    colour = "green" if result.score >= 80 else "yellow" if result.score >= 50 else "red"
    out = [
        f"score [{colour}][bold]{result.score}[/][/]/100 · covered "
        f"{sum(p.covered for p in result.points)} of {len(result.points)} key points · "
        f"{result.words} words"
    ]
    for point in result.points:
        if point.covered:
            out.append(f"  ✓ {escape(point.text)} [dim]“{escape(point.quote or '')}”[/]")
    for missed in result.missed:
        out.append(f"  [yellow]✗ missed:[/] {escape(missed)}")
    for error in result.errors:
        out.append(f"  [red]✗ wrong:[/] {escape(error)}")
    if result.too_long:
        out.append(f"  [yellow]! longer than {result.max_words} words[/]")
    console.print(Panel("\n".join(out), title="Your summary", border_style=colour))
    if save:
        with database_session(db) as session:
            save_summary(session, result, text, trainee_id=trainee, started_at=started)
        console.print(f"[dim]Saved to {escape(trainee)}'s progress.[/]")
