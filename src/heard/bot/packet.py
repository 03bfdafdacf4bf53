"""Building the hand-off packet from a bot session: the customer's words, never a summary."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from heard.assist import SuggestionKind
from heard.bot.facts import find_facts
from heard.bot.handoff import (
    FRUSTRATED_INTENSITY,
    Attempt,
    EmotionNow,
    HandoffPacket,
    HandoffReason,
    Quote,
    SuggestedReply,
)
from heard.bot.index import Retrieval
from heard.bot.lexical import content_terms
from heard.bot.wording import inner_paraphrase, restated
from heard.listening.labels import NEGATIVE_EMOTIONS
from heard.listening.text import split_sentences

if TYPE_CHECKING:
    from heard.bot.policy import BotSession

WANT = re.compile(
    r"\b(?:i|we)\s+(?:want|need|would like|'d like|expect|am asking for|'m asking for)|"
    r"\b(?:can|could|will|would) you\b|\bplease\b|\b(?:how|where|when|why|what)\b.*\?\s*$|"
    r"\b(?:give|send|refund|replace|cancel|change|fix)\s+(?:me|my|it|the)\b",
    re.IGNORECASE,
)
MAX_QUOTES = 4


def build_packet(
    session: BotSession,
    reason: HandoffReason,
    detail: str,
    evidence: Quote | None,
    retrieval: Retrieval | None,
    *,
    created_at: datetime | None = None,
) -> HandoffPacket:
    pairs = session._customer_annotations()
    told = [(t, a) for t, a in pairs if not _only_feedback(t.text)]
    issue: list[Quote] = []
    seen: set[str] = set()
    for turn, annotation in told:
        for concern in annotation.concerns:
            if concern.repeat_of is None and concern.quote not in seen:
                seen.add(concern.quote)
                issue.append(Quote(turn_id=turn.id, text=concern.quote))
    if not issue:
        issue = [
            Quote(turn_id=t.id, text=t.text) for t, _ in told if len(content_terms(t.text)) >= 2
        ]
    wants: list[Quote] = []
    for turn, _ in told:
        for sentence in split_sentences(turn.text):
            if WANT.search(sentence.text) and len(content_terms(sentence.text)) >= 2:
                wants.append(Quote(turn_id=turn.id, text=sentence.text))
    signals = session._assist.live.signals()
    latest = pairs[-1][1] if pairs else None
    emotion = EmotionNow(
        emotion=latest.emotion.value if latest and latest.emotion else None,
        intensity=latest.intensity if latest else None,
        quote=latest.emotion_quote if latest else None,
    )
    urgency = next(
        (
            Quote(turn_id=t.id, text=a.urgency_quote)
            for t, a in pairs
            if a.urgency and a.urgency_quote
        ),
        None,
    )
    skills: list[str] = []
    if retrieval is not None and retrieval.top is not None:
        skills = list(retrieval.top.entry.skills or retrieval.top.entry.tags)
    for attempt in session.attempts:
        if attempt.entry_id and not skills:
            entry = session.bot.index.kb.entry(attempt.entry_id)
            skills = list(entry.skills or entry.tags)
    language = session._language()
    return HandoffPacket(
        conversation_id=session.conversation_id,
        created_at=created_at or datetime.now(UTC),
        reason=reason,
        reason_detail=detail,
        evidence=evidence,
        issue=issue[:MAX_QUOTES],
        wants=_dedupe(wants)[:MAX_QUOTES],
        emotion=emotion,
        trajectory=signals.emotion_trajectory,
        facts=find_facts(t for t, _ in pairs),
        tried=[a for a in session.attempts if a.decision in ("answer", "confirm", "clarify")],
        suggested_reply=suggested_reply(session, session.attempts),
        urgency=urgency,
        language=language,
        route=session.bot.routing.route(language or session.bot.index.kb.language, skills),
        kb=session.bot.index.kb.name,
        turns=len(session.turns),
    )


def suggested_reply(session: BotSession, attempts: list[Attempt]) -> SuggestedReply:
    """A first reply for the human: feelings named, the problem restated in the customer's
    words, what the bot tried acknowledged, and a question that moves it on."""
    told = [(t, a) for t, a in session._customer_annotations() if not _only_feedback(t.text)]
    parts = ["Hi, thanks for waiting — I've read everything you told our assistant."]
    grounded: list[Quote] = []
    # The most recent customer turn with a negative feeling gets the empathy line.
    for turn, annotation in reversed(told):
        if (
            annotation.emotion in NEGATIVE_EMOTIONS
            and (annotation.intensity or 0) >= FRUSTRATED_INTENSITY
        ):
            opener = session._suggestion(turn, SuggestionKind.EMPATHY_OPENER)
            if opener is not None:
                parts.append(opener.text)
                grounded.extend(Quote(turn_id=g.turn_id, text=g.quote) for g in opener.grounded_in)
            break
    restatement = ""
    for turn, _ in reversed(told):
        paraphrase = session._suggestion(turn, SuggestionKind.PARAPHRASE)
        inner = inner_paraphrase(paraphrase.text) if paraphrase else None
        feedback_ids = {t.id for t, _ in session._customer_annotations() if _only_feedback(t.text)}
        if paraphrase is not None and any(
            g.turn_id in feedback_ids for g in paraphrase.grounded_in
        ):
            continue  # it restates "no, that's not it" along with the issue
        if paraphrase is not None and inner:
            restatement = restated(inner)
            grounded.extend(Quote(turn_id=g.turn_id, text=g.quote) for g in paraphrase.grounded_in)
            break
    if not restatement:
        # A question is not paraphrased by heard.assist; quote the first one that says what
        # the conversation is about.
        asked = next((t for t, _ in told if len(content_terms(t.text)) >= 2), None)
        if asked is not None:
            restatement = f"You asked: “{asked.text.strip()}”"
            grounded.append(Quote(turn_id=asked.id, text=asked.text))
    if restatement:
        parts.append(restatement)
    facts = find_facts(t for t, _ in told)
    named = [f for f in facts if f.kind in ("order_number", "tracking_number")]
    if named and not any(f.value in restatement for f in named):
        parts.append(
            "I have your "
            + " and ".join(f"{f.kind.replace('_', ' ')} {f.value}" for f in named)
            + "."
        )
        grounded.extend(Quote(turn_id=f.turn_id, text=f.quote) for f in named)
    failed = [a for a in attempts if a.outcome in ("failed", "rejected") and a.entry_question]
    if failed:
        parts.append(
            f"I can see the answer about “{failed[-1].entry_question}” didn't solve it, so let's "
            "sort it out properly."
        )
    parts.append("Is that right, and is there anything you'd like to add?")
    return SuggestedReply(text=" ".join(parts), grounded_in=_dedupe(grounded))


def _only_feedback(text: str) -> bool:
    """'no that's not it', 'that didn't help': about the bot's last move, not the issue."""
    from heard.bot.policy import _without_feedback, is_feedback

    return is_feedback(text) and not content_terms(_without_feedback(text))


def _dedupe(quotes: list[Quote]) -> list[Quote]:
    out: list[Quote] = []
    for quote in quotes:
        if all(quote.text != other.text for other in out):
            out.append(quote)
    return out


__all__ = ["build_packet", "suggested_reply"]
