"""`empathy`: reacts to or names the customer's feelings ("That must be really frustrating").

`detail.specific` says whether the line is tied to this customer's situation (it echoes their
words or the feeling they showed) rather than a stock phrase; `detail.scripted` is set later,
across conversations, when the same agent uses the same line again and again.
"""

from __future__ import annotations

from heard.conversation import Role
from heard.listening.detectors.base import (
    MIN_FUNCTION_PROBABILITY,
    cue,
    model_says,
    probability,
    sentence_hit,
    span_hit,
)
from heard.listening.detectors.reassurance import CUES as REASSURANCE_CUES
from heard.listening.features import content_words
from heard.listening.model import Hit
from heard.listening.state import TurnView
from heard.listening.text import words

FEELING = (
    r"(?:hard|difficult|frustrating|upsetting|stressful|scary|worrying|awful|annoying|disappointing|"
    r"maddening|infuriating|exhausting|overwhelming|painful|tough|rough|heartbreaking|confusing|"
    r"inconvenient|terrible|horrible|unsettling|alarming|sad|lonely|a shock|a worry|a nightmare|"
    r"a pain|a hassle|not (?:nice|fun|ideal|easy))"
)
FEELING_STATES = (
    r"(?:frustrated|upset|worried|anxious|stressed|sad|lonely|alone|hurt|angry|mad|scared|afraid|"
    r"overwhelmed|exhausted|lost|stuck|confused|disappointed|hopeless|depressed|down|low|nervous|"
    r"guilty|ashamed|betrayed|helpless|isolated|drained|burnt out|burned out|torn|rejected|"
    r"unappreciated|insecure|heartbroken|devastated|let down|fed up|panicked|unsure|trapped|"
    r"discouraged|defeated|embarrassed|jealous|resentful|bitter|numb|empty|uncomfortable|abandoned|"
    r"ignored|unloved|unwanted|neglected|worthless|useless|powerless|unheard|invisible|misunderstood|"
    r"disrespected|left out|taken for granted|pressured|under pressure|on edge|anxious)"
)
CUES = cue(
    # Reflections of a feeling state: "it sounds like you're feeling stuck", "you seem exhausted".
    rf"\b(?:it |that )?(?:sounds|seems|looks) (?:like|as (?:if|though)) you(?:'re| are|'ve been| have been)? "
    rf"(?:feeling |feel |really |so |very |quite |a (?:bit|little) |pretty )*{FEELING_STATES}\b",
    # Reflections led by what the listener senses: "I can sense you're overwhelmed", "I get the
    # sense that you feel ignored", "I can tell you are anxious about it".
    rf"\bI(?: can| could|'m| am)? (?:sense|sensing|tell|get the (?:sense|feeling|impression)|feel) "
    rf"(?:that |how )?(?:you(?:'re| are|'ve been| have been| feel| are feeling|'re feeling)?|this (?:is|has) "
    rf"(?:been )?(?:making|leaving) you(?: feel)?) (?:so |really |very |quite |a (?:bit|little) |pretty |"
    rf"extremely |kind of |much )*{FEELING_STATES}\b",
    rf"\b(?:leaving|making|left|made|leaves|makes) you (?:feel(?:ing)? )?(?:so |really |very |quite |a (?:bit|little) |"
    rf"extremely |incredibly |pretty |kind of )?{FEELING_STATES}\b",
    # "I can feel how stressed you are", "I can see how hurt you are".
    rf"\bI can (?:feel|tell|see|hear|sense|imagine) how (?:very |really |incredibly )?{FEELING_STATES} you "
    rf"(?:are|feel|must (?:be|feel)|have been)\b",
    # "That sounds like a really difficult situation": a reaction to how hard it is.
    r"\b(?:that|it|this) (?:sounds|seems|must be|is) (?:like )?(?:such |a |an )+(?:really |very |incredibly |truly )?"
    r"(?:difficult|hard|tough|stressful|painful|awful|terrible|horrible|scary|frustrating|upsetting|"
    r"heartbreaking|overwhelming|lonely|rough|sad) (?:situation|time|thing|spot|place|position|experience|"
    r"period|year|day|week|road|journey|loss)\b",
    r"\bI can (?:feel|hear|sense) your (?:pain|frustration|sadness|hurt|worry|stress|anger)\b|"
    r"\bI (?:really |truly |totally |completely )?sympathi[sz]e\b|"
    r"\b(?:that|it|this)(?:'s| is| really| totally| must)? (?:so |really |totally )?(?:sucks?|stinks)\b"
    r"(?! (?:up|in|out|the)\b)",
    rf"\byou (?:seem|sound|must be|must feel|might be feeling|may be feeling|are feeling|'re feeling|feel) "
    rf"(?:so |really |very |quite |a (?:bit|little) |pretty |kind of |like )*{FEELING_STATES}\b",
    rf"\b(?:that|it|this)(?:'s| is| must be| must have been| would be| sounds| seems| can be| can't be| "
    rf"cannot be) (?:so |really |very |incredibly |such |truly |genuinely |extremely |quite )?{FEELING}",
    rf"\b(?:sounds|sound) (?:so |really |very |incredibly |quite )?{FEELING}",
    # "I'm so sorry the lamp arrived cracked": sorry about what happened to them, not "sorry, but"
    # or "sorry for the wait" (an apology for the service, not a reaction to their feelings).
    r"\bI(?:'m| am) (?:so |really |very |truly |terribly |genuinely )?sorry(?:,)? (?!(?:but|for (?:the )?"
    r"(?:wait|delay|hold)|to (?:keep|have kept|interrupt)|about the wait)\b)(?:to hear|that|you|for|about|"
    r"the|your|this|it|what|how|all)\b",
    r"\bI can (?:only )?(?:imagine|understand|see|tell) (?:how|why|what|that)\b",
    r"\bI (?:completely |totally |fully )?understand (?:how|why|your|that this|that it|the frustration)",
    r"\b(?:completely|totally|perfectly|entirely|very) understandable\b|\bno wonder you\b",
    r"\bI(?:'d| would) (?:feel|be) (?:the same|just as|exactly|frustrated|upset|angry|worried)\b",
    r"\byou (?:must|might|probably) (?:be|feel) (?:so |really |very )?(?:frustrated|upset|worried|angry|"
    r"anxious|stressed|disappointed|exhausted|confused|scared|devastated|fed up)",
    r"\b(?:my|our) (?:deepest |sincere |heartfelt )?(?:condolences|sympathies)\b|\bsorry for your loss\b",
    r"\bhow (?:frustrating|stressful|awful|upsetting|worrying|annoying|disappointing)\b",
    r"\bthat(?:'s| is) not (?:okay|ok|acceptable|what you (?:expected|deserve|should))\b",
    r"\byour frustration\b|\byou(?:'re| are) (?:right|understandably) (?:to be|frustrated|upset)\b",
    r"\bpoor (?:you|thing)\b|\bwhat a (?:nightmare|horrible|awful|terrible|rotten|stressful|worrying)\b",
)
# Below this probability of empathy as the turn's main function, a stock sympathy line in a turn
# that restates or reassures is taken as the lead-in to that, not as a listening act of its own.
MIN_EMPATHY_AS_LEAD_IN = 0.1

FEELING_WORDS = frozenset(
    """frustrating frustrated upset upsetting worried worrying worry stressful stressed anxious scary
    scared angry annoyed annoying disappointed disappointing sad sorry awful terrible hard difficult
    exhausting overwhelming confusing confused shock loss devastating lonely""".split()
)


class EmpathyDetector:
    name = "empathy"

    def __call__(self, view: TurnView) -> Hit | None:
        if view.turn.role is not Role.AGENT:
            return None
        p = probability(view, self.name)
        match = CUES.search(view.turn.text)
        if match is not None:
            hit = span_hit(
                view, self.name, match, max(p, 0.8), "names or reacts to the customer's feelings"
            )
            if not self._specific(view, hit.quote) and self._lead_in(view):
                return None
        elif (said := model_says(view, self.name)) is not None and view.features.sentences:
            p = said
            sentence = view.features.sentences[view.best_sentence(self.name)]
            hit = sentence_hit(
                view,
                self.name,
                sentence,
                p,
                f"reacts to the customer's feelings (model, p={p:.2f})",
            )
        else:
            return None
        specific = self._specific(view, hit.quote)
        return hit.model_copy(update={"detail": {"specific": specific, "scripted": False}})

    @staticmethod
    def _lead_in(view: TurnView) -> bool:
        """A stock sympathy line ("I'm sorry to hear that.", "That's hard.") that leads into what
        the turn mainly does: restating what the customer said, or reassuring them. (Only stock
        lines: one tied to the customer's words, "I'm so sorry the lamp arrived cracked", is a
        reaction of its own whatever follows.)

        The function model decides: the turn must mainly restate or reassure and leave empathy
        itself under MIN_EMPATHY_AS_LEAD_IN. Before a question or a remedy the line stays
        empathy: "I'm sorry about that. Can you tell me the order number?" is, for a help desk,
        the acknowledgement a frustrated customer is owed before being asked for details.
        """
        functions = view.features.function_probabilities
        if not functions or functions.get("empathy", 0.0) >= MIN_EMPATHY_AS_LEAD_IN:
            return False
        if view.annotation.has("paraphrase"):
            return True
        main, p = view.main_function()
        return bool(REASSURANCE_CUES.search(view.turn.text)) or (
            main == "reassurance" and p >= MIN_FUNCTION_PROBABILITY
        )

    @staticmethod
    def _specific(view: TurnView, quote: str) -> bool:
        """Tied to this customer: shares a content word with what they said (beyond feeling words)."""
        quoted = _own_words(words(quote)) - FEELING_WORDS
        for index in view.context() or list(view.earlier(Role.CUSTOMER))[:2]:
            if quoted & _own_words(view.state.features[index].tokens):
                return True
        return False


def _own_words(tokens: list[str]) -> set[str]:
    """Content words, possessives reduced ("mum's" → "mum") and contractions ("I'm", "you're",
    "that's") dropped: those are function words that every stock line shares with every customer."""
    stems = [t[:-2] if t.endswith("'s") else t for t in tokens]
    return {w for w in content_words(stems) if "'" not in w}


detect = EmpathyDetector()
