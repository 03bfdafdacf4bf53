"""Customer `repeated_concern`: they had to say it again, so they were not heard.

A customer turn repeats a concern when, after an agent has replied, it says the same thing as
an earlier customer turn (close in meaning, or sharing most of its key words), or says outright
that it is repeating ("as I said", "I already told you").
"""

from __future__ import annotations

import re
from typing import Any

from heard.conversation import Role
from heard.listening.features import content_words
from heard.listening.model import Concern
from heard.listening.state import TurnView
from heard.listening.text import words

EXPLICIT = re.compile(
    r"\b(?:as I (?:said|told you|mentioned|explained)|I (?:already|just) (?:told|said|gave|explained|"
    r"mentioned|sent)|like I said|I(?:'ve| have) (?:already )?(?:explained|said|told you) (?:this|that|"
    r"it)|for the (?:second|third|fourth|\d+(?:st|nd|rd|th)) time|(?:again|once more)[,.!]? (?:my|the|I)|"
    r"I keep (?:saying|telling|asking)|how many times|again\?|told you (?:already|twice|before)|"
    r"explained this (?:twice|already|before))\b",
    re.IGNORECASE,
)
SIMILARITY = 0.8
KEYWORD_SHARE = 0.6


class RepetitionDetector:
    name = "repeated_concern"

    def __call__(self, view: TurnView) -> dict[str, Any]:
        if view.turn.role is not Role.CUSTOMER:
            return {}
        explicit = EXPLICIT.search(view.turn.text) is not None
        earlier = self._earlier_customer_turns_answered(view)
        concerns: list[Concern] = list(view.annotation.concerns)
        repeated = explicit and bool(earlier)
        updated: list[Concern] = []
        for concern in concerns:
            position = next(
                (i for i, s in enumerate(view.features.sentences) if s.start == concern.start), None
            )
            repeat_of = None
            if position is not None:
                repeat_of = self._match(view, position, earlier)
            if repeat_of is not None:
                repeated = True
                concern = concern.model_copy(update={"repeat_of": repeat_of})
            updated.append(concern)
        result: dict[str, Any] = {"repeated_concern": repeated}
        if updated:
            result["concerns"] = updated
        return result

    @staticmethod
    def _earlier_customer_turns_answered(view: TurnView) -> list[int]:
        """Earlier customer turns with an agent turn after them (so the agent had a chance)."""
        seen_agent = False
        found: list[int] = []
        for index in view.earlier():
            role = view.state.turns[index].role
            if role is Role.AGENT:
                seen_agent = True
            elif role is Role.CUSTOMER and seen_agent:
                found.append(index)
        return found

    @staticmethod
    def _match(view: TurnView, position: int, earlier: list[int]) -> str | None:
        vector = view.features.sentence_vectors[position]
        # Word tokens, not str.split(): "fee?" and "fee" are the same key word.
        mine = content_words(words(view.features.sentences[position].text))
        for index in earlier:
            for concern in view.state.annotations[index].concerns:
                features = view.state.features[index]
                other = next(
                    (j for j, s in enumerate(features.sentences) if s.start == concern.start), None
                )
                if other is None:
                    continue
                similarity = float(features.sentence_vectors[other] @ vector)
                theirs = content_words(words(concern.quote))
                share = len(mine & theirs) / max(min(len(mine), len(theirs)), 1)
                if similarity >= SIMILARITY or (share >= KEYWORD_SHARE and len(mine & theirs) >= 2):
                    return concern.id
        return None


detect = RepetitionDetector()
