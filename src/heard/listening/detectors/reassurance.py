"""`reassurance`: affirms and reassures ("You did the right thing contacting us")."""

from __future__ import annotations

from heard.listening.detectors.base import CueDetector, cue
from heard.listening.detectors.dismissive import CUES as DISMISSIVE

CUES = cue(
    r"\b(?:don'?t|do not|no need to|try not to) (?:worry|panic|be alarmed|stress)",
    r"\byou did (?:the right thing|nothing wrong|everything right)\b",
    r"\b(?:it'?s|it is|this is|that'?s|that is) (?:not|in no way) your fault\b",
    r"\byou(?:'re| are) (?:in good hands|not alone|not the (?:first|only)|doing (?:great|well|the right "
    r"thing|your best|so well)|right to)\b",
    # "It'll be fine", not "it'll be back on your card" (the outcome word is required after "be").
    r"\b(?:it|this|everything|things)(?:'ll| will| is going to| are going to) (?:be (?:absolutely |completely |"
    r"perfectly |totally )?(?:fine|okay|ok|alright|all right|sorted|better|safe)\b|work out|get better)",
    r"\brest assured\b|\bnothing to worry about\b|\bthe good news is\b",
    r"\byour (?:money|data|account|funds|savings|details|card|information|booking|order) "
    r"(?:is|are|will be|remains?) (?:safe|secure|protected|fine|not affected)",
    r"\b(?:this|it) (?:is|can be|'s) (?:fixable|easily fixed|easy to fix|sorted quickly|common)\b",
    # "Good idea!" affirms; "it might be a good idea to see your doctor" suggests.
    r"\b(?:good|great) (?:question|call|thinking|idea|step|move)\b(?! (?:to|for you|if|would be)\b)",
    r"\byou(?:'ll| will) (?:be (?:okay|ok|fine|alright)|get through (?:this|it))\b",
    r"\bI(?:'m| am) (?:proud|glad|happy) (?:of you|you|that you)\b",
    r"\bthat(?:'s| is) (?:a )?(?:great|good|brave|positive|healthy) (?:idea|step|attitude|first step|sign|thing)",
)

# "It is what it is." scores like comfort to the model; it is a shrug (dismissive).
detect = CueDetector(
    name="reassurance", cues=CUES, describe="reassures the customer", model_exclude=DISMISSIVE
)
