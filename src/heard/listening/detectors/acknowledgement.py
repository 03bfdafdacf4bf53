"""`acknowledgement`: verbal cues that the customer was heard ("I see", "got it", "tell me more")."""

from __future__ import annotations

import re

from heard.listening.detectors.base import CueDetector, cue
from heard.listening.state import TurnView

CUES = cue(
    r"\bI (?:see|understand|hear you|get (?:it|that|you)|hear what you(?:'re| are) saying)\b",
    r"\b(?:got it|gotcha|understood|noted|makes sense|that makes sense|fair enough|right,? okay)\b",
    r"\bthanks? (?:you )?for (?:explaining|letting me know|sharing|telling me|the details|"
    r"clarifying|confirming|that information|bearing with me|flagging|raising|reaching out)",
    # "go on" only as a prompt on its own ("Go on." / "Mm-hm, go on"), not "students who go on to…".
    r"\btell me more\b|\bgo on(?=\s*(?:[,.!?…]|$))|\bI'?m listening\b|\bmm+[- ]?h?mm+\b|\bmm+[- ]hm+\b|\bmhm+\b|\buh[- ]huh\b",
    r"^(?:ok(?:ay)?|right|sure|alright|ah|oh)[,.!]\s*(?:so|I see|thanks?|that)",
)
# "I see your order here" is literal seeing, not acknowledgement.
_LITERAL = re.compile(
    r"\s+(?:the|your|a|an|from|in|on|here|there|two|no|it on|that the|this on)\b", re.IGNORECASE
)


def _literal_see(view: TurnView, match: re.Match[str]) -> bool:
    if not match.group().lower().startswith("i see"):
        return False
    return bool(_LITERAL.match(view.turn.text, match.end()))


detect = CueDetector(
    name="acknowledgement",
    cues=CUES,
    describe="acknowledges what the customer said",
    veto=_literal_see,
)
