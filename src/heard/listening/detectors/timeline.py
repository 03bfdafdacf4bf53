"""`timeline`: commits to when — a time expression tied to an action ("within 24 hours")."""

from __future__ import annotations

import re

from heard.conversation import Role
from heard.listening.detectors.base import sentence_at, sentence_hit
from heard.listening.features import time_expressions
from heard.listening.model import Hit
from heard.listening.state import TurnView

_ACTION = re.compile(
    r"\b(?:will|'ll|should|shall|going to|expect|arrive|arrives|reach|deliver|delivered|sent|send|"
    r"ship|shipped|refund|refunded|process|processed|credit|back|see it|receive|call|email|text|"
    r"message|hear|update|fix|fixed|resolve|resolved|ready|done|complete|available|visit|book|booked|"
    r"scheduled|within|by|sending|calling|emailing|shipping|posting|dispatching|"
    r"takes? (?:about|around|up to|between|roughly|approximately|\d))\b",
    re.IGNORECASE,
)
# Times the customer gave, echoed back, are not the agent's commitment.
_PAST = re.compile(r"\b(?:since|ago|last|was due|were due|yesterday|earlier)\b", re.IGNORECASE)
# Nor is what already happened ("it was shipped on Tuesday", "it should have arrived by Monday"):
# judged on the clause that holds the time, so "It left the depot on Tuesday and should reach you
# on Thursday" still commits to Thursday.
_DONE = re.compile(
    r"\b(?:(?:should|would|could|must)(?: have|'ve) (?:\w+ed|been|gone|come|sent|got)|(?:was|were) (?:\w+ed|"
    r"sent|meant|paid|taken|given|made)|"
    r"arrived|left|came|happened|started|ordered|placed)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[,;:]|\b(?:and|but|so|then|because)\b", re.IGNORECASE)
# Common commitments the shared time expressions miss ("within the hour", "end of the day").
_EXTRA_TIME = re.compile(
    r"\b(?:within|in) the (?:hour|next (?:hour|few (?:minutes|hours|days)))\b|"
    r"\b(?:by |before )?(?:the )?end of (?:the )?(?:day|week|month)\b|"
    r"\bfirst thing (?:tomorrow|in the morning|on \w+day)\b|\blater today\b|\bclose of business\b",
    re.IGNORECASE,
)


def _clause_so_far(text: str, start: int, end: int) -> str:
    """The clause of ``text`` (a sentence) that holds ``start:end``, up to ``end``."""
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    return text[left:end]


class TimelineDetector:
    name = "timeline"

    def __call__(self, view: TurnView) -> Hit | None:
        if view.turn.role is not Role.AGENT:
            return None
        text = view.turn.text
        matches = sorted(
            [*time_expressions(text), *_EXTRA_TIME.finditer(text)], key=lambda m: m.start()
        )
        for match in matches:
            sentence = sentence_at(view, match.start())
            clause = _clause_so_far(
                sentence.text, match.start() - sentence.start, match.end() - sentence.start
            )
            if not _ACTION.search(sentence.text) or _PAST.search(sentence.text):
                continue
            if _DONE.search(clause):
                continue
            return sentence_hit(
                view,
                self.name,
                sentence,
                0.85,
                f"commits to when: “{match.group().strip()}”",
                {"when": match.group().strip()},
            )
        return None


detect = TimelineDetector()
