"""Scorecards: seven listening components and a listening score, each point with its evidence.

Every component is 0–100, or null with the reason when it cannot apply (interruptions without
timestamps, empathy when the customer showed no negative feeling). Every number lists the turns
and quoted words that earned or cost it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, Field

from heard.audio.model import clock, describe_silence, describe_tone, measures_of
from heard.conversation import Conversation, Role
from heard.listening.labels import NEGATIVE_EMOTIONS, Emotion
from heard.listening.model import Signals, TurnAnnotation
from heard.scoring.rubric import COMPONENTS, Rubric, default_rubric


class Evidence(BaseModel):
    """Why a number is what it is: the turn, the words, the reason, and the points it moved."""

    component: str
    turn_id: str | None = None
    quote: str | None = None
    reason: str
    effect: float = Field(description="Points added (+) or taken off (−); 0 for context.")


class ComponentScore(BaseModel):
    score: float | None = Field(default=None, ge=0, le=100)
    reason: str | None = Field(default=None, description="Why the score is null, when it is.")
    evidence: list[Evidence] = Field(default_factory=list)


class Scorecard(BaseModel):
    listening_score: float | None = Field(default=None, ge=0, le=100)
    components: dict[str, ComponentScore]
    penalties: list[Evidence] = Field(default_factory=list)
    rubric_version: str

    @property
    def evidence(self) -> list[Evidence]:
        items = [e for component in self.components.values() for e in component.evidence]
        return items + self.penalties


@dataclass(frozen=True)
class _Inputs:
    conversation: Conversation
    turns: Sequence[TurnAnnotation]
    signals: Signals
    rubric: Rubric

    def agent_turns(self) -> list[TurnAnnotation]:
        return [t for t in self.turns if t.role is Role.AGENT]

    def customer_turns(self) -> list[TurnAnnotation]:
        return [t for t in self.turns if t.role is Role.CUSTOMER]

    def text(self, turn_id: str) -> str:
        return next((t.text for t in self.conversation.turns if t.id == turn_id), "")

    def ended_well(self) -> bool:
        end = self.signals.emotion_trajectory.end
        return bool(
            end is not None
            and end.emotion in (Emotion.GRATITUDE, Emotion.NEUTRAL)
            and not self.signals.unaddressed_concerns
        )


def _clamp(value: float) -> float:
    return round(min(max(value, 0.0), 100.0), 1)


def _hit_evidence(
    component: str, turn: TurnAnnotation, label: str, effect: float, reason: str | None = None
) -> Evidence:
    hit = turn.hit(label)
    return Evidence(
        component=component,
        turn_id=turn.id,
        quote=(hit.quote or None) if hit else None,
        reason=reason or (hit.reason if hit else label),
        effect=effect,
    )


def attention(inputs: _Inputs) -> ComponentScore:
    rules = inputs.rubric.attention
    if not inputs.customer_turns() or not inputs.agent_turns():
        return ComponentScore(reason="needs both customer and agent turns")
    score = 100.0
    evidence: list[Evidence] = []
    for concern in inputs.signals.concerns:
        if concern.acknowledged_by is None and concern.answered_by is None:
            score -= rules.unaddressed_concern
            evidence.append(
                Evidence(
                    component="attention",
                    turn_id=concern.turn_id,
                    quote=concern.quote,
                    reason=f"the customer raised “{concern.text}” and no agent turn acknowledged or answered it",
                    effect=-rules.unaddressed_concern,
                )
            )
        else:
            by = concern.answered_by or concern.acknowledged_by
            evidence.append(
                Evidence(
                    component="attention",
                    turn_id=concern.turn_id,
                    quote=concern.quote,
                    reason=f"“{concern.text}” was {'answered' if concern.answered_by else 'acknowledged'} in {by}",
                    effect=0.0,
                )
            )
    for turn in inputs.customer_turns():
        if turn.repeated_concern:
            score -= rules.repeated_concern
            evidence.append(
                Evidence(
                    component="attention",
                    turn_id=turn.id,
                    quote=inputs.text(turn.id)[:200],
                    reason="the customer had to repeat themselves",
                    effect=-rules.repeated_concern,
                )
            )
    timing = inputs.signals.timing
    limit = rules.response_limit_seconds.get(inputs.conversation.channel.value)
    if (
        limit is not None
        and timing.median_response_seconds is not None
        and timing.median_response_seconds > limit
    ):
        score -= rules.slow_response
        evidence.append(
            Evidence(
                component="attention",
                reason=f"median response time {timing.median_response_seconds:.0f} s is over the "
                f"{limit:.0f} s expected on {inputs.conversation.channel.value}",
                effect=-rules.slow_response,
            )
        )
    for item in _voice_attention(inputs):
        score += item.effect
        evidence.append(item)
    return ComponentScore(score=_clamp(score), evidence=evidence)


def _voice_attention(inputs: _Inputs) -> list[Evidence]:
    """What a call's recording says about attention: dead air, the agent's raised voice or
    monotone delivery, the customer's rising arousal; patience as context."""
    audio = measures_of(inputs.conversation.metadata)
    if audio is None:
        return []
    rules = inputs.rubric.attention.voice
    found: list[Evidence] = []

    def add(turn_id: str | None, reason: str, effect: float) -> None:
        quote = (inputs.text(turn_id)[:200] or None) if turn_id else None
        found.append(
            Evidence(
                component="attention", turn_id=turn_id, quote=quote, reason=reason, effect=effect
            )
        )

    for silence in audio.silences:
        if silence.seconds >= rules.dead_air_limit_seconds and not silence.announced:
            add(silence.turn_id, describe_silence(silence), -rules.dead_air)
    for flag in audio.raised_voice:
        if flag.by == "agent":
            add(flag.turn_id, describe_tone(flag), -rules.raised_voice)
    agent, customer = audio.agent.prosody, audio.customer.prosody
    if agent.monotone:
        add(
            None,
            f"monotone delivery: the agent's pitch varied {agent.pitch_variation_semitones:.1f} "
            "semitones around their own baseline",
            -rules.monotone,
        )
    if customer.arousal == "rising":
        add(
            None,
            f"the customer's voice grew louder or higher over the call "
            f"({customer.arousal_change_db:+.1f} dB, {customer.arousal_change_semitones or 0:+.1f} semitones)",
            -rules.customer_arousal_rising,
        )
    if audio.patience_seconds is not None:
        first = audio.responses[0]
        add(
            None,
            f"patience: the agent answered a median {audio.patience_seconds:.1f} s after the "
            f"customer stopped ({len(audio.responses)} answers; first at {clock(first.agent_start)})",
            0.0,
        )
    return found


def no_interruption(inputs: _Inputs) -> ComponentScore:
    rules = inputs.rubric.no_interruption
    interrupting = [t for t in inputs.agent_turns() if t.has("interruption")]
    turns = inputs.conversation.turns
    timed = any(t.start is not None for t in turns) or sum(t.time is not None for t in turns) >= 2
    if not timed and not interrupting:
        return ComponentScore(
            reason="no timestamps: interruptions cannot be seen in this transcript"
        )
    evidence = [
        _hit_evidence("no_interruption", t, "interruption", -rules.per_interruption)
        for t in interrupting
    ]
    return ComponentScore(
        score=_clamp(100 - rules.per_interruption * len(interrupting)), evidence=evidence
    )


def clarification(inputs: _Inputs) -> ComponentScore:
    rules = inputs.rubric.clarification
    agent = inputs.agent_turns()
    if not agent or not inputs.customer_turns():
        return ComponentScore(reason="needs both customer and agent turns")
    asking = [t for t in agent if t.has("clarifying_question")]
    evidence: list[Evidence] = []
    if not asking:
        clear = inputs.ended_well() and not any(t.repeated_concern for t in inputs.customer_turns())
        if clear:
            return ComponentScore(
                score=rules.not_needed,
                evidence=[
                    Evidence(
                        component="clarification",
                        reason="no question asked; the issue was clear and ended well",
                        effect=0.0,
                    )
                ],
            )
        return ComponentScore(
            score=0.0,
            evidence=[
                Evidence(
                    component="clarification",
                    reason="the agent never asked a question to understand the issue",
                    effect=0.0,
                )
            ],
        )
    score = rules.asked
    evidence.append(_hit_evidence("clarification", asking[0], "clarifying_question", rules.asked))
    open_turn = None
    for t in asking:
        hit = t.hit("clarifying_question")
        if hit is not None and hit.detail.get("question") == "open":
            open_turn = t
            break
    if open_turn is not None:
        score += rules.open_question
        evidence.append(
            _hit_evidence(
                "clarification",
                open_turn,
                "clarifying_question",
                rules.open_question,
                "asks an open question",
            )
        )
    first_solution = next((i for i, t in enumerate(agent) if t.has("solution")), None)
    first_question = next(i for i, t in enumerate(agent) if t.has("clarifying_question"))
    if first_solution is None or first_question <= first_solution:
        score += rules.before_solution
        evidence.append(
            Evidence(
                component="clarification",
                turn_id=agent[first_question].id,
                reason="asked before offering a solution",
                effect=rules.before_solution,
            )
        )
    for run in inputs.signals.interrogations:
        score -= rules.interrogation
        evidence.append(
            Evidence(
                component="clarification",
                turn_id=run.turn_ids[0],
                quote=run.quotes[0],
                reason=f"{len(run.turn_ids)} closed questions in a row ({', '.join(run.turn_ids)}) "
                "with no acknowledgement: an interrogation",
                effect=-rules.interrogation,
            )
        )
    return ComponentScore(score=_clamp(score), evidence=evidence)


def paraphrase(inputs: _Inputs) -> ComponentScore:
    rules = inputs.rubric.paraphrase
    agent = inputs.agent_turns()
    if not agent or not inputs.customer_turns():
        return ComponentScore(reason="needs both customer and agent turns")
    for position, turn in enumerate(agent):
        if turn.has("paraphrase"):
            early = position < rules.early_turns
            score = rules.early if early else rules.later
            reason = (
                "restates the issue early, before acting on it"
                if early
                else "restates or summarises the issue"
            )
            return ComponentScore(
                score=score,
                evidence=[_hit_evidence("paraphrase", turn, "paraphrase", score, reason)],
            )
    short = len(inputs.customer_turns()) <= 2 and inputs.ended_well()
    score = rules.none_short if short else rules.none
    reason = (
        "no paraphrase, in a short exchange that ended well"
        if short
        else "the agent never restated the customer's issue to check it was understood"
    )
    return ComponentScore(
        score=score, evidence=[Evidence(component="paraphrase", reason=reason, effect=0.0)]
    )


def empathy(inputs: _Inputs) -> ComponentScore:
    rules = inputs.rubric.empathy
    turns = list(inputs.turns)
    needs: list[tuple[int, TurnAnnotation]] = [
        (i, t)
        for i, t in enumerate(turns)
        if t.role is Role.CUSTOMER
        and t.emotion in NEGATIVE_EMOTIONS
        and (t.intensity or 0) >= rules.min_intensity
    ]
    dismissive = [t for t in turns if t.role is Role.AGENT and t.has("dismissive")]
    if not needs:
        if dismissive:
            score = 100 - rules.dismissive * len(dismissive)
            return ComponentScore(
                score=_clamp(score),
                evidence=[
                    _hit_evidence("empathy", t, "dismissive", -rules.dismissive) for t in dismissive
                ],
            )
        return ComponentScore(reason="the customer showed no negative emotion, so none was needed")
    credit = 0.0
    evidence: list[Evidence] = []
    covered_until = -1
    for index, need in needs:
        answer = None
        seen = 0
        for later in range(index + 1, len(turns)):
            if turns[later].role is not Role.AGENT:
                continue
            seen += 1
            if seen > rules.within_agent_turns:
                break
            if turns[later].has("empathy"):
                answer = turns[later]
                break
        if answer is None and index <= covered_until:
            continue  # one empathetic reply can cover a burst of upset messages before it
        if answer is None:
            evidence.append(
                Evidence(
                    component="empathy",
                    turn_id=need.id,
                    quote=need.emotion_quote,
                    reason=f"the customer showed {need.emotion.value if need.emotion else 'feeling'} "
                    f"(intensity {need.intensity:.2f}) and it was not met within {rules.within_agent_turns} agent turns",
                    effect=-round(100 / len(needs), 1),
                )
            )
            continue
        hit = answer.hit("empathy")
        detail = hit.detail if hit else {}
        quote = hit.quote if hit else ""
        if detail.get("scripted"):
            weight, kind = rules.scripted, "a line this agent repeats across conversations"
        elif detail.get("specific") and not inputs.rubric.stock_empathy.search(quote):
            weight, kind = rules.specific, "empathy tied to the customer's situation"
        else:
            weight, kind = rules.generic, "a stock empathy line"
        credit += weight
        covered_until = max(
            covered_until, next(i for i, t in enumerate(turns) if t.id == answer.id)
        )
        evidence.append(
            Evidence(
                component="empathy",
                turn_id=answer.id,
                quote=quote,
                reason=f"met the customer's {need.emotion.value if need.emotion else 'feeling'} with {kind}",
                effect=round(100 * weight / len(needs), 1),
            )
        )
    score = 100 * credit / max(len(evidence), 1)
    for turn in dismissive:
        score -= rules.dismissive
        evidence.append(_hit_evidence("empathy", turn, "dismissive", -rules.dismissive))
    return ComponentScore(score=_clamp(score), evidence=evidence)


def solution(inputs: _Inputs) -> ComponentScore:
    rules = inputs.rubric.solution
    agent = inputs.agent_turns()
    if not agent:
        return ComponentScore(reason="no agent turns")
    parts = {
        "ownership": rules.ownership,
        "solution": rules.solution,
        "timeline": rules.timeline,
        "follow_up": rules.follow_up,
    }
    total = sum(parts.values()) or 1.0
    score = 0.0
    evidence: list[Evidence] = []
    for label, points in parts.items():
        turn = next((t for t in agent if t.has(label)), None)
        if turn is not None:
            effect = round(100 * points / total, 1)
            score += effect
            evidence.append(_hit_evidence("solution", turn, label, effect))
        else:
            evidence.append(
                Evidence(
                    component="solution", reason=f"no {label.replace('_', '-')} given", effect=0.0
                )
            )
    return ComponentScore(score=_clamp(score), evidence=evidence)


def follow_up(inputs: _Inputs) -> ComponentScore:
    rules = inputs.rubric.follow_up
    agent = inputs.agent_turns()
    if not agent:
        return ComponentScore(reason="no agent turns")
    turn = next((t for t in agent if t.has("follow_up")), None)
    if turn is not None:
        return ComponentScore(
            score=rules.committed,
            evidence=[_hit_evidence("follow_up", turn, "follow_up", rules.committed)],
        )
    if inputs.ended_well():
        return ComponentScore(
            score=rules.ended_well,
            evidence=[
                Evidence(
                    component="follow_up",
                    reason="no follow-up offered, but the customer ended satisfied",
                    effect=0.0,
                )
            ],
        )
    return ComponentScore(
        score=rules.none,
        evidence=[
            Evidence(
                component="follow_up",
                reason="no follow-up or check that the issue was solved",
                effect=0.0,
            )
        ],
    )


# Components that judge what was said; null when the turns carry no words.
WORD_COMPONENTS = ("clarification", "paraphrase", "empathy", "solution", "follow_up")

SCORERS = {
    "attention": attention,
    "no_interruption": no_interruption,
    "clarification": clarification,
    "paraphrase": paraphrase,
    "empathy": empathy,
    "solution": solution,
    "follow_up": follow_up,
}


def score_conversation(
    conversation: Conversation,
    turns: Sequence[TurnAnnotation],
    signals: Signals,
    rubric: Rubric | None = None,
) -> Scorecard:
    rubric = rubric or default_rubric()
    inputs = _Inputs(conversation, turns, signals, rubric)
    components = {name: SCORERS[name](inputs) for name in COMPONENTS}
    if conversation.turns and not any(turn.text.strip() for turn in conversation.turns):
        # A call recording without a transcript: what was said cannot be judged, only how.
        for name in WORD_COMPONENTS:
            components[name] = ComponentScore(
                reason="no words to judge: a recording without a transcript (add --transcript)"
            )
    weighted = [
        (components[name].score, rubric.weights.get(name, 0.0))
        for name in COMPONENTS
        if components[name].score is not None and rubric.weights.get(name, 0.0) > 0
    ]
    penalties: list[Evidence] = []
    for turn in turns:
        for label, points in rubric.penalties.items():
            if turn.role is Role.AGENT and turn.has(label) and points:
                penalties.append(_hit_evidence("listening_score", turn, label, -points))
    listening = None
    if weighted:
        total_weight = sum(w for _, w in weighted)
        listening = sum(s * w for s, w in weighted if s is not None) / total_weight
        listening = _clamp(listening + sum(p.effect for p in penalties))
    return Scorecard(
        listening_score=listening,
        components=components,
        penalties=penalties,
        rubric_version=rubric.version,
    )
