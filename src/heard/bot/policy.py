"""The dialogue policy: answer, confirm, clarify or hand off — and listen while doing it.

Each customer message is annotated by the listening engine (through an
:class:`heard.assist.AssistSession`, where the bot's turns stand in the agent's place, so the
engine sees repetition and unanswered concerns as it would with a person). Then, in order:

1. feedback on what the bot did last: "yes" to a confirmation answers it; "no", or "that didn't
   help" after an answer, counts as a failed attempt;
2. hand-off triggers: the customer asks for a person, shows strong negative emotion, repeats a
   concern, two answers in a row failed, or writes in a language the KB is not in;
3. retrieval: calibrated confidence at or above ``answer`` → answer; at or above ``confirm`` →
   "Just to check — you're asking …?"; below → a clarifying question, or a hand-off when the
   query is about something the KB does not cover (or still unclear after one clarification).
   A KB entry marked ``handoff: true`` is handed to a person once recognised.

Listening behaviours: the bot acknowledges (an empathy line for an upset customer, grounded in
their words; a short acknowledgement otherwise), restates the customer's problem in their own
words before a confirmation or a clarifying question, checks an answer helped, and never sends a
cheerful line to an upset customer (cheerful sentences and exclamation marks are taken out).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from heard.assist import AssistSession, OpenerMemory, Suggestion, SuggestionKind
from heard.assist.suggestions import PROBLEM
from heard.bot.handoff import (
    Attempt,
    EmotionNow,
    HandoffPacket,
    HandoffReason,
    Quote,
    asks_for_person,
    strong_emotion,
    upset,
)
from heard.bot.index import Candidate, KBIndex, Retrieval, Thresholds, out_of_scope
from heard.bot.kb import Entry
from heard.bot.lexical import content_terms
from heard.bot.routing import RoutingConfig
from heard.bot.wording import (
    acknowledgement,
    calm,
    confirmation,
    inner_paraphrase,
    plain,
    restated,
)
from heard.conversation import Channel, Conversation, Role, Turn
from heard.listening.detectors.repetition import EXPLICIT as SAYS_REPEATING
from heard.listening.labels import Emotion
from heard.listening.model import TurnAnnotation
from heard.listening.text import split_sentences

BOT_AGENT_ID = "heard-bot"

YES = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|correct|right|exactly|that'?s (?:it|right|correct)|indeed|sure|"
    r"ok(?:ay)?|y)\b",
    re.IGNORECASE,
)
NO = re.compile(
    r"^\W*(?:no|nope|nah|not (?:really|quite|exactly)|wrong|that'?s not (?:it|right|what))\b",
    re.IGNORECASE,
)
DID_NOT_HELP = re.compile(
    r"\b(?:(?:didn'?t|did not|doesn'?t|does not|won'?t|isn'?t|is not|not) (?:help|work|answer|"
    r"solve|fix|what i (?:asked|meant|need|wanted))|"
    r"still (?:not|doesn'?t|don'?t|can'?t|no|nothing)|"
    r"not (?:what|the) (?:i|answer)|useless|no use|that'?s wrong|wrong answer|doesn'?t make sense|"
    r"already (?:tried|did|done) (?:that|this|it))\b",
    re.IGNORECASE,
)
HELPED = re.compile(
    r"\b(?:thanks?|thank you|cheers|that (?:helps|helped|worked|works|solved it|did it)|"
    r"(?:it )?worked|perfect|great|got it|brilliant|sorted|all good)\b",
    re.IGNORECASE,
)
GOODBYE = re.compile(r"\b(?:bye|goodbye|that'?s all|nothing else|no,? thanks?|all done)\b", re.I)
GREETING = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening))\b[\w\s,!.]{0,20}$", re.I
)


class Decision(StrEnum):
    GREET = "greet"
    ANSWER = "answer"
    CONFIRM = "confirm"
    CLARIFY = "clarify"
    HANDOFF = "handoff"
    CLOSE = "close"


class PolicyConfig(BaseModel):
    """How the bot decides; thresholds default to those chosen when the KB was imported."""

    thresholds: Thresholds | None = None
    failed_answers_for_handoff: int = Field(default=2, ge=1)
    clarifications_before_handoff: int = Field(default=1, ge=0)
    bot_name: str = "the assistant"
    greeting: str = "Hi, I'm {bot_name}. What can I help you with today?"


class BotReply(BaseModel):
    """What the bot says, what it decided, and why."""

    session_id: str
    turn_id: str
    text: str
    decision: Decision
    confidence: float | None = Field(default=None, description="Calibrated, 0–1.")
    entry_id: str | None = None
    entry_question: str | None = None
    links: list[dict[str, str]] = Field(default_factory=list)
    evidence: dict[str, Any] | None = Field(
        default=None, description="Which KB entry, which question variant matched, the scores."
    )
    alternatives: list[dict[str, Any]] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description="Why this decision.")
    behaviours: list[str] = Field(
        default_factory=list,
        description="Listening behaviours in the reply: acknowledgement, empathy, paraphrase, "
        "clarifying_question, follow_up.",
    )
    tone: str = Field(description="calm (the customer is upset) or neutral")
    emotion: EmotionNow = Field(default_factory=EmotionNow)
    handoff: HandoffReason | None = None


@dataclass
class _Pending:
    candidate: Candidate
    confidence: float
    query: str


@dataclass
class _State:
    pending: _Pending | None = None
    last_answer: str | None = None
    failed_in_row: int = 0
    clarifications_in_row: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    handoff: HandoffPacket | None = None
    last_clarified_query: str | None = None
    # A message to read the next one with, whatever its length (after "that didn't help, …").
    context_query: str | None = None


class Bot:
    """One knowledge base and its policy; makes sessions. Share one per process."""

    def __init__(
        self,
        index: KBIndex,
        *,
        policy: PolicyConfig | None = None,
        routing: RoutingConfig | None = None,
    ) -> None:
        self.index = index
        self.policy = policy or PolicyConfig()
        self.routing = routing or RoutingConfig()
        # The bot's empathy lines rotate across all its conversations, like an agent's.
        self.openers = OpenerMemory()

    @property
    def thresholds(self) -> Thresholds:
        return self.policy.thresholds or self.index.thresholds

    def session(
        self,
        session_id: str | None = None,
        *,
        channel: Channel = Channel.CHAT,
        customer_id: str | None = None,
        clock: Callable[[], datetime] | None = None,
        openers: OpenerMemory | None = None,
    ) -> BotSession:
        return BotSession(
            self,
            session_id or uuid.uuid4().hex,
            channel,
            customer_id,
            clock=clock,
            openers=openers,
        )


class BotSession:
    """One conversation with the bot.

    ``clock`` and ``openers`` are what the session takes from outside its messages (the time,
    and the empathy lines the bot's other conversations used): a session rebuilt by replaying
    its messages is given back the same readings (see :mod:`heard.assist.replay`).
    """

    def __init__(
        self,
        bot: Bot,
        session_id: str,
        channel: Channel,
        customer_id: str | None,
        *,
        clock: Callable[[], datetime] | None = None,
        openers: OpenerMemory | None = None,
    ) -> None:
        self.bot = bot
        self.id = session_id
        self._now = clock or _utc_now
        self.openers = openers or bot.openers
        self.started_at = self._now()
        self.customer_id = customer_id
        self.channel = channel
        self.turns: list[Turn] = []
        self.replies: list[BotReply] = []
        self._assist = AssistSession(
            Conversation(id=f"bot-{session_id}", channel=channel, agent_id=BOT_AGENT_ID),
            openers=self.openers,
        )
        self._suggestions: dict[str, list[Suggestion]] = {}
        self._state = _State()

    # --- public ------------------------------------------------------------------------------

    @property
    def conversation_id(self) -> str:
        return f"bot-{self.id}"

    @property
    def handoff(self) -> HandoffPacket | None:
        return self._state.handoff

    @property
    def outcome(self) -> str:
        return "handed_off" if self._state.handoff is not None else "contained"

    @property
    def attempts(self) -> list[Attempt]:
        return list(self._state.attempts)

    def greet(self) -> BotReply:
        policy = self.bot.policy
        text = policy.greeting.format(bot_name=policy.bot_name)
        return self._say(text, Decision.GREET, None, reasons=["the conversation starts"])

    def reply(self, text: str) -> BotReply:
        """Take the customer's message and answer it."""
        turn = Turn(id=f"t{len(self.turns) + 1}", role=Role.CUSTOMER, text=text, time=self._now())
        self.turns.append(turn)
        update = self._assist.add_turn(turn)
        self._suggestions[turn.id] = update.suggestions
        annotation = self._assist.annotations[-1]
        state = self._state
        if state.handoff is not None:
            return self._waiting(turn, annotation)

        # 1. What the customer made of the bot's last move.
        feedback = self._feedback(turn, annotation)
        if feedback is not None:
            return feedback

        # 2. Hand-off triggers (retrieval first: a repeated concern is judged by what it asks).
        small_talk = GREETING.match(text) is not None or not content_terms(text)
        retrieval = None if small_talk else self.bot.index.search(self._query(turn))
        trigger = self._trigger(turn, annotation, retrieval)
        if trigger is not None:
            reason, detail, evidence = trigger
            return self._hand_off(turn, annotation, reason, detail, evidence, retrieval=retrieval)

        # 3. Small talk, then the retrieval's decision.
        if retrieval is None:
            if GOODBYE.search(text) or HELPED.search(text):
                return self._close(turn, annotation)
            greeting = GREETING.match(text) is not None
            return self._say(
                "Hello. What can I help you with today?"
                if greeting
                else "Could you tell me a little more about what you need help with?",
                Decision.GREET if greeting else Decision.CLARIFY,
                annotation,
                reasons=["no question to look up yet"],
                behaviours=[] if greeting else ["clarifying_question"],
            )
        return self._decide(turn, annotation, retrieval)

    def transcript(self) -> Conversation:
        """The conversation as it will be stored: the bot's turns with the bot role."""
        return Conversation(
            id=self.conversation_id,
            channel=self.channel,
            customer_id=self.customer_id,
            started_at=self.started_at,
            language=self._language(),
            team_id=self._state.handoff.route.team if self._state.handoff else None,
            metadata={"bot": self.summary()},
            turns=list(self.turns),
        )

    def summary(self) -> dict[str, Any]:
        """What the stored conversation's metadata says about the bot (metrics read this)."""
        handoff = self._state.handoff
        return {
            "kb": self.bot.index.kb.name,
            "outcome": self.outcome,
            "handoff_reason": handoff.reason.value if handoff else None,
            "queue": handoff.route.queue if handoff else None,
            "decisions": [reply.decision.value for reply in self.replies],
            "answers": sum(1 for a in self._state.attempts if a.decision == "answer"),
            "failed_answers": sum(1 for a in self._state.attempts if a.outcome == "failed"),
        }

    # --- steps -------------------------------------------------------------------------------

    def _feedback(self, turn: Turn, annotation: TurnAnnotation) -> BotReply | None:
        state = self._state
        text = turn.text
        rest = _after_short_reply(text)
        if state.pending is not None:
            pending = state.pending
            state.pending = None
            if YES.match(text) and not NO.match(text):
                state.attempts[-1].outcome = "confirmed"
                return self._answer(
                    turn,
                    annotation,
                    pending.candidate,
                    pending.confidence,
                    reasons=["the customer confirmed the question"],
                )
            if NO.match(text) or DID_NOT_HELP.search(text):
                state.attempts[-1].outcome = "rejected"
                state.failed_in_row += 1
                if not content_terms(rest):
                    if state.failed_in_row >= self.bot.policy.failed_answers_for_handoff:
                        return self._hand_off(
                            turn,
                            annotation,
                            HandoffReason.FAILED_ANSWERS,
                            f"{state.failed_in_row} attempts in a row did not find the answer",
                            Quote(turn_id=turn.id, text=text),
                        )
                    return self._clarify(turn, annotation, None, opening="Sorry, I misunderstood.")
            return None
        if state.last_answer is not None:
            state.last_answer = None
            last = state.attempts[-1]
            if DID_NOT_HELP.search(text) or NO.match(text):
                last.outcome = "failed"
                state.failed_in_row += 1
                more = DID_NOT_HELP.sub("", rest)
                if state.failed_in_row < self.bot.policy.failed_answers_for_handoff:
                    if not content_terms(more):
                        return self._clarify(
                            turn, annotation, None, opening="Sorry that didn't help."
                        )
                    # "That didn't help, I sent them back two weeks ago": more about the same
                    # question, read with it.
                    state.context_query = _last_query(self, turn)
                return None
            if (HELPED.search(text) or YES.match(text)) and len(content_terms(text)) <= 4:
                last.outcome = "helped"
                state.failed_in_row = 0
                return self._close(turn, annotation, helped=True)
        if GOODBYE.search(text) and len(content_terms(text)) <= 3:
            return self._close(turn, annotation)
        return None

    def _trigger(
        self, turn: Turn, annotation: TurnAnnotation, retrieval: Retrieval | None
    ) -> tuple[HandoffReason, str, Quote] | None:
        state = self._state
        asked = asks_for_person(turn.text)
        if asked is not None:
            return (
                HandoffReason.ASKED_FOR_PERSON,
                f"asked for a person: “{asked.group()}”",
                Quote(turn_id=turn.id, text=_sentence_of(turn.text, asked.start())),
            )
        strong = strong_emotion(annotation, turn.text)
        if strong is not None:
            quote = annotation.emotion_quote or turn.text
            return (
                HandoffReason.STRONG_EMOTION,
                f"strong negative emotion: {strong}",
                Quote(turn_id=turn.id, text=quote),
            )
        if self._repeated(turn, annotation, retrieval):
            explicit = SAYS_REPEATING.search(turn.text)
            repeated = next((c for c in annotation.concerns if c.repeat_of), None)
            quote = (
                repeated.quote
                if repeated
                else (_sentence_of(turn.text, explicit.start()) if explicit else turn.text)
            )
            return (
                HandoffReason.REPEATED_CONCERN,
                "the customer had to repeat a concern",
                Quote(turn_id=turn.id, text=quote),
            )
        if state.failed_in_row >= self.bot.policy.failed_answers_for_handoff:
            return (
                HandoffReason.FAILED_ANSWERS,
                f"{state.failed_in_row} answers in a row did not help",
                Quote(turn_id=turn.id, text=turn.text),
            )
        language = annotation.language
        kb_language = self.bot.index.kb.language
        if language and kb_language and language.split("-")[0] != kb_language.split("-")[0]:
            return (
                HandoffReason.LANGUAGE,
                f"the customer writes in {language}; the knowledge base is in {kb_language}",
                Quote(turn_id=turn.id, text=turn.text),
            )
        return None

    def _repeated(
        self, turn: Turn, annotation: TurnAnnotation, retrieval: Retrieval | None
    ) -> bool:
        """The customer had to say it again: they say so ("as I said"), or the engine hears the
        same concern again and the bot has nothing new for it (the entry it would give was
        already tried, or none is likely). A similar but new question after a helpful answer
        ("how long does delivery take?", then "how much is delivery?") is not a repeat."""
        if not any(r.decision is not Decision.GREET for r in self.replies):
            return False
        if SAYS_REPEATING.search(turn.text) is not None:
            return True
        if not annotation.repeated_concern:
            return False
        if retrieval is None or retrieval.top is None:
            return True
        tried = {a.entry_id for a in self._state.attempts if a.outcome != "helped"}
        return retrieval.top.entry.id in tried or retrieval.confidence < self.bot.thresholds.confirm

    def _query(self, turn: Turn) -> str:
        """What to look up: after a clarifying question, a short reply is read with the message
        it clarifies ("the blue one" means nothing alone); after "that didn't help, …", the
        rest is read with the question it was about."""
        state = self._state
        if state.context_query:
            context, state.context_query = state.context_query, None
            return f"{context} {_without_feedback(turn.text)}"
        previous = state.last_clarified_query
        if previous and len(content_terms(turn.text)) < 6:
            return f"{previous} {turn.text}"
        return turn.text

    def _decide(self, turn: Turn, annotation: TurnAnnotation, retrieval: Retrieval) -> BotReply:
        state = self._state
        thresholds = self.bot.thresholds
        top = retrieval.top
        assert top is not None
        confidence = retrieval.confidence
        if top.entry.handoff and confidence >= thresholds.confirm:
            return self._hand_off(
                turn,
                annotation,
                HandoffReason.SENSITIVE_TOPIC,
                f"“{top.entry.question}” is handled by a person",
                Quote(turn_id=turn.id, text=turn.text),
                retrieval=retrieval,
            )
        if confidence >= thresholds.answer:
            already = next(
                (
                    a
                    for a in reversed(state.attempts)
                    if a.entry_id == top.entry.id and a.outcome == "failed"
                ),
                None,
            )
            if already is not None:
                return self._hand_off(
                    turn,
                    annotation,
                    HandoffReason.FAILED_ANSWERS,
                    "the only answer found is one that already did not help",
                    Quote(turn_id=turn.id, text=turn.text),
                    retrieval=retrieval,
                )
            return self._answer(
                turn,
                annotation,
                top,
                confidence,
                retrieval=retrieval,
                reasons=[f"confidence {confidence:.2f} ≥ answer threshold {thresholds.answer:.2f}"],
            )
        if confidence >= thresholds.confirm:
            return self._confirm(turn, annotation, retrieval)
        if out_of_scope(retrieval, thresholds) and len(content_terms(turn.text)) >= 2:
            return self._hand_off(
                turn,
                annotation,
                HandoffReason.OUT_OF_SCOPE,
                f"nothing in the knowledge base is close (best cosine {top.similarity:.2f}, "
                f"out of scope below {thresholds.out_of_scope_similarity:.2f})",
                Quote(turn_id=turn.id, text=turn.text),
                retrieval=retrieval,
            )
        if state.clarifications_in_row >= self.bot.policy.clarifications_before_handoff:
            return self._hand_off(
                turn,
                annotation,
                HandoffReason.OUT_OF_SCOPE,
                "still no confident match after a clarifying question",
                Quote(turn_id=turn.id, text=turn.text),
                retrieval=retrieval,
            )
        return self._clarify(turn, annotation, retrieval)

    # --- replies -----------------------------------------------------------------------------

    def _opening(self, turn: Turn, annotation: TurnAnnotation) -> tuple[str, list[str]]:
        """How the reply starts: an empathy line for an upset customer, grounded in their
        words; a short acknowledgement when they explained something; nothing otherwise."""
        if upset(annotation, turn.text):
            opener = self._suggestion(turn, SuggestionKind.EMPATHY_OPENER)
            if opener is not None and (
                len(opener.grounded_in) < 2 or PROBLEM.search(opener.grounded_in[-1].quote)
            ):
                return opener.text, ["empathy"]
            # No problem stated to name ("I'm sorry you returned the shoes" would be odd): a
            # line that names the feeling only.
            emotion = annotation.emotion.value if annotation.emotion else "frustration"
            if emotion not in {"anger", "frustration", "anxiety", "sadness"}:
                emotion = "frustration"
            fallback = self.openers.choose(
                BOT_AGENT_ID, emotion, seed=f"{self.id}:{turn.id}", with_situation=False
            )
            if fallback is not None:
                return fallback.render(None), ["empathy"]
        if annotation.concerns and len(content_terms(turn.text)) >= 6:
            return acknowledgement(f"{self.id}:{turn.id}"), ["acknowledgement"]
        return "", []

    def _restatement(self, turn: Turn) -> str:
        if is_feedback(turn.text):
            return ""  # "So that didn't help" restates nothing worth restating
        paraphrase = self._suggestion(turn, SuggestionKind.PARAPHRASE)
        inner = inner_paraphrase(paraphrase.text) if paraphrase else None
        return restated(inner) if inner else ""

    def _answer(
        self,
        turn: Turn,
        annotation: TurnAnnotation,
        candidate: Candidate,
        confidence: float,
        *,
        reasons: list[str],
        retrieval: Retrieval | None = None,
    ) -> BotReply:
        state = self._state
        opening, behaviours = self._opening(turn, annotation)
        entry = candidate.entry
        calm_tone = self._upset_now(turn, annotation)
        answer = plain(entry.answer)
        answer = calm(answer) if calm_tone else answer
        check = "Did that answer your question?"
        text = _join(opening, answer, _links(entry), check)
        state.attempts.append(
            Attempt(
                turn_id=f"t{len(self.turns) + 1}",
                decision="answer",
                entry_id=entry.id,
                entry_question=entry.question,
                confidence=round(confidence, 4),
            )
        )
        state.last_answer = entry.id
        state.clarifications_in_row = 0
        state.last_clarified_query = None
        return self._say(
            text,
            Decision.ANSWER,
            annotation,
            confidence=confidence,
            candidate=candidate,
            retrieval=retrieval,
            reasons=reasons,
            behaviours=[*behaviours, "follow_up"],
        )

    def _confirm(self, turn: Turn, annotation: TurnAnnotation, retrieval: Retrieval) -> BotReply:
        state = self._state
        top = retrieval.top
        assert top is not None
        opening, behaviours = self._opening(turn, annotation)
        restatement = self._restatement(turn)
        if restatement:
            behaviours.append("paraphrase")
        text = _join(opening, restatement, confirmation(top.entry))
        state.pending = _Pending(top, retrieval.confidence, turn.text)
        state.attempts.append(
            Attempt(
                turn_id=f"t{len(self.turns) + 1}",
                decision="confirm",
                entry_id=top.entry.id,
                entry_question=top.entry.question,
                confidence=round(retrieval.confidence, 4),
            )
        )
        thresholds = self.bot.thresholds
        return self._say(
            text,
            Decision.CONFIRM,
            annotation,
            confidence=retrieval.confidence,
            candidate=top,
            retrieval=retrieval,
            behaviours=[*behaviours, "clarifying_question"],
            reasons=[
                f"confidence {retrieval.confidence:.2f} is between the confirm "
                f"({thresholds.confirm:.2f}) and answer ({thresholds.answer:.2f}) "
                "thresholds: check first"
            ],
        )

    def _clarify(
        self,
        turn: Turn,
        annotation: TurnAnnotation,
        retrieval: Retrieval | None,
        *,
        opening: str = "",
    ) -> BotReply:
        state = self._state
        start, behaviours = self._opening(turn, annotation)
        if opening:
            # "Sorry, I misunderstood": owning the miss is the acknowledgement here.
            start, behaviours = opening, ["acknowledgement"]
        restatement = self._restatement(turn) if retrieval is not None else ""
        if restatement:
            behaviours.append("paraphrase")
        floor = self.bot.thresholds.out_of_scope_similarity
        near = [c for c in (retrieval.candidates if retrieval else []) if c.similarity >= floor][:2]
        if len(near) == 2:
            question = (
                "I want to be sure I give you the right answer: is it about "
                f"“{near[0].entry.question}” or “{near[1].entry.question}” — or something else?"
            )
        else:
            question = (
                "Could you tell me a bit more about what you need, so I find the right answer?"
            )
        text = _join(start, restatement, question)
        state.clarifications_in_row += 1
        state.last_clarified_query = (
            turn.text if retrieval is not None else state.last_clarified_query
        )
        state.attempts.append(
            Attempt(
                turn_id=f"t{len(self.turns) + 1}",
                decision="clarify",
                confidence=round(retrieval.confidence, 4) if retrieval else None,
            )
        )
        reasons = (
            [
                f"confidence {retrieval.confidence:.2f} < confirm threshold "
                f"{self.bot.thresholds.confirm:.2f}: ask"
            ]
            if retrieval
            else ["the customer said the bot misunderstood"]
        )
        return self._say(
            text,
            Decision.CLARIFY,
            annotation,
            confidence=retrieval.confidence if retrieval else None,
            retrieval=retrieval,
            reasons=reasons,
            behaviours=[*behaviours, "clarifying_question"],
        )

    def _close(self, turn: Turn, annotation: TurnAnnotation, *, helped: bool = False) -> BotReply:
        if self._upset_now(turn, annotation):
            text = "Thank you for bearing with me. Is there anything else I can help with?"
        elif helped:
            text = "Glad that helped. Is there anything else I can help with?"
        else:
            text = "Thanks for getting in touch. If anything else comes up, I'm here."
        return self._say(
            text,
            Decision.CLOSE,
            annotation,
            reasons=["the customer is done"],
            behaviours=["follow_up"] if helped else [],
        )

    def _hand_off(
        self,
        turn: Turn,
        annotation: TurnAnnotation,
        reason: HandoffReason,
        detail: str,
        evidence: Quote,
        *,
        retrieval: Retrieval | None = None,
    ) -> BotReply:
        opening, behaviours = self._opening(turn, annotation)
        first = {
            HandoffReason.ASKED_FOR_PERSON: "Of course — I'll bring in a colleague.",
            HandoffReason.STRONG_EMOTION: "I'm bringing in a colleague who can sort this out "
            "with you.",
            HandoffReason.REPEATED_CONCERN: "I'm sorry you've had to say that again. I'm "
            "bringing in a colleague.",
            HandoffReason.OUT_OF_SCOPE: "That's not something I can answer well here, so I'm "
            "bringing in a colleague who can.",
            HandoffReason.FAILED_ANSWERS: "I'm sorry my answers haven't solved this. I'm "
            "bringing in a colleague.",
            HandoffReason.SENSITIVE_TOPIC: "This is something a colleague should handle "
            "personally, so I'm bringing one in.",
            HandoffReason.LANGUAGE: "I'm bringing in a colleague who can help you in your "
            "language.",
        }[reason]
        text = _join(
            opening if reason is not HandoffReason.ASKED_FOR_PERSON or opening else "",
            first,
            "I've passed on what you told me, so you won't need to repeat it.",
        )
        text = calm(text) if self._upset_now(turn, annotation) else text
        reply = self._say(
            text,
            Decision.HANDOFF,
            annotation,
            retrieval=retrieval,
            confidence=retrieval.confidence if retrieval else None,
            reasons=[detail],
            behaviours=behaviours,
            handoff=reason,
        )
        from heard.bot.packet import build_packet

        self._state.handoff = build_packet(
            self, reason, detail, evidence, retrieval, created_at=self._now()
        )
        return reply

    def _waiting(self, turn: Turn, annotation: TurnAnnotation) -> BotReply:
        handoff = self._state.handoff
        assert handoff is not None
        from heard.bot.packet import build_packet

        # The colleague should see what was said while they were on their way, too.
        self._state.handoff = build_packet(
            self,
            handoff.reason,
            handoff.reason_detail,
            handoff.evidence,
            None,
            created_at=handoff.created_at,
        )
        return self._say(
            "A colleague will be with you shortly; they have everything you've told me.",
            Decision.HANDOFF,
            annotation,
            reasons=["already handed off"],
            handoff=handoff.reason,
        )

    # --- helpers -----------------------------------------------------------------------------

    def _upset_now(self, turn: Turn, annotation: TurnAnnotation) -> bool:
        """Upset now, or in one of the two messages before and not thanking the bot since."""
        if upset(annotation, turn.text):
            return True
        if annotation.emotion is Emotion.GRATITUDE:
            return False
        earlier = [(t, a) for t, a in self._customer_annotations() if t.id != turn.id][-2:]
        return any(upset(a, t.text) for t, a in earlier)

    def _customer_annotations(self) -> list[tuple[Turn, TurnAnnotation]]:
        by_id = {a.id: a for a in self._assist.annotations}
        return [(t, by_id[t.id]) for t in self.turns if t.role is Role.CUSTOMER and t.id in by_id]

    def _suggestion(self, turn: Turn, kind: SuggestionKind) -> Suggestion | None:
        return next((s for s in self._suggestions.get(turn.id, []) if s.kind is kind), None)

    def _language(self) -> str | None:
        languages = [a.language for _, a in self._customer_annotations() if a.language]
        return max(set(languages), key=languages.count) if languages else None

    def _say(
        self,
        text: str,
        decision: Decision,
        annotation: TurnAnnotation | None,
        *,
        confidence: float | None = None,
        candidate: Candidate | None = None,
        retrieval: Retrieval | None = None,
        reasons: list[str] | None = None,
        behaviours: list[str] | None = None,
        handoff: HandoffReason | None = None,
    ) -> BotReply:
        upset_now = (
            annotation is not None
            and bool(self.turns)
            and self._upset_now(self.turns[-1], annotation)
        )
        turn = Turn(id=f"t{len(self.turns) + 1}", role=Role.BOT, text=text, time=self._now())
        self.turns.append(turn)
        # The engine reads the bot's turn as an agent's, so repetition and unanswered concerns
        # are judged as they would be with a person.
        self._assist.add_turn(Turn(id=turn.id, role=Role.AGENT, text=text, time=turn.time))
        chosen = candidate or (retrieval.top if retrieval else None)
        reply = BotReply(
            session_id=self.id,
            turn_id=turn.id,
            text=text,
            decision=decision,
            confidence=None if confidence is None else round(confidence, 4),
            entry_id=chosen.entry.id if chosen and decision is not Decision.CLARIFY else None,
            entry_question=chosen.entry.question
            if chosen and decision is not Decision.CLARIFY
            else None,
            links=[link.model_dump() for link in chosen.entry.links]
            if chosen and decision is Decision.ANSWER
            else [],
            evidence=chosen.evidence() if chosen else None,
            alternatives=[c.evidence() for c in retrieval.candidates[1:]] if retrieval else [],
            reasons=reasons or [],
            behaviours=behaviours or [],
            tone="calm" if upset_now else "neutral",
            emotion=EmotionNow(
                emotion=annotation.emotion.value if annotation and annotation.emotion else None,
                intensity=annotation.intensity if annotation else None,
                quote=annotation.emotion_quote if annotation else None,
            ),
            handoff=handoff,
        )
        self.replies.append(reply)
        return reply


def _utc_now() -> datetime:
    return datetime.now(UTC)


def is_feedback(text: str) -> bool:
    """A reply about the bot's last move ("no", "that didn't help") rather than the issue."""
    return NO.match(text) is not None or DID_NOT_HELP.search(text) is not None


def _without_feedback(text: str) -> str:
    return DID_NOT_HELP.sub("", _after_short_reply(text)).strip(" ,.;-")


def _last_query(session: BotSession, turn: Turn) -> str | None:
    """The customer's message the bot last answered or confirmed."""
    by_id = {t.id: t for t in session.turns}
    for attempt in reversed(session._state.attempts):
        if attempt.decision in ("answer", "confirm"):
            number = int(attempt.turn_id[1:]) - 1
            asked = by_id.get(f"t{number}")
            if asked is not None and asked.id != turn.id and asked.role is Role.CUSTOMER:
                return asked.text
    return None


def _join(*parts: str) -> str:
    return " ".join(part.strip() for part in parts if part and part.strip())


def _links(entry: Entry) -> str:
    if not entry.links:
        return ""
    return "More: " + "; ".join(f"{link.title} ({link.url})" for link in entry.links) + "."


def _after_short_reply(text: str) -> str:
    """The text after a leading yes/no ("No, I meant the refund" → "I meant the refund")."""
    return re.sub(
        r"^\W*(?:yes|yeah|yep|no|nope|nah|not really|not quite)\b[\s,.!-]*",
        "",
        text,
        flags=re.IGNORECASE,
    )


def _sentence_of(text: str, position: int) -> str:
    for sentence in split_sentences(text):
        if sentence.start <= position < sentence.end:
            return sentence.text
    return text.strip()
