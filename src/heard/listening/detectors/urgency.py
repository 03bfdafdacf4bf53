"""Customer `urgency`: a deadline, an event or time pressure mentioned."""

from __future__ import annotations

import re
from typing import Any

from heard.conversation import Role
from heard.listening.detectors.base import sentence_at
from heard.listening.state import TurnView

URGENT = re.compile(
    r"\b(?:urgent(?:ly)?|asap|as soon as possible|immediately|right away|right now|emergency|"
    r"running out|run out|last (?:tablet|dose|day|chance)|deadline|(?:only )?(?:one|two|three|a few|\d+) "
    r"(?:tablets?|pills?|doses?|days?|hours?) left|before (?:my|the|our|his|her|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|next)|by "
    r"(?:tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|the end of)|"
    r"(?:need|needs|needed) (?:it|this|them) (?:by|for|before|today|tomorrow|tonight)|"
    r"(?:flight|wedding|party|funeral|interview|exam|event|trip|surgery|appointment|meeting|"
    r"birthday|holiday|move|court) (?:is |on |this |tomorrow|tonight|next|in \d)|"
    r"(?:this|next) (?:saturday|sunday|weekend|monday|tuesday|wednesday|thursday|friday)|"
    r"tomorrow|tonight|today)\b",
    re.IGNORECASE,
)


class UrgencyDetector:
    name = "urgency"

    def __call__(self, view: TurnView) -> dict[str, Any]:
        if view.turn.role is not Role.CUSTOMER:
            return {}
        match = URGENT.search(view.turn.text)
        if match is None:
            return {"urgency": False}
        return {"urgency": True, "urgency_quote": sentence_at(view, match.start()).text}


detect = UrgencyDetector()
