"""One conversation in progress, assisted turn by turn.

>>> session = AssistSession(Conversation(id="chat-7", agent_id="agent-mia"))
>>> update = session.add_turn(Turn(role="customer", text="My refund still hasn't arrived"))
>>> [n.message for n in update.new_nudges], [s.text for s in update.suggestions]

Final turns are committed to the conversation (a ``LiveSession`` of the listening pipeline).
Partial results and drafts are annotated on a scratch copy that is thrown away, so the next
partial or the final turn replaces them and nothing interim ever reaches the record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from heard.assist import draft, nudges, suggestions
from heard.assist.context import AssistContext, ConcernCache
from heard.assist.models import (
    AssistUpdate,
    DraftCheck,
    Nudge,
    Suggestion,
    UpdateKind,
)
from heard.assist.openers import Opener, OpenerMemory, default_opener_memory
from heard.assist.slots import SlotTable, default_slot_table
from heard.conversation import Conversation, Role, Turn
from heard.listening.model import TurnAnnotation
from heard.listening.pipeline import LiveSession, Pipeline, default_pipeline
from heard.listening.state import ConversationState


@dataclass(frozen=True)
class _ChosenOpener:
    emotion: str
    with_situation: bool
    opener: Opener | None


class AssistSession:
    """The real-time assistant for one conversation.

    ``openers`` should be shared by every session of a process (the default is), so an
    agent's empathy openers rotate across all their conversations, not only within one.
    """

    def __init__(
        self,
        conversation: Conversation | None = None,
        *,
        pipeline: Pipeline | None = None,
        openers: OpenerMemory | None = None,
        slots: SlotTable | None = None,
    ) -> None:
        self.pipeline = pipeline or default_pipeline()
        self.openers = openers or default_opener_memory()
        self.slots = slots or default_slot_table()
        self.live: LiveSession = self.pipeline.live(conversation)
        self._partials: dict[Role, Turn] = {}
        self._concerns = ConcernCache()
        self._memo: dict[tuple[str, str, str], Any] = {}
        # Nudge ids already reported (so a standing situation is not announced every turn),
        # and those standing at the last update (so the client learns which were resolved).
        self._given: set[str] = set()
        self._standing: list[str] = []
        # The opener offered for a customer turn stays the same across the updates that follow
        # it (partials, drafts): rotating on every keystroke would be noise, not variety.
        self._openers: dict[str, _ChosenOpener] = {}

    # --- public API -----------------------------------------------------------------------

    @property
    def conversation(self) -> Conversation:
        return self.live.conversation

    @property
    def conversation_id(self) -> str:
        return self.live.conversation.id

    @property
    def annotations(self) -> list[TurnAnnotation]:
        """Every committed turn's current annotation."""
        return self.live.annotations

    def add_turn(self, turn: Turn) -> AssistUpdate:
        """Commit a final turn (it replaces that speaker's partial) and answer it."""
        started = time.perf_counter()
        self._partials.pop(turn.role, None)
        changed = self.live.add(turn)
        state = self.live.state
        ctx = self._context(state, len(state.turns) - 1, UpdateKind.FINAL)
        update = self._update(ctx, changed, UpdateKind.FINAL, started)
        self._concerns.settle(state, ctx.concerns)
        return update

    def partial(self, turn: Turn, *, kind: UpdateKind | None = None) -> AssistUpdate:
        """Answer an interim speech-to-text result or an agent's draft without committing it.

        It replaces the speaker's previous partial. ``kind`` defaults to ``draft`` for an agent
        turn without timestamps (typed) and ``partial`` otherwise.
        """
        started = time.perf_counter()
        if kind is None:
            kind = (
                UpdateKind.DRAFT
                if turn.role is Role.AGENT and turn.start is None
                else UpdateKind.PARTIAL
            )
        if kind is UpdateKind.FINAL:
            raise ValueError("a final turn is committed with add_turn(), not partial()")
        turn = self._with_id(turn)
        self._partials[turn.role] = turn
        scratch = self._scratch()
        changed = scratch.add(turn)
        ctx = self._context(scratch.state, len(scratch.state.turns) - 1, kind)
        check = draft.check(ctx, self.conversation_id) if kind is UpdateKind.DRAFT else None
        return self._update(ctx, changed, kind, started, check=check)

    def discard_partial(self, role: Role) -> None:
        """Forget a speaker's partial (an abandoned draft, a recognition result withdrawn)."""
        self._partials.pop(role, None)

    def check_draft(self, text: str) -> DraftCheck:
        """Score an agent's reply before it is sent; the conversation is not changed."""
        started = time.perf_counter()
        turn = self._with_id(Turn(role=Role.AGENT, text=text))
        scratch = self._scratch()
        scratch.add(turn)
        ctx = self._context(scratch.state, len(scratch.state.turns) - 1, UpdateKind.DRAFT)
        result = draft.check(ctx, self.conversation_id)
        result.elapsed_ms = _since(started)
        return result

    # --- internals ------------------------------------------------------------------------

    def _context(self, state: ConversationState, focus: int, kind: UpdateKind) -> AssistContext:
        focus_role = state.turns[focus].role
        pending = {role: turn for role, turn in self._partials.items() if role is not focus_role}
        return AssistContext(
            state=state,
            focus=focus,
            kind=kind,
            slots=self.slots,
            pending=pending,
            concern_cache=self._concerns,
            memo=self._memo,
        )

    def _scratch(self) -> LiveSession:
        """A throwaway copy of the live session that a partial can be added to.

        Features and annotations of committed turns are shared, not copied (adding a turn
        appends to new lists); only the last annotation is copied, because adding a turn may
        revise the turn before it.
        """
        state = self.live.state
        conversation = state.conversation.model_copy(update={"turns": list(state.turns)})
        scratch = LiveSession(self.pipeline, conversation)
        scratch.state.features = list(state.features)
        annotations = list(state.annotations)
        if annotations:
            annotations[-1] = annotations[-1].model_copy(deep=True)
        scratch.state.annotations = annotations
        return scratch

    def _with_id(self, turn: Turn) -> Turn:
        """A partial needs an id to be pointed at; the one the final turn is likely to get."""
        if turn.id and all(existing.id != turn.id for existing in self.live.conversation.turns):
            return turn
        return turn.model_copy(update={"id": f"t{len(self.live.conversation.turns) + 1}"})

    def _update(
        self,
        ctx: AssistContext,
        changed: list[TurnAnnotation],
        kind: UpdateKind,
        started: float,
        *,
        check: DraftCheck | None = None,
    ) -> AssistUpdate:
        found = nudges.nudges(ctx)
        marked: list[Nudge] = []
        for nudge in found:
            marked.append(nudge.model_copy(update={"new": nudge.id not in self._given}))
            self._given.add(nudge.id)
        standing = [nudge.id for nudge in found]
        resolved = [nudge_id for nudge_id in self._standing if nudge_id not in standing]
        self._standing = standing
        turn = ctx.focus_turn
        update = AssistUpdate(
            conversation_id=self.conversation_id,
            turn_id=turn.id,
            role=turn.role,
            kind=kind,
            annotations=changed,
            nudges=marked,
            resolved_nudges=resolved,
            suggestions=self._suggest(ctx),
            draft=check,
        )
        update.elapsed_ms = _since(started)
        if check is not None:
            check.elapsed_ms = update.elapsed_ms
        return update

    def _suggest(self, ctx: AssistContext) -> list[Suggestion]:
        found = [
            suggestions.empathy_opener(ctx, self._opener_chooser(ctx)),
            suggestions.paraphrase(ctx),
            suggestions.clarifying_question(ctx),
            suggestions.closing_checklist(ctx),
        ]
        return [suggestion for suggestion in found if suggestion is not None]

    def _opener_chooser(self, ctx: AssistContext) -> suggestions.ChooseOpener:
        committed = len(self.live.state.turns)

        def choose(index: int, emotion: str, with_situation: bool) -> Opener | None:
            turn_id = ctx.turns[index].id
            key = f"{turn_id}\x00{emotion}\x00{with_situation}"
            if index >= committed:
                # A customer's interim words: offer a line without spending it, since the
                # final result may read differently.
                cached = self._openers.get(key)
                if cached is not None:
                    return cached.opener
                candidates = self.openers.bank.candidates(emotion, with_situation=with_situation)
                return candidates[0] if candidates else None
            cached = self._openers.get(key)
            if cached is None:
                opener = self.openers.choose(
                    self.conversation.agent_id,
                    emotion,
                    seed=f"{self.conversation_id}\x00{turn_id}",
                    with_situation=with_situation,
                )
                cached = self._openers[key] = _ChosenOpener(emotion, with_situation, opener)
            return cached.opener

        return choose


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
