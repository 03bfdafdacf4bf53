"""Suggestions: what the agent could say next, built only from the conversation's own words.

* ``paraphrase``: the customer's issue sentences, feelings and greetings dropped, turned to the
  second person, inside a fixed frame ("Just to confirm: … — is that right?").
* ``clarifying_question``: the open question for the first thing the slot table says is needed
  for this kind of issue and is not known yet.
* ``empathy_opener``: a line from the opener bank for the customer's emotion, naming their
  situation in their words; rotated so the agent does not repeat themselves.
* ``closing_checklist``: what a good close has, each item done or not, with evidence.

Nothing here adds a fact: every word of a paraphrase or a situation is the customer's, a frame
word, or a pronoun switched from the customer's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from heard.assist.context import AssistContext
from heard.assist.models import Grounding, Suggestion, SuggestionKind
from heard.assist.openers import Opener
from heard.assist.wording import (
    clauses,
    factual_part,
    join_clauses,
    lower_first,
    to_second_person,
)
from heard.conversation import Role
from heard.listening.detectors.interruption import PROTEST
from heard.listening.detectors.repetition import EXPLICIT as SAYS_REPEATING
from heard.listening.detectors.urgency import URGENT
from heard.listening.features import has_time_expression
from heard.listening.text import Sentence, words

PARAPHRASE_FRAME = "Just to confirm: {} — is that right?"
# The frame's own words, for checking that everything else in a paraphrase is the customer's.
FRAME_WORDS = frozenset(words(PARAPHRASE_FRAME.replace("{}", "")))
MAX_PARAPHRASE_SENTENCES = 3
PARAPHRASE_WINDOW = 30
MAX_PARAPHRASE_WORDS = 45
MAX_SITUATION_WORDS = 16
# A concern that states a problem (rather than a wish), preferred as the situation an opener
# names.
PROBLEM = re.compile(
    r"n't|\b(?:not|never|no longer|still|broken|broke|stopped|charged|overcharged|wrong|"
    r"missing|lost|late|fail\w*|crash\w*|error|declined|locked|damaged|cracked|dropp\w*|faulty|"
    r"leak\w*|delay\w*)\b",
    re.IGNORECASE,
)
# Once the agent commits to when or to following up, the diagnosis is over.
RESOLVING = ("timeline", "follow_up")
_QUESTION = re.compile(r"\?\s*$")
_SMALL_TALK = re.compile(
    r"^\W*(?:hi|hello|hey|thanks?|thank you|ok(?:ay)?|yes|no|yeah|sure|great|cheers|bye)\b\W*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Picked:
    index: int
    sentence: Sentence
    text: str
    priority: int


def paraphrase(ctx: AssistContext) -> Suggestion | None:
    """Restate what the customer has described since the agent last restated it."""
    # Only recent turns: what was said long ago and never restated is past restating now, and
    # scanning it on every turn would make long conversations slow.
    last = max((i for i, _ in ctx.confirmations), default=-1, key=lambda i: i)
    start = max(last, len(ctx.turns) - PARAPHRASE_WINDOW - 1)
    since = [i for i in ctx.customer_indices if i > start]
    bursts = _bursts_with_concerns(ctx, since)
    picked: list[Picked] = []
    for index in bursts:
        concerns = ctx.annotations[index].concerns
        concern_starts = {c.start for c in concerns if c.repeat_of is None}
        repeated = {c.start for c in concerns if c.repeat_of is not None}
        for sentence in ctx.sentences(index):
            text = sentence.text
            if sentence.start in repeated or _QUESTION.search(text) or _SMALL_TALK.match(text):
                continue
            if PROTEST.search(text) or SAYS_REPEATING.search(text):
                continue
            is_concern = sentence.start in concern_starts
            # Beside the concerns, only times and deadlines: an account number or an address
            # given in answer to a question is for the system, not for the restatement.
            if not is_concern and not (has_time_expression(text) or URGENT.search(text)):
                continue
            restated = _restate(text)
            if len(words(restated)) < 3:
                continue
            priority = 0 if is_concern and PROBLEM.search(text) else 1 if is_concern else 2
            picked.append(Picked(index, sentence, restated, priority))
    if not picked:
        return None
    chosen: list[Picked] = []
    total = 0
    for candidate in sorted(picked, key=lambda p: (p.priority, p.index, p.sentence.start)):
        size = len(words(candidate.text))
        if chosen and total + size > MAX_PARAPHRASE_WORDS:
            continue
        chosen.append(candidate)
        total += size
        if len(chosen) >= MAX_PARAPHRASE_SENTENCES:
            break
    chosen.sort(key=lambda p: (p.index, p.sentence.start))
    text = PARAPHRASE_FRAME.format(join_clauses([p.text for p in chosen]))
    return Suggestion(
        kind=SuggestionKind.PARAPHRASE,
        text=text,
        grounded_in=[
            Grounding(turn_id=ctx.turns[p.index].id, quote=p.sentence.text) for p in chosen
        ],
    )


def _bursts_with_concerns(ctx: AssistContext, indices: list[int]) -> list[int]:
    """Customer turns in runs (no agent turn between them) where some turn raises a concern:
    "It was due Tuesday." belongs with "My order hasn't arrived." sent seconds before."""
    runs: list[list[int]] = []
    for index in indices:
        if runs and all(
            ctx.turns[between].role is not Role.AGENT for between in range(runs[-1][-1] + 1, index)
        ):
            runs[-1].append(index)
        else:
            runs.append([index])
    return [index for run in runs if any(ctx.annotations[i].concerns for i in run) for index in run]


def _restate(sentence: str) -> str:
    return lower_first(to_second_person(factual_part(sentence)))


def situation(ctx: AssistContext, around: int) -> tuple[str, int, str] | None:
    """The customer's problem in their own words, second person, short enough for an opener:
    (clause, turn index, the sentence it came from). Prefers the turn that showed the feeling,
    then earlier turns, most recent first; a clause that states a problem over one that does
    not."""
    order = [around, *(i for i in reversed(ctx.customer_indices) if i < around)]
    for prefer_problem in (True, False):
        for index in order:
            for concern in ctx.annotations[index].concerns:
                if _QUESTION.search(concern.quote) or SAYS_REPEATING.search(concern.quote):
                    continue
                for clause in clauses(_restate(concern.quote)):
                    if prefer_problem and not PROBLEM.search(clause):
                        continue
                    if _POINTS_ELSEWHERE.match(clause):
                        continue
                    if 3 <= len(words(clause)) <= MAX_SITUATION_WORDS:
                        return clause, index, concern.quote
    return None


# "that's not what it means" makes no sense outside the message it answered.
_POINTS_ELSEWHERE = re.compile(r"^(?:that|this|these|those|which)\b", re.IGNORECASE)


ChooseOpener = Callable[[int, str, bool], Opener | None]


def empathy_opener(ctx: AssistContext, choose: ChooseOpener) -> Suggestion | None:
    """An opener for the most recent unacknowledged feeling; ``choose(turn index, emotion,
    with_situation)`` picks the line (and remembers it, so lines rotate)."""
    feelings = [i for i in ctx.unacknowledged_feelings if i <= ctx.focus]
    if not feelings:
        return None
    index = feelings[-1]
    emotion = ctx.annotations[index].emotion
    if emotion is None:
        return None
    found = situation(ctx, index)
    opener = choose(index, emotion.value, found is not None)
    if opener is None and found is not None:
        opener = choose(index, emotion.value, False)
        found = None
    if opener is None:
        return None
    grounded = [
        Grounding(
            turn_id=ctx.turns[index].id,
            quote=ctx.annotations[index].emotion_quote or ctx.turns[index].text,
        )
    ]
    text = opener.render(found[0] if found and opener.needs_situation else None)
    if found is not None and opener.needs_situation:
        _, source, quote = found
        if not any(g.turn_id == ctx.turns[source].id and g.quote == quote for g in grounded):
            grounded.append(Grounding(turn_id=ctx.turns[source].id, quote=quote))
    return Suggestion(
        kind=SuggestionKind.EMPATHY_OPENER,
        text=text,
        grounded_in=grounded,
        detail={"emotion": emotion.value, "opener": opener.id},
    )


def clarifying_question(ctx: AssistContext) -> Suggestion | None:
    """The open question for the first needed slot not yet known nor asked."""
    if ctx.closing is not None or ctx.first_concern is None:
        return None
    first = ctx.first_concern
    if any(i > first for label in RESOLVING for i, _ in ctx.agent_hits(label)):
        return None  # the agent is already resolving: questions now would set them back
    customer = [i for i in ctx.customer_indices if ctx.turns[i].text.strip()]
    if not any(ctx.annotations[i].concerns for i in customer):
        return None
    customer_text, offsets = _joined(ctx, customer)
    statements: list[str] = []
    questions: list[str] = []
    for index in ctx.agent_indices:
        for sentence in ctx.sentences(index):
            (questions if sentence.is_question else statements).append(sentence.text)
    found = ctx.slots.missing(customer_text, "\n".join(statements), "\n".join(questions))
    if found is None:
        return None
    match, slot = found
    index, local = _locate(offsets, match.first.start())
    sentence = ctx.sentence_containing(index, local)
    return Suggestion(
        kind=SuggestionKind.CLARIFYING_QUESTION,
        text=slot.question,
        grounded_in=[Grounding(turn_id=ctx.turns[index].id, quote=sentence.text)],
        detail={"issue": match.issue.kind, "slot": slot.name, "missing": slot.topic},
    )


def _joined(ctx: AssistContext, indices: list[int]) -> tuple[str, list[tuple[int, int]]]:
    """The turns' texts joined by newlines, and where each starts in the joined text."""
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    position = 0
    for index in indices:
        offsets.append((position, index))
        parts.append(ctx.turns[index].text)
        position += len(ctx.turns[index].text) + 1
    return "\n".join(parts), offsets


def _locate(offsets: list[tuple[int, int]], position: int) -> tuple[int, int]:
    start, index = max((o for o in offsets if o[0] <= position), key=lambda o: o[0])
    return index, position - start


CHECKLIST_ACTIONS = {
    "issue_confirmed": "confirm the issue",
    "solution_given": "give the solution or next step",
    "timeline_given": "give a timeline",
    "follow_up_committed": "say how you'll follow up",
    "concerns_answered": "answer what is still open",
    "anything_else_asked": "ask if there is anything else",
}


def closing_checklist(ctx: AssistContext) -> Suggestion | None:
    """Shown once the agent has offered a solution or the conversation is closing."""
    first = ctx.first_concern
    if ctx.closing is None and (
        first is None or not any(i > first for i, _ in ctx.agent_hits("solution"))
    ):
        return None
    items = ctx.checklist
    missing = [CHECKLIST_ACTIONS[item.code] for item in items if item.applies and not item.done]
    text = (
        "Before closing: " + join_clauses(missing)
        if missing
        else "Closing checklist complete: everything a good close needs is done"
    )
    grounded = [
        Grounding(turn_id=evidence.turn_id, quote=evidence.quote)
        for item in items
        if item.done
        for evidence in item.evidence
    ]
    return Suggestion(
        kind=SuggestionKind.CLOSING_CHECKLIST, text=text, grounded_in=grounded, items=items
    )
