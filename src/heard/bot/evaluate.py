"""Scoring a KB index on labelled queries: what ``heard kb test`` and the benchmark print.

Each query gets the decision the policy would take on a first message — answer (confidence at
or above the answer threshold), confirm, or below that a clarifying question or, when nothing
in the KB is close, a hand-off — and is right when the top entry is its label.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from heard.bot.index import KBIndex, Retrieval, Thresholds, out_of_scope
from heard.bot.kb import KnowledgeBaseError
from heard.bot.lexical import content_terms


@dataclass(frozen=True)
class Labelled:
    text: str
    entry_id: str


@dataclass
class Evaluation:
    queries: int
    top1: float
    decisions: dict[str, int]
    answered_wrong: int
    confirmed_wrong: int
    thresholds: Thresholds
    errors: list[tuple[str, str, str, float, str]] = field(default_factory=list)

    def rate(self, decision: str) -> float:
        return self.decisions.get(decision, 0) / self.queries if self.queries else 0.0

    @property
    def wrong_among_answered(self) -> float | None:
        answered = self.decisions.get("answer", 0)
        return self.answered_wrong / answered if answered else None

    def as_dict(self) -> dict[str, object]:
        return {
            "queries": self.queries,
            "top1": round(self.top1, 4),
            "answer_rate": round(self.rate("answer"), 4),
            "confirm_rate": round(self.rate("confirm"), 4),
            "clarify_rate": round(self.rate("clarify"), 4),
            "handoff_rate": round(self.rate("handoff"), 4),
            "wrong_among_answered": None
            if self.wrong_among_answered is None
            else round(self.wrong_among_answered, 4),
            "wrong_among_confirmed": round(self.confirmed_wrong / self.decisions["confirm"], 4)
            if self.decisions.get("confirm")
            else None,
            "thresholds": self.thresholds.model_dump(),
        }


def first_decision(retrieval: Retrieval, thresholds: Thresholds) -> str:
    """The policy's decision on a first message, from retrieval alone."""
    top = retrieval.top
    if top is None:
        return "clarify"
    if top.entry.handoff and retrieval.confidence >= thresholds.confirm:
        return "handoff"
    if retrieval.confidence >= thresholds.answer:
        return "answer"
    if retrieval.confidence >= thresholds.confirm:
        return "confirm"
    if out_of_scope(retrieval, thresholds) and len(content_terms(retrieval.query)) >= 2:
        return "handoff"
    return "clarify"


def evaluate(
    index: KBIndex,
    queries: Sequence[Labelled],
    thresholds: Thresholds | None = None,
    *,
    batch: int = 512,
) -> Evaluation:
    thresholds = thresholds or index.thresholds
    known = {entry.id for entry in index.kb.entries}
    unknown = sorted({q.entry_id for q in queries} - known)
    if unknown:
        raise KnowledgeBaseError(
            f"labels not in knowledge base {index.kb.name!r}: {', '.join(unknown[:5])}"
            + (" …" if len(unknown) > 5 else "")
        )
    decisions: dict[str, int] = {}
    right = answered_wrong = confirmed_wrong = 0
    errors: list[tuple[str, str, str, float, str]] = []
    for start in range(0, len(queries), batch):
        chunk = queries[start : start + batch]
        for query, retrieval in zip(
            chunk, index.search_many([q.text for q in chunk], k=1), strict=True
        ):
            decision = first_decision(retrieval, thresholds)
            decisions[decision] = decisions.get(decision, 0) + 1
            top = retrieval.top
            correct = top is not None and top.entry.id == query.entry_id
            right += correct
            if not correct:
                got = top.entry.id if top else "-"
                errors.append((query.text, query.entry_id, got, retrieval.confidence, decision))
                answered_wrong += decision == "answer"
                confirmed_wrong += decision == "confirm"
    return Evaluation(
        queries=len(queries),
        top1=right / len(queries) if queries else 0.0,
        decisions=decisions,
        answered_wrong=answered_wrong,
        confirmed_wrong=confirmed_wrong,
        thresholds=thresholds,
        errors=errors,
    )


def read_labelled(path: Path) -> list[Labelled]:
    """Labelled queries: CSV with a text column and an ``entry`` (or ``entry_id``, ``label``,
    ``category``) column, or JSONL objects with the same keys."""
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise KnowledgeBaseError(f"{path}: cannot read it ({error})") from None
    rows: list[dict[str, str]] = []
    if path.suffix.lower() in (".jsonl", ".json"):
        for number, line in enumerate(raw.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise KnowledgeBaseError(f"{path}, line {number}: not JSON ({error})") from None
            if not isinstance(item, dict):
                raise KnowledgeBaseError(f"{path}, line {number}: expected an object")
            rows.append({str(k): str(v) for k, v in item.items()})
    else:
        rows = list(csv.DictReader(raw.splitlines()))
    out: list[Labelled] = []
    for number, row in enumerate(rows, start=1):
        text = row.get("text") or row.get("query")
        label = next(
            (row[k] for k in ("entry", "entry_id", "label", "category") if row.get(k)), None
        )
        if not text or not label:
            raise KnowledgeBaseError(
                f"{path}, record {number}: needs 'text' and 'entry' (or entry_id/label/category)"
            )
        out.append(Labelled(text.strip(), label.strip()))
    if not out:
        raise KnowledgeBaseError(f"{path}: no labelled queries")
    return out
