"""`solution`: gives information or suggests concrete steps (or says what was done)."""

from __future__ import annotations

import re

from heard.conversation import Role
from heard.listening.detectors.base import cue, model_says, probability, sentence_at, sentence_hit
from heard.listening.model import Hit
from heard.listening.state import TurnView

_DONE = (
    r"refunded|replaced|fixed|reset|sent|booked|credited|cancell?ed|updated|processed|arranged|issued|"
    r"resolved|reinstated|applied|changed|moved|rebooked|reordered|unlocked|restored|waived|added|removed|"
    r"extended|upgraded|scheduled|dispatched|reshipped|reactivated|corrected|submitted|released|approved|"
    r"unblocked|unfrozen|reconnected|reopened"
)
_OFFER = r"send|refund|replace|credit|arrange|book|issue|waive|reimburse|cover|ship|reship|rebook|reset|fix|cancel|upgrade|extend|schedule|dispatch"
CUES = cue(
    rf"\b(?:I|we)(?:'ve| have) (?:just |now |already )?(?:{_DONE})\b",
    rf"\b(?:I|we)(?:'ll| will| can| could| are going to|'re going to) (?:also )?(?:{_OFFER})\b",
    r"^\s*(?:please |first,? |then,? |next,? |finally,? )?(?:go to|click|tap|open|select|enter|press|restart|"
    r"reset|log (?:in|out)|sign (?:in|out)|navigate|choose|update|install|uninstall|unplug|plug|turn|switch|"
    r"hold (?:down|both|the (?!line\b)|it (?:down|in)|your)|clear|check|make sure|try|use|visit|call|reply|attach|fill|download|scroll)\b",
    r"\bstep (?:\d|one|two|three)\b|^\s*\d[.)]\s|\bhere(?:'s| is) (?:how|what)\b",
    r"\byou (?:can|could|should|need to|might want to|may want to|will need to) (?:try|go|click|open|"
    r"use|call|contact|visit|ask|request|apply|update|change|check|log|sign|reset|restart|return|send|"
    r"find|see|download|speak (?:to|with)|talk (?:to|with)|book|cancel)\b",
    r"\b(?:could|can) you (?:please )?(?:try|restart|reset|clear|unplug|reinstall|update|log (?:in|out)|"
    r"sign (?:in|out))\b",
    r"\bwould you like (?:me to|us to|a|an|to(?! (?:talk|share|tell|chat|discuss|say|explain|go over|open up)))\b|\b(?:shall|should) I (?:send|refund|replace|book|arrange|"
    r"cancel|process|go ahead)\b|\bcan I (?:offer|send|arrange|book)\b",
    r"\b(?:the|a) (?:fix|solution|workaround|reason|cause|problem|issue) (?:is|was)\b",
    r"\bhave you (?:tried|considered|thought (?:about|of))\b|\b(?:I|we)(?:'d| would)? (?:suggest|recommend|advise)\b|"
    r"\b(?:maybe|perhaps) (?:try|you could)\b|\bit (?:might|may|could) help to\b",
    r"\b(?:your|the) (?:plan|policy|warranty|account|subscription|order|refund|tracking) (?:includes|covers|"
    r"shows|allows|lets|is due|will)\b",
)
# A list marker is followed by a space (no word boundary after "1." or "-"), so it is looked ahead for.
_STEP = re.compile(
    r"^\s*(?:\d[.)](?=\s)|[-•*](?=\s)|(?:first|then|next|after that|finally|once)\b)",
    re.IGNORECASE | re.MULTILINE,
)


class SolutionDetector:
    name = "solution"

    def __call__(self, view: TurnView) -> Hit | None:
        if view.turn.role is not Role.AGENT:
            return None
        p = probability(view, self.name)
        steps = len(_STEP.findall(view.turn.text))
        match = CUES.search(view.turn.text)
        if match is not None:
            sentence = sentence_at(view, match.start())
            if not any(ch.isalpha() for ch in sentence.text):
                # A numbered list splits "1." off as a sentence of its own: quote the step itself.
                sentence = next(
                    (s for s in view.features.sentences if s.start >= sentence.end), sentence
                )
            hit = sentence_hit(
                view, self.name, sentence, max(p, 0.75), "gives a concrete step or remedy"
            )
        elif (said := model_says(view, self.name)) is not None and view.features.sentences:
            p = said
            sentence = view.features.sentences[view.best_sentence(self.name)]
            hit = sentence_hit(
                view,
                self.name,
                sentence,
                p,
                f"gives information or a way forward (model, p={p:.2f})",
            )
        else:
            return None
        return hit.model_copy(update={"detail": {"steps": steps}})


detect = SolutionDetector()
