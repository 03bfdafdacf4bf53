"""Conversations in progress (fed by webhooks), annotated as each turn arrives.

Kept in memory, least recently active dropped first; a conversation that falls out is simply
annotated from the stored turns when its next message arrives.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from heard.conversation import Conversation
from heard.listening.pipeline import LiveSession, default_pipeline


class LiveConversations:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._sessions: OrderedDict[str, tuple[LiveSession, list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def observe(self, conversation: Conversation) -> list[dict[str, Any]]:
        """Annotate the conversation's new turns; returns the nudges they raise."""
        with self._lock:
            entry = self._sessions.pop(conversation.id, None)
            ids = [turn.id for turn in conversation.turns]
            if entry is None or ids[: len(entry[1])] != entry[1]:
                # New, or an earlier turn was edited: start again from the stored turns.
                session = default_pipeline().live(conversation.model_copy(update={"turns": []}))
                known: list[str] = []
            else:
                session, known = entry
            for turn in conversation.turns[len(known) :]:
                session.add(turn)
            self._sessions[conversation.id] = (session, ids)
            while len(self._sessions) > self.capacity:
                self._sessions.popitem(last=False)
        return []

    def forget(self, conversation_id: str) -> None:
        with self._lock:
            self._sessions.pop(conversation_id, None)

    def __len__(self) -> int:
        return len(self._sessions)
