"""Incoming webhook signatures and replay protection.

Both schemes sign ``"<timestamp>.<raw body>"`` with HMAC-SHA256 and send ``sha256=<hex>``:
Chatwoot in ``X-Chatwoot-Signature`` / ``X-Chatwoot-Timestamp`` (with ``X-Chatwoot-Delivery``),
heard's generic webhook in ``X-Heard-Signature`` / ``X-Heard-Timestamp`` (delivery id in the
body). A delivery is accepted once: its id is recorded in the same transaction as its effect.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from heard.service.problems import ProblemError
from heard.store.models import WebhookDelivery

# Deliveries older than this can no longer be replayed (their timestamp is refused), so their
# ids need not be kept.
KEEP_DELIVERIES = timedelta(days=2)


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    tolerance: int,
    clock: float | None = None,
) -> None:
    """Raise a 401 problem unless the signature is right and the timestamp is recent."""
    if not signature or not timestamp:
        raise ProblemError(401, "unsigned", "the webhook must be signed (signature and timestamp)")
    try:
        sent = int(timestamp.strip())
    except ValueError:
        raise ProblemError(401, "bad_signature", "the webhook timestamp is not a number") from None
    now = time.time() if clock is None else clock
    if abs(now - sent) > tolerance:
        raise ProblemError(
            401, "stale", f"the webhook timestamp is more than {tolerance} s from now (replay?)"
        )
    given = signature.strip()
    if not given.startswith("sha256="):
        given = "sha256=" + given
    if not hmac.compare_digest(given, expected_signature(secret, timestamp.strip(), body)):
        raise ProblemError(401, "bad_signature", "the webhook signature does not match")


def claim_delivery(session: Session, source: str, delivery_id: str) -> None:
    """Record a delivery; a second one with the same id is refused as a replay (409)."""
    moment = datetime.now(UTC)
    session.execute(
        delete(WebhookDelivery).where(WebhookDelivery.received_at < moment - KEEP_DELIVERIES)
    )
    key = f"{source}:{delivery_id}"[:300]
    try:
        with session.begin_nested():
            session.add(WebhookDelivery(id=key, received_at=moment))
    except IntegrityError:
        raise ProblemError(409, "replayed", "this webhook delivery was already received") from None
