"""`dismissive`: dismisses or blames ("calm down", "as I already told you", "not our problem")."""

from __future__ import annotations

from heard.listening.detectors.base import CueDetector, cue

CUES = cue(
    r"\bcalm down\b|\brelax\b|\bchill\b",
    r"\b(?:as|like) I (?:already |just |previously |have )?(?:said|told you|mentioned|explained|stated)",
    r"\b(?:that'?s|that is|it'?s|it is|this is) (?:not|none of) (?:our|my) (?:problem|fault|"
    r"responsibility|concern|department|business|issue)",
    r"\bthere(?:'s| is) nothing (?:I|we) can do\b|\bI can(?:'t|not) help (?:you )?(?:with that|there)\b",
    r"\byou should(?:'ve| have) (?:read|checked|known|called|thought)\b",
    r"\b(?:read|check|see) the (?:manual|terms|faq|instructions|policy|small print)\b",
    r"\bnot my (?:job|problem|fault|department)\b|\byou people\b|\bdeal with it\b",
    r"\byou(?:'re| are) (?:overreacting|being (?:unreasonable|dramatic|ridiculous|difficult|rude))",
    r"\bwhat (?:do|did) you (?:want|expect) (?:me|us) to do\b",
    r"\bthat'?s (?:just )?(?:the|our) (?:policy|rules?)(?:\.|,|$| and)",
    r"\b(?:obviously|clearly) (?:you|that'?s)\b|\bwhatever\b|\bif you had (?:read|listened)\b",
    r"\bnothing (?:more )?(?:I|we) can do\b|\btake it or leave it\b|\bit is what it is\b",
    r"\bI(?:'ve| have) already (?:told|explained|said)\b|\bfor the (?:last|third|second) time\b",
    r"\bthat(?:'s| is) not something we control\b|\bthat'?s not how (?:it|this) works\b",
)

detect = CueDetector(
    name="dismissive", cues=CUES, describe="dismisses or blames the customer", model_margin=0.2
)
