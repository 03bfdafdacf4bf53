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
    r"scheduled|within|by)\b",
    re.IGNORECASE,
)
# Times the customer gave, echoed back, are not the agent's commitment.
_PAST = re.compile(r"\b(?:since|ago|last|was due|were due|yesterday|earlier)\b", re.IGNORECASE)


class TimelineDetector:
    name = "timeline"

    def __call__(self, view: TurnView) -> Hit | None:
        if view.turn.role is not Role.AGENT:
            return None
        for match in time_expressions(view.turn.text):
            sentence = sentence_at(view, match.start())
            if not _ACTION.search(sentence.text) or _PAST.search(sentence.text):
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
