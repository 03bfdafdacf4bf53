"""`paraphrase`: restates or summarises the customer's issue in the agent's own words.

Judged on meaning, not keywords: the sentence must be close in meaning to what the customer
said recently (or, for a recap, anywhere in the conversation), yet not a verbatim copy.
"""

from __future__ import annotations

import re

from heard.conversation import Role
from heard.listening.detectors.base import cue, model_says, probability, sentence_hit
from heard.listening.detectors.empathy import CUES as EMPATHY_CUES
from heard.listening.detectors.empathy import FEELING_WORDS
from heard.listening.features import content_words, longest_copied_run
from heard.listening.model import Hit
from heard.listening.state import TurnView
from heard.listening.text import Sentence, words

LEADS = cue(
    # "Let me check/confirm" leads a restatement only when it checks understanding ("let me make
    # sure I've got this right"), not "let me check the billing system" or "let me confirm your
    # address".
    # ("To confirm your identity, …" is a security check, not a restatement.)
    r"^\s*(?:ok(?:ay)?,?\s+|right,?\s+|so,?\s+)?(?:just )?(?:to (?:confirm|check|make sure|clarify|recap|"
    r"summari[sz]e|sum up)(?! (?:your |the )?(?:identity|security|date of birth|(?:that )?(?:it'?s|it is) "
    r"(?:really )?you)\b)|let me (?:recap|summari[sz]e)|let me (?:make sure|check|confirm)(?:[:,]| "
    r"(?:that |if |whether )?I(?:'ve| have|'m| am)? (?:understand|understood|got|get|have|heard|follow)))",
    r"\bif I(?:'ve| have)? (?:understand|understood|got|heard) (?:you|this|that|it|everything)? ?(?:right|correctly)",
    r"^\s*(?:ok(?:ay)?,?\s+|right,?\s+)?so,? (?:you(?:'re| are| have|'ve| had| were| feel| need| want| mean| "
    r"think| can't| cannot| haven't| didn't)|your|the (?:order|parcel|package|charge|problem|issue)|"
    r"it(?:'s| is| was| has)|since|basically|what)",
    r"\b(?:it|that) (?:sounds|seems) (?:like|that|as (?:if|though)) (?:you|your|the)",
    r"^\s*(?:(?:so|and|oh|ok(?:ay)?),?\s+)?you (?:mentioned|said|told me|were saying|explained)\b",
    r"\bfrom what you(?:'ve| have)? (?:said|told me|describe|described|wrote|written)\b",
    r"\bI hear (?:that )?you(?:'re| are|'ve| have)?\b",
    r"\bwhat I(?:'m| am) hearing(?: is)?\b|\byou(?:'re| are) saying\b|\bin other words\b",
    r"\bcorrect me if I(?:'m| am) wrong\b|\bdo I have (?:that|this|it) right\b|\bhave I got (?:that|this) right\b",
    r"\bam I right (?:that|in thinking)\b|\bif I(?:'m| am) (?:hearing|reading) (?:you|this) (?:right|correctly)",
)
# A question that checks what was just said ("…, is that right?", "Does that sound right?").
CHECK = cue(
    r"\b(?:is|was) (?:that|this) (?:right|correct|accurate|so|true|the case)\b|\bdid I get (?:that|this|it) right\b|"
    r"\bhave I (?:got|understood) (?:that|this|it|everything)\b|\bright\?\s*$|"
    r"\b(?:does|did) (?:that|this|it) sound (?:about )?(?:right|correct|accurate|true|fair)\b|"
    r"\bam I (?:right|correct|close|on the right track)\b|\bwould you say (?:that(?:'s| is)|this is) (?:right|true|fair|"
    r"accurate)\b|\bdid I (?:understand|hear) (?:you|that|this) (?:right|correctly)\b"
)
# A lead sentence that reflects a feeling ("it sounds like you're feeling stuck") is empathy.
REFLECTS_FEELING = EMPATHY_CUES
RECAP = cue(
    r"\bto (?:recap|summari[sz]e|sum up)\b|\bso (?:to recap|in summary)\b|\bjust to recap\b"
)

# Content words beyond the feeling that a feeling-naming restatement must share with the customer.
MIN_SHARED_SITUATION_WORDS = 2
MIN_SIMILARITY = 0.45
MIN_MODEL_SIMILARITY = 0.35
MAX_COPIED_SHARE = 0.7
# When the function model says the turn mainly restates, the sentence quoted must itself read as
# a restatement to the agent-turn model (not the "Let me look into it" beside it).
MIN_SENTENCE_PROBABILITY = 0.5


class ParaphraseDetector:
    name = "paraphrase"

    def __call__(self, view: TurnView) -> Hit | None:
        if view.turn.role is not Role.AGENT or not view.features.sentences:
            return None
        context = view.context()
        if not context:
            return None
        everything = list(view.earlier(Role.CUSTOMER))
        p = probability(view, self.name)
        said = model_says(view, self.name)
        best: tuple[float, Hit] | None = None
        sentences = view.features.sentences
        for position, sentence in enumerate(sentences):
            lead = LEADS.search(sentence.text) or self._checked(sentences, position)
            reflects = REFLECTS_FEELING.search(sentence.text)
            if lead and reflects and not self._restates_situation(view, sentence, reflects):
                lead = None  # "it sounds like you're feeling stuck" reflects a feeling: empathy
            recap = RECAP.search(sentence.text)
            pool = everything if recap else context
            similarity, copied = self._closeness(view, position, pool)
            tokens = words(sentence.text)
            if len(content_words(tokens)) < 2:
                continue
            if copied > MAX_COPIED_SHARE:
                continue  # a verbatim copy is not a paraphrase
            sentence_p = view.sentence_probability(self.name, position)
            if lead and similarity >= MIN_SIMILARITY - 0.1:
                confidence = max(p, 0.6 + similarity / 3)
                reason = f"restates the customer's words in their own (similarity {similarity:.2f})"
            elif (
                said is not None
                and similarity >= MIN_MODEL_SIMILARITY
                and sentence_p >= MIN_SENTENCE_PROBABILITY
                and not reflects
            ):
                # (A sentence that names their feeling, "I'm so sorry your order is late, I can
                # see why you're worried", echoes their words because it is about them: empathy.)
                confidence = max(said, sentence_p)
                reason = f"restates what the customer said (model p={confidence:.2f}, similarity {similarity:.2f})"
            else:
                continue
            hit = sentence_hit(
                view,
                self.name,
                sentence,
                confidence,
                reason,
                {"similarity": round(similarity, 3), "summary": bool(recap) or len(pool) > 2},
            )
            if best is None or confidence > best[0]:
                best = (confidence, hit)
        return best[1] if best else None

    @staticmethod
    def _restates_situation(view: TurnView, sentence: Sentence, feeling: re.Match[str]) -> bool:
        """A restatement that also names the feeling ("So you lost the job you loved and it's
        left you feeling lost") restates what happened as well: the words outside the feeling
        phrase repeat at least two of the customer's own content words."""
        text = sentence.text  # the feeling was matched in this sentence's own text
        rest = words(text[: feeling.start()] + " " + text[feeling.end() :])
        outside = content_words(rest) - FEELING_WORDS
        said: set[str] = set()
        for index in view.context():
            said |= content_words(view.state.features[index].tokens)
        return len(outside & said) >= MIN_SHARED_SITUATION_WORDS

    @staticmethod
    def _checked(sentences: list[Sentence], position: int) -> re.Match[str] | None:
        """A statement the agent asks the customer to confirm: "You feel invisible at home. Is
        that right?" or "…, is that right?" (a question about the agent's understanding)."""
        text = sentences[position].text
        if len(words(text)) < 4:
            return None
        inline = CHECK.search(text)
        if (
            inline is not None
            and inline.start() > 0
            and text[: inline.start()].rstrip().endswith(",")
        ):
            return inline
        if position + 1 < len(sentences) and not text.rstrip().endswith("?"):
            return CHECK.search(sentences[position + 1].text)
        return None

    @staticmethod
    def _closeness(view: TurnView, position: int, pool: list[int]) -> tuple[float, float]:
        """(highest cosine to a customer turn in ``pool``, share of words copied verbatim)."""
        vector = view.features.sentence_vectors[position]
        similarity = max((float(view.state.features[i].vector @ vector) for i in pool), default=0.0)
        tokens = words(view.features.sentences[position].text)
        copied = max(
            (longest_copied_run(tokens, view.state.features[i].tokens) for i in pool), default=0
        ) / max(len(tokens), 1)
        return similarity, copied


detect = ParaphraseDetector()
