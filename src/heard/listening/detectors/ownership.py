"""`ownership`: takes personal responsibility for the resolution ("I'll take care of this myself")."""

from __future__ import annotations

from heard.listening.detectors.base import CueDetector, cue

CUES = cue(
    r"\bI(?:'ll| will| am going to|'m going to) (?:personally |myself )?(?:take care of|handle|look after|"
    r"sort (?:this|it|that)|make sure|own|deal with|get (?:this|it|that) (?:sorted|fixed|resolved|done)|"
    r"stay on|keep an eye on|see (?:this|it) through|chase|take responsibility|take ownership)",
    r"\bleave (?:it|this|that) with me\b|\bI(?:'ve| have) got (?:this|you)\b(?! (?:right|correct|straight|wrong)\b)",
    # "I'll speak to the hotel manager myself", "I'll chase finance personally".
    r"\bI(?:'ll| will| am going to|'m going to) [^.!?]{0,60}?\b(?:myself|personally)\b",
    r"\bI(?:'m| am) (?:taking (?:this|it|that) (?:on|over)|on (?:it|the case)\b|(?:your|the) (?:single |main )?"
    r"point of contact|making this (?:my|a) priority)",
    r"\b(?:that's|that was|it's|it was|this is) (?:completely |entirely |totally )?(?:my|our) (?:mistake|fault|error)\b",
    r"\bI(?:'ve| have) (?:personally |just |now |already )?(?:escalated|raised|logged|processed|refunded|"
    r"arranged|booked|sent|fixed|updated|cancelled|canceled|issued|credited|contacted|spoken to|"
    r"flagged|reinstated|reordered|rebooked|reset|applied|waived|corrected|unblocked|unfrozen)\b",
    r"\bI(?:'ll| will) be your (?:point of contact|contact|case owner)\b",
    r"\b(?:I take|I'm taking|my) (?:full |personal )?(?:responsibility|ownership)\b",
    r"\bI(?:'ll| will) (?:personally )?(?:make it right|fix (?:this|it|that))\b",
    r"\blet me (?:take care of|handle|sort|fix|look into|check on|chase) (?:this|it|that)\b",
)

# Ownership is a personal commitment ("I'll…", "leave it with me"): the wording decides.
detect = CueDetector(
    name="ownership", cues=CUES, describe="takes personal responsibility", use_model=False
)
