"""Quality on the labelled set (tests/redaction/data/pii_labelled.jsonl), as the benchmark
measures it (benchmarks/redaction.py); thresholds sit just below the measured figures."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from heard.redaction import KINDS, Redactor

REPO = Path(__file__).resolve().parents[2]
# benchmarks/ is not a package, and "redaction" is this test package's name: load by path.
_spec = importlib.util.spec_from_file_location(
    "redaction_benchmark", REPO / "benchmarks" / "redaction.py"
)
assert _spec is not None and _spec.loader is not None
benchmark = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(benchmark)
DATA: Path = benchmark.DATA
load, prf, score = benchmark.load, benchmark.prf, benchmark.score


def test_the_set_is_big_varied_and_well_formed() -> None:
    records = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 300
    assert sum(not r["spans"] for r in records) >= 100, "hard negatives"
    kinds = {span["kind"] for r in records for span in r["spans"]}
    assert kinds == set(KINDS)
    for record in records:
        previous = 0
        for span in record["spans"]:
            assert previous <= span["start"] < span["end"] <= len(record["text"])
            assert (
                record["text"][span["start"] : span["end"]].strip()
                == record["text"][span["start"] : span["end"]]
            )
            previous = span["end"]


def micro(split: str | None, mode: str) -> tuple[float, float]:
    counts = score(load(DATA, split), Redactor(), errors=False)[mode]
    tp = sum(c["tp"] for c in counts.values())
    fp = sum(c["fp"] for c in counts.values())
    fn = sum(c["fn"] for c in counts.values())
    precision, recall, _ = prf(tp, fp, fn)
    return precision, recall


def test_quality_on_the_held_out_split() -> None:
    precision, recall = micro("heldout", "overlap")
    assert precision >= 0.98 and recall >= 0.94, (precision, recall)
    precision, recall = micro("heldout", "exact")
    assert precision >= 0.98 and recall >= 0.94, (precision, recall)


def test_quality_on_the_whole_set() -> None:
    precision, recall = micro(None, "overlap")
    assert precision >= 0.99 and recall >= 0.98, (precision, recall)
    precision, recall = micro(None, "exact")
    assert precision >= 0.99 and recall >= 0.98, (precision, recall)
