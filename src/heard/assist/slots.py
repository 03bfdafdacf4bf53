"""The slot table: per kind of issue, what the agent needs to know and how to ask for it.

The table is data (``slots.yaml``), so a team can add its own kinds of issue without code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Slot:
    name: str
    topic: str
    present: re.Pattern[str]
    asked: re.Pattern[str] | None
    question: str


@dataclass(frozen=True)
class IssueKind:
    kind: str
    label: str
    detect: re.Pattern[str]
    slots: tuple[Slot, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class SlotMatch:
    """A detected kind of issue and the matches that showed it."""

    issue: IssueKind
    hits: int
    first: re.Match[str]

    @property
    def score(self) -> float:
        return self.hits * self.issue.weight


class SlotTableError(ValueError):
    """The slot table file is malformed (says where)."""


@dataclass(frozen=True)
class SlotTable:
    issues: tuple[IssueKind, ...]

    @classmethod
    def from_yaml(cls, path: str | Path) -> SlotTable:
        text = Path(path).read_text(encoding="utf-8")
        return cls.from_data(yaml.safe_load(text), source=str(path))

    @classmethod
    def from_data(cls, data: Any, *, source: str = "slot table") -> SlotTable:
        if not isinstance(data, dict) or not isinstance(data.get("issues"), list):
            raise SlotTableError(f"{source}: expected a mapping with an 'issues' list")
        issues: list[IssueKind] = []
        for position, entry in enumerate(data["issues"], start=1):
            where = f"{source}: issue {position}"
            if not isinstance(entry, dict):
                raise SlotTableError(f"{where}: expected a mapping")
            slots = tuple(
                Slot(
                    name=_text(slot, "name", f"{where} slot"),
                    topic=str(slot.get("topic") or slot.get("name")),
                    present=_pattern(slot, "present", f"{where} slot {slot.get('name')}"),
                    asked=_pattern(slot, "asked", f"{where} slot {slot.get('name')}")
                    if slot.get("asked")
                    else None,
                    question=_text(slot, "question", f"{where} slot {slot.get('name')}"),
                )
                for slot in entry.get("slots") or []
                if isinstance(slot, dict)
            )
            issues.append(
                IssueKind(
                    kind=_text(entry, "kind", where),
                    label=str(entry.get("label") or entry["kind"]),
                    detect=_pattern(entry, "detect", where),
                    slots=slots,
                    weight=_weight(entry, where),
                )
            )
        return cls(tuple(issues))

    def detect(self, customer_text: str) -> list[SlotMatch]:
        """Kinds of issue the customer's words are about, most evidence first."""
        found: list[tuple[float, int, SlotMatch]] = []
        for order, issue in enumerate(self.issues):
            matches = list(issue.detect.finditer(customer_text))
            if matches:
                match = SlotMatch(issue, len(matches), matches[0])
                found.append((-match.score, order, match))
        return [match for _, _, match in sorted(found, key=lambda item: item[:2])]

    def missing(
        self, customer_text: str, agent_statements: str, agent_questions: str
    ) -> tuple[SlotMatch, Slot] | None:
        """The first slot of the best-matching kind of issue that is neither known nor already
        asked. Only the best kind: once its slots are known the issue is understood, and
        questions from a runner-up kind would be beside the point."""
        known = customer_text + "\n" + agent_statements
        for match in self.detect(customer_text)[:1]:
            for slot in match.issue.slots:
                if slot.present.search(known):
                    continue
                if slot.asked is not None and slot.asked.search(agent_questions):
                    continue
                return match, slot
        return None

    def asked_again(self, question_text: str, known_text: str) -> list[tuple[Slot, re.Match[str]]]:
        """Slots a question asks for although the conversation already holds them.

        One slot per stretch of the question: several kinds share a slot's wording ("order
        number"), and the first in the table names it.
        """
        out: list[tuple[Slot, re.Match[str]]] = []
        claimed: list[tuple[int, int]] = []
        for issue in self.issues:
            for slot in issue.slots:
                if slot.asked is None:
                    continue
                asked = slot.asked.search(question_text)
                if asked is None or any(
                    asked.start() < end and start < asked.end() for start, end in claimed
                ):
                    continue
                known = slot.present.search(known_text)
                if known is not None:
                    claimed.append((asked.start(), asked.end()))
                    out.append((slot, known))
        return out


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise SlotTableError(f"{where}: '{key}' must be non-empty text")
    return value


def _weight(entry: dict[str, Any], where: str) -> float:
    value = entry.get("weight", 1.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SlotTableError(f"{where}: 'weight' must be a positive number")
    return float(value)


def _pattern(entry: dict[str, Any], key: str, where: str) -> re.Pattern[str]:
    value = _text(entry, key, where)
    try:
        return re.compile(value, re.IGNORECASE)
    except re.error as error:
        raise SlotTableError(
            f"{where}: '{key}' is not a valid regular expression: {error}"
        ) from None


@lru_cache(maxsize=1)
def default_slot_table() -> SlotTable:
    text = resources.files("heard.assist").joinpath("slots.yaml").read_text(encoding="utf-8")
    return SlotTable.from_data(yaml.safe_load(text), source="heard/assist/slots.yaml")
