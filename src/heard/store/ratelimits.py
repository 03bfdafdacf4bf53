"""Sliding-window rate limits counted in ``rate_limit_hits``, shared by every server worker.

A limiter (a ``scope``: ``survey``, ``bot``) allows at most ``limit`` hits per ``window`` for
each key. :func:`hit` decides and records in one short transaction that holds the key's lock
from the count to the insert, so workers never admit more than ``limit`` hits in any window
between them: on PostgreSQL a transaction-scoped advisory lock on the scope and key; on SQLite
the database's single write lock, taken by the transaction's first statement (a delete), so
the count that follows cannot be overtaken by another writer. Times come from the calling
worker's clock: workers on several hosts need synchronised clocks (NTP) for the window to be
exact.

Keys are stored as a SHA-256 (:func:`digest`), never as given: a key is a client's address,
which is personal data. A hit is deleted once it has left the window: the key's own on each
:func:`hit`, everyone else's by :func:`sweep`, which limiters run now and then.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from heard.store.live import utc
from heard.store.models import RateLimitHit

DIGEST_CHARS = 32  # 128 bits: collisions between clients are not a concern


def digest(key: str) -> str:
    """What is stored for ``key``."""
    return hashlib.sha256(key.encode()).hexdigest()[:DIGEST_CHARS]


def hit(
    session: Session, scope: str, key: str, *, limit: int, window: timedelta, now: datetime
) -> float | None:
    """Record a hit for ``key`` if it has had fewer than ``limit`` in the window ending ``now``:
    None when recorded, else the seconds until it may try again.

    Run it alone in its session's transaction and commit at once: the key stays locked until
    then."""
    now = now.astimezone(UTC)
    hashed = digest(key)
    t = RateLimitHit
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:lock))"),
            {"lock": f"rate_limit:{scope}:{hashed}"},
        )
    cutoff = now - window
    # On SQLite this write must come first: it takes the write lock before anything is counted.
    session.execute(
        delete(t)
        .where(t.scope == scope, t.key == hashed, t.at <= cutoff)
        .execution_options(synchronize_session=False)
    )
    in_window = select(t.at).where(t.scope == scope, t.key == hashed, t.at > cutoff)
    count = session.scalar(select(func.count()).select_from(in_window.subquery())) or 0
    if count < limit:
        session.add(RateLimitHit(scope=scope, key=hashed, at=now))
        session.flush()
        return None
    # The hit whose expiry brings the count under the limit (the oldest, unless the limit was
    # lowered while hits were counted under a higher one).
    freeing = session.scalar(in_window.order_by(t.at).offset(count - limit).limit(1))
    if freeing is None:  # cannot happen while the key is locked; allow rather than guess
        return 0.0
    return max((utc(freeing) + window - now).total_seconds(), 0.0)


def sweep(session: Session, scope: str, *, window: timedelta, now: datetime) -> int:
    """Delete every hit of ``scope`` that has left the window; how many.

    Rows another transaction has locked (a key being checked, which deletes its own old hits)
    are skipped rather than waited for, so a sweep can never deadlock with a check; the next
    sweep gets them."""
    t = RateLimitHit
    cutoff = now.astimezone(UTC) - window
    expired = select(t.id).where(t.scope == scope, t.at <= cutoff).with_for_update(skip_locked=True)
    result = session.execute(
        delete(t).where(t.id.in_(expired)).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
