"""GoEmotions → heard's customer emotions (the mapping in issue 3 and docs/models.md)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

MAPPING = {
    "anger": "anger",
    "disgust": "anger",
    "annoyance": "frustration",
    "disappointment": "frustration",
    "disapproval": "frustration",
    "fear": "anxiety",
    "nervousness": "anxiety",
    "sadness": "sadness",
    "grief": "sadness",
    "remorse": "sadness",
    "confusion": "confusion",
    "gratitude": "gratitude",
    "relief": "gratitude",
    "neutral": "neutral",
}
EMOTIONS = ("anger", "frustration", "anxiety", "sadness", "confusion", "gratitude", "neutral")


def read_goemotions(path: Path) -> Iterator[tuple[str, set[str]]]:
    """(text, heard emotions) per comment; comments mapping to none of them are skipped."""
    names = (path.parent / "emotions.txt").read_text().split()
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 2:
                continue
            mapped = {MAPPING[names[int(i)]] for i in row[1].split(",") if names[int(i)] in MAPPING}
            if mapped:
                yield row[0], mapped


def read_goemotions_fine(path: Path) -> Iterator[tuple[str, set[str]]]:
    """(text, the comment's GoEmotions labels that map to one of heard's emotions), for the same
    comments and in the same order as ``read_goemotions``."""
    names = (path.parent / "emotions.txt").read_text().split()
    with path.open(encoding="utf-8", newline="") as stream:
        for row in csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 2:
                continue
            fine = {names[int(i)] for i in row[1].split(",") if names[int(i)] in MAPPING}
            if fine:
                yield row[0], fine
