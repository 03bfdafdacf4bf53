"""`clarifying_question`: asks to understand the customer's situation or feelings.

Not every question is clarifying: greetings ("how are you?"), offers ("would you like a
refund?"), suggestions ("have you tried restarting it?"), checks that a fix worked ("did that
help?"), closings ("anything else?") and rhetorical jabs are something else. Open questions
(what/how/why/tell me) invite the customer's own account; closed ones confirm a fact.
"""

from __future__ import annotations

import re

from heard.conversation import Role
from heard.listening.detectors.base import cue, model_says, sentence_hit
from heard.listening.detectors.dismissive import CUES as DISMISSIVE
from heard.listening.detectors.follow_up import FIX_CHECK
from heard.listening.detectors.paraphrase import CHECK as CHECK
from heard.listening.detectors.paraphrase import LEADS as PARAPHRASE_LEADS
from heard.listening.model import Hit
from heard.listening.state import TurnView
from heard.listening.text import Sentence, words

# What someone is invited to do when asked what they would like to do: tell, not receive.
_TELL = r"(?:talk|share|tell|chat|discuss|say|explain|go over|open up|start)"
NOT_CLARIFYING = cue(
    r"\bhow (?:are|r) (?:you|u|things)(?: (?:doing|today|this (?:morning|afternoon|evening))| doing today)?\s*[?!.]*$|"
    r"\bhow(?:'s| is) (?:your (?:day|morning|evening|week)|it going|everything|life)\b|"
    r"\bhow (?:have you been|was your (?:day|weekend))\b|\bhow(?:'s| is| was| about) yours\b|\band you\?",
    r"\bhow (?:can|may|could|might) (?:I|we) (?:help|assist)\b|\bwhat can (?:I|we) do for you\b",
    # "Anything else I can help with?" closes; "anything else you'd like to talk about?" invites.
    r"\b(?:is there )?anything else\b(?!,? (?:(?:that )?you(?:'d| would)? (?:like|want) to (?:talk|share|chat|"
    r"discuss|tell|say|add|get off)|(?:that(?:'s| is) )?(?:on your mind|bothering you|worrying you|going on)))|"
    r"\bcan I help (?:you )?with anything\b|\b(?:is there )?something else (?:I|we) can (?:help|do)\b",
    r"\b(?:would|do) you (?:like|want) (?:me|us) to\b|\bwould you (?:like|prefer) (?:a|an|the|to(?! "
    rf"{_TELL}))\b|"
    r"\b(?:shall|should) (?:I|we)\b|\bcan I (?:offer|send|arrange|book|get you|put you)\b|"
    r"\bmay I (?:offer|send|place|put)\b|\bdo you want (?:a|an|the|me)\b|"
    r"\b(?:can|could|may) I (?:suggest|recommend)\b|\bis it (?:ok|okay|alright) if I (?:give|offer|suggest)\b",
    r"\bhave you (?:tried|considered|thought (?:about|of)|looked (?:into|at))\b|\bwhy (?:don'?t|not) you\b|"
    r"\bwhy not\b|\bcould you (?:try|restart|reset|clear)\b|\bhow about\b|\bI wonder if you (?:could|might)\b|"
    r"\bwhat about (?!(?:morning|evening|anything|something|nothing|everything)\b)\w+ing\b",
    # Suggestions phrased as questions are solutions.
    r"\bis it possible (?:to|for you to)\b|\b(?:maybe|perhaps) (?:you|it|try)\b|\byou (?:could|should|might) "
    r"(?:try|talk|ask|speak|reach|consider|look)\b|\bwould it (?:help|be worth)\b|\bwhat if you\b|"
    r"\bdo you think (?:it|you|that) (?:would|could|might) (?:help|benefit|be (?:worth|good|a good idea|"
    r"helpful))\b|"
    r"\bhave you (?:ever )?(?:tried|thought of|considered|looked into)\b",
    r"\b(?:did|does|has|have|is) (?:that|this|it|everything) (?:help|work|solve|fix|resolve|sort|answer|"
    r"make sense|working|sorted|resolved|clear)",
    r"\bwhat do you (?:want|expect) (?:me|us)\b|\bdo you (?:even|not) (?:read|understand)\b",
    r"\bcan you (?:hold|wait|bear with)\b|\bwould you mind (?:holding|waiting)\b",
    # Asking whether a proposal suits is agreement-seeking, not understanding.
    r"\bhow does that sound\b|\b(?:does|would|will) that (?:sound (?:good|ok|okay|alright|fair)|work for you|"
    r"suit you|be (?:ok|okay|alright|all right))\b",
)
OPEN_START = re.compile(
    r"^\s*(?:(?:and|so|okay|ok|right|also|but),?\s+)?(?:what|how|why|when|where|which|who|whose|tell me|"
    r"could you (?:describe|explain|tell|walk)|can you (?:describe|explain|tell|walk)|"
    r"would you (?:describe|explain|tell)|talk me through|walk me through)\b",
    re.IGNORECASE,
)
# Invitations to tell more, with or without a question mark ("Tell me more about that").
INVITATION = cue(
    r"^\s*(?:(?:so|okay|ok|please|and),?\s+)?(?:tell me (?:more|about|what|how|why)|(?:can|could|would) you "
    r"(?:please )?(?:tell me|explain|describe|walk me through|share)|please (?:tell|explain|describe|share)|"
    r"walk me through|talk me through|would you like to (?:talk|share|tell|say|explain|chat)|"
    r"do you want to (?:talk|share|tell me))\b"
)
# A question that checks a restatement ("So you feel left out?") is a paraphrase.
RESTATES = cue(
    r"^\s*(?:(?:oh|ah|okay|ok|right|and|but),?\s+)?(?:so,? (?:you|your|it'?s|it is|he|she|they)|it sounds like|"
    r"sounds like|you feel|you're saying|you are saying|you mean|what you(?:'re| are) saying)\b"
)
# A question without its question mark: an auxiliary verb before a subject ("have you…", not
# the imperative "have a great day"), or a question word.
_QUESTION_START = re.compile(
    r"^\s*(?:(?:and|so|okay|ok|also|but),?\s+)?(?:(?:do|does|did|is|are|was|were|have|has|can|could|"
    r"will|would|should)\s+(?:you|we|they|i|he|she|it|there|your|this|that|anyone|someone|anything)\b|"
    r"(?:what|how|why|when|where|which|who)\b)",
    re.IGNORECASE,
)


# A question this short after an offer or a suggestion ("… a counsellor?") only names it.
MAX_FRAGMENT_WORDS = 3


def is_question(sentence: Sentence) -> bool:
    text = sentence.text.strip()
    return text.endswith("?") or (
        bool(_QUESTION_START.match(text)) and len(words(text)) <= 14 and not text.endswith(".")
    )


# "What's your account number?" starts like an open question but asks for one fact; so do
# "Which model is it?" and "Can you tell me your postcode?".
_FACT = (
    r"(?:\w+ )?(?:number|name|e-?mail|address|postcode|zip|date|reference|id|account|phone|model|"
    r"serial|code|username|order|booking|ticket|version|size|browser|device|card|plan)s?\b"
)
_ASKS_FOR_A_FACT = re.compile(
    rf"^\s*(?:and |so |okay,? |ok,? )?(?:(?:what(?:'s| is| was)|which) (?:your|the) {_FACT}|which {_FACT}|"
    rf"(?:can|could) you (?:tell|give|send|read) me (?:your|the) {_FACT})",
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
        sentences = view.features.sentences
        paraphrasing = (
            any(PARAPHRASE_LEADS.search(s.text) for s in sentences if not is_question(s))
            or view.annotation.has("paraphrase")
            # "You feel invisible at home. Is that right?": the check is about the statement.
            or (len(sentences) > 1 and not is_question(sentences[0]))
        )
        found: list[tuple[Sentence, str]] = []
        previous_not_clarifying = False
        for sentence in self._left_to_answer(view.features.sentences):
            not_clarifying = bool(NOT_CLARIFYING.search(sentence.text))
            if previous_not_clarifying and len(words(sentence.text)) <= MAX_FRAGMENT_WORDS:
                # "Maybe you could talk to someone? A counsellor?": the fragment names the
                # suggestion (and so may the next one: "… A counsellor? A GP?").
                continue
            previous_not_clarifying = not_clarifying
            if INVITATION.search(sentence.text):
                # "Can you tell me your postcode?" invites one fact, not an account.
                kind = "closed" if _ASKS_FOR_A_FACT.search(sentence.text) else "open"
                found.append((sentence, kind))
                continue
            if not is_question(sentence) or not_clarifying:
                continue
            if FIX_CHECK.search(sentence.text):
                continue  # "Is the light green now?" checks the fix: that is a follow-up
            if DISMISSIVE.search(sentence.text):
                continue  # a rhetorical jab ("you can't follow simple instructions, can you?")
            if RESTATES.search(sentence.text):
                continue  # "So you feel left out?" checks a restatement: that is a paraphrase
            if CHECK.search(sentence.text) and paraphrasing:
                continue  # "…, is that right?" serves the paraphrase, which is its own label
            found.append((sentence, question_kind(sentence.text)))
        if not found:
            return self._by_model(view, paraphrasing)
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

    def _by_model(self, view: TurnView, paraphrasing: bool) -> Hit | None:
        """When the model says the turn mainly asks, quote its last genuine question."""
        said = model_says(view, self.name)
        if said is None:
            return None
        candidates = [
            s
            for s in view.features.sentences
            if (is_question(s) or INVITATION.search(s.text))
            and not NOT_CLARIFYING.search(s.text)
            and not FIX_CHECK.search(s.text)
            and not DISMISSIVE.search(s.text)
            and not (paraphrasing and CHECK.search(s.text))
        ]
        if not candidates:
            return None
        sentence = candidates[-1]
        kind = question_kind(sentence.text)
        return sentence_hit(
            view,
            self.name,
            sentence,
            said,
            f"asks the customer {'an open' if kind == 'open' else 'a closed'} question to understand "
            f"(model, p={said:.2f})",
            {"question": kind, "questions": len(candidates)},
        )

    @staticmethod
    def _left_to_answer(sentences: list[Sentence]) -> list[Sentence]:
        """The questions the agent leaves the customer to answer: the turn's closing run of
        questions (a question followed by more statements was answered or was rhetorical),
        allowing a short courtesy after it ("Take your time.")."""
        end = len(sentences)
        while (
            end > 0
            and len(words(sentences[end - 1].text)) <= 4
            and not is_question(sentences[end - 1])
            and not INVITATION.search(sentences[end - 1].text)
        ):
            end -= 1
        start = end
        while start > 0 and (
            is_question(sentences[start - 1]) or INVITATION.search(sentences[start - 1].text)
        ):
            start -= 1
        return sentences[start:end]


detect = ClarifyingQuestionDetector()
