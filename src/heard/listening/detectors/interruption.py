"""`interruption`: the agent started before the customer had finished.

Calls with timestamps: the agent's turn starts while the customer is still speaking, by more
than a moment, and is not a short backchannel ("mm-hm", "right"). Chat: the agent replied in the
middle of the customer's burst of messages (the customer carried on seconds later, mid-thought).
Either way, the customer protesting ("let me finish") confirms it.

This detector looks one turn ahead (the customer's next words are the evidence), so a live
session re-runs it on the last agent turn when the next customer turn arrives.
"""

from __future__ import annotations

import re

from heard.audio.model import Interruption, describe_interruption, interruptions_of
from heard.conversation import Role, Turn
from heard.listening.detectors.base import cue, sentence_hit
from heard.listening.model import Hit
from heard.listening.state import TurnView
from heard.listening.text import Sentence, words

MIN_OVERLAP_SECONDS = 0.5
# Word tokens split "mm-hm" into "mm" + "hm", so the parts are listed too.
BACKCHANNEL_WORDS = frozenset(
    "mm mmm hm hmm mhm mhmm mm-hm mmhm uh-huh uh huh yeah yes yep right ok okay sure i see got it oh "
    "ah aha".split()
)
MAX_BACKCHANNEL_WORDS = 3
CHAT_BURST_SECONDS = 20.0
CHAT_REPLY_SECONDS = 15.0
PROTEST = cue(
    r"\blet me finish\b|\bI(?:'m| am| was| wasn'?t| was not) (?:not )?(?:finished|done|finishing)\b|"
    r"\byou(?:'re| are) (?:interrupting|not letting me)\b|\bcan I (?:just )?finish\b|\bas I was saying\b|"
    r"\bstop interrupting\b|\byou cut me off\b|\bplease let me (?:speak|talk|explain)\b"
)
_CONTINUES = re.compile(r"^\s*(?:and|but|also|plus|so|because|which|or|then|oh and|\.\.\.|…|[a-z])")
_UNFINISHED_END = re.compile(
    r"(?:\b(?:of|and|the|to|a|an|I|my|which|but|because|so|that|with|for|on|in|is|was|it's|day|then)|"
    r",|-|—|–|\.\.\.|…)\s*$",
    re.IGNORECASE,
)
_TERMINAL = re.compile(r"[.!?)\]\"']\s*$")


def is_backchannel(turn: Turn) -> bool:
    tokens = words(turn.text)
    return 0 < len(tokens) <= MAX_BACKCHANNEL_WORDS and all(t in BACKCHANNEL_WORDS for t in tokens)


class InterruptionDetector:
    name = "interruption"
    lookahead = 1

    def __call__(self, view: TurnView) -> Hit | None:
        turn = view.turn
        if turn.role is not Role.AGENT or is_backchannel(turn):
            return None
        previous = view.previous(Role.CUSTOMER)
        if previous is None:
            return None
        customer = view.state.turns[previous]
        first = (
            view.features.sentences[0]
            if view.features.sentences
            else Sentence(turn.text, 0, len(turn.text))
        )
        following = self._next_customer(view)
        protest = PROTEST.search(following.text) if following is not None else None

        # A call read from its recording: the audio measured the overlaps (backchannels by
        # their length, not their words), so its finding replaces the turn-times estimate.
        from_audio = interruptions_of(view.conversation.metadata)
        if from_audio is not None:
            mine = [i for i in from_audio if i.by == "agent" and i.turn_id == turn.id]
            if mine:
                return self._audio_hit(view, first, mine)
        elif turn.start is not None and customer.start is not None and customer.end is not None:
            overlap = customer.end - turn.start
            if customer.start < turn.start and overlap > MIN_OVERLAP_SECONDS:
                return sentence_hit(
                    view,
                    self.name,
                    first,
                    0.9,
                    f"started speaking {overlap:.1f} s before the customer finished",
                    {"overlap_seconds": round(overlap, 2), "at": round(turn.start, 2)},
                )
        if protest is not None and following is not None:
            return sentence_hit(
                view,
                self.name,
                first,
                0.85,
                f"the customer had not finished (“{protest.group()}”)",
                {"customer_said": following.text[:120]},
            )
        if (
            turn.start is not None
            and customer.end is None
            and _UNFINISHED_END.search(customer.text)
        ):
            return sentence_hit(
                view,
                self.name,
                first,
                0.6,
                "cut in while the customer was mid-sentence",
                {"customer_was_saying": customer.text[-80:]},
            )
        if (
            turn.time is not None
            and customer.time is not None
            and following is not None
            and following.time is not None
        ):
            reply_after = (turn.time - customer.time).total_seconds()
            carried_on = (following.time - turn.time).total_seconds()
            unfinished = not _TERMINAL.search(customer.text) or _UNFINISHED_END.search(
                customer.text
            )
            if (
                0 <= carried_on <= CHAT_BURST_SECONDS
                and 0 <= reply_after <= CHAT_REPLY_SECONDS
                and (unfinished or _CONTINUES.match(following.text))
            ):
                return sentence_hit(
                    view,
                    self.name,
                    first,
                    0.7,
                    f"replied {reply_after:.0f} s into the customer's burst of messages; "
                    f"they carried on {carried_on:.0f} s later",
                    {
                        "reply_after_seconds": reply_after,
                        "customer_continued_after_seconds": carried_on,
                    },
                )
        return None

    def _audio_hit(self, view: TurnView, first: Sentence, found: list[Interruption]) -> Hit:
        worst = max(found, key=lambda i: i.overlap_seconds)
        return sentence_hit(
            view,
            self.name,
            first,
            0.9,
            describe_interruption(worst),
            {
                "overlap_seconds": worst.overlap_seconds,
                "at": round(worst.start, 2),
                "source": "audio",
                "interruptions": len(found),
            },
        )

    @staticmethod
    def _next_customer(view: TurnView) -> Turn | None:
        following = view.index + 1
        if following < len(view.state.turns) and view.state.turns[following].role is Role.CUSTOMER:
            return view.state.turns[following]
        return None


detect = InterruptionDetector()
