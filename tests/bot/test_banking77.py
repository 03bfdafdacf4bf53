"""Retrieval on real customer queries: a BANKING77 subset (20 intents), held-out queries."""

from __future__ import annotations

import csv
import random
from collections import defaultdict

import pytest

from conftest import shared_path
from heard.bot import Entry, KBIndex, KnowledgeBase
from heard.bot.evaluate import Labelled, evaluate

INTENTS = 20


@pytest.mark.shared
def test_banking77_subset_top1_and_wrong_answers() -> None:
    path = shared_path("data", "banking77", "train.csv")
    by_intent: dict[str, list[str]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            by_intent[row["category"]].append(row["text"].strip())
    rng = random.Random(8)
    intents = sorted(rng.sample(sorted(by_intent), INTENTS))
    entries: list[Entry] = []
    test: list[Labelled] = []
    for intent in intents:
        queries = list(dict.fromkeys(by_intent[intent]))
        rng.shuffle(queries)
        held = queries[:25]  # held out: never seen by the index
        kept = queries[25:85]
        test += [Labelled(q, intent) for q in held]
        entries.append(
            Entry(id=intent, question=kept[0], variants=kept[1:], answer=f"About {intent}.")
        )
    index = KBIndex.build(KnowledgeBase(name="banking77-subset", entries=entries))
    result = evaluate(index, test)
    assert result.top1 >= 0.88, result.as_dict()
    wrong = result.wrong_among_answered
    assert wrong is not None and wrong <= 0.05, result.as_dict()
    assert result.rate("answer") >= 0.5, result.as_dict()
