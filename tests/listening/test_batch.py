"""heard.batch: the two-pass local engine gives the same result on any number of processes,
forked or spawned, and renders on the workers exactly what the parent would."""

from __future__ import annotations

import json
import pickle
import threading
from collections.abc import Iterator

import pytest

from heard import batch
from heard.analysis import Analysis, analyze_many
from heard.conversation import Conversation
from heard.listening.corpus import EmpathyLedger

from .test_corpus import conversation


def corpus() -> list[Conversation]:
    # Agent "lena" repeats her line in five conversations (scripted); "omar" once (personal).
    return [conversation(n, "agent-lena") for n in range(5)] + [
        conversation(9, "agent-omar", "That sounds really stressful before your trip.")
    ]


def render(conversation: Conversation, analysis: Analysis) -> str:
    return json.dumps(analysis.record()) + "\n"


@pytest.fixture(params=["single-threaded", "with another thread"])
def parent(request: pytest.FixtureRequest) -> Iterator[str]:
    """A parent with another thread running must not fork (it spawns instead)."""
    if request.param == "single-threaded":
        yield request.param
        return
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    try:
        yield request.param
    finally:
        stop.set()
        thread.join()


def test_start_method_follows_the_parent(parent: str) -> None:
    method = batch._context().get_start_method()
    if parent == "with another thread" or threading.active_count() > 1:
        assert method == "spawn"
    else:
        assert method == "fork"


@pytest.mark.parametrize("jobs", [1, 2])
def test_same_analyses_and_lines_on_any_number_of_processes(jobs: int, parent: str) -> None:
    expected = [render(c, a) for c, a in zip(corpus(), analyze_many(corpus()), strict=True)]
    pairs = list(batch.analyses(corpus(), jobs=jobs))
    assert [c.id for c, _ in pairs] == [c.id for c in corpus()]
    assert [render(c, a) for c, a in pairs] == expected
    assert list(batch.rendered(corpus(), render, jobs=jobs)) == expected
    scripted = [a.turns[1].detail["empathy"]["scripted"] for _, a in pairs]
    assert scripted == [True] * 5 + [False]


def test_a_ledger_pickles_for_spawned_workers() -> None:
    ledger = EmpathyLedger()
    ledger.add_lines("agent-lena", "c1", ["i completely understand"])
    ledger.merge(EmpathyLedger({"agent-lena": {"i completely understand": {"c2"}}}))
    copy = pickle.loads(pickle.dumps(ledger))
    assert copy.lines == {"agent-lena": {"i completely understand": {"c1", "c2"}}}
    assert copy.scripted("agent-lena", "I completely understand", 2)


def test_only_what_the_ledger_changes_is_finished_again(monkeypatch: pytest.MonkeyPatch) -> None:
    finished: list[str] = []
    finish = batch._finish

    def counting(entry, ledger, rubric):  # type: ignore[no-untyped-def]
        finished.append(json.loads(entry.conversation_json)["id"])
        return finish(entry, ledger, rubric)

    monkeypatch.setattr(batch, "_finish", counting)
    lines = list(batch.rendered(corpus(), render, jobs=1))
    assert len(lines) == 6
    assert finished == [f"conv-{n}" for n in range(5)]  # omar's personal line passes through
