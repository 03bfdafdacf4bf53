"""What one update looks at: the conversation so far (with the partial or draft, if any) and
the facts about it that several nudges and suggestions share, each computed once."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from heard.assist.models import ChecklistItem, Evidence, UpdateKind
from heard.assist.slots import SlotTable
from heard.assist.wording import feeling_only
from heard.conversation import Role, Turn
from heard.listening.detectors.paraphrase import LEADS as RESTATEMENT_LEADS
from heard.listening.features import content_words
from heard.listening.labels import Emotion
from heard.listening.model import Concern, Hit, TurnAnnotation
from heard.listening.signals import AGENT_TURNS_TO_ADDRESS, concern_status
from heard.listening.state import ConversationState
from heard.listening.text import Sentence, words

_T = TypeVar("_T")

# A customer turn shows a feeling worth acknowledging at this intensity; confusion is often a
# plain question, so it must be clearer.
MIN_INTENSITY = 0.35
MIN_CONFUSION_INTENSITY = 0.5
# The empathy label is strict (it wants the feeling named or reacted to in set ways); for "has
# the agent remarked on the feeling at all" an apology or a feeling word in the agent's turn
# is enough: the nudge is for feelings that were ignored, not for imperfect empathy.
REMARKS_ON_FEELING = re.compile(
    r"\b(?:sorry|apologi[sz]e|frustrat\w*|stressful|stress|worr\w*|upsetting|upset|annoying|"
    r"understandabl[ey]|must be (?:hard|difficult|awful)|sounds (?:hard|difficult|awful|rough)|"
    r"I can (?:imagine|see how|see why|understand)|"
    r"that'?s (?:awful|terrible|not (?:good|right|ok))|oh no)\b",
    re.IGNORECASE,
)
# The customer's description of the issue has substance from this many words (in turns that
# raise a concern): below it, restating would be parroting.
MIN_ISSUE_WORDS = 12
SETTLES_WORRY = ("reassurance", "timeline")
# What the agent must have done, after the customer raised something, for thanks or
# "anything else?" to be a close rather than a greeting.
SUBSTANCE_LABELS = ("solution", "timeline", "follow_up", "ownership", "paraphrase")

AGENT_CLOSING = re.compile(
    r"\banything else\s*\?|"
    r"\b(?:(?:is there )?anything else (?:I|we) can (?:help|do|assist)|"
    r"have a (?:great|good|nice|lovely|wonderful|fantastic) "
    r"(?:day|evening|weekend|afternoon|morning|one|night)|"
    r"thanks? (?:you )?for (?:contacting|calling|getting in touch|reaching out|chatting|"
    r"your patience)|take care|goodbye|bye for now|all the best|glad (?:I|we) could help)\b",
    re.IGNORECASE,
)
ANYTHING_ELSE = re.compile(
    r"\banything else\b|\bcan I help (?:you )?with anything\b|\bsomething else I can\b",
    re.IGNORECASE,
)
# A customer winding down: thanks or goodbye at either end of the message, "that's all".
CUSTOMER_CLOSING = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|great|perfect|brilliant|lovely|cool|awesome|fine|no|nope|right)\W+)*"
    r"(?:thanks?|thank you|cheers|bye|goodbye|ta)\b|"
    r"\b(?:that'?s (?:all|everything|it for now)|nothing else|all (?:good|sorted)|"
    r"(?:thanks?|thank you|cheers|bye|goodbye)(?: (?:so|very) much)?(?: [A-Z][a-z]+)?)\W*$",
    re.IGNORECASE,
)


class ConcernCache:
    """Concern statuses that can no longer change, kept across a session's updates.

    A concern's status is decided by the few agent turns after it
    (``AGENT_TURNS_TO_ADDRESS``); once that many have passed it is final, so each update only
    judges the concerns still open, on the tail of the conversation where they are, instead
    of every concern since the start (which made long conversations slow).
    """

    def __init__(self) -> None:
        self._final: list[Concern] = []
        self._settled = 0  # turns before this index have only final concerns

    def status(self, state: ConversationState) -> list[Concern]:
        start = self._settled
        tail = ConversationState(
            conversation=state.conversation.model_copy(update={"turns": state.turns[start:]}),
            features=state.features[start:],
            annotations=state.annotations[start:],
        )
        return self._final + concern_status(tail)

    def settle(self, state: ConversationState, statuses: list[Concern]) -> None:
        """Keep the statuses (from ``status(state)``) that are final in this committed state."""
        open_from = len(self._final)
        agent_after = 0
        final_upto = len(state.turns)
        # Walk back from the end counting agent turns: a turn is settled when at least
        # AGENT_TURNS_TO_ADDRESS agent turns follow it.
        for index in range(len(state.turns) - 1, self._settled - 1, -1):
            if agent_after >= AGENT_TURNS_TO_ADDRESS:
                final_upto = index + 1
                break
            if state.turns[index].role is Role.AGENT:
                agent_after += 1
        else:
            return
        settled_ids = {turn.id for turn in state.turns[self._settled : final_upto]}
        for concern in statuses[open_from:]:
            if concern.turn_id in settled_ids:
                self._final.append(concern)
        self._settled = final_upto


@dataclass(frozen=True)
class ClosingPhase:
    """The conversation is winding down, from this turn on."""

    index: int
    turn_id: str
    quote: str
    by: Role


@dataclass
class AssistContext:
    state: ConversationState
    focus: int
    kind: UpdateKind
    slots: SlotTable
    # Speakers' interim results that are not part of ``state`` (the other side's partial).
    pending: Mapping[Role, Turn] = field(default_factory=dict)
    concern_cache: ConcernCache | None = None
    # Per-turn findings that depend only on the turn and those before it, kept by the session
    # across updates (keyed by what, turn id and text) so an update costs little however long
    # the conversation.
    memo: dict[tuple[str, str, str], Any] = field(default_factory=dict)

    # --- the conversation -------------------------------------------------------------------

    @property
    def turns(self) -> list[Turn]:
        return self.state.turns

    @property
    def annotations(self) -> list[TurnAnnotation]:
        return self.state.annotations

    @property
    def focus_turn(self) -> Turn:
        return self.state.turns[self.focus]

    @cached_property
    def customer_indices(self) -> list[int]:
        return [i for i, turn in enumerate(self.turns) if turn.role is Role.CUSTOMER]

    @cached_property
    def agent_indices(self) -> list[int]:
        return [i for i, turn in enumerate(self.turns) if turn.role is Role.AGENT]

    @cached_property
    def concerns(self) -> list[Concern]:
        """Every concern with who acknowledged or answered it (the signals' own judgement)."""
        if self.concern_cache is None:
            return concern_status(self.state)
        return self.concern_cache.status(self.state)

    def last_agent_with(self, label: str, before: int | None = None) -> int | None:
        end = len(self.turns) if before is None else before
        for index in reversed(self.agent_indices):
            if index < end and self.annotations[index].has(label):
                return index
        return None

    def agent_hits(self, label: str) -> list[tuple[int, Hit]]:
        found: list[tuple[int, Hit]] = []
        for index in self.agent_indices:
            hit = self.annotations[index].hit(label)
            if hit is not None:
                found.append((index, hit))
        return found

    def sentences(self, index: int) -> list[Sentence]:
        return self.state.features[index].sentences

    def sentence_containing(self, index: int, offset: int) -> Sentence:
        for sentence in self.sentences(index):
            if sentence.start <= offset < max(sentence.end, sentence.start + 1):
                return sentence
        text = self.turns[index].text
        return Sentence(text, 0, len(text))

    def turn_index(self, turn_id: str) -> int | None:
        return next((i for i, turn in enumerate(self.turns) if turn.id == turn_id), None)

    # --- feelings ---------------------------------------------------------------------------

    def shows_feeling(self, index: int) -> bool:
        annotation = self.annotations[index]
        emotion, intensity = annotation.emotion, annotation.intensity or 0.0
        if emotion is None or emotion in (Emotion.NEUTRAL, Emotion.GRATITUDE):
            return False
        if emotion is Emotion.CONFUSION:
            return intensity >= MIN_CONFUSION_INTENSITY
        return intensity >= MIN_INTENSITY

    def remembered(self, what: str, index: int, compute: Callable[[], _T]) -> _T:
        turn = self.turns[index]
        key = (what, turn.id, turn.text)
        if key not in self.memo:
            self.memo[key] = compute()
        value: _T = self.memo[key]
        return value

    def remarks_on_feeling(self, index: int) -> bool:
        return self.annotations[index].has("empathy") or self.remembered(
            "remarks_on_feeling",
            index,
            lambda: REMARKS_ON_FEELING.search(self.turns[index].text) is not None,
        )

    @cached_property
    def unacknowledged_feelings(self) -> list[int]:
        """Customer turns with a negative feeling since the agent last remarked on one; none
        once the customer has since thanked them (the feeling has passed)."""
        last = max((i for i in self.agent_indices if self.remarks_on_feeling(i)), default=-1)
        # Worry is also met by a concrete answer to it: reassurance, or a time to count on.
        settled = max(
            (
                i
                for i in self.agent_indices
                if any(self.annotations[i].has(label) for label in SETTLES_WORRY)
            ),
            default=-1,
        )
        feelings = [
            i
            for i in self.customer_indices
            if i > last
            and self.shows_feeling(i)
            and not (self.annotations[i].emotion is Emotion.ANXIETY and i < settled)
        ]
        if feelings and any(
            i > feelings[-1] and self.annotations[i].emotion is Emotion.GRATITUDE
            for i in self.customer_indices
        ):
            return []
        return feelings

    # --- the issue --------------------------------------------------------------------------

    @cached_property
    def first_concern(self) -> int | None:
        return next((i for i in self.customer_indices if self.annotations[i].concerns), None)

    @cached_property
    def issue_described(self) -> int | None:
        """The customer turn by which the issue has been described with substance."""
        described = 0
        for index in self.customer_indices:
            if not self.annotations[index].concerns:
                continue
            described += len(words(self.turns[index].text))
            if described >= MIN_ISSUE_WORDS:
                return index
        return None

    @cached_property
    def confirmations(self) -> list[tuple[int, Hit]]:
        """Agent turns that restated the customer's issue after they raised it: the paraphrase
        label, or a restatement lead ("So your delivery didn't come…") sharing at least two of
        the customer's key words (the label is withheld when the same sentence also reflects a
        feeling, yet it still confirms the issue). One pass over the conversation."""
        if self.first_concern is None:
            return []
        found: list[tuple[int, Hit]] = []
        customer_words: set[str] = set()
        for index in range(self.first_concern, len(self.turns)):
            role = self.turns[index].role
            if role is Role.CUSTOMER:
                if self.annotations[index].concerns:
                    customer_words |= content_words(self.state.features[index].tokens)
                continue
            if role is not Role.AGENT:
                continue
            hit = self.annotations[index].hit("paraphrase") or self.remembered(
                # Computed at once if at all, so the words seen so far are the right ones.
                "restates",
                index,
                lambda at=index, seen=customer_words: self._restates(at, seen),  # type: ignore[misc]
            )
            if hit is not None:
                found.append((index, hit))
        return found

    def _restates(self, index: int, customer_words: set[str]) -> Hit | None:
        for sentence in self.sentences(index):
            if not RESTATEMENT_LEADS.search(sentence.text):
                continue
            if len(content_words(words(sentence.text)) & customer_words) >= 2:
                return Hit(
                    label="paraphrase",
                    quote=sentence.text,
                    start=sentence.start,
                    end=sentence.end,
                    confidence=0.6,
                    reason="restates the customer's words",
                )
        return None

    # --- closing ----------------------------------------------------------------------------

    @cached_property
    def closing(self) -> ClosingPhase | None:
        """Closing is under way when one of the last two turns winds the conversation down
        (the agent's "anything else?", the customer's "thanks, bye"), after the agent has said
        something of substance."""
        first = self.first_concern
        if first is None:
            return None
        acted = next(
            (
                i
                for i in self.agent_indices
                if i > first and any(self.annotations[i].has(label) for label in SUBSTANCE_LABELS)
            ),
            None,
        )
        if acted is None:
            return None
        for index in range(max(acted, len(self.turns) - 2), len(self.turns)):
            turn = self.turns[index]
            if turn.role is Role.AGENT:
                match = AGENT_CLOSING.search(turn.text)
            elif turn.role is Role.CUSTOMER and "?" not in turn.text:
                match = CUSTOMER_CLOSING.search(turn.text)
            else:
                match = None
            if match is not None:
                sentence = self.sentence_containing(index, match.start())
                return ClosingPhase(index, turn.id, sentence.text, turn.role)
        return None

    @cached_property
    def checklist(self) -> list[ChecklistItem]:
        """What a good close has, each done or not, with the words that did it."""
        items: list[ChecklistItem] = []

        def item(code: str, label: str, hits: list[tuple[int, Hit]], reason: str) -> None:
            evidence = [
                Evidence(turn_id=self.turns[i].id, quote=hit.quote, reason=reason)
                for i, hit in hits[-1:]
            ]
            items.append(ChecklistItem(code=code, label=label, done=bool(hits), evidence=evidence))

        item(
            "issue_confirmed",
            "Issue confirmed in your words",
            self.confirmations,
            "restated the issue",
        )
        if self.issue_described is None and not self.confirmations:
            # A one-line request ("Can I move my delivery to Wednesday?") needs no restating.
            items[-1] = items[-1].model_copy(update={"applies": False})
        item(
            "solution_given",
            "Solution or next step given",
            self.agent_hits("solution"),
            "gave a solution",
        )
        item("timeline_given", "Timeline given", self.agent_hits("timeline"), "said when")
        item(
            "follow_up_committed",
            "Follow-up committed",
            self.agent_hits("follow_up"),
            "committed to follow up",
        )
        open_concerns = self.open_concerns
        items.append(
            ChecklistItem(
                code="concerns_answered",
                label="Every concern answered",
                done=not open_concerns,
                evidence=[
                    Evidence(turn_id=c.turn_id, quote=c.quote, reason="not answered yet")
                    for c in open_concerns
                ],
            )
        )
        asked: list[tuple[int, Hit]] = []
        for index in self.agent_indices:
            match = ANYTHING_ELSE.search(self.turns[index].text)
            if match is not None:
                sentence = self.sentence_containing(index, match.start())
                asked.append(
                    (
                        index,
                        Hit(
                            label="anything_else",
                            quote=sentence.text,
                            start=sentence.start,
                            end=sentence.end,
                            confidence=1.0,
                            reason="asked",
                        ),
                    )
                )
        item(
            "anything_else_asked",
            "Asked if there is anything else",
            asked,
            "asked if there is anything else",
        )
        return items

    @cached_property
    def open_concerns(self) -> list[Concern]:
        """Concerns no agent turn has acknowledged or answered (feelings aside: those are the
        empathy nudge's job)."""
        return [
            concern
            for concern in self.concerns
            if concern.acknowledged_by is None
            and concern.answered_by is None
            and not feeling_only(concern.quote)
        ]
