"""Conversations that arrive a message at a time (webhooks) merged into what is stored."""

from __future__ import annotations

from datetime import datetime

from heard.conversation import Conversation, Turn


def _order_key(position: int, turn: Turn) -> tuple[int, float, int]:
    # Turns with a time sort by it; those without keep their arrival position.
    if turn.time is not None:
        return (0, turn.time.timestamp(), position)
    if turn.start is not None:
        return (0, turn.start, position)
    return (1, 0.0, position)


def merge(stored: Conversation | None, incoming: Conversation) -> Conversation:
    """``stored`` with ``incoming``'s turns added (a turn with a known id replaces the old one:
    an edited message) and its fields and metadata taking precedence where they are set."""
    if stored is None:
        return incoming
    turns: dict[str, Turn] = {turn.id: turn for turn in stored.turns}
    arrival = {turn.id: index for index, turn in enumerate(stored.turns)}
    for turn in incoming.turns:
        if turn.id not in arrival:
            arrival[turn.id] = len(arrival)
        turns[turn.id] = turn
    ordered = sorted(turns.values(), key=lambda t: _order_key(arrival[t.id], t))
    has_times = all(t.time is not None or t.start is not None for t in ordered)
    if not has_times:
        ordered = sorted(turns.values(), key=lambda t: arrival[t.id])
    started: datetime | None = stored.started_at or incoming.started_at
    return stored.model_copy(
        update={
            "channel": incoming.channel if incoming.turns else stored.channel,
            "language": incoming.language or stored.language,
            "agent_id": incoming.agent_id or stored.agent_id,
            "team_id": incoming.team_id or stored.team_id,
            "customer_id": incoming.customer_id or stored.customer_id,
            "started_at": started,
            "metadata": {**stored.metadata, **incoming.metadata},
            "turns": ordered,
        }
    )
