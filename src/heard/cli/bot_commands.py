"""`heard kb import|list|test` (knowledge bases for the bot) and `heard bot` (chat with it in the
terminal, or its metrics with ``--metrics``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from heard.cli._common import escape, stderr
from heard.cli._database import DbOption, database_session, fail, open_database, require_existing
from heard.cli.app import app

if TYPE_CHECKING:
    from heard.bot import BotReply, HandoffPacket, KBIndex

kb_app = typer.Typer(
    name="kb",
    help="Knowledge bases for the self-service bot: import Markdown/YAML, list, test.",
    no_args_is_help=True,
)
app.add_typer(kb_app, name="kb")

KbOption = Annotated[
    str | None,
    typer.Option(
        "--kb",
        help="Knowledge base: an imported KB's name, a folder or KB files (default: the "
        "bundled example 'shop').",
        show_default=False,
    ),
]
out_console = Console(highlight=False, soft_wrap=True)


def _open(reference: str | None) -> KBIndex:
    from heard.bot import KnowledgeBaseError, open_index

    try:
        return open_index(reference)
    except KnowledgeBaseError as error:
        fail(str(error))


@kb_app.command("import")
def kb_import(
    paths: Annotated[
        list[Path], typer.Argument(help="KB files or folders (*.md, *.yaml).", metavar="PATH")
    ],
    kb: Annotated[str, typer.Option("--kb", help="The name to import it as.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder to write the index into (default: $XDG_DATA_HOME/heard/kb/NAME)."
        ),
    ] = None,
    language: Annotated[str, typer.Option(help="The KB's language (BCP 47).")] = "en",
) -> None:
    """Read a KB, build its retrieval index (embeddings, BM25, re-ranker, calibration), save it."""
    from heard.bot import KBIndex, KnowledgeBaseError, data_home, load_knowledge_base
    from heard.bot.library import forget

    if not kb.strip() or "/" in kb or kb.startswith("."):
        fail(f"not a usable KB name: {kb!r} (letters, digits, - and _)")
    try:
        knowledge = load_knowledge_base(paths, name=kb, language=language)
    except KnowledgeBaseError as error:
        fail(str(error))
    variants = sum(len(entry.questions) for entry in knowledge.entries)
    stderr.print(
        f"read {len(knowledge.entries)} entries ({variants} questions); building the index…"
    )
    index = KBIndex.build(knowledge)
    folder = out or data_home() / kb
    try:
        index.save(folder)
    except OSError as error:
        fail(f"cannot write the index to {folder}: {error}")
    forget()
    info = index.info
    calibration = info.calibration
    stderr.print(
        f"imported {escape(kb)} into {escape(str(folder))} in {info.build_seconds:.1f} s; "
        f"thresholds answer {info.thresholds.answer:.2f}, confirm {info.thresholds.confirm:.2f}"
    )
    if "top1" in calibration:
        stderr.print(
            f"held-out questions: {calibration['held_out']}, top-1 {calibration['top1']:.3f}, "
            f"answered {calibration['answer_rate']:.1%}"
        )
    else:
        stderr.print(
            "too few questions to hold out for calibration: default thresholds "
            "(add variants to each entry)"
        )


@kb_app.command("list")
def kb_list(
    folder: Annotated[
        Path | None, typer.Option("--dir", help="Where imported KBs are (default: XDG data).")
    ] = None,
) -> None:
    """List the imported knowledge bases and the bundled example."""
    from heard.bot import KBIndex, KnowledgeBaseError, data_home
    from heard.bot.library import BUNDLED, is_index

    home = folder or data_home()
    table = Table(
        "name", "entries", "questions", "answer ≥", "confirm ≥", "held-out top-1", "where"
    )
    found = sorted(p for p in home.iterdir() if is_index(p)) if home.is_dir() else []
    for path in found:
        try:
            info = KBIndex.load(path).info
        except KnowledgeBaseError as error:
            stderr.print(f"[yellow]skipped[/] {escape(str(path))}: {escape(str(error))}")
            continue
        top1 = info.calibration.get("top1")
        table.add_row(
            escape(info.name),
            str(info.entries),
            str(info.variants),
            f"{info.thresholds.answer:.2f}",
            f"{info.thresholds.confirm:.2f}",
            "" if top1 is None else f"{top1:.3f}",
            escape(str(path)),
        )
    for name in BUNDLED:
        table.add_row(escape(name), "", "", "", "", "", "bundled example")
    out_console.print(table)


@kb_app.command("test")
def kb_test(
    queries: Annotated[
        Path, typer.Argument(help="Labelled queries: CSV (text,entry) or JSONL.", metavar="FILE")
    ],
    kb: KbOption = None,
    answer: Annotated[
        float | None, typer.Option(min=0, max=1, help="Answer threshold (default: the KB's).")
    ] = None,
    confirm: Annotated[
        float | None, typer.Option(min=0, max=1, help="Confirm threshold (default: the KB's).")
    ] = None,
    errors: Annotated[int, typer.Option(min=0, help="Show this many mistakes.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Run labelled queries: top-1 accuracy, answer/confirm/clarify/hand-off rates, and the
    wrong-answer rate among answered queries."""
    from heard.bot import KnowledgeBaseError
    from heard.bot.evaluate import evaluate, read_labelled

    index = _open(kb)
    thresholds = index.thresholds.model_copy(
        update={k: v for k, v in (("answer", answer), ("confirm", confirm)) if v is not None}
    )
    try:
        labelled = read_labelled(queries)
        result = evaluate(index, labelled, thresholds)
    except KnowledgeBaseError as error:
        fail(str(error))
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict(), indent=2) + "\n")
        return
    table = Table("figure", "value", title=f"{index.kb.name}: {result.queries} queries")
    table.add_row("top-1 accuracy", f"{result.top1:.3f}")
    for name in ("answer", "confirm", "clarify", "handoff"):
        table.add_row(f"{name} rate", f"{result.rate(name):.1%}")
    wrong = result.wrong_among_answered
    table.add_row("wrong among answered", "–" if wrong is None else f"{wrong:.1%}")
    table.add_row(
        "thresholds",
        f"answer ≥ {thresholds.answer:.2f}, confirm ≥ {thresholds.confirm:.2f}",
    )
    out_console.print(table)
    for text, want, got, confidence, decision in result.errors[:errors]:
        out_console.print(
            f"[dim]{decision:8}[/] {confidence:.2f}  {escape(text)!s}  "
            f"[green]{escape(want)}[/] → [red]{escape(got)}[/]"
        )


@app.command("bot")
def bot_command(
    kb: KbOption = None,
    routing: Annotated[
        Path | None, typer.Option("--routing", help="Routing YAML (queues by language, skills).")
    ] = None,
    metrics: Annotated[
        bool, typer.Option("--metrics", help="Show containment, hand-off rate and CSAT instead.")
    ] = False,
    store: Annotated[
        bool, typer.Option("--store", help="Store the conversation in the database at the end.")
    ] = False,
    db: DbOption = None,
    explain: Annotated[
        bool, typer.Option("--explain/--quiet", help="Show each decision and its evidence.")
    ] = True,
) -> None:
    """Chat with the self-service bot in the terminal (one message per line; /quit or an empty
    end of input finishes). The hand-off packet is shown when the bot hands over."""
    if metrics:
        _metrics(db)
        return
    from heard.bot import Bot, RoutingConfig, RoutingError

    index = _open(kb)
    try:
        routes = RoutingConfig.from_yaml(routing) if routing else None
    except RoutingError as error:
        fail(str(error))
    bot = Bot(index, routing=routes)
    session = bot.session()
    interactive = sys.stdin.isatty()
    _show(session.greet(), explain)
    while True:
        if interactive:
            out_console.print("[bold]you>[/] ", end="")
        line = sys.stdin.readline()
        if not line:
            break
        text = line.strip()
        if text in ("/quit", "/exit", "/end"):
            break
        if not text:
            continue
        if not interactive:
            out_console.print(f"[bold]you>[/] {escape(text)}")
        reply = session.reply(text)
        _show(reply, explain)
        if reply.handoff is not None and session.handoff is not None:
            _show_packet(session.handoff)
    out_console.print(f"[dim]conversation {session.conversation_id}: {session.outcome}[/]")
    if store:
        _store(db, session.transcript())


def _show(reply: BotReply, explain: bool) -> None:
    out_console.print(f"[bold green]bot>[/] {escape(reply.text)}")
    if not explain:
        return
    parts = [reply.decision.value]
    if reply.confidence is not None:
        parts.append(f"confidence {reply.confidence:.2f}")
    if reply.evidence:
        parts.append(
            f"entry {reply.evidence['entry_id']} via “{reply.evidence['closest_question']}”"
        )
    if reply.behaviours:
        parts.append("listening: " + ", ".join(reply.behaviours))
    parts.extend(reply.reasons)
    out_console.print(f"[dim]     {escape(' · '.join(parts))}[/]")


def _show_packet(packet: HandoffPacket) -> None:
    table = Table(show_header=False, title="hand-off packet", title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("why", escape(f"{packet.reason.value}: {packet.reason_detail}"))
    table.add_row("issue", escape("\n".join(f"“{q.text}”" for q in packet.issue)))
    table.add_row("wants", escape("\n".join(f"“{q.text}”" for q in packet.wants)) or "–")
    feeling = packet.emotion
    trajectory = " → ".join(f"{p.emotion} {p.intensity:.2f}" for p in packet.trajectory.points)
    table.add_row("emotion", escape(f"{feeling.emotion} ({trajectory})"))
    table.add_row("facts", escape(", ".join(f"{f.kind}: {f.value}" for f in packet.facts)) or "–")
    table.add_row(
        "tried",
        escape(
            "\n".join(
                f"{a.decision} {a.entry_id or ''} → {a.outcome}".replace("  ", " ")
                for a in packet.tried
            )
        )
        or "–",
    )
    table.add_row("route", escape(f"{packet.route.queue} ({packet.route.reason})"))
    table.add_row("suggested reply", escape(packet.suggested_reply.text))
    out_console.print(table)


def _store(db: str | None, conversation: object) -> None:
    from heard.conversation import Conversation
    from heard.service import ServiceSettings
    from heard.service.context import ServiceContext
    from heard.service.ingest import store_one

    assert isinstance(conversation, Conversation)
    database = open_database(db)
    try:
        context = ServiceContext(settings=ServiceSettings(), database=database)
        stored = store_one(context, conversation, source="heard bot")
    finally:
        database.dispose()
    stderr.print(f"stored {escape(stored.id)} ({stored.outcome})")


def _metrics(db: str | None) -> None:
    from heard.bot.metrics import bot_metrics
    from heard.feedback.report import interval_text, value_text

    require_existing(db)
    with database_session(db, upgrade=False) as session:
        figures = bot_metrics(session)
    table = Table("metric", "value", "95% interval", "n", title="self-service bot")
    for key, label in (
        ("containment_rate", "containment rate"),
        ("handoff_rate", "hand-off rate"),
        ("csat_bot_only", "CSAT, bot only"),
        ("csat_handed_off", "CSAT, handed off"),
    ):
        record = figures[key]
        table.add_row(label, value_text(record), interval_text(record), str(record["n"]))
    out_console.print(table)
    reasons = figures["handoff_reasons"]
    if reasons:
        out_console.print("hand-off reasons: " + ", ".join(f"{k} {v}" for k, v in reasons.items()))
