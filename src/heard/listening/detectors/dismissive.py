"""`dismissive`: dismisses or blames ("calm down", "as I already told you", "not our problem")."""

from __future__ import annotations

import re

from heard.listening.detectors.base import ANNOUNCES_A_CHECK, CueDetector, cue
from heard.listening.state import TurnView

CUES = cue(
    # "relax" told to the customer, not "let me relax the limit on your account".
    r"\bcalm down\b|\brelax\b(?! (?:the|your|our|a|an|this|that|these|those|my|some|any)\b)|\bchill\b",
    r"\b(?:as|like) I (?:already |just |previously |have )?(?:said|told you|mentioned|explained|stated)",
    r"\b(?:that'?s|that is|it'?s|it is|this is) (?:not|none of) (?:our|my) (?:problem|fault|"
    r"responsibility|concern|department|business|issue)",
    r"\bthere(?:'s| is) nothing (?:I|we) can do\b|\bI can(?:'t|not) help (?:you )?(?:with that|there)\b",
    r"\byou should(?:'ve| have) (?:read|checked|known|called|thought)\b",
    r"\b(?:read|check|see) the (?:manual|terms|faq|instructions|policy|small print)\b",
    # "Deal with it." / "you'll just have to deal with it", not "I'm going to deal with it personally".
    r"\bnot my (?:job|problem|fault|department)\b|\byou people\b|"
    r"(?:^|(?<=[.!?,;] )|(?<=just )|(?<=have to )|(?<=need to )|(?<=got to ))deal with it\b",
    r"\byou(?:'re| are) (?:overreacting|being (?:unreasonable|dramatic|ridiculous|difficult|rude))",
    r"\bwhat (?:do|did) you (?:want|expect) (?:me|us) to do\b",
    r"\bthat'?s (?:just )?(?:the|our) (?:policy|rules?)(?:\.|,|$| and)",
    # "Whatever." on its own, not "whatever happens" or "talk about whatever you like".
    r"\b(?:obviously|clearly) (?:you|that'?s)\b|\bwhatever(?=\s*(?:[.!,;]|$))|\bif you had (?:read|listened)\b",
    r"\bnothing (?:more )?(?:I|we) can do\b|\btake it or leave it\b|\bit is what it is\b",
    # "You'll have to wait until Monday" informs; "you'll just have to wait" shrugs.
    r"\byou(?:'ll| will)? (?:just|simply) (?:have|need|got) to (?:wait|accept it|live with|put up with|be "
    r"patient)\b|\b(?:it|they|refunds?|deliveries) take(?:s)? as long as (?:it|they) take(?:s)?\b",
    r"\bI(?:'ve| have) already (?:told|explained|said)\b|\bfor the (?:last|third|second) time\b|"
    r"\bI(?:'ve| have) (?:told you|explained|said) (?:this|that|it) (?:already|before|twice)\b",
    # Sarcasm: "Great, another customer who…", "because we have nothing better to do".
    r"\b(?:great|wonderful|fantastic|brilliant|perfect|lovely|marvellous|oh joy),? (?:just )?another "
    r"(?:one|customer|caller|complaint|person)\b|\bnothing better to do\b",
    r"\bcan(?:'t|not) (?:even )?(?:follow|read|understand|manage) (?:simple|basic|the simplest|a simple)\b",
    r"\bthat(?:'s| is) not something we control\b|\bthat'?s not how (?:it|this) works\b",
)

# "Please read the instructions in the email I sent" points to where the answer is; "can't read
# the manual" is the dismissal.
_POINTER = re.compile(
    r"\s+(?:in|on|at|attached|below|above|here|linked|for (?:details|more)|I(?:'ve)? (?:sent|attached|"
    r"linked)|we(?:'ve)? sent)\b",
    re.IGNORECASE,
)
_READ_THE = re.compile(r"(?:read|check|see) the ", re.IGNORECASE)


def _points_to_instructions(view: TurnView, match: re.Match[str]) -> bool:
    return bool(_READ_THE.match(match.group())) and bool(
        _POINTER.match(view.turn.text, match.end())
    )


detect = CueDetector(
    name="dismissive",
    cues=CUES,
    describe="dismisses or blames the customer",
    model_margin=0.2,
    veto=_points_to_instructions,
    model_exclude=ANNOUNCES_A_CHECK,
)
