"""Analyse a stream of conversations on local processes, corpus signals included.

Two passes: the first analyses every conversation (on ``jobs`` processes) and spools the
results to a temporary file while building the corpus ledger (scripted empathy per agent); the
second reads the spool back, marks what the ledger says and rescores only what changed. Memory
stays flat however many conversations there are, and the result is the same for any ``jobs``.

Workers hand their analyses back as JSON text, not pickled objects: the spool needs that text
anyway, and rebuilding nested pydantic objects from pickles in the parent costs more than the
parent's share of the cores can spare. ``rendered`` also renders each output line on the
workers in the first pass; in the second, a conversation the ledger does not touch passes
straight through and only the ones it does are finished, again on the workers.
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.context import BaseContext
from multiprocessing.pool import Pool
from typing import IO, NamedTuple

from heard.analysis import Analysis, analyze, apply_ledger
from heard.conversation import Conversation
from heard.listening.corpus import EmpathyLedger, empathy_lines
from heard.listening.resources import warm_up
from heard.scoring import Rubric, default_rubric

CHUNK = 16

Render = Callable[[Conversation, Analysis], str]
"""Turns a final analysis into output text; must be a module-level function (it is pickled)."""


class _Entry(NamedTuple):
    """What the first pass keeps of a conversation: the ledger's part of it, its output line
    as it stands before the ledger (when rendering), and both objects as JSON."""

    agent_id: str | None
    lines: list[str]
    rendered: str | None
    conversation_json: str
    analysis_json: str

    def to_spool(self) -> str:
        head = json.dumps([self.agent_id, self.lines, self.rendered], ensure_ascii=False)
        # JSON text holds no raw tab or newline, so they can separate the fields.
        return f"{head}\t{self.conversation_json}\t{self.analysis_json}\n"

    @classmethod
    def from_spool(cls, line: str) -> _Entry:
        head, conversation_json, analysis_json = line.rstrip("\n").split("\t")
        agent_id, lines, rendered = json.loads(head)
        return cls(agent_id, lines, rendered, conversation_json, analysis_json)


# --- workers -------------------------------------------------------------------------------

_worker_rubric: Rubric | None = None
_worker_render: Render | None = None
_worker_ledger: EmpathyLedger | None = None


def _init_worker(
    rubric: Rubric, render: Render | None = None, ledger: EmpathyLedger | None = None
) -> None:
    global _worker_rubric, _worker_render, _worker_ledger
    _worker_rubric, _worker_render, _worker_ledger = rubric, render, ledger
    if ledger is None:  # finishing (with a ledger) rescoring needs no model
        warm_up()


def _analyze_in_worker(conversation: Conversation) -> Analysis:
    return analyze(conversation, rubric=_worker_rubric)


def _first_in_worker(conversation: Conversation) -> _Entry:
    analysis = _analyze_in_worker(conversation)
    return _Entry(
        conversation.agent_id,
        empathy_lines(analysis.turns),
        _worker_render(conversation, analysis) if _worker_render else None,
        conversation.model_dump_json(),
        analysis.model_dump_json(),
    )


def _finish_in_worker(line: str) -> str:
    assert _worker_ledger is not None and _worker_render is not None and _worker_rubric
    return _worker_render(*_finish(_Entry.from_spool(line), _worker_ledger, _worker_rubric))


def _finish(entry: _Entry, ledger: EmpathyLedger, rubric: Rubric) -> tuple[Conversation, Analysis]:
    conversation = Conversation.model_validate_json(entry.conversation_json)
    analysis = Analysis.model_validate_json(entry.analysis_json)
    (final,) = apply_ledger([(conversation, analysis)], ledger, rubric)
    return conversation, final


# --- the two passes ------------------------------------------------------------------------


def analyses(
    conversations: Iterable[Conversation], rubric: Rubric | None = None, jobs: int = 1
) -> Iterator[tuple[Conversation, Analysis]]:
    """Each conversation (in input order) with its final analysis."""
    rubric = rubric or default_rubric()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        ledger = _first_pass(conversations, rubric, None, jobs, spool)
        for line in spool:
            yield _finish(_Entry.from_spool(line), ledger, rubric)


def rendered(
    conversations: Iterable[Conversation],
    render: Render,
    rubric: Rubric | None = None,
    jobs: int = 1,
) -> Iterator[str]:
    """``render(conversation, final analysis)`` of each conversation, in input order, with the
    analysis and the rendering on ``jobs`` processes."""
    rubric = rubric or default_rubric()
    minimum = rubric.scripted_empathy.min_conversations
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        ledger = _first_pass(conversations, rubric, render, jobs, spool)

        def untouched(entry: _Entry) -> bool:
            return not any(ledger.scripted_line(entry.agent_id, x, minimum) for x in entry.lines)

        if jobs <= 1:
            for line in spool:
                entry = _Entry.from_spool(line)
                if untouched(entry) and entry.rendered is not None:
                    yield entry.rendered
                else:
                    yield render(*_finish(entry, ledger, rubric))
            return
        with _pool(jobs, rubric, render, ledger) as pool:
            while window := [line for _, line in zip(range(_window(jobs)), spool, strict=False)]:
                entries = [_Entry.from_spool(line) for line in window]
                ready = [e.rendered if untouched(e) else None for e in entries]
                again = [line for line, r in zip(window, ready, strict=True) if r is None]
                finished = pool.imap(_finish_in_worker, again, chunksize=CHUNK)
                for done in ready:
                    yield done if done is not None else next(finished)


def _first_pass(
    conversations: Iterable[Conversation],
    rubric: Rubric,
    render: Render | None,
    jobs: int,
    spool: IO[str],
) -> EmpathyLedger:
    """Analyse everything into ``spool`` (an entry per line, in input order, rewound on
    return) and return the corpus ledger."""
    ledger = EmpathyLedger()
    for conversation, entry in _first_entries(conversations, rubric, render, jobs):
        ledger.add_lines(entry.agent_id, conversation.id, entry.lines)
        spool.write(entry.to_spool())
    spool.seek(0)
    return ledger


def _first_entries(
    conversations: Iterable[Conversation], rubric: Rubric, render: Render | None, jobs: int
) -> Iterator[tuple[Conversation, _Entry]]:
    if jobs <= 1:
        _init_worker(rubric, render)
        for conversation in conversations:
            yield conversation, _first_in_worker(conversation)
        return
    with _pool(jobs, rubric, render) as pool:
        pending = iter(conversations)
        while batch := [c for _, c in zip(range(_window(jobs)), pending, strict=False)]:
            yield from zip(batch, pool.imap(_first_in_worker, batch, chunksize=CHUNK), strict=True)


def _window(jobs: int) -> int:
    # Keep input order and bounded memory: hand out work in windows of many chunks.
    return CHUNK * jobs * 8


def _pool(
    jobs: int, rubric: Rubric, render: Render | None, ledger: EmpathyLedger | None = None
) -> Pool:
    # Forking a single-threaded parent starts workers that already hold the imported engine
    # instead of importing it all again; a parent with threads (a server, a notebook kernel)
    # is not safe to fork, and other systems lack fork.
    return _context().Pool(jobs, initializer=_init_worker, initargs=(rubric, render, ledger))


def _context() -> BaseContext:
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
