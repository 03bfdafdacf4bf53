"""Versioned ``live_sessions`` rows: sessions spanning several requests, seen by every worker.

A kind (``bot``, ``training``) keeps its own JSON ``state`` in the row. Every write goes through
:func:`save` (or :func:`delete` with a version), a compare-and-set on ``version``: it succeeds
only if nobody wrote the row since it was read, so a change made on a stale copy is refused
rather than lost. Each write also stamps the state with a random ``_rev``, so a process that
keeps a rebuilt copy can tell, from :attr:`Row.stamp`, whether its copy is exactly what is
stored (a version number alone could be reused after a write whose commit failed).

Rows idle longer than the kind's limit count as gone (:func:`load` does not return them) and
:func:`sweep` deletes them, with the least recently seen beyond a kind's capacity.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from heard.store.models import LiveSession

REV = "_rev"


@dataclass(frozen=True)
class Row:
    id: str
    kind: str
    state: dict[str, Any]
    version: int
    created_at: datetime
    last_seen: datetime

    @property
    def stamp(self) -> tuple[int, str]:
        """Equal for two reads of the same write, different after any other write."""
        return self.version, str(self.state.get(REV, ""))


def utc(moment: datetime) -> datetime:
    """SQLite gives timezone-aware columns back naive; every time stored here is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _stamped(state: dict[str, Any]) -> dict[str, Any]:
    return {**state, REV: secrets.token_hex(8)}


def create(
    session: Session, kind: str, session_id: str, state: dict[str, Any], *, now: datetime
) -> Row:
    stamped = _stamped(state)
    session.add(
        LiveSession(
            id=session_id, kind=kind, state=stamped, version=1, created_at=now, last_seen=now
        )
    )
    session.flush()
    return Row(session_id, kind, stamped, 1, now, now)


def load(
    session: Session, kind: str, session_id: str, *, idle: timedelta, now: datetime
) -> Row | None:
    """The row as stored now, or None when there is none of this kind or it has idled out."""
    t = LiveSession
    found = session.execute(
        select(t.state, t.version, t.created_at, t.last_seen).where(
            t.id == session_id, t.kind == kind
        )
    ).one_or_none()
    if found is None:
        return None
    state, version, created_at, last_seen = found
    if utc(last_seen) < now - idle:
        return None
    return Row(session_id, kind, dict(state), version, utc(created_at), utc(last_seen))


def save(session: Session, row: Row, state: dict[str, Any], *, now: datetime) -> Row | None:
    """Write ``state`` if the row is still at ``row.version``; the new row, or None if another
    request wrote it first (or it is gone)."""
    stamped = _stamped(state)
    t = LiveSession
    result = session.execute(
        update(t)
        .where(t.id == row.id, t.kind == row.kind, t.version == row.version)
        .values(state=stamped, version=row.version + 1, last_seen=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return Row(row.id, row.kind, stamped, row.version + 1, row.created_at, now)


def touch(session: Session, row: Row, *, now: datetime) -> None:
    """Seen again without a change (the version stays: no copy becomes stale)."""
    t = LiveSession
    session.execute(
        update(t)
        .where(t.id == row.id, t.kind == row.kind, t.last_seen < now)
        .values(last_seen=now)
        .execution_options(synchronize_session=False)
    )


def delete_row(session: Session, row: Row) -> bool:
    """Delete the row if it is still at ``row.version``; False if it changed or is gone."""
    t = LiveSession
    result = session.execute(
        delete(t)
        .where(t.id == row.id, t.kind == row.kind, t.version == row.version)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


def live_rows(session: Session, kind: str, *, idle: timedelta, now: datetime) -> list[Row]:
    """Every row of a kind that has not idled out."""
    t = LiveSession
    found = session.execute(
        select(t.id, t.state, t.version, t.created_at, t.last_seen).where(
            t.kind == kind, t.last_seen >= now - idle
        )
    )
    return [
        Row(row_id, kind, dict(state), version, utc(created), utc(seen))
        for row_id, state, version, created, seen in found
    ]


def remove(session: Session, kind: str, session_id: str) -> None:
    """Delete the row whatever its version (a sign-out, a revoked key)."""
    t = LiveSession
    session.execute(
        delete(t)
        .where(t.id == session_id, t.kind == kind)
        .execution_options(synchronize_session=False)
    )


def sweep(
    session: Session,
    kind: str,
    *,
    idle: timedelta,
    now: datetime,
    capacity: int | None = None,
    max_age: timedelta | None = None,
) -> int:
    """Delete a kind's idle rows (and, with ``max_age``, those older than that), then its least
    recently seen beyond ``capacity``; how many.

    Called when a session of the kind is opened, so the table cannot grow without bound."""
    t = LiveSession
    expired = t.last_seen < now - idle
    if max_age is not None:
        expired = or_(expired, t.created_at < now - max_age)
    result = session.execute(
        delete(t).where(t.kind == kind, expired).execution_options(synchronize_session=False)
    )
    removed = int(getattr(result, "rowcount", 0) or 0)
    if capacity is None:
        return removed
    count = session.scalar(select(func.count()).select_from(t).where(t.kind == kind)) or 0
    if count > capacity:
        surplus = list(
            session.scalars(
                select(t.id)
                .where(t.kind == kind)
                .order_by(t.last_seen, t.id)
                .limit(count - capacity)
            )
        )
        session.execute(
            delete(t).where(t.id.in_(surplus)).execution_options(synchronize_session=False)
        )
        removed += len(surplus)
    return removed
