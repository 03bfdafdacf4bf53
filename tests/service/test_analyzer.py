"""The server's analysis workers give the same analysis as in-process, and survive a crash."""

from __future__ import annotations

import os
import signal

from heard.analysis import analyze
from heard.conversation import Conversation
from heard.scoring import default_rubric
from heard.service.analyzer import Analyzer

from .conftest import GOOD, POOR, chat


def test_workers_analyse_like_the_calling_thread_and_recover_from_a_crash() -> None:
    rubric = default_rubric()
    conversations = [
        Conversation.model_validate(chat(f"w-{i}", "agent-mia", "team-orders", turns))
        for i, turns in enumerate((GOOD, POOR))
    ]
    analyzer = Analyzer(rubric, workers=1)
    try:
        for conversation in conversations:
            assert (
                analyzer.analyze(conversation).record()
                == analyze(conversation, rubric=rubric).record()
            )
        pool = analyzer._executor()
        for pid in list(pool._processes):  # the worker is killed, as by the OOM killer
            os.kill(pid, signal.SIGKILL)
        # The conversation in flight is not lost, and the next one gets a fresh pool.
        assert (
            analyzer.analyze(conversations[0]).record()
            == analyze(conversations[0], rubric=rubric).record()
        )
        assert analyzer.analyze(conversations[1]).listening_score is not None
    finally:
        analyzer.close()
