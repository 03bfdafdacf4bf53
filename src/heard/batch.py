"""Analyse a stream of conversations on local processes, corpus signals included.

Two passes: the first analyses every conversation (on ``jobs`` processes) and spools the
results to a temporary file while building the corpus ledger (scripted empathy per agent); the
second reads the spool back, marks what the ledger says and rescores only what changed. Memory
stays flat however many conversations there are, and the result is the same for any ``jobs``.

Workers hand their analyses back as JSON text, not pickled objects: the spool needs that text
anyway, and rebuilding nested pydantic objects from pickles in the parent costs more than the
analysis's share of the parent's core can spare. ``rendered`` runs the second pass on the
workers as well and hands back finished output lines, so on streaming formats the parent only
reads and writes.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.context import BaseContext
from typing import IO

from heard.analysis import Analysis, analyze, apply_ledger
from heard.conversation import Conversation
from heard.listening.corpus import EmpathyLedger, empathy_lines
from heard.listening.resources import warm_up
from heard.scoring import Rubric, default_rubric

CHUNK = 16
_worker_rubric: Rubric | None = None

Render = Callable[[Conversation, Analysis], str]
"""Turns a final analysis into output text; must be a module-level function (it is pickled)."""


def _init_worker(rubric: Rubric) -> None:
    global _worker_rubric
    _worker_rubric = rubric
    warm_up()


def _analyze_in_worker(conversation: Conversation) -> Analysis:
    return analyze(conversation, rubric=_worker_rubric)


def _spool_entry(conversation: Conversation) -> tuple[str, list[str]]:
    """The analysis as JSON, and the empathy lines the corpus ledger needs from it."""
    analysis = _analyze_in_worker(conversation)
    return analysis.model_dump_json(), empathy_lines(analysis.turns)


def analyses(
    conversations: Iterable[Conversation], rubric: Rubric | None = None, jobs: int = 1
) -> Iterator[tuple[Conversation, Analysis]]:
    """Each conversation (in input order) with its final analysis."""
    rubric = rubric or default_rubric()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        ledger = _first_pass(conversations, rubric, jobs, spool)
        for line in spool:
            yield _finish(line, ledger, rubric)


def rendered(
    conversations: Iterable[Conversation],
    render: Render,
    rubric: Rubric | None = None,
    jobs: int = 1,
) -> Iterator[str]:
    """``render(conversation, final analysis)`` of each conversation, in input order; with
    ``jobs`` > 1 the corpus pass and the rendering run on the workers too."""
    rubric = rubric or default_rubric()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        ledger = _first_pass(conversations, rubric, jobs, spool)
        if jobs <= 1:
            for line in spool:
                yield render(*_finish(line, ledger, rubric))
            return
        context = _context()
        with context.Pool(
            jobs,
            initializer=_init_finisher,
            initargs=_finisher_args(context, ledger, rubric, render),
        ) as pool:
            yield from _windowed(pool, _finish_in_worker, spool, jobs)


def _first_pass(
    conversations: Iterable[Conversation], rubric: Rubric, jobs: int, spool: IO[str]
) -> EmpathyLedger:
    """Analyse everything into ``spool`` (one ``conversation \\t analysis`` JSON line each,
    in input order, rewound on return) and return the corpus ledger."""
    ledger = EmpathyLedger()
    for conversation, (analysis_json, lines) in _spool_entries(conversations, rubric, jobs):
        ledger.add_lines(conversation.agent_id, conversation.id, lines)
        spool.write(conversation.model_dump_json())
        spool.write("\t")
        spool.write(analysis_json)
        spool.write("\n")
    spool.seek(0)
    return ledger


def _spool_entries(
    conversations: Iterable[Conversation], rubric: Rubric, jobs: int
) -> Iterator[tuple[Conversation, tuple[str, list[str]]]]:
    if jobs <= 1:
        _init_worker(rubric)
        for conversation in conversations:
            yield conversation, _spool_entry(conversation)
        return
    with _context().Pool(jobs, initializer=_init_worker, initargs=(rubric,)) as pool:
        pending = iter(conversations)
        window = CHUNK * jobs * 8
        while batch := [c for _, c in zip(range(window), pending, strict=False)]:
            yield from zip(batch, pool.imap(_spool_entry, batch, chunksize=CHUNK), strict=True)


def _finish(line: str, ledger: EmpathyLedger, rubric: Rubric) -> tuple[Conversation, Analysis]:
    conversation_json, analysis_json = line.rstrip("\n").split("\t", 1)
    conversation = Conversation.model_validate_json(conversation_json)
    analysis = Analysis.model_validate_json(analysis_json)
    (final,) = apply_ledger([(conversation, analysis)], ledger, rubric)
    return conversation, final


# --- the second pass on workers ------------------------------------------------------------

_finisher: tuple[EmpathyLedger, Rubric, Render] | None = None


def _context() -> BaseContext:
    # Forking a single-threaded parent starts workers that already hold the imported engine
    # (and, for the second pass, the ledger) instead of importing it all again; a parent with
    # threads (a server, a notebook kernel) is not safe to fork, and other systems lack fork.
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _finisher_args(
    context: BaseContext, ledger: EmpathyLedger, rubric: Rubric, render: Render
) -> tuple[tuple[EmpathyLedger, Rubric, Render] | None]:
    global _finisher
    if context.get_start_method() == "fork":
        # Inherited by the forked workers: the ledger is not pickled once per worker.
        _finisher = (ledger, rubric, render)
        return (None,)
    return ((ledger, rubric, render),)


def _init_finisher(state: tuple[EmpathyLedger, Rubric, Render] | None) -> None:
    global _finisher
    if state is not None:
        _finisher = state
    warm_up()


def _finish_in_worker(line: str) -> str:
    assert _finisher is not None, "the second-pass worker was not initialised"
    ledger, rubric, render = _finisher
    return render(*_finish(line, ledger, rubric))


def _windowed(
    pool: multiprocessing.pool.Pool, work: Callable[[str], str], lines: IO[str], jobs: int
) -> Iterator[str]:
    window = CHUNK * jobs * 8
    while batch := [line for _, line in zip(range(window), lines, strict=False)]:
        yield from pool.imap(work, batch, chunksize=CHUNK)
