"""The summarising exercise: read (or hear) a long customer message, write a short summary.

A summary is scored for **coverage** (each key point of the message, matched on meaning with
the engine's sentence encoder, or on its keywords plus meaning) and **correctness** (every
number, amount, count and day it states must be the message's own: meaning matching cannot
tell "charged once" from "charged twice", exact checks can). Missed points are shown.

Score: 100 × covered points / all points, minus 20 per wrong fact, minus 10 when the summary
is longer than the exercise allows; never below 0.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from heard.listening.text import split_sentences, words
from heard.training.matching import mentions, similarity
from heard.training.scenario import (
    Id,
    ScenarioError,
    _Strict,
    read_yaml,
    validation_problems,
)

BUILTIN_EXERCISES = Path(__file__).with_name("exercises")

# A clause this close in meaning to a key point covers it; with one of the point's keywords, a
# looser match is enough. Calibrated on the built-in exercises (see docs/training.md).
POINT_MEANING = 0.68
POINT_MEANING_WITH_KEYWORD = 0.5
WRONG_FACT_PENALTY = 20
TOO_LONG_PENALTY = 10

NUMBER_WORDS = {
    "once": "1",
    "twice": "2",
    "two": "2",
    "double": "2",
    "three": "3",
    "thrice": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "fifteen": "15",
    "twenty": "20",
    "thirty": "30",
    "fifty": "50",
    "hundred": "100",
}
# "May" and "one" are left out: too often a verb or a pronoun to be read as a fact.
DAYS = (
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "june july august september october november december"
).split()
# Ordinals stay ordinals: "the 1st" (a date) is not "1" (a count).
_AMOUNT = re.compile(r"\d+(?:[.,:]\d+)*(?:st|nd|rd|th)?", re.IGNORECASE)
NEGATIONS = frozenset(
    "not no never nobody nothing none neither nor don't doesn't didn't won't can't cannot "
    "isn't aren't wasn't weren't without".split()
)
_CLAUSE = re.compile(r";|,\s+(?:and|but|so)\s+|\s+(?:and|but|so|because)\s+|\s+-\s+|—")


class KeyPoint(_Strict):
    id: Id
    text: str = Field(min_length=1, description="The point, in a reference wording.")
    keywords: list[str] = Field(
        default_factory=list, description="Prefixes: with one, a looser meaning match covers it."
    )


class Exercise(_Strict):
    id: Id
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1, description="One line, for lists.")
    channel: Literal["email", "voice", "chat"] = "email"
    instructions: str = "Summarise the customer's message in two or three sentences."
    message: str = Field(min_length=40)
    points: Annotated[list[KeyPoint], Field(min_length=2)]
    max_words: int = Field(default=80, ge=10, le=400)

    @model_validator(mode="after")
    def _unique(self) -> Exercise:
        ids = [p.id for p in self.points]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"points: the id {duplicates[0]!r} is used twice")
        return self

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "channel": self.channel,
            "instructions": self.instructions,
            "message": self.message,
            "points": len(self.points),
            "max_words": self.max_words,
        }


class PointResult(BaseModel):
    id: str
    text: str
    covered: bool
    quote: str | None = Field(default=None, description="The summary's words that cover it.")
    similarity: float


class SummaryResult(BaseModel):
    exercise_id: str
    score: int = Field(ge=0, le=100)
    coverage: float = Field(ge=0, le=1)
    points: list[PointResult]
    missed: list[str] = Field(description="Key points the summary left out.")
    errors: list[str] = Field(description="Facts the summary states wrongly.")
    words: int
    max_words: int
    too_long: bool


def parse_exercise(data: Any, source: str = "<exercise>") -> Exercise:
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{source}: an exercise is a mapping of fields, not {type(data).__name__}"
        )
    try:
        return Exercise.model_validate(data)
    except ValidationError as error:
        raise ScenarioError(f"{source}: " + "; ".join(validation_problems(error))) from error


def load_exercise(path: str | Path) -> Exercise:
    path = Path(path)
    return parse_exercise(read_yaml(path), str(path))


@lru_cache(maxsize=1)
def builtin_exercises() -> tuple[Exercise, ...]:
    return tuple(load_exercise(p) for p in sorted(BUILTIN_EXERCISES.glob("*.yaml")))


def find_exercise(name: str) -> Exercise:
    if name.endswith((".yaml", ".yml")) and Path(name).is_file():
        return load_exercise(name)
    for exercise in builtin_exercises():
        if exercise.id == name:
            return exercise
    raise KeyError(name)


def facts_in(text: str) -> dict[str, str]:
    """Numbers (digits or words: "twice" is 2), amounts and day or month names: each in a
    plain form, with the words as written."""
    found = {_plain_number(n.lower()): n for n in _AMOUNT.findall(text)}
    for word in words(text):
        if word in NUMBER_WORDS:
            found.setdefault(NUMBER_WORDS[word], word)
        elif word in DAYS:
            found.setdefault(word, word)
    return found


def _plain_number(number: str) -> str:
    # 1,200 and 1200 are the same amount; 14.99 stays 14.99.
    return number.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", number) else number


def negated(text: str) -> bool:
    return any(word in NEGATIONS for word in words(text))


def _clauses(text: str) -> list[str]:
    pieces: list[str] = []
    for sentence in split_sentences(text):
        pieces.append(sentence.text)
        parts = [p.strip() for p in _CLAUSE.split(sentence.text) if len(words(p)) >= 3]
        if len(parts) > 1:
            pieces.extend(parts)
    return pieces


def score_summary(exercise: Exercise, summary: str) -> SummaryResult:
    clauses = _clauses(summary)
    results: list[PointResult] = []
    # Each clause counts towards the point it is closest to, so one vague sentence cannot
    # cover every point at once.
    best_point: dict[str, tuple[float, str]] = {}
    for clause in clauses:
        for point in exercise.points:
            value = similarity([clause], [point.text])
            if value > best_point.get(clause, (-1.0, ""))[0]:
                best_point[clause] = (value, point.id)
    contradictions: list[tuple[str, str]] = []
    for point in exercise.points:
        best: tuple[float, str | None] = (0.0, None)
        for clause in clauses:
            value = similarity([clause], [point.text])
            keyword = point.keywords and mentions(clause, point.keywords)
            nearest = best_point[clause][1] == point.id
            if not keyword and negated(clause) != negated(point.text):
                # Static sentence vectors do not see "not": "wants to cancel" sits close to
                # "does not want to cancel". Opposite polarity is a contradiction, not a match.
                if value >= POINT_MEANING and nearest:
                    contradictions.append((point.id, f"“{clause}” contradicts: {point.text}"))
                continue
            threshold = POINT_MEANING_WITH_KEYWORD if keyword else POINT_MEANING
            if value >= threshold and (nearest or keyword) and value > best[0]:
                best = (value, clause)
        top = max((similarity([c], [point.text]) for c in clauses), default=0.0)
        results.append(
            PointResult(
                id=point.id,
                text=point.text,
                covered=best[1] is not None,
                quote=best[1],
                similarity=round(best[0] if best[1] else top, 3),
            )
        )
    message_facts = facts_in(exercise.message)
    stated = facts_in(summary)
    errors = [
        f"“{stated[fact]}” is not what the customer said"
        for fact in sorted(stated)
        if fact not in message_facts
    ]
    covered_ids = {r.id for r in results if r.covered}
    # A point covered elsewhere in the summary was not contradicted, only loosely echoed.
    first = {point: text for point, text in reversed(contradictions)}  # one per point
    errors += [text for point, text in first.items() if point not in covered_ids]
    count = len(words(summary))
    too_long = count > exercise.max_words
    covered = sum(r.covered for r in results)
    coverage = covered / len(results)
    score = round(100 * coverage) - WRONG_FACT_PENALTY * len(errors)
    score -= TOO_LONG_PENALTY if too_long else 0
    return SummaryResult(
        exercise_id=exercise.id,
        score=max(0, min(100, score)),
        coverage=round(coverage, 3),
        points=results,
        missed=[r.text for r in results if not r.covered],
        errors=errors,
        words=count,
        max_words=exercise.max_words,
        too_long=too_long,
    )
