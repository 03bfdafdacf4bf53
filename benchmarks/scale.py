"""Scale-out throughput: `heard analyze` on local processes and on a Dask LocalCluster.

    .venv/bin/python benchmarks/scale.py [--conversations 100000] [--runs local1,local2,dask2]

Generates a corpus of twelve-turn chat conversations (benchmarks/corpus.py, seeded) to a
temporary JSONL file, then times the whole command (start-up, reading, analysis, the corpus
pass / reduce step, writing) for each run:

    local1   heard analyze --format jsonl --jobs 1
    local2   heard analyze --format jsonl --jobs 2
    dask2    heard analyze --format jsonl --engine dask --jobs 2   (a 2-worker LocalCluster)
    parquet2 heard analyze --format parquet --engine dask --jobs 2

and samples every process of the run every 0.2 s: resident memory (RSS; the peak of the
command's own process, and of each worker: a child that did at least a quarter of the busiest
child's work) and CPU time, so the figures can be read on a busy machine too (CPU seconds per
1,000 conversations do not depend on what else runs). Prints the load average, checks that every
run wrote every conversation, and that the Dask output is identical to the local one.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import corpus

RUNS = {
    "local1": ["--format", "jsonl", "--jobs", "1"],
    "local2": ["--format", "jsonl", "--jobs", "2"],
    "dask2": ["--format", "jsonl", "--engine", "dask", "--jobs", "2"],
    "parquet2": ["--format", "parquet", "--engine", "dask", "--jobs", "2"],
}
SAMPLE_SECONDS = 0.2
WORKER_CPU_SHARE = 0.25


@dataclass
class Measured:
    name: str
    seconds: float
    rate: float
    main_peak_mib: float
    worker_peaks_mib: list[float]
    cpu_seconds: float


def generate(path: Path, count: int) -> None:
    with path.open("w") as stream:
        for conversation in corpus(count):
            stream.write(conversation.to_json() + "\n")


def run(name: str, corpus_path: Path, out: Path, count: int) -> Measured:
    heard = Path(sys.executable).with_name("heard")
    command = [str(heard), "analyze", str(corpus_path), *RUNS[name], "--out", str(out), "-q"]
    started = time.perf_counter()
    process = psutil.Popen(command)
    peaks: dict[int, float] = {}
    cpu: dict[int, float] = {}
    while process.poll() is None:
        try:
            family = [process, *process.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for member in family:
            try:
                peaks[member.pid] = max(peaks.get(member.pid, 0), member.memory_info().rss)
                times = member.cpu_times()
                cpu[member.pid] = times.user + times.system
            except psutil.NoSuchProcess:
                continue
        time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{name}: heard analyze exited with {process.returncode}")
    if out.is_dir():
        import pyarrow.parquet as pq

        written = pq.read_table(out, columns=["conversation_id"]).num_rows
    else:
        written = sum(1 for _ in out.open())
    assert written == count, f"{name}: expected {count} analyses, got {written}"
    busiest = max((cpu[pid] for pid in cpu if pid != process.pid), default=0.0)
    workers = [
        peaks[pid] / 2**20
        for pid in peaks
        if pid != process.pid and cpu.get(pid, 0) >= max(1.0, WORKER_CPU_SHARE * busiest)
    ]
    return Measured(
        name, seconds, count / seconds, peaks[process.pid] / 2**20, workers, sum(cpu.values())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", default="local1,local2,dask2")
    args = parser.parse_args()
    names = [name.strip() for name in args.runs.split(",") if name.strip()]
    unknown = set(names) - set(RUNS)
    if unknown:
        raise SystemExit(f"unknown runs: {', '.join(sorted(unknown))}; choose from {list(RUNS)}")
    print(
        f"cores: {psutil.cpu_count()}, memory: {psutil.virtual_memory().total / 2**30:.1f} GiB, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        path = folder / "corpus.jsonl"
        started = time.perf_counter()
        generate(path, args.conversations)
        took = time.perf_counter() - started
        print(
            f"corpus: {args.conversations:,} conversations x 12 turns, "
            f"{path.stat().st_size / 1e6:,.0f} MB (generated in {took:.0f} s)"
        )
        outputs: dict[str, Path] = {}
        for name in names:
            out = folder / (name if name.startswith("parquet") else f"{name}.jsonl")
            measured = run(name, path, out, args.conversations)
            outputs[name] = out
            workers = measured.worker_peaks_mib
            per_worker = (
                f"workers' peak RSS {', '.join(f'{w:,.0f}' for w in sorted(workers))} MiB"
                if workers
                else "no separate worker processes"
            )
            print(
                f"{name:9} {' '.join(RUNS[name])}: {measured.rate:,.0f} conversations/s "
                f"({measured.seconds:,.0f} s, "
                f"{measured.cpu_seconds / args.conversations * 1000:.2f} CPU s per 1,000); "
                f"command's peak RSS {measured.main_peak_mib:,.0f} MiB; {per_worker}; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
        jsonl = [outputs[name] for name in names if not outputs[name].is_dir()]
        for other in jsonl[1:]:
            same = filecmp.cmp(jsonl[0], other, shallow=False)
            print(f"{other.stem} output identical to {jsonl[0].stem}: {same}")
            if not same:
                raise SystemExit("outputs differ")


if __name__ == "__main__":
    main()
