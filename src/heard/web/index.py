"""What the dashboard reads, kept in memory and brought up to date incrementally.

A dashboard over 10,000 conversations must paint in under a second, and the report's loader
(:func:`heard.feedback.report.load`) takes many seconds at that size: it decodes every full
analysis record. The dashboard needs far less per conversation — ids, start, channel, the
listening score and its seven components, the customer's end valence, survey scores — so this
index loads just those columns once (about half a second for 10,000 on SQLite), then on each
request asks the database a few cheap questions (how many conversations, the newest change,
the newest analysis and survey response) and reads only what changed since.

First-contact resolution needs every conversation's concern texts (inside the analysis
records) and a pass over every customer's contacts; that is computed in a background thread
and served when ready, so it never holds up a page. A page shows when its figures were
computed.

Scope rules are the API's: :meth:`Principal.can_see` decides per conversation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from heard.feedback.metrics import ConversationFacts, Reopen, find_reopens, utc
from heard.feedback.report import concern_texts
from heard.store import Database
from heard.store.models import StoredAnalysis, StoredConversation, SurveyResponse

log = logging.getLogger("heard.web")


@dataclass
class Row:
    """One conversation as the dashboard sees it (its latest analysis of its current content)."""

    id: str
    agent_id: str | None
    team_id: str | None
    channel: str
    customer_id: str | None
    started_at: datetime | None
    analysis_id: int | None = None
    score: float | None = None
    components: dict[str, float | None] = field(default_factory=dict)
    end_valence: float | None = None
    end_emotion: str | None = None
    responses: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Stamp:
    """Cheap facts that change whenever anything the dashboard shows changes."""

    conversations: int
    last_update: datetime | None
    last_analysis: int
    responses: int
    last_response: int


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else utc(moment)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def read_stamp(session: Session) -> Stamp:
    c, a, r = StoredConversation, StoredAnalysis, SurveyResponse
    count, last = session.execute(select(func.count(c.id), func.max(c.updated_at))).one()
    responses, last_response = session.execute(select(func.count(r.id), func.max(r.id))).one()
    return Stamp(
        conversations=int(count or 0),
        last_update=_aware(last),
        last_analysis=int(session.scalar(select(func.max(a.id))) or 0),
        responses=int(responses or 0),
        last_response=int(last_response or 0),
    )


def _rows_query() -> Select[Any]:
    c, a = StoredConversation, StoredAnalysis
    return (
        select(
            c.id,
            c.agent_id,
            c.team_id,
            c.channel,
            c.customer_id,
            c.started_at,
            a.id,
            a.listening_score,
            a.components,
            a.end_valence,
            a.end_emotion,
        )
        .outerjoin(a, (a.conversation_id == c.id) & (a.content_hash == c.content_hash))
        .order_by(c.id, a.created_at.desc(), a.id.desc())
    )


def _load_rows(session: Session, query: Select[Any]) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for found in session.execute(query):
        (cid, agent, team, channel, customer, started, analysis_id) = found[:7]
        if cid in rows:  # an older analysis of the same conversation
            continue
        score, components, valence, emotion = found[7:]
        rows[str(cid)] = Row(
            id=str(cid),
            agent_id=agent,
            team_id=team,
            channel=str(channel),
            customer_id=customer,
            started_at=_aware(started),
            analysis_id=analysis_id,
            score=_number(score),
            components={str(k): _number(v) for k, v in (components or {}).items()},
            end_valence=_number(valence),
            end_emotion=emotion,
        )
    return rows


@dataclass
class Resolution:
    """Reopen statuses of every stored conversation, as of a stamp."""

    reopens: dict[str, Reopen]
    stamp: Stamp
    computed_at: datetime
    seconds: float


class DashboardIndex:
    """The dashboard's rows for every stored conversation, safe to share between threads."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._rows: dict[str, Row] = {}
        self._stamp: Stamp | None = None
        self._lock = threading.Lock()
        self._concerns: dict[str, tuple[int | None, tuple[str, ...]]] = {}
        self._resolution: Resolution | None = None
        self._resolving: threading.Thread | None = None
        self.refreshed_at: datetime | None = None

    @property
    def stamp(self) -> Stamp | None:
        return self._stamp

    def rows(self) -> list[Row]:
        """Every row, after bringing the index up to date."""
        self.refresh()
        with self._lock:
            return list(self._rows.values())

    def refresh(self) -> Stamp:
        with self._lock, self.database.session() as session:
            stamp = read_stamp(session)
            previous = self._stamp
            if previous == stamp:
                return stamp
            if (
                previous is None
                or stamp.conversations < previous.conversations
                or stamp.responses < previous.responses
                or stamp.responses - previous.responses
                != stamp.last_response - previous.last_response
            ):
                self._full(session)
            else:
                self._since(session, previous)
            self._stamp = stamp
            self.refreshed_at = datetime.now(UTC)
            return stamp

    def _full(self, session: Session) -> None:
        rows = _load_rows(session, _rows_query())
        r = SurveyResponse
        for cid, kind, score in session.execute(
            select(r.conversation_id, r.kind, r.score).order_by(r.submitted_at, r.id)
        ):
            row = rows.get(cid)
            if row is not None:
                row.responses.setdefault(kind, []).append(int(score))
        self._rows = rows

    def _since(self, session: Session, previous: Stamp) -> None:
        c, a, r = StoredConversation, StoredAnalysis, SurveyResponse
        changed = select(c.id)
        if previous.last_update is not None:
            changed = changed.where(c.updated_at >= previous.last_update)
        analysed = select(a.conversation_id).where(a.id > previous.last_analysis)
        query = _rows_query().where(c.id.in_(changed) | c.id.in_(analysed))
        for cid, row in _load_rows(session, query).items():
            old = self._rows.get(cid)
            if old is not None:
                row.responses = old.responses
            self._rows[cid] = row
        for cid, kind, score in session.execute(
            select(r.conversation_id, r.kind, r.score)
            .where(r.id > previous.last_response)
            .order_by(r.submitted_at, r.id)
        ):
            known = self._rows.get(cid)
            if known is not None:
                known.responses.setdefault(kind, []).append(int(score))

    # -- first-contact resolution --------------------------------------------------------------

    def resolution(self) -> Resolution | None:
        """The latest reopen statuses, possibly of older data; starts a recomputation in the
        background when the data changed since. None until the first one is done."""
        stamp = self.refresh()
        current = self._resolution
        if current is None or current.stamp != stamp:
            self._start_resolving()
        return current

    def wait_for_resolution(self, timeout: float = 60.0) -> Resolution | None:
        """For tests and benchmarks: block until the current data's statuses are ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.resolution()
            if found is not None and found.stamp == self._stamp:
                return found
            time.sleep(0.05)
        return self._resolution

    def _start_resolving(self) -> None:
        with self._lock:
            if self._resolving is not None and self._resolving.is_alive():
                return
            self._resolving = threading.Thread(
                target=self._resolve, name="heard-web-fcr", daemon=True
            )
            self._resolving.start()

    def _resolve(self) -> None:
        try:
            started = time.perf_counter()
            stamp = self.refresh()
            with self._lock:
                rows = list(self._rows.values())
            self._load_concerns(rows)
            facts = [
                ConversationFacts(
                    id=row.id,
                    channel=row.channel,
                    started_at=row.started_at,
                    customer_id=row.customer_id,
                    concerns=self._concerns.get(row.id, (None, ()))[1],
                )
                for row in rows
            ]
            reopens = find_reopens(facts)
            self._resolution = Resolution(
                reopens, stamp, datetime.now(UTC), time.perf_counter() - started
            )
        except Exception:  # a background thread has no caller to tell; the page says "pending"
            log.exception("computing first-contact resolution for the dashboard failed")

    def _load_concerns(self, rows: Iterable[Row]) -> None:
        """Concern texts of every analysis not read yet (by analysis id), in batches."""
        wanted = [
            row.analysis_id
            for row in rows
            if row.analysis_id is not None
            and self._concerns.get(row.id, (None, ()))[0] != row.analysis_id
        ]
        a = StoredAnalysis
        signals = a.record["signals"]
        for start in range(0, len(wanted), 2000):
            batch = wanted[start : start + 2000]
            with self.database.session() as session:
                for analysis_id, cid, found in session.execute(
                    select(a.id, a.conversation_id, signals).where(a.id.in_(batch))
                ):
                    texts = concern_texts({"signals": found} if isinstance(found, Mapping) else {})
                    self._concerns[cid] = (analysis_id, texts)
