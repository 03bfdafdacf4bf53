"""`assumption`: presumes intent or facts without checking ("you must have deleted it")."""

from __future__ import annotations

from heard.listening.detectors.base import ANNOUNCES_A_CHECK, CueDetector, cue

_DEED = (
    r"(?:have |'ve )?(?:done|entered|typed|deleted|forgotten|forgot|used|made|clicked|broken|broke|"
    r"dropped|missed|ignored|installed|cancelled|canceled|changed|put|given|ordered|selected|set|"
    r"misread|misunderstood|overfilled|skipped|not (?:read|followed|checked)|didn'?t|did not|"
    r"haven'?t|wrong)"
)
CUES = cue(
    rf"\byou (?:must|probably|likely|obviously|clearly|surely|definitely) {_DEED}",
    r"\byou (?:must|probably|likely) (?:have )?(?:been|be) (?:using|doing|entering|trying)",
    r"\bI(?:'m sure| bet| assume| guess| suppose) (?:that )?you (?:didn'?t|did|haven'?t|have|forgot|must|"
    r"probably|just|never)\b",
    r"\b(?:it|that|this)(?:'s| is| was) (?:probably|obviously|clearly|definitely|likely) (?:your|user|a "
    r"user|customer) (?:error|fault|mistake)",
    r"\b(?:did|do) you even\b|\bpresumably you\b|\bsurely you\b",
    r"\bit must be (?:your|on your) (?:end|side|device|router|phone|computer|fault)\b",
    r"\bthe problem is (?:on )?your (?:end|side)\b",
)

detect = CueDetector(
    name="assumption",
    cues=CUES,
    describe="assumes without checking",
    model_margin=0.2,
    model_exclude=ANNOUNCES_A_CHECK,
)
