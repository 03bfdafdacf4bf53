"""`follow_up`: commits to follow up, or checks that the fix worked ("Did that solve it?")."""

from __future__ import annotations

from heard.listening.detectors.base import CueDetector, cue

CUES = cue(
    r"\b(?:I|we)(?:'ll| will| am going to|'m going to| are going to| shall) (?:also )?(?:call|ring|phone|email|"
    r"e-mail|message|text|contact|check (?:in|back|on|again)|follow up|get back|reach out|update|let you know|"
    r"keep you (?:posted|updated|informed)|be in touch|send you (?:an? )?(?:update|confirmation|email|message)|"
    r"confirm|circle back|touch base)",
    r"\b(?:did|does|has|have|is|was) (?:that|this|it|everything|the (?:fix|change|reset|refund)) (?:help|helped|"
    r"work|worked|solve|solved|fix|fixed|resolve|resolved|sort|sorted|answer|answered|working|clear up)",
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
