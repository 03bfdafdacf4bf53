"""Speed of the listening engine: full analysis throughput and incremental per-turn latency.

    .venv/bin/python benchmarks/throughput.py [--conversations 2000] [--jobs 2]

Prints conversations per second for `heard analyze --format jsonl` run as a real command
(reading, analysis with the corpus pass, writing), with 1 and N worker processes, and the
p50/p95/p99 latency of analysing one new turn of a conversation in progress (LiveSession.add),
as the real-time assistant does. Targets (issue 3): ≥ 200 conversations/s with --jobs 2 and
p95 ≤ 15 ms per new turn on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import corpus

from heard.listening import default_pipeline
from heard.listening.resources import warm_up


def command_throughput(path: Path, count: int, jobs: int) -> float:
    heard = Path(sys.executable).with_name("heard")
    started = time.perf_counter()
    subprocess.run(
        [
            str(heard),
            "analyze",
            str(path),
            "--format",
            "jsonl",
            "--out",
            str(path.with_suffix(".out")),
            "--jobs",
            str(jobs),
            "--quiet",
        ],
        check=True,
    )
    elapsed = time.perf_counter() - started
    lines = sum(1 for _ in path.with_suffix(".out").open())
    assert lines == count, f"expected {count} analyses, got {lines}"
    return count / elapsed


def incremental_latency(count: int) -> list[float]:
    warm_up()
    pipeline = default_pipeline()
    latencies: list[float] = []
    for conversation in corpus(count, seed=11):
        session = pipeline.live(conversation.model_copy(update={"turns": []}))
        for turn in conversation.turns:
            started = time.perf_counter()
            session.add(turn)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--live-conversations", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "corpus.jsonl"
        with path.open("w") as stream:
            for conversation in corpus(args.conversations):
                stream.write(conversation.to_json() + "\n")
        print(
            f"corpus: {args.conversations} conversations x 12 turns "
            f"({path.stat().st_size / 1e6:.1f} MB)"
        )
        for jobs in sorted({1, args.jobs}):
            rate = command_throughput(path, args.conversations, jobs)
            print(
                f"heard analyze --jobs {jobs}: {rate:,.0f} conversations/s "
                "(whole command, incl. start-up)"
            )
    latencies = incremental_latency(args.live_conversations)
    print(
        f"incremental analysis of one new turn ({len(latencies)} turns): "
        f"p50 {statistics.median(latencies):.2f} ms, p95 {percentile(latencies, 95):.2f} ms, "
        f"p99 {percentile(latencies, 99):.2f} ms, max {max(latencies):.2f} ms"
    )


if __name__ == "__main__":
    main()
