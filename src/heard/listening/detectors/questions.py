"""`clarifying_question`: asks to understand the customer's situation or feelings.

Not every question is clarifying: greetings ("how are you?"), offers ("would you like a
refund?"), suggestions ("have you tried restarting it?"), checks that a fix worked ("did that
help?"), closings ("anything else?") and rhetorical jabs are something else. Open questions
(what/how/why/tell me) invite the customer's own account; closed ones confirm a fact.
"""

from __future__ import annotations

import re

from heard.conversation import Role
from heard.listening.detectors.base import cue, sentence_hit
from heard.listening.detectors.paraphrase import LEADS as PARAPHRASE_LEADS
from heard.listening.model import Hit
from heard.listening.state import TurnView
from heard.listening.text import Sentence, words

NOT_CLARIFYING = cue(
    r"\bhow (?:are|r) (?:you|u|things)\b|\bhow(?:'s| is) (?:your|it going|everything|life)\b|"
    r"\bhow (?:have you been|was your (?:day|weekend))\b",
    r"\bhow (?:can|may|could|might) (?:I|we) (?:help|assist)\b|\bwhat can (?:I|we) do for you\b",
    r"\b(?:is there )?anything else\b|\bcan I help (?:you )?with anything\b",
    r"\b(?:would|do) you (?:like|want) (?:me|us) to\b|\bwould you (?:like|prefer) (?:a|an|the|to)\b|"
    r"\b(?:shall|should) (?:I|we)\b|\bcan I (?:offer|send|arrange|book|get you|put you)\b|"
    r"\bmay I (?:offer|send|place|put)\b|\bdo you want (?:a|an|the|me)\b",
    r"\bhave you (?:tried|considered|thought (?:about|of)|looked (?:into|at))\b|\bwhy (?:don'?t|not) you\b|"
    r"\bwhy not\b|\bcould you (?:try|restart|reset|clear)\b|\bhow about\b|\bwhat about (?:trying|calling)\b",
    r"\b(?:did|does|has|have|is) (?:that|this|it|everything) (?:help|work|solve|fix|resolve|sort|answer|"
    r"make sense|working|sorted|resolved|clear)",
    r"\bwhat do you (?:want|expect) (?:me|us)\b|\bdo you (?:even|not) (?:read|understand)\b",
    r"\bcan you (?:hold|wait|bear with)\b|\bwould you mind (?:holding|waiting)\b",
)
OPEN_START = re.compile(
    r"^\s*(?:(?:and|so|okay|ok|right|also|but),?\s+)?(?:what|how|why|when|where|which|who|whose|tell me|"
    r"could you (?:describe|explain|tell|walk)|can you (?:describe|explain|tell|walk)|"
    r"would you (?:describe|explain|tell)|talk me through|walk me through)\b",
    re.IGNORECASE,
)
CHECK = cue(
    r"\b(?:is|was) (?:that|this) (?:right|correct|accurate)\b|\bdid I get (?:that|this|it) right\b|"
    r"\bhave I (?:got|understood) (?:that|this|it|everything)\b|\bright\?\s*$"
)
_QUESTION_START = re.compile(
    r"^\s*(?:(?:and|so|okay|ok|also|but),?\s+)?(?:do|does|did|is|are|was|were|have|has|can|could|will|"
    r"would|what|how|why|when|where|which|who)\b",
    re.IGNORECASE,
)


def is_question(sentence: Sentence) -> bool:
    text = sentence.text.strip()
    return text.endswith("?") or (
        bool(_QUESTION_START.match(text)) and len(words(text)) <= 14 and not text.endswith(".")
    )


# "What's your account number?" starts like an open question but asks for one fact.
_ASKS_FOR_A_FACT = re.compile(
    r"^\s*(?:and |so |okay,? |ok,? )?(?:what(?:'s| is| was)|which) (?:your|the) (?:\w+ )?(?:number|name|"
    r"e-?mail|address|postcode|zip|date|reference|id|account|phone|model|serial|code|username|"
    r"order|booking|ticket)\b",
    re.IGNORECASE,
)


def question_kind(text: str) -> str:
    if _ASKS_FOR_A_FACT.search(text):
        return "closed"
    return "open" if OPEN_START.search(text) else "closed"


class ClarifyingQuestionDetector:
    name = "clarifying_question"

    def __call__(self, view: TurnView) -> Hit | None:
        if view.turn.role is not Role.AGENT:
            return None
        paraphrasing = any(
            PARAPHRASE_LEADS.search(s.text) for s in view.features.sentences if not is_question(s)
        ) or view.annotation.has("paraphrase")
        found: list[tuple[Sentence, str]] = []
        for sentence in view.features.sentences:
            if not is_question(sentence):
                continue
            if NOT_CLARIFYING.search(sentence.text):
                continue
            if CHECK.search(sentence.text) and paraphrasing:
                continue  # "…, is that right?" serves the paraphrase, which is its own label
            found.append((sentence, question_kind(sentence.text)))
        if not found:
            return None
        # Quote the open question when there is one: it is what the customer is invited to answer.
        sentence, kind = next(((s, k) for s, k in found if k == "open"), found[0])
        p = view.features.label_probabilities.get(self.name, 0.5)
        return sentence_hit(
            view,
            self.name,
            sentence,
            max(p, 0.7),
            f"asks the customer {'an open' if kind == 'open' else 'a closed'} question to understand",
            {"question": kind, "questions": len(found)},
        )


detect = ClarifyingQuestionDetector()
