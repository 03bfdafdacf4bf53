"""Customer `concerns`: short phrases of what the customer raised, in their own words."""

from __future__ import annotations

import re
from typing import Any

from heard.conversation import Role
from heard.listening.detectors.interruption import PROTEST
from heard.listening.detectors.urgency import URGENT
from heard.listening.model import Concern
from heard.listening.state import TurnView
from heard.listening.text import words

_RAISES = re.compile(
    r"\b(?:not|n't|never|no longer|still|late|delay\w*|broken|broke|damaged|faulty|wrong|missing|lost|"
    r"charged|overcharged|twice|double|refund\w*|cancel\w*|return\w*|replace\w*|stopped|fail\w*|"
    r"error|problem|issue|trouble|can't|cannot|won't|unable|need|want|would like|how do i|how can i|"
    r"why|when will|where is|what happened|help|complain\w*|disappoint\w*|worried|urgent|deadline|"
    r"leak\w*|crash\w*|drop\w*|slow|locked|blocked|declined|expired|hasn't|haven't|didn't|doesn't|"
    r"isn't|wasn't|arrive\w*|deliver\w*|bill\w*|invoice|fee|dead|outage|"
    # Waiting and chasing ("I've been on hold for an hour", "nobody called me back") and plain
    # requests ("I'd like to update my address").
    r"on hold|been waiting|still waiting|waiting (?:for|on|since)|nobody|no one|no-one|terrible|awful|"
    r"rubbish|useless|unusable|unacceptable|where's|where are|been (?:\w+ )?(?:days|weeks|months)|"
    r"(?:second|third|fourth|fifth) time|I'd like)\b",
    re.IGNORECASE,
)
_SMALL_TALK = re.compile(
    r"^\s*(?:hi|hello|hey|good (?:morning|afternoon|evening)|thanks?|thank you|ok(?:ay)?|yes|no|yeah|"
    r"sure|great|cheers|bye|goodbye)\b[\s,.!]*$",
    re.IGNORECASE,
)
_LEADING_FILLER = re.compile(
    r"^\s*(?:(?:hi|hello|hey|so|well|um+|uh+|basically|just|yeah|ok(?:ay)?|and|but|also|ps|look)"
    r"[\s,.!:-]+)+",
    re.IGNORECASE,
)
MAX_WORDS = 12
MAX_CONCERNS_PER_TURN = 3


def short_phrase(text: str) -> str:
    """The concern as a short phrase: filler removed, cut at a clause boundary."""
    phrase = _LEADING_FILLER.sub("", text).strip().rstrip(".!?")
    if len(words(phrase)) <= MAX_WORDS:
        return phrase
    for separator in (", and ", ", but ", " but ", " because ", ", so ", "; ", " - ", ", "):
        head = phrase.split(separator, 1)[0]
        if 3 <= len(words(head)) <= MAX_WORDS:
            return head
    return " ".join(phrase.split()[:MAX_WORDS]) + "…"


class ConcernDetector:
    name = "concerns"

    def __call__(self, view: TurnView) -> dict[str, Any]:
        if view.turn.role is not Role.CUSTOMER:
            return {}
        concerns: list[Concern] = []
        for sentence in view.features.sentences:
            if _SMALL_TALK.match(sentence.text) or PROTEST.search(sentence.text):
                continue
            if not (_RAISES.search(sentence.text) or URGENT.search(sentence.text)):
                continue
            if len(words(sentence.text)) < 3:
                continue
            concerns.append(
                Concern(
                    id=f"{view.turn.id}.c{len(concerns) + 1}",
                    turn_id=view.turn.id,
                    text=short_phrase(sentence.text),
                    quote=sentence.text,
                    start=sentence.start,
                    end=sentence.end,
                )
            )
            if len(concerns) >= MAX_CONCERNS_PER_TURN:
                break
        return {"concerns": concerns}


detect = ConcernDetector()
