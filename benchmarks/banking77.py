"""The self-service bot's retrieval on BANKING77: real customer queries in 77 banking intents.

    .venv/bin/python benchmarks/banking77.py [--shared ../shared] [--seed 77] [--json]

BANKING77 (Casanueva et al. 2020, CC BY 4.0) is read from ``../shared/data/banking77/train.csv``
(10,003 queries; the official test split is not in ../shared), never copied into the repository.
Each intent's queries are shuffled with the seed and split 70 / 10 / 20:

* 70 % are the question variants of a knowledge base of one entry per intent (the answer is a
  placeholder naming the intent), imported exactly as ``heard kb import`` does — embeddings,
  BM25, the re-ranker trained on the variants, the calibration fitted on variants it holds out;
* 10 % (validation) choose the answer threshold: the lowest at which at most 2.5 % of the
  answered validation queries get a wrong answer (a margin under the 3 % target);
* 20 % (test) are held out until the end and scored once: top-1 accuracy, the share answered,
  confirmed, clarified and handed off, and the wrong-answer rate among answered queries.

Targets (issue 8): top-1 ≥ 0.90 and wrong answers ≤ 3 % of answered queries.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from heard.bot import Entry, KBIndex, KnowledgeBase
from heard.bot.evaluate import Labelled, evaluate, first_decision

ROOT = Path(__file__).resolve().parents[1]
WRONG_TARGET = 0.025


def split(path: Path, seed: int) -> tuple[dict[str, list[str]], list[Labelled], list[Labelled]]:
    """Per intent: KB variants (70 %), validation (10 %), test (20 %)."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_intent[row["category"]].append(row["text"].strip())
    rng = random.Random(seed)
    kb: dict[str, list[str]] = {}
    validation: list[Labelled] = []
    test: list[Labelled] = []
    for intent in sorted(by_intent):
        queries = list(dict.fromkeys(by_intent[intent]))
        rng.shuffle(queries)
        n_test = round(len(queries) * 0.2)
        n_validation = round(len(queries) * 0.1)
        test += [Labelled(q, intent) for q in queries[:n_test]]
        validation += [Labelled(q, intent) for q in queries[n_test : n_test + n_validation]]
        kb[intent] = queries[n_test + n_validation :]
    return kb, validation, test


def knowledge_base(variants: dict[str, list[str]]) -> KnowledgeBase:
    entries = []
    for intent, questions in variants.items():
        name = intent.replace("_", " ")
        entries.append(
            Entry(
                id=intent,
                question=questions[0],
                variants=questions[1:],
                answer=f"(Placeholder answer about {name}.)",
                topic=name,
            )
        )
    return KnowledgeBase(name="banking77", entries=entries)


def choose_answer_threshold(index: KBIndex, validation: list[Labelled]) -> float:
    """The lowest threshold whose answered validation queries are wrong at most 2.5 % of the
    time (never the test split)."""
    results = index.search_many([q.text for q in validation], k=1)
    confidence = np.array([r.confidence for r in results])
    correct = np.array(
        [
            r.top is not None and r.top.entry.id == q.entry_id
            for r, q in zip(results, validation, strict=True)
        ]
    )
    for threshold in np.unique(np.round(confidence, 3)):
        answered = confidence >= threshold
        if answered.sum() >= 20 and 1 - correct[answered].mean() <= WRONG_TARGET:
            return float(threshold)
    return float(index.thresholds.answer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--seed", type=int, default=77)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    path = args.shared / "data" / "banking77" / "train.csv"
    if not path.is_file():
        sys.exit(f"BANKING77 not found at {path} (see ../shared/data/banking77/SOURCE.md)")
    variants, validation, test = split(path, args.seed)
    kb = knowledge_base(variants)
    started = time.perf_counter()
    index = KBIndex.build(kb)
    build_seconds = time.perf_counter() - started
    answer = choose_answer_threshold(index, validation)
    thresholds = index.thresholds.model_copy(update={"answer": answer})
    started = time.perf_counter()
    result = evaluate(index, test, thresholds)
    per_query_ms = (time.perf_counter() - started) / len(test) * 1000
    single = []
    for query in test[:200]:
        began = time.perf_counter()
        first_decision(index.search(query.text), thresholds)
        single.append((time.perf_counter() - began) * 1000)
    at_import = evaluate(index, test, index.thresholds)
    figures = {
        "intents": len(kb.entries),
        "kb_questions": sum(len(v) for v in variants.values()),
        "validation": len(validation),
        "test": len(test),
        "build_seconds": round(build_seconds, 1),
        "import_calibration": index.info.calibration,
        "fusion": index.info.fusion,
        "test_at_chosen_threshold": result.as_dict(),
        "test_at_import_thresholds": at_import.as_dict(),
        "batch_ms_per_query": round(per_query_ms, 2),
        "single_query_ms_p50": round(float(np.percentile(single, 50)), 2),
        "single_query_ms_p95": round(float(np.percentile(single, 95)), 2),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    chosen = result.as_dict()
    print(
        f"BANKING77, seed {args.seed}: {figures['intents']} intents, "
        f"{figures['kb_questions']} KB questions, {len(validation)} validation, {len(test)} test"
    )
    print(
        f"index built in {build_seconds:.1f} s; fusion {index.info.fusion}; "
        f"import-time calibration {index.info.calibration}"
    )
    print(
        f"answer threshold {answer:.3f} (chosen on validation), confirm "
        f"{thresholds.confirm:.3f}, out-of-scope cosine {thresholds.out_of_scope_similarity:.3f}"
    )
    print(
        f"test: top-1 {chosen['top1']:.4f}  answer {chosen['answer_rate']:.1%}  "
        f"confirm {chosen['confirm_rate']:.1%}  clarify {chosen['clarify_rate']:.1%}  "
        f"hand-off {chosen['handoff_rate']:.1%}  wrong among answered "
        f"{chosen['wrong_among_answered']:.2%}  wrong among confirmed "
        f"{chosen['wrong_among_confirmed']}"
    )
    imported = at_import.as_dict()
    print(
        f"test at the import-time thresholds (answer {index.thresholds.answer:.3f}): answer "
        f"{imported['answer_rate']:.1%}, wrong among answered "
        f"{imported['wrong_among_answered']:.2%}"
    )
    print(
        f"speed: {per_query_ms:.2f} ms per query in batches; one query p50 "
        f"{figures['single_query_ms_p50']} ms, p95 {figures['single_query_ms_p95']} ms"
    )


if __name__ == "__main__":
    main()
