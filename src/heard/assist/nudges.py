"""Nudges: short prompts about listening, each from the annotations and signals of the turns.

Each rule returns the nudge that stands now, or None. A nudge's id is its code and its cause
(the turn that started the situation), so the session can tell a situation it already reported
from a new one; the rules themselves keep no state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from heard.assist.context import AssistContext
from heard.assist.models import Evidence, Nudge, NudgeCode, Severity
from heard.conversation import Role, Turn
from heard.listening.detectors.interruption import MIN_OVERLAP_SECONDS, is_backchannel
from heard.listening.detectors.repetition import EXPLICIT as SAYS_REPEATING
from heard.listening.labels import Emotion
from heard.listening.model import Concern
from heard.listening.signals import interrogations, language

# The agent may take this many turns after the description before restating it (e.g. an
# apology, then "let me check"), unless they start solving first.
TURNS_BEFORE_CONFIRMING = 2
RECENT_REPEATS = 3
# A single unremarked feeling is worth a nudge from this intensity.
CLEAR_FEELING = 0.6
# Anger this intense makes an unremarked feeling urgent.
STRONG_ANGER = 0.65
HEARD_LABELS = ("acknowledgement", "paraphrase", "empathy")

EMOTION_WORDS = {
    Emotion.ANGER: "anger",
    Emotion.FRUSTRATION: "frustration",
    Emotion.ANXIETY: "worry",
    Emotion.SADNESS: "sadness",
    Emotion.CONFUSION: "confusion",
}
TIMES = {1: "once", 2: "twice", 3: "three times"}
COUNTS = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven"}
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "French",
    "es": "Spanish",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian",
    "fi": "Finnish",
    "pl": "Polish",
    "tr": "Turkish",
    "ru": "Russian",
    "uk": "Ukrainian",
    "ar": "Arabic",
    "hi": "Hindi",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
}


def unacknowledged_emotion(ctx: AssistContext) -> Nudge | None:
    feelings = ctx.unacknowledged_feelings
    if not feelings:
        return None
    agent_replied_since = any(i > feelings[0] for i in ctx.agent_indices)
    # One feeling before the agent has even replied is for the empathy opener to help with;
    # a nudge is for a feeling that has gone unremarked, and a single one only when clear.
    if len(feelings) < 2 and (
        not agent_replied_since or (ctx.annotations[feelings[0]].intensity or 0) < CLEAR_FEELING
    ):
        return None
    emotions = Counter(ctx.annotations[i].emotion for i in feelings)
    named = [EMOTION_WORDS[e] for e, _ in emotions.most_common() if e in EMOTION_WORDS]
    feeling = " and ".join(named[:2])
    count = len(feelings)
    strong_anger = any(
        ctx.annotations[i].emotion is Emotion.ANGER
        and (ctx.annotations[i].intensity or 0) >= STRONG_ANGER
        for i in feelings
    )
    severity = Severity.URGENT if count >= 3 or strong_anger else Severity.WARNING
    times = TIMES.get(count, f"{count} times")
    message = (
        f"The customer has expressed {feeling} {times} and it has not been acknowledged"
        if count > 1
        else f"The customer expressed {feeling} and it has not been acknowledged"
    )
    return Nudge(
        id=f"{NudgeCode.UNACKNOWLEDGED_EMOTION}:{ctx.turns[feelings[0]].id}:{severity}",
        code=NudgeCode.UNACKNOWLEDGED_EMOTION,
        severity=severity,
        message=message,
        evidence=[
            Evidence(
                turn_id=ctx.turns[i].id,
                quote=ctx.annotations[i].emotion_quote or ctx.turns[i].text,
                reason=f"{ctx.annotations[i].emotion} ({ctx.annotations[i].intensity or 0:.2f})",
            )
            for i in feelings
        ],
    )


def issue_not_confirmed(ctx: AssistContext) -> Nudge | None:
    substance = ctx.issue_described
    first_concern = ctx.first_concern
    if substance is None or first_concern is None or ctx.confirmations:
        return None
    replies = [i for i in ctx.agent_indices if i > substance]
    acted = [i for i in replies if ctx.annotations[i].has("solution")]
    if len(replies) < TURNS_BEFORE_CONFIRMING and not acted:
        return None
    message = (
        "You are solving before confirming the issue: restate it in the customer's terms first"
        if acted
        else "You have not confirmed the issue yet: restate it in your own words"
    )
    concerns = [
        concern
        for index in ctx.customer_indices
        if first_concern <= index <= substance
        for concern in ctx.annotations[index].concerns
    ]
    return Nudge(
        id=f"{NudgeCode.ISSUE_NOT_CONFIRMED}:{ctx.turns[substance].id}",
        code=NudgeCode.ISSUE_NOT_CONFIRMED,
        severity=Severity.WARNING if acted else Severity.INFO,
        message=message,
        evidence=[
            Evidence(turn_id=c.turn_id, quote=c.quote, reason="the issue in the customer's words")
            for c in concerns[:3]
        ],
    )


def talking_over(ctx: AssistContext) -> Nudge | None:
    turn = ctx.focus_turn
    if turn.role is Role.AGENT:
        over = _speaking_over(ctx, turn)
        if over is not None:
            return over
        candidates = [ctx.focus]
    elif turn.role is Role.CUSTOMER and ctx.focus > 0:
        # The customer's next words ("let me finish") can show the agent turn before cut in.
        candidates = [ctx.focus - 1]
    else:
        return None
    for index in candidates:
        if ctx.turns[index].role is not Role.AGENT:
            continue
        hit = ctx.annotations[index].hit("interruption")
        if hit is None:
            continue
        customer = max((i for i in ctx.customer_indices if i < index), default=None)
        cause = ctx.turns[customer].id if customer is not None else ctx.turns[index].id
        return Nudge(
            id=f"{NudgeCode.TALKING_OVER}:{cause}",
            code=NudgeCode.TALKING_OVER,
            severity=Severity.WARNING,
            message="You cut in before the customer had finished: let them finish, then answer",
            evidence=[Evidence(turn_id=ctx.turns[index].id, quote=hit.quote, reason=hit.reason)],
        )
    return None


def _speaking_over(ctx: AssistContext, agent: Turn) -> Nudge | None:
    """An agent starting to speak (a partial, or a final) while the customer still is."""
    if agent.start is None or is_backchannel(agent):
        return None
    customer: Turn | None = ctx.pending.get(Role.CUSTOMER)
    still_speaking = customer is not None
    if customer is None or customer.start is None or customer.start >= agent.start:
        still_speaking = False
        previous = max((i for i in ctx.customer_indices if i < ctx.focus), default=None)
        customer = ctx.turns[previous] if previous is not None else None
    if customer is None or customer.start is None or customer.start >= agent.start:
        return None
    overlap = (customer.end if customer.end is not None else agent.start) - agent.start
    if not still_speaking and overlap <= MIN_OVERLAP_SECONDS:
        return None
    if still_speaking and customer.end is not None and overlap <= MIN_OVERLAP_SECONDS:
        # An interim result that ended before the agent began is a pause, not speech.
        return None
    said = customer.text.strip()
    quote = said[-120:] if len(said) > 120 else said
    reason = (
        f"the customer was still speaking ({overlap:.1f} s overlap)"
        if overlap > 0
        else "the customer was still speaking"
    )
    return Nudge(
        id=f"{NudgeCode.TALKING_OVER}:{customer.id or f'at-{customer.start:.1f}'}",
        code=NudgeCode.TALKING_OVER,
        severity=Severity.WARNING,
        message="You started speaking over the customer",
        evidence=[Evidence(turn_id=customer.id, quote=quote, reason=reason)],
    )


ACTIONS = {
    "issue_confirmed": "confirm the issue",
    "solution_given": "give the solution or next step",
    "timeline_given": "give a timeline",
    "follow_up_committed": "say how you'll follow up",
}


def closing_checklist(ctx: AssistContext) -> Nudge | None:
    closing = ctx.closing
    if closing is None:
        return None
    done = {item.code: item for item in ctx.checklist}
    # Timeline and follow-up are what customers most often leave without; the rest is listed
    # with them when it is missing too.
    if done["timeline_given"].done and done["follow_up_committed"].done:
        return None
    missing = [
        action for code, action in ACTIONS.items() if done[code].applies and not done[code].done
    ]
    open_concerns = done["concerns_answered"]
    if not open_concerns.done:
        missing.append("answer what is still open")
    message = "Before closing: " + _and(missing)
    return Nudge(
        id=f"{NudgeCode.CLOSING_CHECKLIST}:{closing.turn_id}",
        code=NudgeCode.CLOSING_CHECKLIST,
        severity=Severity.WARNING,
        message=message,
        evidence=[
            Evidence(turn_id=closing.turn_id, quote=closing.quote, reason="closing"),
            *open_concerns.evidence[:3],
        ],
    )


def interrogation(ctx: AssistContext) -> Nudge | None:
    if not ctx.agent_indices:
        return None
    last_agent = ctx.turns[ctx.agent_indices[-1]].id
    for run in reversed(interrogations(ctx.state)):
        if run.turn_ids[-1] != last_agent:
            continue
        count = len(run.turn_ids)
        return Nudge(
            id=f"{NudgeCode.INTERROGATION}:{run.turn_ids[0]}",
            code=NudgeCode.INTERROGATION,
            severity=Severity.WARNING,
            message=f"You've asked {COUNTS.get(count, str(count))} closed questions in a row: "
            "acknowledge what they said or ask an open question",
            evidence=[
                Evidence(turn_id=turn_id, quote=quote, reason="closed question")
                for turn_id, quote in zip(run.turn_ids, run.quotes, strict=True)
            ],
        )
    return None


def repeat_unaddressed(ctx: AssistContext) -> Nudge | None:
    # Only the latest few repeats: one from long ago that was never taken up is past helping,
    # and looking at every one made long conversations slow.
    repeats = [i for i in ctx.customer_indices if ctx.annotations[i].repeated_concern]
    recent = repeats[-RECENT_REPEATS:]
    if not recent:
        return None
    statuses = {c.id: c for c in ctx.concerns if c.turn_id in {ctx.turns[i].id for i in recent}}
    heard = [
        i
        for i in ctx.agent_indices
        if i > recent[0]
        and any(ctx.annotations[i].has(label) for label in HEARD_LABELS)
        and not ctx.annotations[i].has("dismissive")
    ]
    unaddressed = [i for i in recent if not _repeat_addressed(ctx, i, statuses, heard)]
    if not unaddressed:
        return None
    latest = unaddressed[-1]
    evidence = _repeat_evidence(ctx, latest)
    return Nudge(
        id=f"{NudgeCode.REPEAT_UNADDRESSED}:{ctx.turns[latest].id}",
        code=NudgeCode.REPEAT_UNADDRESSED,
        severity=Severity.URGENT if len(unaddressed) >= 2 else Severity.WARNING,
        message="The customer has had to repeat themselves and it is still unaddressed: "
        "acknowledge it and answer it",
        evidence=evidence,
    )


def _repeat_addressed(
    ctx: AssistContext, index: int, statuses: dict[str, Concern], heard: list[int]
) -> bool:
    repeated = [c for c in ctx.annotations[index].concerns if c.repeat_of is not None]
    if repeated:
        return any(
            (status := statuses.get(c.id)) is not None
            and (status.acknowledged_by is not None or status.answered_by is not None)
            for c in repeated
        )
    # Said outright ("I just gave it to you") with no concern to track: it is addressed when
    # the agent shows they heard it, without brushing it off.
    return any(later > index for later in heard)


def _repeat_evidence(ctx: AssistContext, index: int) -> list[Evidence]:
    turn_id = ctx.turns[index].id
    wanted = {c.repeat_of for c in ctx.annotations[index].concerns if c.repeat_of}
    by_id = {c.id: c for c in ctx.concerns if c.id in wanted}
    evidence: list[Evidence] = []
    for concern in ctx.annotations[index].concerns:
        if concern.repeat_of is None:
            continue
        evidence.append(Evidence(turn_id=turn_id, quote=concern.quote, reason="said again"))
        first = by_id.get(concern.repeat_of)
        if first is not None:
            evidence.append(
                Evidence(turn_id=first.turn_id, quote=first.quote, reason="first said here")
            )
    if not evidence:
        match = SAYS_REPEATING.search(ctx.turns[index].text)
        offset = match.start() if match is not None else 0
        quote = ctx.sentence_containing(index, offset).text
        evidence.append(Evidence(turn_id=turn_id, quote=quote, reason="says they are repeating"))
    return evidence


def language_mismatch(ctx: AssistContext) -> Nudge | None:
    signal = language(ctx.state)
    if not signal.mismatch or signal.customer is None or signal.agent is None:
        return None
    customer = LANGUAGE_NAMES.get(signal.customer, signal.customer)
    agent = LANGUAGE_NAMES.get(signal.agent, signal.agent)
    evidence: list[Evidence] = []
    for role, code in ((Role.CUSTOMER, signal.customer), (Role.AGENT, signal.agent)):
        index = next(
            (
                i
                for i in reversed(range(len(ctx.turns)))
                if ctx.turns[i].role is role and ctx.annotations[i].language == code
            ),
            None,
        )
        if index is not None:
            first = ctx.sentences(index)[0].text if ctx.sentences(index) else ctx.turns[index].text
            evidence.append(Evidence(turn_id=ctx.turns[index].id, quote=first, reason=code))
    return Nudge(
        id=f"{NudgeCode.LANGUAGE_MISMATCH}:{signal.customer}:{signal.agent}",
        code=NudgeCode.LANGUAGE_MISMATCH,
        severity=Severity.WARNING,
        message=f"The customer is using {customer} but your replies are in {agent}",
        evidence=evidence,
    )


def dismissive_language(ctx: AssistContext) -> Nudge | None:
    if ctx.focus_turn.role is not Role.AGENT:
        return None
    hit = ctx.annotations[ctx.focus].hit("dismissive")
    if hit is None:
        return None
    return Nudge(
        id=f"{NudgeCode.DISMISSIVE_LANGUAGE}:{ctx.focus_turn.id}",
        code=NudgeCode.DISMISSIVE_LANGUAGE,
        severity=Severity.WARNING,
        message="This can sound dismissive: acknowledge what the customer said instead",
        evidence=[Evidence(turn_id=ctx.focus_turn.id, quote=hit.quote, reason=hit.reason)],
    )


Rule = Callable[[AssistContext], Nudge | None]
RULES: tuple[Rule, ...] = (
    talking_over,
    unacknowledged_emotion,
    repeat_unaddressed,
    issue_not_confirmed,
    interrogation,
    dismissive_language,
    closing_checklist,
    language_mismatch,
)


def nudges(ctx: AssistContext, rules: tuple[Rule, ...] = RULES) -> list[Nudge]:
    found = [rule(ctx) for rule in rules]
    return [nudge for nudge in found if nudge is not None]


def _and(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]
