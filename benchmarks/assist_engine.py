"""Per-turn cost of the real-time assist engine (no server), over the example conversations.

    .venv/bin/python benchmarks/assist_engine.py [--rounds 20] [--sessions 50]

Every example conversation is replayed as it would arrive live: before each final turn, two
partials of it (a third and two thirds of its words: interim speech-to-text results on calls,
drafts being typed in chat), and for agent turns a draft check of the full text. Sessions are
interleaved round-robin, ``--sessions`` of them alive at once, so the figures include whatever
many open sessions cost (memory, caches). Prints p50/p95/p99/max in milliseconds for
``add_turn``, ``partial``, ``check_draft`` and for serialising an update to JSON (which the
server also does per turn). Target (issue): p95 ≤ 25 ms per turn end to end with 50 concurrent
sessions on 2 cores, so the engine's own cost must be a few milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from heard.assist import AssistSession, OpenerMemory
from heard.conversation import Conversation, Role, Turn
from heard.readers import read

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def examples() -> list[Conversation]:
    return [item for item in read([EXAMPLES]) if isinstance(item, Conversation)]


def partials(turn: Turn) -> Iterator[Turn]:
    """Interim versions of a turn: the first third and two thirds of its words."""
    words = turn.text.split()
    for share in (1 / 3, 2 / 3):
        cut = max(1, int(len(words) * share))
        if cut >= len(words):
            continue
        update: dict[str, object] = {"text": " ".join(words[:cut])}
        if turn.start is not None and turn.end is not None:
            update["end"] = round(turn.start + (turn.end - turn.start) * share, 2)
        yield turn.model_copy(update=update)


def events(conversation: Conversation) -> Iterator[tuple[str, Turn]]:
    for turn in conversation.turns:
        for interim in partials(turn):
            yield "partial", interim
        if turn.role is Role.AGENT:
            yield "check_draft", turn
        yield "add_turn", turn


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="replays of every example")
    parser.add_argument("--sessions", type=int, default=50, help="sessions alive at once")
    options = parser.parse_args()

    conversations = examples()
    memory = OpenerMemory()
    # Load the models and fill the caches once, as a server does at start-up.
    warm = AssistSession(conversations[0].model_copy(update={"turns": []}), openers=memory)
    for turn in conversations[0].turns:
        warm.add_turn(turn)

    # Wall time is what a client waits for; CPU time (all threads of the process) is the
    # engine's own cost, unaffected by other programs competing for the cores.
    timings: dict[str, list[float]] = {
        "add_turn": [],
        "partial": [],
        "check_draft": [],
        "to_json": [],
    }
    cpu: dict[str, list[float]] = {name: [] for name in timings}
    queue = [c for _ in range(options.rounds) for c in conversations]
    live: list[tuple[AssistSession, Iterator[tuple[str, Turn]]]] = []
    started = time.perf_counter()
    while queue or live:
        while queue and len(live) < options.sessions:
            conversation = queue.pop()
            number = len(queue)
            fresh = conversation.model_copy(
                update={"id": f"{conversation.id}-{number}", "turns": []}
            )
            live.append((AssistSession(fresh, openers=memory), events(conversation)))
        still: list[tuple[AssistSession, Iterator[tuple[str, Turn]]]] = []
        for session, stream in live:
            step = next(stream, None)
            if step is None:
                continue
            kind, turn = step
            begin, begin_cpu = time.perf_counter(), time.process_time()
            if kind == "add_turn":
                update = session.add_turn(turn)
            elif kind == "partial":
                update = session.partial(turn)
            else:
                session.check_draft(turn.text)
                update = None
            timings[kind].append((time.perf_counter() - begin) * 1000)
            cpu[kind].append((time.process_time() - begin_cpu) * 1000)
            if update is not None:
                begin, begin_cpu = time.perf_counter(), time.process_time()
                update.model_dump_json()
                timings["to_json"].append((time.perf_counter() - begin) * 1000)
                cpu["to_json"].append((time.process_time() - begin_cpu) * 1000)
            still.append((session, stream))
        live = still
    total = time.perf_counter() - started

    count = sum(len(v) for k, v in timings.items() if k != "to_json")
    print(
        f"{len(conversations)} example conversations x {options.rounds} rounds, "
        f"{options.sessions} sessions interleaved; {count} calls in {total:.1f} s"
    )
    for title, table in (("wall time", timings), ("CPU time", cpu)):
        print(f"\n{title:<12}{'n':>7}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}{'max ms':>10}")
        for name, values in table.items():
            if not values:
                continue
            print(
                f"{name:<12}{len(values):>7}{statistics.median(values):>10.2f}"
                f"{percentile(values, 0.95):>10.2f}{percentile(values, 0.99):>10.2f}"
                f"{max(values):>10.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
