"""The draft check: an agent's reply, scored before it is sent.

The draft is annotated as the agent's next turn (never committed), then read against what the
customer is waiting on: the questions and concerns in their turns since the agent last spoke,
and anything they had to repeat. Issues take points off a readiness score of 100; what the
draft does well is listed too, so the check coaches rather than only scolds.
"""

from __future__ import annotations

import re

import numpy as np

from heard.assist import nudges
from heard.assist.context import AssistContext
from heard.assist.models import DraftCheck, DraftIssue, DraftStrength, Evidence, Severity
from heard.assist.wording import feeling_only
from heard.listening.model import Concern
from heard.listening.signals import ACKNOWLEDGING, ANSWERING, related
from heard.listening.text import words

PENALTY = {
    "unanswered_question": 30,
    "unaddressed_concern": 15,
    "asks_again": 20,
    "dismissive": 40,
    "assumption": 15,
    "unacknowledged_emotion": 15,
    "repeat_unaddressed": 20,
    "interrogation": 15,
    "issue_not_confirmed": 10,
    "closing_checklist": 10,
    "language_mismatch": 30,
    "empty": 100,
}
SEVERITY = {
    "unanswered_question": Severity.URGENT,
    "dismissive": Severity.URGENT,
    "language_mismatch": Severity.URGENT,
    "empty": Severity.URGENT,
    "issue_not_confirmed": Severity.INFO,
    "closing_checklist": Severity.INFO,
}
SOUNDS = {"dismissive": "dismissive", "assumption": "presumptuous"}
STRENGTHS = {
    "acknowledgement": "acknowledges what the customer said",
    "paraphrase": "confirms the issue in your own words",
    "clarifying_question": "asks a clarifying question",
    "empathy": "responds to how the customer feels",
    "reassurance": "reassures the customer",
    "ownership": "takes ownership",
    "solution": "gives a solution or a next step",
    "timeline": "says when",
    "follow_up": "commits to follow up",
}
# Words that name what a question is about ("the refund question").
TOPIC = re.compile(
    r"\b(refund|replacement|delivery|order|parcel|package|charge|fee|bill|invoice|payment|price|"
    r"discount|subscription|cancellation|password|account|login|address|appointment|engineer|"
    r"warranty|return|exchange|tracking|manager|callback|compensation|voucher|credit|contract|"
    r"upgrade|booking|reservation|ticket|prescription)s?\b",
    re.IGNORECASE,
)


def check(ctx: AssistContext, conversation_id: str) -> DraftCheck:
    """Score the draft at ``ctx.focus`` (an agent turn in a scratch state)."""
    draft = ctx.focus_turn
    annotation = ctx.annotations[ctx.focus]
    issues: list[DraftIssue] = []
    strengths: list[DraftStrength] = []

    if not words(draft.text):
        issues.append(_issue("empty", "the draft is empty", []))
        return _result(ctx, conversation_id, issues, strengths)

    for label, message in STRENGTHS.items():
        hit = annotation.hit(label)
        if hit is None:
            continue
        if label == "clarifying_question" and hit.detail.get("question") == "open":
            message = "asks an open question"
        if label == "empathy" and hit.detail.get("specific"):
            message = "responds to how the customer feels, in their terms"
        strengths.append(DraftStrength(label=label, message=message, quote=hit.quote))

    for label in ("dismissive", "assumption"):
        hit = annotation.hit(label)
        if hit is not None:
            issues.append(
                _issue(
                    label,
                    f"can sound {SOUNDS[label]}: “{hit.quote}”",
                    [Evidence(turn_id=draft.id, quote=hit.quote, reason=hit.reason)],
                )
            )

    _waiting_on(ctx, issues, strengths)
    _asks_again(ctx, issues)
    _from_nudges(ctx, issues)
    _language(ctx, issues)
    return _result(ctx, conversation_id, issues, strengths)


def _waiting_on(
    ctx: AssistContext, issues: list[DraftIssue], strengths: list[DraftStrength]
) -> None:
    """Questions and concerns the customer raised since the agent last spoke: answered?"""
    previous_agent = max((i for i in ctx.agent_indices if i < ctx.focus), default=-1)
    annotation = ctx.annotations[ctx.focus]
    warm = any(annotation.has(label) for label in ("empathy", "acknowledgement"))
    for index in ctx.customer_indices:
        if not previous_agent < index < ctx.focus:
            continue
        turn = ctx.turns[index]
        items: list[tuple[Concern, bool]] = []
        covered: set[int] = set()
        for sentence in ctx.sentences(index):
            if sentence.is_question and len(words(sentence.text)) >= 2:
                items.append(
                    (_as_concern(turn.id, sentence.text, sentence.start, sentence.end), True)
                )
                covered.add(sentence.start)
        for concern in ctx.annotations[index].concerns:
            if concern.start not in covered:
                items.append((concern, False))
        for concern, is_question in items:
            if feeling_only(concern.quote) and warm:
                continue
            verb = "asked" if is_question else "raised"
            # A question is answered by information or a commitment, not by sympathy alone;
            # a concern is also met by showing it was heard.
            needed = ANSWERING if is_question else ANSWERING + ACKNOWLEDGING
            if any(annotation.has(label) for label in needed) and related(
                ctx.state, concern, ctx.focus, index
            ):
                strengths.append(
                    DraftStrength(
                        label="addresses",
                        message=f"speaks to what the customer {verb} at {turn.id}",
                        quote=_closest_sentence(ctx, index, concern),
                    )
                )
                continue
            evidence = [Evidence(turn_id=turn.id, quote=concern.quote, reason="not addressed")]
            if is_question:
                topic = TOPIC.search(concern.quote)
                what = f"the {topic.group(1).lower()} question" if topic else "the question"
                issues.append(
                    _issue(
                        "unanswered_question",
                        f"does not address {what} the customer asked at {turn.id}: "
                        f"“{concern.quote}”",
                        evidence,
                    )
                )
            elif not feeling_only(concern.quote):
                issues.append(
                    _issue(
                        "unaddressed_concern",
                        f"does not address what the customer raised at {turn.id}: “{concern.text}”",
                        evidence,
                    )
                )


def _as_concern(turn_id: str, quote: str, start: int, end: int) -> Concern:
    return Concern(
        id=f"{turn_id}.q{start}", turn_id=turn_id, text=quote, quote=quote, start=start, end=end
    )


def _closest_sentence(ctx: AssistContext, index: int, concern: Concern) -> str:
    """The draft's sentence nearest in meaning to the concern it addresses."""
    draft = ctx.state.features[ctx.focus]
    if not draft.sentences:
        return ctx.focus_turn.text
    source = ctx.state.features[index]
    position = next((i for i, s in enumerate(source.sentences) if s.start == concern.start), None)
    vector = source.sentence_vectors[position] if position is not None else source.vector
    best = int(np.argmax(draft.sentence_vectors @ vector)) if len(draft.sentence_vectors) else 0
    return draft.sentences[min(best, len(draft.sentences) - 1)].text


def _asks_again(ctx: AssistContext, issues: list[DraftIssue]) -> None:
    """A question about something the customer already said ("Order number?" after "#51877")."""
    questions = "\n".join(s.text for s in ctx.sentences(ctx.focus) if s.is_question)
    if not questions:
        return
    for index in ctx.customer_indices:
        if index >= ctx.focus:
            continue
        for slot, known in ctx.slots.asked_again(questions, ctx.turns[index].text):
            if any(issue.code == "asks_again" and slot.topic in issue.message for issue in issues):
                continue
            quote = ctx.sentence_containing(index, known.start()).text
            issues.append(
                _issue(
                    "asks_again",
                    f"asks for {slot.topic}, which the customer already gave at "
                    f"{ctx.turns[index].id}",
                    [Evidence(turn_id=ctx.turns[index].id, quote=quote, reason="already given")],
                )
            )


def _from_nudges(ctx: AssistContext, issues: list[DraftIssue]) -> None:
    """Listening problems the draft would leave standing or create."""
    annotation = ctx.annotations[ctx.focus]
    emotion = nudges.unacknowledged_emotion(ctx)
    if emotion is not None and not annotation.has("empathy"):
        issues.append(
            _issue(
                "unacknowledged_emotion",
                emotion.message.replace("has not been", "is still not"),
                emotion.evidence,
            )
        )
    repeat = nudges.repeat_unaddressed(ctx)
    if repeat is not None:
        issues.append(
            _issue(
                "repeat_unaddressed",
                "does not acknowledge what the customer had to repeat",
                repeat.evidence,
            )
        )
    run = nudges.interrogation(ctx)
    if run is not None and run.evidence and run.evidence[-1].turn_id == ctx.focus_turn.id:
        issues.append(
            _issue(
                "interrogation",
                "would be another closed question in a row: acknowledge them or ask an open one",
                run.evidence,
            )
        )
    unconfirmed = nudges.issue_not_confirmed(ctx)
    if unconfirmed is not None and annotation.has("solution"):
        issues.append(
            _issue(
                "issue_not_confirmed",
                "acts on the issue before confirming it: restate it first",
                unconfirmed.evidence,
            )
        )
    closing = ctx.closing
    if closing is not None and closing.index == ctx.focus:
        checklist = nudges.closing_checklist(ctx)
        if checklist is not None:
            issues.append(
                _issue(
                    "closing_checklist",
                    checklist.message[0].lower() + checklist.message[1:],
                    checklist.evidence,
                )
            )


def _language(ctx: AssistContext, issues: list[DraftIssue]) -> None:
    draft_language = ctx.annotations[ctx.focus].language
    customer = next(
        (
            (i, ctx.annotations[i].language)
            for i in reversed(ctx.customer_indices)
            if i < ctx.focus and ctx.annotations[i].language
        ),
        None,
    )
    if draft_language is None or customer is None or customer[1] == draft_language:
        return
    index, language = customer
    name = nudges.LANGUAGE_NAMES.get(language or "", language)
    ours = nudges.LANGUAGE_NAMES.get(draft_language, draft_language)
    quote = ctx.sentences(index)[0].text if ctx.sentences(index) else ctx.turns[index].text
    issues.append(
        _issue(
            "language_mismatch",
            f"is in {ours} but the customer writes in {name}",
            [Evidence(turn_id=ctx.turns[index].id, quote=quote, reason=language or "")],
        )
    )


def _issue(code: str, message: str, evidence: list[Evidence]) -> DraftIssue:
    return DraftIssue(
        code=code,
        severity=SEVERITY.get(code, Severity.WARNING),
        message=message,
        evidence=evidence,
        penalty=PENALTY[code],
    )


def _result(
    ctx: AssistContext,
    conversation_id: str,
    issues: list[DraftIssue],
    strengths: list[DraftStrength],
) -> DraftCheck:
    issues.sort(key=lambda issue: -issue.penalty)
    readiness = max(0, 100 - sum(issue.penalty for issue in issues))
    if not issues:
        good = "; ".join(dict.fromkeys(s.message for s in strengths))
        reason = "Ready to send" + (f": it {good}" if good else "")
    else:
        more = len(issues) - 1
        reason = f"Fix before sending: it {issues[0].message}" + (
            f" (and {more} more issue{'s' if more > 1 else ''})" if more else ""
        )
    return DraftCheck(
        conversation_id=conversation_id,
        annotation=ctx.annotations[ctx.focus],
        issues=issues,
        strengths=strengths,
        readiness=readiness,
        reason=reason,
    )
