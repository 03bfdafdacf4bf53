"""The simulated customer: a state machine driven by what the listening engine hears.

Each agent turn is annotated by the engine (through an :class:`heard.assist.AssistSession`,
which also gives the per-turn nudges and the hints). The simulator then reads the turn against
the scenario: a fitting clarifying question draws out a hidden fact, a restatement is confirmed
or corrected, acknowledged worries and genuine empathy calm the customer, interruptions,
dismissive words and ignored worries upset them. Every change of mood is an :class:`Effect` with
its reason, so feedback can say *why* ("the customer calmed because you acknowledged the
deadline"). The customer's words come from the scenario's phrase banks, chosen by a seeded
random generator: the same seed and the same agent turns give the same conversation.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from heard.assist import AssistSession, AssistUpdate, Nudge, OpenerMemory, SuggestionKind
from heard.conversation import Channel, Conversation, Role, Turn
from heard.listening.detectors.questions import is_question
from heard.listening.model import TurnAnnotation
from heard.listening.text import split_sentences, words
from heard.training.matching import (
    mentions,
    numbers,
    question_sentences,
    restatements,
    sentence_texts,
    similarity,
)
from heard.training.scenario import Concern, Fact, Scenario

Outcome = Literal["resolved", "escalated", "abandoned"]

# A question this close in meaning to one of a fact's example questions fits it.
QUESTION_MEANING = 0.62
# An agent sentence this close to a concern (in the customer's words) addresses it.
CONCERN_MEANING = 0.6
# Calming moves count less each time they recur: one line said again is not listening again.
DIMINISHING = 0.5
EMPATHY_GENERIC = 0.6  # empathy not tied to the customer's words
EMPATHY_SCRIPTED = 0.3  # the same line again and again
# Labels that show the agent engaged with what the customer said.
ATTENTIVE = frozenset(
    {
        "acknowledgement",
        "paraphrase",
        "empathy",
        "reassurance",
        "ownership",
        "solution",
        "timeline",
        "follow_up",
    }
)
# Labels of a turn that may be proposing a way forward (a fix, a wait, a promise).
OFFERING = frozenset({"solution", "reassurance", "ownership", "timeline", "follow_up"})
CALMING_LABELS = ("acknowledgement", "reassurance", "ownership", "timeline", "follow_up")
NEED_PHRASES = {
    "timeline": "ask_timeline",
    "follow_up": "ask_follow_up",
    "ownership": "ask_ownership",
}
# Seconds on the simulated clock: replies are not instant, and an interruption comes fast.
CHAT_REPLY = 30.0
EMAIL_REPLY = 3600.0
CHAT_BURST = 8.0
INTERRUPT_AFTER = 4.0
SPEECH_WORDS_PER_SECOND = 2.6
VOICE_GAP = 0.8
VOICE_OVERLAP = 1.5
STARTED = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)

MOOD_WORDS: dict[str, tuple[str, str, str, str, str]] = {
    "anxiety": ("calm", "a little uneasy", "worried", "very worried", "panicking"),
    "frustration": ("calm", "a little annoyed", "frustrated", "very frustrated", "furious"),
    "anger": ("calm", "annoyed", "angry", "very angry", "furious"),
    "sadness": ("calm", "low", "sad", "very upset", "distraught"),
    "confusion": ("calm", "unsure", "confused", "very confused", "lost"),
    "neutral": ("calm", "calm", "calm", "calm", "calm"),
    "gratitude": ("relieved", "relieved", "relieved", "relieved", "relieved"),
}


class SessionOverError(RuntimeError):
    """The conversation has ended (resolved, escalated or abandoned)."""


class Mood(BaseModel):
    emotion: str
    intensity: float = Field(ge=0, le=1)
    label: str = Field(description="In words: 'very worried'.")


class Effect(BaseModel):
    """One thing that moved the customer, and why."""

    event: str
    delta: float = Field(description="Change in intensity: negative calms, positive upsets.")
    because: str = Field(description="'you acknowledged the deadline'")
    quote: str | None = Field(default=None, description="The agent's words that did it.")


class CustomerMessage(BaseModel):
    turn_id: str
    text: str
    delay_seconds: float = Field(
        default=0.0, description="Show it this long after the previous one (a burst)."
    )
    pending: bool = Field(
        default=False,
        description="Still being typed: replying before it shows is an interruption.",
    )


class LabelNote(BaseModel):
    label: str
    quote: str
    note: str


class TurnFeedback(BaseModel):
    """What the agent's turn did, what it missed, and how the customer took it."""

    turn_id: str
    did: list[LabelNote] = Field(default_factory=list)
    missed: list[str] = Field(default_factory=list)
    effects: list[Effect] = Field(default_factory=list)
    revealed: list[str] = Field(default_factory=list, description="Facts drawn out, described.")
    mood_before: Mood
    mood_after: Mood
    explanation: str
    nudges: list[Nudge] = Field(default_factory=list)


class TurnResult(BaseModel):
    customer: list[CustomerMessage]
    feedback: TurnFeedback
    mood: Mood
    outcome: Outcome | None = None
    done: bool = False


class Voice(Protocol):
    """Something that rephrases what the state machine decided the customer says."""

    def voice(self, text: str, scenario: Scenario) -> str: ...


LABEL_NOTES = {
    "acknowledgement": "you showed you were following",
    "paraphrase": "you restated their issue in your own words",
    "clarifying_question": "you asked to understand their situation",
    "empathy": "you responded to how they feel",
    "reassurance": "you reassured them",
    "ownership": "you took ownership",
    "solution": "you gave information or a next step",
    "timeline": "you said when",
    "follow_up": "you committed to follow up",
    "interruption": "you replied before they had finished",
    "dismissive": "this can sound dismissive",
    "assumption": "you assumed something without checking",
}
NUDGE_FOR_MISSED = frozenset(
    {
        "unacknowledged_emotion",
        "issue_not_confirmed",
        "interrogation",
        "repeat_unaddressed",
        "language_mismatch",
        "closing_checklist",
        "talking_over",
    }
)


@dataclass
class _Clock:
    """Simulated time, so the engine's timing rules (replies mid-burst, overlap) apply."""

    channel: Channel
    now: float = 0.0
    last_customer_end: float = 0.0

    def customer(self, text: str, *, burst: bool = False) -> dict[str, Any]:
        if self.channel is Channel.VOICE:
            start = self.now + (0.3 if burst else VOICE_GAP)
            end = start + max(1.0, len(words(text)) / SPEECH_WORDS_PER_SECOND)
            self.now = self.last_customer_end = end
            return {"start": round(start, 2), "end": round(end, 2)}
        self.now += CHAT_BURST if burst else 5.0
        return {"time": STARTED + timedelta(seconds=self.now)}

    def agent(self, text: str, *, interrupting: bool) -> dict[str, Any]:
        if self.channel is Channel.VOICE:
            start = self.last_customer_end - VOICE_OVERLAP if interrupting else self.now + VOICE_GAP
            start = max(0.0, start)
            end = start + max(1.0, len(words(text)) / SPEECH_WORDS_PER_SECOND)
            self.now = max(self.now, end)
            return {"start": round(start, 2), "end": round(end, 2)}
        if interrupting:
            self.now += INTERRUPT_AFTER
        else:
            self.now += EMAIL_REPLY if self.channel is Channel.EMAIL else CHAT_REPLY
        return {"time": STARTED + timedelta(seconds=self.now)}


@dataclass
class _Reaction:
    """What one agent turn did to the customer: effects, and what they will say, in order."""

    effects: list[Effect] = field(default_factory=list)
    say: list[str] = field(default_factory=list)
    revealed: list[Fact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repeated: set[str] = field(default_factory=set)


@dataclass
class TranscriptEntry:
    role: str
    turn_id: str
    text: str
    labels: list[str] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)
    intensity: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "turn_id": self.turn_id,
            "text": self.text,
            "labels": self.labels,
            "effects": self.effects,
            "intensity": self.intensity,
        }


class Simulator:
    """One role-play: the scenario's customer, answering one agent turn at a time."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int = 0,
        trainee_id: str | None = None,
        voice: Voice | None = None,
        assist: AssistSession | None = None,
        openers: OpenerMemory | None = None,
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.trainee_id = trainee_id
        self.voice = voice
        channel = Channel(scenario.channel)
        self.assist = assist or AssistSession(
            Conversation(
                id=f"training-{scenario.id}-{seed}",
                channel=channel,
                language=scenario.language.code,
                agent_id=trainee_id,
                metadata={"training": True, "scenario": scenario.id, "seed": seed},
            ),
            # The suggestions' empathy openers rotate through a memory shared across sessions:
            # a session rebuilt by replay is given back the ones it was offered.
            openers=openers,
        )
        self._clock = _Clock(channel)
        self.intensity = scenario.emotion.intensity
        self.outcome: Outcome | None = None
        self.revealed: list[str] = []
        self.raised: list[str] = []
        self.acknowledged: list[str] = []
        self._ignored: Counter[str] = Counter()
        self.repeats: Counter[str] = Counter()
        self._counts: Counter[str] = Counter()
        self.labels_seen: set[str] = set()
        self.solution_turn: str | None = None
        self.paraphrase_confirmed = False
        self.restated: list[str] = []
        self.agent_turns = 0
        self.transcript: list[TranscriptEntry] = []
        self.feedback: list[TurnFeedback] = []
        self._pending: list[str] = []
        self._last_choice: dict[str, int] = {}
        self._last_update: AssistUpdate | None = None
        self._started = False

    # --- public API -------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.outcome is not None

    @property
    def conversation(self) -> Conversation:
        return self.assist.conversation

    @property
    def annotations(self) -> list[TurnAnnotation]:
        return self.assist.annotations

    def mood(self) -> Mood:
        return mood_of(self.scenario, self.intensity, self.outcome)

    def start(self) -> list[CustomerMessage]:
        """The customer's opening: the first message now, the rest of a burst still coming."""
        if self._started:
            raise RuntimeError("the session has already started")
        self._started = True
        for concern in self.scenario.concerns:
            if concern.raised_with is None:
                self.raised.append(concern.id)
        first, *rest = self.scenario.opening
        turn_id = self._add_customer(first)
        messages = [CustomerMessage(turn_id=turn_id, text=first)]
        self._pending = list(rest)
        base = len(self.conversation.turns)
        for offset, text in enumerate(rest, start=1):
            messages.append(
                CustomerMessage(
                    turn_id=f"t{base + offset}", text=text, delay_seconds=3.0, pending=True
                )
            )
        return messages

    def agent_turn(self, text: str, *, interrupted: bool = False) -> TurnResult:
        """Answer one agent turn. ``interrupted``: sent before the customer had finished (a
        burst still being typed, or, on a call, while they were still speaking)."""
        if not self._started:
            self.start()
        if self.done:
            raise SessionOverError(f"the conversation is over ({self.outcome})")
        text = " ".join(text.split()) if "\n" not in text else text.strip()
        if not text:
            raise ValueError("an agent turn needs some text")
        before = self.mood()
        voice = self._clock.channel is Channel.VOICE
        interrupting = interrupted and (bool(self._pending) or voice)
        delivered: list[CustomerMessage] = []
        if not interrupting:
            self._deliver_pending()
        update = self.assist.add_turn(
            Turn(role=Role.AGENT, text=text, **self._clock.agent(text, interrupting=interrupting))
        )
        agent_index = len(self.conversation.turns) - 1
        agent_id = self.conversation.turns[agent_index].id
        entry = TranscriptEntry(role="agent", turn_id=agent_id, text=text)
        self.transcript.append(entry)
        if interrupting and self._pending:
            delivered = self._deliver_pending()
        self.agent_turns += 1
        # Read after the burst is delivered: the customer carrying on is what marks the turn
        # as an interruption (the engine's look-ahead).
        annotation = self.annotations[agent_index]
        reaction = self._react(annotation, text)
        for effect in reaction.effects:
            self.intensity = min(1.0, max(0.0, self.intensity + effect.delta))
        self._settle(reaction)
        reply = self._compose(reaction)
        if self.voice is not None:
            reply = self.voice.voice(reply, self.scenario)
        entry.labels = list(annotation.labels)
        entry.effects = [e.model_dump() for e in reaction.effects]
        reply_id = self._add_customer(reply)
        after = self.mood()
        feedback = self._feedback(agent_id, annotation, update, reaction, before, after)
        self.feedback.append(feedback)
        messages = [*delivered, CustomerMessage(turn_id=reply_id, text=reply)]
        return TurnResult(
            customer=messages,
            feedback=feedback,
            mood=after,
            outcome=self.outcome,
            done=self.done,
        )

    def abandon(self) -> None:
        """The trainee stopped before the end."""
        if self.outcome is None:
            self.outcome = "abandoned"

    def hints(self) -> list[str]:
        """What to try next: the scenario's open threads first, then the assistant's lines."""
        found: list[str] = []
        scenario = self.scenario
        for concern_id in self.raised:
            if concern_id not in self.acknowledged:
                concern = scenario.concern(concern_id)
                found.append(f"They are worried about {concern.label}: acknowledge it in words.")
                break
        if not self.paraphrase_confirmed:
            found.append("Check you have understood: restate the problem in your own words.")
        for fact in scenario.facts:
            if fact.id in self.revealed or fact.id not in scenario.resolution.facts:
                continue
            kind = "an open question" if fact.reveal.question == "open" else "a question"
            example = f' (e.g. "{fact.reveal.examples[0]}")' if fact.reveal.examples else ""
            found.append(f"You haven't found out {fact.hint} yet: ask {kind}{example}.")
            break
        if self.solution_turn is None and all(
            f in self.revealed for f in scenario.resolution.facts
        ):
            found.append("You know enough to offer a concrete solution now.")
        for need in scenario.resolution.needs:
            if need not in self.labels_seen and self.solution_turn is not None:
                found.append(f"They still need {need.replace('_', ' ')}: say it explicitly.")
        update = self._last_update
        if update is not None:
            for suggestion in update.suggestions:
                if suggestion.kind is SuggestionKind.CLOSING_CHECKLIST:
                    continue
                name = suggestion.kind.value.replace("_", " ")
                article = "An" if name[0] in "aeiou" else "A"
                found.append(f"{article} {name} you could use: “{suggestion.text}”")
        return found

    # --- the customer's side ----------------------------------------------------------------

    def _add_customer(self, text: str, *, burst: bool = False) -> str:
        self._last_update = self.assist.add_turn(
            Turn(role=Role.CUSTOMER, text=text, **self._clock.customer(text, burst=burst))
        )
        turn = self.conversation.turns[-1]
        self.transcript.append(
            TranscriptEntry(
                role="customer", turn_id=turn.id, text=text, intensity=round(self.intensity, 3)
            )
        )
        return turn.id

    def _deliver_pending(self) -> list[CustomerMessage]:
        delivered = []
        while self._pending:
            text = self._pending.pop(0)
            delivered.append(
                CustomerMessage(turn_id=self._add_customer(text, burst=True), text=text)
            )
        return delivered

    def _choose(self, key: str, lines: list[str] | None = None, **values: str) -> str:
        """A line from a phrase bank: seeded by the session, the turn and the bank, and never
        the same line twice in a row from one bank."""
        bank = lines if lines is not None else self.scenario.lines(key)
        rng = random.Random(f"{self.seed}|{self.agent_turns}|{key}")
        index = rng.randrange(len(bank))
        if len(bank) > 1 and self._last_choice.get(key) == index:
            index = (index + 1) % len(bank)
        self._last_choice[key] = index
        line = bank[index]
        return line.format(**values) if values else line

    # --- reading the agent's turn -----------------------------------------------------------

    def _effect(
        self, reaction: _Reaction, event: str, because: str, quote: str | None, scale: float = 1.0
    ) -> None:
        emotion = self.scenario.emotion
        if event == "time_pressure" and event not in emotion.effects:
            base = self.scenario.time_pressure.per_turn
        else:
            base = emotion.effect(event)
        delta = base * scale
        if delta < 0:
            delta *= DIMINISHING ** self._counts[event]
        self._counts[event] += 1
        reaction.effects.append(
            Effect(event=event, delta=round(delta, 4), because=because, quote=quote)
        )

    def _react(self, annotation: TurnAnnotation, text: str) -> _Reaction:
        scenario = self.scenario
        reaction = _Reaction()
        labels = set(annotation.labels)
        self.labels_seen |= labels

        def quote(label: str) -> str | None:
            hit = annotation.hit(label)
            return hit.quote if hit else None

        # Hurtful moves first: they colour everything after them.
        if "interruption" in labels:
            self._effect(
                reaction,
                "interruption",
                "you replied before they had finished",
                quote("interruption"),
            )
            reaction.say.append(self._choose("protest_interrupted"))
        if "dismissive" in labels:
            self._effect(
                reaction, "dismissive", "your words sounded dismissive", quote("dismissive")
            )
            reaction.say.append(self._choose("dismissed"))
        if "assumption" in labels:
            self._effect(
                reaction, "assumption", "you assumed something without asking", quote("assumption")
            )
            reaction.say.append(self._choose("assumed"))

        confusing = self._confusing(text)
        if confusing is not None:
            self._effect(reaction, "confusing", confusing[0], confusing[1])
            reaction.say.append(self._choose("confused"))
            reaction.notes.append(
                "They did not understand that turn, so nothing else in it landed: use short "
                "sentences and everyday words."
            )
        else:
            self._misreadings(reaction, text)
            self._paraphrase(reaction, annotation, text)
            if "clarifying_question" in labels:
                self._questions(reaction, text)
            self._concerns(reaction, annotation, text)
            self._calming(reaction, annotation, labels)
            if labels & OFFERING:
                self._solution(reaction, text, labels)
        self._ignored_concerns(reaction)
        if self.agent_turns > scenario.time_pressure.patience_turns:
            deadline = scenario.time_pressure.deadline
            because = "time is passing and nothing is settled yet" + (
                f" ({deadline})" if deadline else ""
            )
            self._effect(reaction, "time_pressure", because, None)
        if not reaction.effects and not reaction.say:
            self._effect(
                reaction, "no_listening", "nothing in that turn showed you had heard them", None
            )
        return reaction

    def _confusing(self, text: str) -> tuple[str, str] | None:
        needs = self.scenario.language
        if not needs.plain_language:
            return None
        word = mentions(text, needs.confusing_words) if needs.confusing_words else None
        if word is not None:
            return f"they did not understand “{word}”", word
        for sentence in split_sentences(text):
            if len(words(sentence.text)) > needs.max_sentence_words:
                return (
                    f"a sentence of {len(words(sentence.text))} words lost them",
                    sentence.text,
                )
        return None

    def _misreadings(self, reaction: _Reaction, text: str) -> None:
        # Only statements: asking "have you restarted it?" checks; saying "restart it" presumes.
        statements = " ".join(s.text for s in split_sentences(text) if not is_question(s))
        for misreading in self.scenario.misreadings:
            word = mentions(statements, misreading.mentions)
            if word is not None:
                self._effect(reaction, "misreading", misreading.reason, word)
                reaction.say.append(self._choose(f"misreading:{word}", list(misreading.says)))
                return

    def _covers(self, concern: Concern, texts: list[str]) -> bool:
        joined = " ".join(texts)
        if mentions(joined, concern.keywords):
            return True
        return similarity(texts, list(concern.says)) >= CONCERN_MEANING

    def _paraphrase(self, reaction: _Reaction, annotation: TurnAnnotation, text: str) -> None:
        leads = restatements(text)
        if not annotation.has("paraphrase") and not leads:
            return
        hit = annotation.hit("paraphrase")
        parts = [hit.quote] if hit else []
        parts += [s.text for s in leads]
        if not parts:
            return
        quote = parts[0]
        customer_text = " ".join(t.text for t in self.conversation.turns if t.role is Role.CUSTOMER)
        wrong = [n for n in numbers(" ".join(parts)) if n not in customer_text]
        raised = [self.scenario.concern(c) for c in self.raised]
        covered = [c for c in raised if self._covers(c, parts)]
        facts = [self.scenario.fact(f) for f in self.revealed]
        restated_facts = [
            f
            for f in facts
            if (f.value and f.value in " ".join(parts))
            or similarity(parts, [*f.says, f.description]) >= CONCERN_MEANING
        ]
        if wrong:
            values = [f.value for f in facts if f.value]
            correction = (
                f"It's {values[0]}, not {wrong[0]}." if values else f"I never said {wrong[0]}."
            )
            self._effect(
                reaction, "paraphrase_corrected", f"you got a detail wrong ({wrong[0]})", quote
            )
            reaction.say.append(self._choose("correct", correction=correction))
        elif not covered and not restated_facts:
            unheard = [c for c in raised if c.id not in self.acknowledged]
            main = (unheard or raised or list(self.scenario.concerns))[0]
            correction = self._choose(f"says:{main.id}", list(main.says))
            self._effect(
                reaction,
                "paraphrase_corrected",
                f"your restatement missed {main.label}",
                quote,
            )
            reaction.say.append(self._choose("correct", correction=correction))
        else:
            # Only what was never heard is worth adding: a second restatement of a new worry
            # does not have to repeat the first, nor one already acknowledged.
            missing = [
                c
                for c in raised
                if c not in covered and c.id not in self.restated and c.id not in self.acknowledged
            ]
            self.paraphrase_confirmed = True
            for concern in covered:
                self._acknowledge(concern)
                if concern.id not in self.restated:
                    self.restated.append(concern.id)
            what = covered[0].label if covered else restated_facts[0].hint
            if missing:
                line = self._choose(f"says:{missing[0].id}", list(missing[0].says))
                reaction.say.append(self._choose("confirm_partly", missing=line))
                because = f"you restated {what} (they added {missing[0].label})"
            else:
                reaction.say.append(self._choose("confirm"))
                because = "you restated the problem and got it right"
            self._effect(reaction, "paraphrase", because, quote)

    def _questions(self, reaction: _Reaction, text: str) -> None:
        asked = question_sentences(text)
        answered = False
        for sentence, kind in asked:
            fact = self._fitting_fact(sentence.text)
            if fact is None:
                continue
            answered = True
            if fact.id in self.revealed:
                if fact.value and fact.value in sentence.text:
                    reaction.say.append("Yes.")
                    continue
                self._effect(
                    reaction, "asked_again", f"you asked again about {fact.hint}", sentence.text
                )
                said = self._choose(f"fact:{fact.id}", list(fact.says))
                reaction.say.append(self._choose("already_told", fact=said))
            elif fact.reveal.question == "open" and kind != "open":
                reaction.say.append(self._choose("closed_answer"))
                reaction.notes.append(
                    f"A closed question about {fact.hint} got a short answer: an open one "
                    "(what, how, tell me…) lets them tell you more."
                )
            elif fact not in reaction.revealed:
                reaction.revealed.append(fact)
                self.revealed.append(fact.id)
                reaction.say.append(self._choose(f"fact:{fact.id}", list(fact.says)))
                self._effect(
                    reaction, "clarifying_question", f"you asked about {fact.hint}", sentence.text
                )
                for concern in self.scenario.concerns:
                    if concern.raised_with == fact.id and concern.id not in self.raised:
                        self.raised.append(concern.id)
                        reaction.say.append(self._choose(f"says:{concern.id}", list(concern.says)))
        if asked and not answered:
            reaction.say.append(self._choose("no_info"))
            reaction.notes.append(
                "That question did not lead anywhere: ask about what they have told you."
            )

    def _fitting_fact(self, question: str) -> Fact | None:
        best: tuple[float, Fact] | None = None
        for fact in self.scenario.facts:
            if mentions(question, fact.reveal.about):
                score = 1.0
            elif fact.reveal.examples:
                score = similarity([question], list(fact.reveal.examples))
                if score < QUESTION_MEANING:
                    continue
            else:
                continue
            # An unrevealed fact is the better answer to a question that fits two.
            score += 0.5 if fact.id not in self.revealed else 0.0
            if best is None or score > best[0]:
                best = (score, fact)
        return best[1] if best else None

    def _acknowledge(self, concern: Concern) -> None:
        if concern.id not in self.acknowledged:
            self.acknowledged.append(concern.id)
        self._ignored[concern.id] = 0

    def _concerns(self, reaction: _Reaction, annotation: TurnAnnotation, text: str) -> None:
        labels = set(annotation.labels)
        if labels & {"dismissive", "assumption"}:
            return  # naming a worry while dismissing it does not count as hearing it
        # A worry is heard when the turn engages with what they said (an attentive label), or
        # states it back in so many words ("it's your decision"), not when it is only asked.
        if labels & ATTENTIVE:
            sentences = sentence_texts(text)
        else:
            sentences = [s.text for s in split_sentences(text) if not is_question(s)]
        if not sentences:
            return
        for concern_id in list(self.raised):
            concern = self.scenario.concern(concern_id)
            if concern_id in self.acknowledged:
                continue
            if self._covers(concern, sentences):
                self._acknowledge(concern)
                word = mentions(text, concern.keywords)
                self._effect(
                    reaction, "concern_acknowledged", f"you acknowledged {concern.label}", word
                )

    def _calming(self, reaction: _Reaction, annotation: TurnAnnotation, labels: set[str]) -> None:
        if "empathy" in labels:
            detail = annotation.detail.get("empathy", {})
            hit = annotation.hit("empathy")
            if detail.get("scripted"):
                scale, because = EMPATHY_SCRIPTED, "you showed empathy, though it sounded scripted"
            elif detail.get("specific"):
                scale, because = 1.0, "you responded to how they feel, in their terms"
            else:
                scale, because = EMPATHY_GENERIC, "you showed empathy (a general line)"
            self._effect(reaction, "empathy", because, hit.quote if hit else None, scale)
        for label in CALMING_LABELS:
            if label in labels:
                hit = annotation.hit(label)
                self._effect(reaction, label, LABEL_NOTES[label], hit.quote if hit else None)

    def _solution(self, reaction: _Reaction, text: str, labels: set[str]) -> None:
        resolution = self.scenario.resolution
        for rejection in resolution.reject:
            word = mentions(text, rejection.mentions)
            if word is not None:
                self._effect(reaction, "solution_rejected", rejection.reason, word)
                reaction.say.append(self._choose("rejected", list(rejection.says)))
                return
        # Words of a fix in a mere reassurance ("don't worry, a replacement is possible") are
        # not yet an offer; with a solution, a commitment or a time they are.
        committed = bool(labels & (OFFERING - {"reassurance"}))
        if resolution.accept:
            offered = mentions(text, resolution.accept) if committed else None
        else:
            offered = text if "solution" in labels else None
        if offered is None or self.solution_turn is not None:
            return
        missing = [f for f in resolution.facts if f not in self.revealed]
        if missing:
            hint = self.scenario.fact(missing[0]).hint
            self._effect(
                reaction,
                "premature_solution",
                f"you offered a fix before finding out {hint}",
                offered,
            )
            reaction.say.append(self._choose("premature", missing=hint))
            return
        self.solution_turn = self.conversation.turns[-1].id
        self._effect(reaction, "solution_accepted", "you offered a solution that fits", offered)

    def _ignored_concerns(self, reaction: _Reaction) -> None:
        for concern_id in self.raised:
            if concern_id in self.acknowledged:
                continue
            concern = self.scenario.concern(concern_id)
            self._ignored[concern_id] += 1
            if self._ignored[concern_id] < concern.patience:
                continue
            self._ignored[concern_id] = 0
            times = self.repeats[concern_id]
            self.repeats[concern_id] += 1
            self._effect(
                reaction,
                "concern_ignored",
                f"{concern.label} went unacknowledged, so they had to repeat it",
                None,
                scale=1.0 + 0.5 * times,
            )
            reaction.say.append(self._choose(f"repeat:{concern_id}", list(concern.repeats)))
            reaction.repeated.add(concern_id)

    # --- outcome and reply ------------------------------------------------------------------

    def _settle(self, reaction: _Reaction) -> None:
        scenario = self.scenario
        resolution = scenario.resolution
        if self.intensity >= scenario.emotion.escalate_at:
            self.outcome = "escalated"
            reaction.say.append(self._choose("escalated"))
            return
        if self.solution_turn is not None:
            unheard = [c for c in resolution.concerns if c not in self.acknowledged]
            needs = [n for n in resolution.needs if n not in self.labels_seen]
            if unheard:
                if unheard[0] not in reaction.repeated:
                    concern = scenario.concern(unheard[0])
                    reaction.say.append(self._choose(f"repeat:{concern.id}", list(concern.repeats)))
            elif needs:
                phrase = NEED_PHRASES.get(needs[0])
                if phrase is not None:
                    reaction.say.append(self._choose(phrase))
            elif self.intensity <= resolution.max_intensity:
                self.outcome = "resolved"
                reaction.say.append(self._choose("resolved"))
                return
            else:
                reaction.say.append(self._choose("still_upset"))
        if self.agent_turns >= scenario.time_pressure.max_turns:
            self.outcome = "escalated"
            reaction.say.append(self._choose("timeout"))

    def _compose(self, reaction: _Reaction) -> str:
        say = list(dict.fromkeys(reaction.say))  # the same line twice in one message reads odd
        delta = sum(e.delta for e in reaction.effects)
        if self.outcome is None:
            if not say:
                if delta <= -0.08:
                    say.append(self._choose("calmer"))
                elif delta >= 0.08:
                    say.append(self._choose("angrier"))
                else:
                    say.append(self._choose("waiting"))
            elif delta >= 0.15:
                say.append(self._choose("angrier"))
        return " ".join(say)

    def _feedback(
        self,
        turn_id: str,
        annotation: TurnAnnotation,
        update: AssistUpdate,
        reaction: _Reaction,
        before: Mood,
        after: Mood,
    ) -> TurnFeedback:
        did = [
            LabelNote(label=hit.label, quote=hit.quote, note=LABEL_NOTES.get(hit.label, hit.label))
            for hit in annotation.hits
        ]
        missed = [n.message for n in update.nudges if n.new and n.code.value in NUDGE_FOR_MISSED]
        missed += reaction.notes
        for concern_id in self.raised:
            if concern_id in reaction.repeated:
                concern = self.scenario.concern(concern_id)
                missed.append(f"You had not acknowledged {concern.label}, so they repeated it.")
        return TurnFeedback(
            turn_id=turn_id,
            did=did,
            missed=list(dict.fromkeys(missed)),
            effects=reaction.effects,
            revealed=[fact.description for fact in reaction.revealed],
            mood_before=before,
            mood_after=after,
            explanation=explain(reaction.effects, self.outcome),
            nudges=[n for n in update.nudges if n.new],
        )


def explain(effects: list[Effect], outcome: Outcome | None = None) -> str:
    """One sentence: the biggest reason the customer's mood moved."""
    if not effects:
        return "The customer's mood did not change."
    biggest = max(effects, key=lambda e: abs(e.delta))
    total = sum(e.delta for e in effects)
    if outcome == "escalated":
        return f"The customer escalated: {biggest.because}."
    if outcome == "resolved":
        return f"The customer is satisfied: {biggest.because}."
    if abs(total) < 0.02:
        return f"The customer's mood barely moved ({biggest.because})."
    direction = "calmed" if total < 0 else "got more upset"
    return f"The customer {direction} because {biggest.because}."


def mood_of(scenario: Scenario, intensity: float, outcome: Outcome | None = None) -> Mood:
    model = scenario.emotion
    if outcome == "resolved":
        emotion = "gratitude"
    elif intensity >= 0.8:
        emotion = model.escalated
    elif intensity <= model.calm:
        emotion = "neutral"
    else:
        emotion = model.start
    names = MOOD_WORDS.get(emotion, MOOD_WORDS["frustration"])
    if intensity <= model.calm:
        band = 0
    elif intensity < 0.5:
        band = 1
    elif intensity < 0.7:
        band = 2
    elif intensity < 0.85:
        band = 3
    else:
        band = 4
    return Mood(emotion=emotion, intensity=round(intensity, 3), label=names[band])
