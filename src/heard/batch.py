"""Analyse a stream of conversations on local processes, corpus signals included.

Two passes: the first analyses every conversation (on ``jobs`` processes) and spools the
results to a temporary file while building the corpus ledger (scripted empathy per agent); the
second reads the spool back, marks what the ledger says and rescores only what changed. Memory
stays flat however many conversations there are, and the result is the same for any ``jobs``.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from collections.abc import Iterable, Iterator

from heard.analysis import Analysis, analyze, apply_ledger
from heard.conversation import Conversation
from heard.listening.corpus import EmpathyLedger
from heard.listening.resources import warm_up
from heard.scoring import Rubric, default_rubric

CHUNK = 16
_worker_rubric: Rubric | None = None


def _init_worker(rubric: Rubric) -> None:
    global _worker_rubric
    _worker_rubric = rubric
    warm_up()


def _analyze_in_worker(conversation: Conversation) -> Analysis:
    return analyze(conversation, rubric=_worker_rubric)


def analyses(
    conversations: Iterable[Conversation], rubric: Rubric | None = None, jobs: int = 1
) -> Iterator[tuple[Conversation, Analysis]]:
    """Each conversation (in input order) with its final analysis."""
    rubric = rubric or default_rubric()
    ledger = EmpathyLedger()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for conversation, analysis in _first_pass(conversations, rubric, jobs):
            ledger.add(conversation.agent_id, conversation.id, analysis.turns)
            spool.write(conversation.model_dump_json())
            spool.write("\t")
            spool.write(analysis.model_dump_json())
            spool.write("\n")
        spool.seek(0)
        for line in spool:
            conversation_json, analysis_json = line.rstrip("\n").split("\t", 1)
            conversation = Conversation.model_validate_json(conversation_json)
            analysis = Analysis.model_validate_json(analysis_json)
            for final in apply_ledger([(conversation, analysis)], ledger, rubric):
                yield conversation, final


def _first_pass(
    conversations: Iterable[Conversation], rubric: Rubric, jobs: int
) -> Iterator[tuple[Conversation, Analysis]]:
    if jobs <= 1:
        for conversation in conversations:
            yield conversation, analyze(conversation, rubric=rubric)
        return
    context = multiprocessing.get_context("spawn")
    with context.Pool(jobs, initializer=_init_worker, initargs=(rubric,)) as pool:
        pending: list[Conversation] = []
        # Keep input order and bounded memory: hand out work in windows of many chunks.
        window = CHUNK * jobs * 8
        source = iter(conversations)
        while True:
            pending = [c for _, c in zip(range(window), source, strict=False)]
            if not pending:
                break
            for conversation, analysis in zip(
                pending, pool.imap(_analyze_in_worker, pending, chunksize=CHUNK), strict=True
            ):
                yield conversation, analysis
