"""Conversation-level signals, computed from the annotated turns (pure functions of the state)."""

from __future__ import annotations

import statistics
from collections import Counter
from itertools import pairwise

from heard.audio.model import AudioMeasures, measures_of
from heard.conversation import Channel, Role, Turn
from heard.listening.features import content_words
from heard.listening.labels import NEGATIVE_EMOTIONS, Emotion
from heard.listening.model import (
    Concern,
    EmotionPoint,
    Interrogation,
    LanguageSignal,
    Rapport,
    Readability,
    Signals,
    Timing,
    Trajectory,
)
from heard.listening.state import ConversationState
from heard.listening.style import flesch, style_matching
from heard.listening.text import words

# Turns that show a concern was heard, and turns that do something about it.
ACKNOWLEDGING = ("acknowledgement", "paraphrase", "empathy", "clarifying_question")
ANSWERING = ("solution", "timeline", "ownership", "follow_up")
# What breaks a run of closed questions into a conversation rather than an interrogation.
WARM = ("acknowledgement", "paraphrase", "empathy")
# A concern counts as heard only if an agent turn that relates to it answers within this many
# agent turns (later answers are a sign the customer had to wait or repeat).
AGENT_TURNS_TO_ADDRESS = 3
RELATED_SIMILARITY = 0.4
INTERROGATION_RUN = 3
DEAD_AIR_SECONDS = 2.0
PLAIN_LANGUAGE_EASE = 60.0


def compute_signals(state: ConversationState) -> Signals:
    concerns = concern_status(state)
    return Signals(
        concerns=concerns,
        unaddressed_concerns=[
            c for c in concerns if c.acknowledged_by is None and c.answered_by is None
        ],
        emotion_trajectory=trajectory(state),
        interrogations=interrogations(state),
        timing=timing(state),
        language=language(state),
        readability=readability(state),
        rapport=rapport(state),
    )


def related(
    state: ConversationState, concern: Concern, agent_index: int, concern_index: int
) -> bool:
    """Does the agent turn speak to this concern (close in meaning, or sharing key words)?"""
    features = state.features[concern_index]
    position = next((i for i, s in enumerate(features.sentences) if s.start == concern.start), None)
    vector = features.sentence_vectors[position] if position is not None else features.vector
    agent = state.features[agent_index]
    similarities = [float(vector @ agent.vector)]
    if len(agent.sentence_vectors):
        similarities.append(float((agent.sentence_vectors @ vector).max()))
    if max(similarities) >= RELATED_SIMILARITY:
        return True
    shared = content_words(words(concern.quote)) & content_words(agent.tokens)
    return len(shared) >= 2


def concern_status(state: ConversationState) -> list[Concern]:
    out: list[Concern] = []
    for index, annotation in enumerate(state.annotations):
        for concern in annotation.concerns:
            acknowledged = answered = None
            agent_turns_seen = 0
            for later in range(index + 1, len(state.turns)):
                if state.turns[later].role is not Role.AGENT:
                    continue
                agent_turns_seen += 1
                if agent_turns_seen > AGENT_TURNS_TO_ADDRESS:
                    break
                labels = state.annotations[later].labels
                if not related(state, concern, later, index):
                    # A bare acknowledgement right after the concern still shows it was heard.
                    if (
                        agent_turns_seen == 1
                        and acknowledged is None
                        and ("acknowledgement" in labels or "empathy" in labels)
                    ):
                        acknowledged = state.turns[later].id
                    continue
                if acknowledged is None and any(label in labels for label in ACKNOWLEDGING):
                    acknowledged = state.turns[later].id
                if answered is None and any(label in labels for label in ANSWERING):
                    answered = state.turns[later].id
                if acknowledged and answered:
                    break
            out.append(
                concern.model_copy(
                    update={"acknowledged_by": acknowledged, "answered_by": answered}
                )
            )
    return out


def valence(emotion: Emotion, intensity: float) -> float:
    if emotion is Emotion.GRATITUDE:
        return round(intensity, 3)
    if emotion is Emotion.NEUTRAL:
        return 0.0
    weight = 0.5 if emotion is Emotion.CONFUSION else 1.0
    return round(-weight * intensity, 3)


def trajectory(state: ConversationState) -> Trajectory:
    points = [
        EmotionPoint(
            turn_id=annotation.id,
            emotion=annotation.emotion,
            intensity=annotation.intensity or 0.0,
            valence=valence(annotation.emotion, annotation.intensity or 0.0),
            time=turn.start,
        )
        for annotation, turn in zip(state.annotations, state.turns, strict=True)
        if annotation.role is Role.CUSTOMER and annotation.emotion is not None
    ]
    if not points:
        return Trajectory()
    return Trajectory(
        start=points[0],
        end=points[-1],
        points=points,
        change=round(points[-1].valence - points[0].valence, 3),
    )


def interrogations(state: ConversationState) -> list[Interrogation]:
    """Runs of closed questions, turn after turn, with no acknowledgement between them."""
    runs: list[Interrogation] = []
    current: list[tuple[str, str]] = []

    def close() -> None:
        if len(current) >= INTERROGATION_RUN:
            runs.append(
                Interrogation(turn_ids=[t for t, _ in current], quotes=[q for _, q in current])
            )
        current.clear()

    for annotation in state.annotations:
        if annotation.role is not Role.AGENT:
            continue
        hit = annotation.hit("clarifying_question")
        warm = any(annotation.has(label) for label in WARM)
        if hit is not None and hit.detail.get("question") == "closed" and not warm:
            current.append((annotation.id, hit.quote))
        else:
            close()
    close()
    return runs


def timing(state: ConversationState) -> Timing:
    turns = state.turns
    timed = [t for t in turns if t.start is not None and t.end is not None]
    interruptions = sum(1 for a in state.annotations if a.has("interruption"))
    audio = measures_of(state.conversation.metadata)
    if audio is not None:
        return _audio_timing(audio, interruptions)
    if len(timed) >= 2:
        agent = [t for t in timed if t.role is Role.AGENT]
        customer = [t for t in timed if t.role is Role.CUSTOMER]
        agent_talk = sum(_duration(t) for t in agent)
        customer_talk = sum(_duration(t) for t in customer)
        monologue, monologue_turn = _longest_monologue(state)
        pauses: list[float] = []
        for previous, current in pairwise(timed):
            if previous.role is Role.CUSTOMER and current.role is Role.AGENT:
                pauses.append(current.start - previous.end)  # type: ignore[operator]
        ordered = sorted(timed, key=lambda t: t.start or 0.0)
        dead_air = 0.0
        reach = ordered[0].end or 0.0
        for turn in ordered[1:]:
            gap = (turn.start or 0.0) - reach
            if gap >= DEAD_AIR_SECONDS:
                dead_air += gap
            reach = max(reach, turn.end or 0.0)
        positive = [p for p in pauses if p >= 0]
        total = agent_talk + customer_talk
        return Timing(
            timed=True,
            agent_talk_seconds=round(agent_talk, 2),
            customer_talk_seconds=round(customer_talk, 2),
            talk_to_listen_ratio=round(agent_talk / total, 3) if total else None,
            longest_agent_monologue_seconds=round(monologue, 2) if monologue else None,
            longest_agent_monologue_turn=monologue_turn,
            interruptions=interruptions,
            patience_seconds=round(statistics.median(positive), 2) if positive else None,
            dead_air_seconds=round(dead_air, 2),
        )
    stamped = [t for t in turns if t.time is not None]
    if len(stamped) >= 2:
        gaps: list[float] = []
        first_response = None
        waiting_since = None
        for turn in stamped:
            if turn.role is Role.CUSTOMER and waiting_since is None:
                waiting_since = turn.time
            elif turn.role is Role.AGENT and waiting_since is not None:
                gap = (turn.time - waiting_since).total_seconds()  # type: ignore[operator]
                if gap >= 0:
                    gaps.append(gap)
                    if first_response is None:
                        first_response = gap
                waiting_since = None
        return Timing(
            timed=True,
            interruptions=interruptions,
            first_response_seconds=first_response,
            median_response_seconds=round(statistics.median(gaps), 1) if gaps else None,
            max_response_seconds=max(gaps) if gaps else None,
        )
    # Untimed transcripts can still show interruptions in the words ("let me finish").
    return Timing(timed=False, interruptions=interruptions if interruptions else None)


def _audio_timing(audio: AudioMeasures, interruptions: int) -> Timing:
    """A call read from its recording: talk and silence as the audio measured them (speech,
    not turn spans, which include pauses)."""
    return Timing(
        timed=True,
        agent_talk_seconds=audio.agent.talk_seconds,
        customer_talk_seconds=audio.customer.talk_seconds,
        talk_to_listen_ratio=audio.talk_to_listen_ratio,
        longest_agent_monologue_seconds=audio.agent.longest_monologue_seconds or None,
        longest_agent_monologue_turn=audio.agent.longest_monologue_turn,
        interruptions=interruptions,
        patience_seconds=audio.patience_seconds,
        dead_air_seconds=audio.dead_air_seconds,
    )


def _duration(turn: Turn) -> float:
    return (turn.end or 0.0) - (turn.start or 0.0)


def _longest_monologue(state: ConversationState) -> tuple[float, str | None]:
    """Longest stretch the agent spoke without the customer saying anything in between."""
    best, best_turn = 0.0, None
    start = end = None
    first_turn = None
    for turn in state.turns:
        if turn.start is None or turn.end is None:
            continue
        if turn.role is Role.AGENT:
            if start is None:
                start, first_turn = turn.start, turn.id
            end = turn.end
            if end - start > best:
                best, best_turn = end - start, first_turn
        elif turn.role is Role.CUSTOMER:
            start = end = None
    return best, best_turn


def language(state: ConversationState) -> LanguageSignal:
    def majority(role: Role) -> str | None:
        weights: Counter[str] = Counter()
        for annotation, turn in zip(state.annotations, state.turns, strict=True):
            if annotation.role is role and annotation.language:
                weights[annotation.language] += len(turn.text)
        return weights.most_common(1)[0][0] if weights else None

    customer = majority(Role.CUSTOMER) or state.conversation.language
    agent = majority(Role.AGENT)
    return LanguageSignal(
        customer=customer, agent=agent, mismatch=bool(customer and agent and customer != agent)
    )


def readability(state: ConversationState) -> Readability:
    agent = [i for i, t in enumerate(state.turns) if t.role is Role.AGENT]
    if not agent:
        return Readability()
    sentences = sum(max(len(state.features[i].sentences), 1) for i in agent)
    ease, grade = flesch([state.turns[i].text for i in agent], sentences)
    hardest = None
    hardest_ease = None
    for i in agent:
        if len(state.features[i].tokens) < 8:
            continue
        turn_ease, _ = flesch([state.turns[i].text], max(len(state.features[i].sentences), 1))
        if turn_ease is not None and (hardest_ease is None or turn_ease < hardest_ease):
            hardest, hardest_ease = state.turns[i].id, turn_ease
    return Readability(
        reading_ease=ease,
        grade_level=grade,
        plain_language=None if ease is None else ease >= PLAIN_LANGUAGE_EASE,
        hardest_turn=hardest,
    )


def rapport(state: ConversationState) -> Rapport:
    agent = [t.text for t in state.turns if t.role is Role.AGENT]
    customer = [t.text for t in state.turns if t.role is Role.CUSTOMER]
    score, enough = style_matching(agent, customer)
    return Rapport(style_matching=score, enough_words=enough)


def negative(emotion: Emotion | None) -> bool:
    return emotion in NEGATIVE_EMOTIONS


__all__ = ["Channel", "compute_signals", "negative"]
