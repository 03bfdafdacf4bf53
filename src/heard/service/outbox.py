"""Outgoing webhooks through an outbox: events are rows written with what caused them, and a
dispatcher delivers them afterwards, signed, retrying with back-off until the receiver accepts.

Signature: ``X-Heard-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` with
``X-Heard-Timestamp`` (Unix seconds), ``X-Heard-Event`` and ``X-Heard-Delivery`` (the event id,
the same on every retry, so receivers can drop duplicates).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Update, select, update
from sqlalchemy.orm import Session

from heard.store import Database
from heard.store.models import FollowUp, OutboxEvent

log = logging.getLogger("heard.service.outbox")

EVENTS = ("analysis.ready", "followup.due", "nudge")
MAX_ATTEMPTS = 8
BATCH = 50


def now() -> datetime:
    return datetime.now(UTC)


def enqueue(
    session: Session, event: str, payload: dict[str, Any], wanted: Iterable[str] | None = None
) -> None:
    """Add an event to the outbox in the caller's transaction (when it is one that is wanted)."""
    if wanted is not None and event not in set(wanted):
        return
    moment = now()
    session.add(
        OutboxEvent(
            event=event, payload=payload, created_at=moment, attempts=0, next_attempt_at=moment
        )
    )


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 3600))


def due_followups(session: Session, wanted: Iterable[str], *, at: datetime | None = None) -> int:
    """Queue ``followup.due`` once for every open follow-up whose time has come.

    Each task is marked with a conditional update, and queued only by the request whose update
    matched: two workers' dispatchers reading the same due task queue it once between them."""
    moment = at or now()
    tasks = session.scalars(
        select(FollowUp).where(
            FollowUp.status == "open", FollowUp.due_at <= moment, FollowUp.notified_at.is_(None)
        )
    ).all()
    queued = 0
    for task in tasks:
        if not _won(
            session,
            update(FollowUp)
            .where(FollowUp.id == task.id, FollowUp.notified_at.is_(None))
            .values(notified_at=moment),
        ):
            continue
        queued += 1
        enqueue(
            session,
            "followup.due",
            {
                "followup_id": task.id,
                "conversation_id": task.conversation_id,
                "cause": task.cause,
                "priority": task.priority,
                "assignee": task.assignee,
                "due_at": task.due_at.isoformat(),
                "reason": task.reason,
            },
            wanted,
        )
    return queued


def _won(session: Session, statement: Update) -> bool:
    """Run a conditional update; whether it matched its row (this process won the claim)."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return getattr(result, "rowcount", 0) == 1


class Dispatcher:
    """Delivers pending outbox events to one URL. Safe to run in several processes (every worker
    of ``heard serve --workers N`` runs one): an event is claimed, by a conditional update that
    only one process can win, moving its next attempt into the future before it is sent."""

    def __init__(
        self,
        database: Database,
        url: str | None,
        secret: str | None,
        *,
        wanted: Iterable[str] = EVENTS,
        client: httpx.AsyncClient | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.database = database
        self.url = url
        self.secret = secret
        self.wanted = tuple(wanted)
        self._client = client
        self._timeout = timeout

    def _claim(self) -> list[tuple[int, str, dict[str, Any], int]]:
        moment = now()
        with self.database.session() as session:
            due_followups(session, self.wanted, at=moment)
            rows = session.execute(
                select(OutboxEvent.id, OutboxEvent.event, OutboxEvent.payload, OutboxEvent.attempts)
                .where(
                    OutboxEvent.delivered_at.is_(None),
                    OutboxEvent.next_attempt_at <= moment,
                    OutboxEvent.attempts < MAX_ATTEMPTS,
                )
                .order_by(OutboxEvent.id)
                .limit(BATCH)
            ).all()
            claimed = []
            for event_id, event, payload, attempts in rows:
                # Claimed only if no other process moved it since it was read: with several
                # workers each event is still sent by one of them.
                if _won(
                    session,
                    update(OutboxEvent)
                    .where(OutboxEvent.id == event_id, OutboxEvent.attempts == attempts)
                    .values(attempts=attempts + 1, next_attempt_at=moment + backoff(attempts + 1)),
                ):
                    claimed.append((event_id, event, dict(payload), attempts + 1))
            return claimed

    def _finish(self, event_id: int, error: str | None) -> None:
        with self.database.session() as session:
            row = session.get(OutboxEvent, event_id)
            if row is None:
                return
            if error is None:
                row.delivered_at = now()
                row.last_error = None
            else:
                row.last_error = error[:500]

    def body(self, event_id: int, event: str, payload: dict[str, Any]) -> bytes:
        document = {"id": event_id, "event": event, "data": payload}
        return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()

    async def run_once(self) -> int:
        """Send what is due; returns how many were delivered."""
        if not self.url:
            return 0
        claimed = await asyncio.to_thread(self._claim)
        if not claimed:
            return 0
        client = self._client or httpx.AsyncClient(timeout=self._timeout)
        delivered = 0
        try:
            for event_id, event, payload, _attempts in claimed:
                body = self.body(event_id, event, payload)
                timestamp = int(time.time())
                headers = {
                    "Content-Type": "application/json",
                    "X-Heard-Event": event,
                    "X-Heard-Delivery": str(event_id),
                    "X-Heard-Timestamp": str(timestamp),
                }
                if self.secret:
                    headers["X-Heard-Signature"] = sign(self.secret, timestamp, body)
                error: str | None = None
                try:
                    response = await client.post(self.url, content=body, headers=headers)
                    if response.status_code >= 300:
                        error = f"receiver answered {response.status_code}"
                except httpx.HTTPError as failure:
                    error = f"{type(failure).__name__}: {failure}"
                if error is None:
                    delivered += 1
                else:
                    log.warning("outgoing webhook %s (event %s) failed: %s", event, event_id, error)
                await asyncio.to_thread(self._finish, event_id, error)
        finally:
            if self._client is None:
                await client.aclose()
        return delivered

    async def run_forever(self, interval: float) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # the loop must outlive a bad moment of the database
                log.exception("outgoing webhook dispatcher failed; retrying")
            await asyncio.sleep(interval)
