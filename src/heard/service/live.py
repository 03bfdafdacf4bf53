"""Conversations in progress fed by webhooks, each with its live assistant.

Kept in memory, least recently active dropped first, as a cache: a conversation this process
does not hold (it fell out, its earlier turns were edited, or another worker of
``heard serve --workers N`` took its earlier messages) is picked up again from its stored turns
at its next message, without announcing again what was announced before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection
from typing import Any

from heard.assist import AssistSession
from heard.conversation import Conversation


class LiveConversations:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._sessions: OrderedDict[str, tuple[AssistSession, list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def observe(
        self, conversation: Conversation, announced: Collection[str] = ()
    ) -> list[dict[str, Any]]:
        """Annotate the conversation's new turns; returns the nudges raised for the first time.

        ``announced``: the ids of the turns that were stored, and their nudges announced, before
        this delivery, by this process or another worker. When this process's assistant does
        not have them yet (it never saw the conversation, dropped it, or another worker took
        the deliveries in between) they are annotated silently: a nudge is announced by the
        delivery whose turn raised it, once, whichever worker takes it.
        """
        with self._lock:
            entry = self._sessions.pop(conversation.id, None)
            ids = [turn.id for turn in conversation.turns]
            if entry is None or ids[: len(entry[1])] != entry[1]:
                assistant = AssistSession(conversation.model_copy(update={"turns": []}))
                known: list[str] = []
            else:
                assistant, known = entry
            fresh: dict[str, dict[str, Any]] = {}
            for turn in conversation.turns[len(known) :]:
                update = assistant.add_turn(turn)
                if turn.id in announced:
                    continue
                for nudge in update.new_nudges:
                    fresh[nudge.id] = nudge.model_dump(mode="json")
            self._sessions[conversation.id] = (assistant, ids)
            while len(self._sessions) > self.capacity:
                self._sessions.popitem(last=False)
        return list(fresh.values())

    def forget(self, conversation_id: str) -> None:
        with self._lock:
            self._sessions.pop(conversation_id, None)

    def __len__(self) -> int:
        return len(self._sessions)
