"""Facts a customer gave, found in their words for the human who takes over: order and tracking
numbers, dates, amounts. Each keeps its quote and turn, so nothing is paraphrased."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel

from heard.conversation import Role, Turn

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "order_number",
        re.compile(
            r"(?:\border\s*(?:number|no\.?|#|id|ref(?:erence)?)?\s*(?:is\s*)?:?\s*#?\s*"
            r"(?P<a>[A-Z]{0,4}-?\d{4,}))|#\s?(?P<b>[A-Z]{0,4}-?\d{3,})",
            re.IGNORECASE,
        ),
    ),
    (
        "tracking_number",
        re.compile(
            r"\btracking\s*(?:number|no\.?|#|id|code)?\s*(?:is\s*)?:?\s*(?P<a>[A-Z0-9]{8,})\b",
            re.IGNORECASE,
        ),
    ),
    (
        "date",
        re.compile(
            rf"\b(?P<a>\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?|"
            rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\b(?:\s+\d{{4}})?|"
            rf"{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?|"
            rf"(?:last|next|this|on)\s+{_DAY}|{_DAY}|the\s+\d{{1,2}}(?:st|nd|rd|th)|"
            rf"yesterday|today|tomorrow|last\s+(?:week|month)|\d+\s+(?:days?|weeks?|months?)\s+ago)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "amount",
        re.compile(
            r"(?P<a>[£$€]\s?\d[\d,]*(?:\.\d{2})?|\b\d[\d,]*(?:\.\d{2})?\s?"
            r"(?:pounds|dollars|euros|gbp|usd|eur)\b)",
            re.IGNORECASE,
        ),
    ),
)


class Fact(BaseModel):
    kind: str
    value: str
    quote: str
    turn_id: str


def find_facts(turns: Iterable[Turn]) -> list[Fact]:
    """Every fact in the customer's turns, in order, each (kind, value) once."""
    found: list[Fact] = []
    seen: set[tuple[str, str]] = set()
    for turn in turns:
        if turn.role is not Role.CUSTOMER:
            continue
        for kind, pattern in PATTERNS:
            for match in pattern.finditer(turn.text):
                value = next((g for g in match.groups() if g), match.group()).strip()
                key = (kind, value.lower())
                if key in seen:
                    continue
                seen.add(key)
                found.append(
                    Fact(
                        kind=kind,
                        value=value,
                        quote=_sentence(turn.text, match.start()),
                        turn_id=turn.id,
                    )
                )
    return found


def _sentence(text: str, position: int) -> str:
    from heard.listening.text import split_sentences

    for sentence in split_sentences(text):
        if sentence.start <= position < sentence.end:
            return sentence.text
    return text.strip()
