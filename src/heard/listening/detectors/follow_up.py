"""`follow_up`: commits to follow up, or checks that the fix worked ("Did that solve it?")."""

from __future__ import annotations

from heard.listening.detectors.base import CueDetector, cue

# Something the agent just did or suggested, whose effect the question checks.
_FIXED = (
    r"(?:that|this|it|everything|the (?:\w+ )?(?:fix|change|reset|refund|link|code|steps?|workaround|"
    r"replacement|update|restart|reboot|settings?))"
)
# Checks that a fix worked: "Did the reset link work?", "Is the light green now?" (a closed
# question about how things are *now*). The questions detector does not count these as clarifying.
FIX_CHECK = cue(
    rf"\b(?:did|does|has|have|is|was) {_FIXED} (?:help|helped|work|worked|solve|solved|fix|fixed|resolve|"
    r"resolved|sort|sorted|answer|answered|working|clear up)",
    # (not "right now", not "still", not "do you think…": those ask about the situation).
    r"(?:^|(?<=[.!?,]\s))(?:is|are|does|do|has|have|did|can you see|are you able to)\b(?! you think| you having)"
    r"(?:(?!\bstill\b)[^.!?]){0,60}?(?<!right )\b(?:now(?: too| as well)?|this time)\s*\?",
)
CUES = cue(
    r"\b(?:I|we)(?:'ll| will| am going to|'m going to| are going to| shall) (?:also |personally |then )?(?:call|ring|phone|email|"
    r"e-mail|message|text|contact|check (?:in|back|on|again)|follow up|get back|reach out|update|let you know|"
    r"keep you (?:posted|updated|informed)|be in touch|send you (?:an? )?(?:update|confirmation|email|message)|"
    r"confirm|circle back|touch base|give you a (?:quick )?(?:call|ring|bell)|drop you an? (?:line|message|"
    r"email|note|text))",
    # "…chase the depot myself and ring you back by four": the promise to come back, whoever the
    # sentence started with.
    r"\b(?:call|ring|phone|email|e-mail|message|text) you (?:back|by|on|at|tomorrow|today|tonight|this|first "
    r"thing|within|before|as soon as|once|when|in (?:a|an|the|\d))",
    r"\byou(?:'ll| will) hear (?:back )?from (?:me|us)\b",
    FIX_CHECK.pattern,
    r"\b(?:is|was|are) (?:that|this|everything|it|things) (?:sorted|resolved|working|fixed|okay now|ok now|"
    r"better now)\b",
    r"\blet me know (?:if|whether|how) (?:that|this|it|the)\b",
    r"\bfollow[- ]up\b|\bcheck(?:ing)? in (?:with you|on you|again)\b",
    r"\b(?:does|did) (?:that|this) answer (?:your|everything)\b",
)

# Follow-up is a commitment: it must be said, so the wording decides (the model, trained on
# closings like "anything else?", confuses offers of more help with following up).
detect = CueDetector(
    name="follow_up", cues=CUES, describe="commits to follow up or checks the fix", use_model=False
)
