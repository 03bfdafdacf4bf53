"""Surveys (CSAT, NPS, CES) answered once through an unguessable link, results imported from
other tools, and live-chat ratings (thumbs or stars).

A survey link carries a random token (``secrets.token_urlsafe(32)``); only its SHA-256 is kept,
so a copy of the database cannot answer anyone's survey. Answering marks the survey answered in
the same transaction with a conditional ``UPDATE … WHERE answered_at IS NULL``, so a link works
once even when two answers race. A comment is analysed with heard's own customer detectors (its
emotion and the concerns it raises, in the customer's words) and stored with the score.

>>> token = create_survey(session, "chat-1001", "csat")
>>> submit_survey(session, token, 2, "My parcel still hasn't arrived.").comment_emotion
'frustration'
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from heard.store.models import Rating, StoredConversation, Survey, SurveyResponse

# The score each kind of survey allows, inclusive.
SCORE_RANGES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
KINDS: tuple[str, ...] = tuple(SCORE_RANGES)
KIND_NAMES = {"csat": "CSAT", "nps": "NPS", "ces": "CES"}
DEFAULT_TTL = timedelta(days=14)
RATING_KINDS: tuple[str, ...] = ("thumbs", "stars")
STARS = (1, 5)


class FeedbackError(ValueError):
    """A feedback operation refused, with a message for people and a ``code`` for programs."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SurveyError(FeedbackError):
    """Codes: unknown_token, expired, already_answered, out_of_range, unknown_kind,
    unknown_conversation, bad_ttl, bad_mapping, unreadable_file."""


class RatingError(FeedbackError):
    """Codes: unknown_kind, out_of_range, unknown_conversation."""


def now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything heard stores is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def survey_path(token: str) -> str:
    """The path of a survey's answer page (the web app serves it)."""
    return f"/s/{token}"


def check_kind(kind: str) -> str:
    normalised = kind.strip().lower()
    if normalised not in SCORE_RANGES:
        raise SurveyError(
            "unknown_kind", f"unknown survey kind {kind!r}; choose from {', '.join(KINDS)}"
        )
    return normalised


def check_score(kind: str, score: object) -> int:
    low, high = SCORE_RANGES[kind]
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        raise SurveyError(
            "out_of_range",
            f"a {KIND_NAMES[kind]} score is a whole number from {low} to {high}, not {score!r}",
        )
    return score


def _conversation(session: Session, conversation_id: str) -> StoredConversation:
    stored = session.get(StoredConversation, conversation_id)
    if stored is None:
        raise SurveyError(
            "unknown_conversation",
            f"no conversation {conversation_id!r} in the database (import it first)",
        )
    return stored


# --- the comment -------------------------------------------------------------------------------


def analyse_comment(comment: str | None) -> tuple[str | None, list[dict[str, Any]]]:
    """A comment's emotion and concerns, read as a one-turn customer conversation."""
    if not comment or not comment.strip():
        return None, []
    from heard.conversation import Conversation, Role, Turn
    from heard.listening import annotate

    annotated = annotate(
        Conversation(id="survey-comment", turns=[Turn(role=Role.CUSTOMER, text=comment)])
    )
    turn = annotated.turns[0]
    concerns = [{"text": c.text, "quote": c.quote} for c in turn.concerns]
    return (turn.emotion.value if turn.emotion else None), concerns


def _clean_comment(comment: str | None) -> str | None:
    if comment is None:
        return None
    stripped = comment.strip()
    return stripped or None


# --- surveys sent with a link ------------------------------------------------------------------


def create_survey(
    session: Session,
    conversation_id: str,
    kind: str,
    *,
    ttl: timedelta = DEFAULT_TTL,
    at: datetime | None = None,
) -> str:
    """Create a survey for a conversation; returns the raw token (shown once, never stored)."""
    kind = check_kind(kind)
    if ttl <= timedelta(0):
        raise SurveyError("bad_ttl", "a survey must stay open for some time (ttl > 0)")
    _conversation(session, conversation_id)
    moment = at or now()
    token = secrets.token_urlsafe(32)
    session.add(
        Survey(
            conversation_id=conversation_id,
            kind=kind,
            token_hash=hash_token(token),
            created_at=moment,
            expires_at=moment + ttl,
            answered_at=None,
        )
    )
    session.flush()
    return token


def find_survey(session: Session, token: str) -> Survey | None:
    if not token or not token.strip():
        return None
    return session.scalar(select(Survey).where(Survey.token_hash == hash_token(token.strip())))


def submit_survey(
    session: Session,
    token: str,
    score: int,
    comment: str | None = None,
    *,
    at: datetime | None = None,
) -> SurveyResponse:
    """Answer a survey once. Any :class:`SurveyError` leaves the database as it was."""
    survey = find_survey(session, token)
    if survey is None:
        raise SurveyError("unknown_token", "this survey link is not valid")
    moment = at or now()
    if survey.answered_at is not None:
        raise SurveyError("already_answered", "this survey has already been answered")
    if _aware(survey.expires_at) <= moment:
        raise SurveyError("expired", "this survey link has expired")
    check_score(survey.kind, score)
    comment = _clean_comment(comment)
    # Analysed before the survey is claimed, so the write lock is held only briefly.
    emotion, concerns = analyse_comment(comment)
    claimed = cast(
        "CursorResult[Any]",
        session.execute(
            update(Survey)
            .where(Survey.id == survey.id, Survey.answered_at.is_(None))
            .values(answered_at=moment)
            .execution_options(synchronize_session=False)
        ),
    )
    if claimed.rowcount != 1:
        # Someone answered between our read and our write: nothing was changed.
        raise SurveyError("already_answered", "this survey has already been answered")
    session.expire(survey, ["answered_at"])
    response = SurveyResponse(
        survey_id=survey.id,
        conversation_id=survey.conversation_id,
        kind=survey.kind,
        score=score,
        comment=comment,
        comment_emotion=emotion,
        comment_concerns=concerns,
        source="link",
        external_id=None,
        submitted_at=moment,
    )
    session.add(response)
    session.flush()
    return response


@dataclass(frozen=True)
class SurveyListing:
    """One line of ``heard survey list``: a survey sent (answered or not) or an imported result."""

    conversation_id: str
    kind: str
    source: str  # link | import
    status: str  # pending | expired | answered | imported
    score: int | None
    comment: str | None
    comment_emotion: str | None
    survey_id: int | None
    response_id: int | None
    created_at: datetime | None
    expires_at: datetime | None
    submitted_at: datetime | None
    external_id: str | None


def list_surveys(
    session: Session,
    *,
    conversation_id: str | None = None,
    kind: str | None = None,
    at: datetime | None = None,
) -> list[SurveyListing]:
    """Surveys sent (with their answer, if any) and imported results, oldest first."""
    if kind is not None:
        kind = check_kind(kind)
    moment = at or now()
    surveys = select(Survey, SurveyResponse).outerjoin(
        SurveyResponse, SurveyResponse.survey_id == Survey.id
    )
    imported = select(SurveyResponse).where(SurveyResponse.survey_id.is_(None))
    if conversation_id is not None:
        surveys = surveys.where(Survey.conversation_id == conversation_id)
        imported = imported.where(SurveyResponse.conversation_id == conversation_id)
    if kind is not None:
        surveys = surveys.where(Survey.kind == kind)
        imported = imported.where(SurveyResponse.kind == kind)
    rows: list[SurveyListing] = []
    for survey, response in session.execute(surveys):
        if response is not None or survey.answered_at is not None:
            status = "answered"
        elif _aware(survey.expires_at) <= moment:
            status = "expired"
        else:
            status = "pending"
        rows.append(
            SurveyListing(
                conversation_id=survey.conversation_id,
                kind=survey.kind,
                source="link",
                status=status,
                score=response.score if response else None,
                comment=response.comment if response else None,
                comment_emotion=response.comment_emotion if response else None,
                survey_id=survey.id,
                response_id=response.id if response else None,
                created_at=_aware(survey.created_at),
                expires_at=_aware(survey.expires_at),
                submitted_at=_aware(response.submitted_at) if response else None,
                external_id=None,
            )
        )
    for response in session.scalars(imported):
        rows.append(
            SurveyListing(
                conversation_id=response.conversation_id,
                kind=response.kind,
                source=response.source,
                status="imported",
                score=response.score,
                comment=response.comment,
                comment_emotion=response.comment_emotion,
                survey_id=None,
                response_id=response.id,
                created_at=None,
                expires_at=None,
                submitted_at=_aware(response.submitted_at),
                external_id=response.external_id,
            )
        )
    epoch = datetime.min.replace(tzinfo=UTC)
    rows.sort(key=lambda r: (r.submitted_at or r.created_at or epoch, r.conversation_id))
    return rows


# --- results exported from other tools ---------------------------------------------------------

# The columns each field is looked for under, in order (headers are compared lower-cased, with
# spaces and dashes as underscores). A score column named after a kind ("nps") implies the kind.
IMPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "conversation_id": (
        "conversation_id",
        "conversation",
        "ticket_id",
        "ticket",
        "case_id",
        "case",
        "chat_id",
        "interaction_id",
        "contact_id",
    ),
    "kind": ("kind", "survey_kind", "survey_type", "type", "metric", "survey"),
    "score": ("score", "rating", "value", "answer", "csat", "nps", "ces"),
    "comment": (
        "comment",
        "comments",
        "feedback",
        "verbatim",
        "remark",
        "remarks",
        "text",
        "reason",
    ),
    "external_id": (
        "response_id",
        "external_id",
        "survey_response_id",
        "rating_id",
        "feedback_id",
        "id",
    ),
    "submitted_at": (
        "submitted_at",
        "created_at",
        "date",
        "responded_at",
        "answered_at",
        "rated_at",
        "timestamp",
        "time",
    ),
}
FIELD_ALIASES = {
    "response_id": "external_id",
    "date": "submitted_at",
    "ticket_id": "conversation_id",
}
KIND_ALIASES = {
    "customer satisfaction": "csat",
    "satisfaction": "csat",
    "net promoter": "nps",
    "net promoter score": "nps",
    "customer effort": "ces",
    "customer effort score": "ces",
    "effort": "ces",
}


@dataclass(frozen=True)
class RowProblem:
    file: str
    row: int  # the file's line number (the header is line 1)
    problem: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.problem}"


@dataclass
class ImportResult:
    imported: int = 0
    duplicates: int = 0  # already in the database (or earlier in the file): left as they were
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.imported + self.duplicates + len(self.problems)


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _resolve_columns(
    headers: Sequence[str], columns: Mapping[str, str], file: str
) -> dict[str, str]:
    """Field -> header in the file, from the explicit map first, then the common names."""
    by_key = {_header_key(h): h for h in headers if h is not None}
    chosen: dict[str, str] = {}
    for raw_field, column in columns.items():
        name = FIELD_ALIASES.get(raw_field.strip(), raw_field.strip())
        if name not in IMPORT_FIELDS:
            raise SurveyError(
                "bad_mapping",
                f"unknown field {raw_field!r} in the column map; "
                f"fields are {', '.join(IMPORT_FIELDS)}",
            )
        header = column if column in headers else by_key.get(_header_key(column))
        if header is None:
            raise SurveyError(
                "bad_mapping",
                f"{file} has no column {column!r} (for {name}); "
                f"its columns are {', '.join(h for h in headers if h)}",
            )
        chosen[name] = header
    for name, aliases in IMPORT_FIELDS.items():
        if name in chosen:
            continue
        for alias in aliases:
            header = by_key.get(alias)
            if header is not None and header not in chosen.values():
                chosen[name] = header
                break
    return chosen


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SurveyError("unreadable_file", f"cannot read {path}: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheet exports are often Windows-1252.
        return data.decode("cp1252", errors="replace")


def _parse_kind(value: str) -> str | None:
    text = value.strip().lower()
    text = KIND_ALIASES.get(text, text)
    return text if text in SCORE_RANGES else None


def _parse_score(value: str) -> int | None:
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _parse_moment(value: str) -> datetime | None:
    text = value.strip()
    if re.fullmatch(r"\d{9,10}(?:\.\d+)?", text):
        return datetime.fromtimestamp(float(text), UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _synthetic_id(conversation_id: str, kind: str, score: int, comment: str, date: str) -> str:
    # Without a response id, the row's content is its identity: importing it again is a no-op.
    digest = hashlib.sha256(
        "\x1f".join((conversation_id, kind, str(score), comment, date)).encode("utf-8")
    ).hexdigest()
    return f"row:{digest[:40]}"


def import_survey_results(
    session: Session,
    csv_path: Path | str,
    *,
    kind: str | None = None,
    columns: Mapping[str, str] | None = None,
    at: datetime | None = None,
) -> ImportResult:
    """Import survey results from a CSV export; bad rows are reported and the rest imported.

    Each row needs a conversation id and a score, and a kind unless ``kind`` fixes it for the
    whole file (or the score column is named after one, like ``nps``). A response id (or, when
    there is none, the row's content) makes importing the same file again a no-op.
    ``columns`` maps a field (conversation_id, kind, score, comment, external_id or response_id,
    submitted_at or date) to a column name that the common names would not find.
    """
    path = Path(csv_path)
    file = str(path)
    fixed_kind = check_kind(kind) if kind is not None else None
    text = _read_text(path)
    if not text.strip():
        raise SurveyError("unreadable_file", f"{file} is empty")
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:8192], delimiters=",;\t|"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = list(reader.fieldnames or [])
    chosen = _resolve_columns(headers, columns or {}, file)
    missing = [f for f in ("conversation_id", "score") if f not in chosen]
    score_column = _header_key(chosen.get("score", ""))
    implied_kind = score_column if score_column in SCORE_RANGES else None
    if fixed_kind is None and "kind" not in chosen and implied_kind is None:
        missing.append("kind")
    if missing:
        hint = " or give --kind" if missing == ["kind"] else ""
        raise SurveyError(
            "bad_mapping",
            f"{file} has no column for {' or '.join(missing)}{hint} "
            f"(its columns are {', '.join(h for h in headers if h)}; map one with "
            f"--map FIELD=COLUMN)",
        )
    result = ImportResult()
    moment = at or now()
    known: dict[str, bool] = {}
    seen: set[tuple[str, str, str]] = set()
    for record in reader:
        row = reader.line_num  # where the record ends: its line, unless a quoted field wraps

        def value(name: str, record: dict[str, Any] = record) -> str:
            header = chosen.get(name)
            raw = record.get(header) if header is not None else None
            return raw.strip() if isinstance(raw, str) else ""

        def problem(message: str, row: int = row) -> None:
            result.problems.append(RowProblem(file, row, message))

        if not any(isinstance(v, str) and v.strip() for v in record.values()):
            continue  # a blank line
        conversation_id = value("conversation_id")
        if not conversation_id:
            problem(f"no conversation id (column {chosen['conversation_id']!r} is empty)")
            continue
        if fixed_kind is not None:
            row_kind: str | None = fixed_kind
        elif "kind" in chosen and value("kind"):
            row_kind = _parse_kind(value("kind"))
            if row_kind is None:
                problem(f"unknown survey kind {value('kind')!r}; expected {', '.join(KINDS)}")
                continue
        else:
            row_kind = implied_kind
        if row_kind is None:
            problem("no survey kind (give --kind for the whole file)")
            continue
        raw_score = value("score")
        score = _parse_score(raw_score)
        low, high = SCORE_RANGES[row_kind]
        if score is None:
            problem(f"score {raw_score!r} is not a whole number" if raw_score else "no score")
            continue
        if not low <= score <= high:
            problem(f"{KIND_NAMES[row_kind]} score {score} is outside {low}–{high}")
            continue
        raw_date = value("submitted_at")
        submitted = _parse_moment(raw_date) if raw_date else moment
        if submitted is None:
            problem(f"date {raw_date!r} is not ISO 8601 (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)")
            continue
        if conversation_id not in known:
            known[conversation_id] = session.get(StoredConversation, conversation_id) is not None
        if not known[conversation_id]:
            problem(f"no conversation {conversation_id!r} in the database")
            continue
        comment = value("comment")
        external_id = value("external_id") or _synthetic_id(
            conversation_id, row_kind, score, comment, raw_date
        )
        if len(external_id) > 200:
            problem("the response id is longer than 200 characters")
            continue
        key = (conversation_id, row_kind, external_id)
        if key in seen or _response_exists(session, *key):
            seen.add(key)
            result.duplicates += 1
            continue
        seen.add(key)
        emotion, concerns = analyse_comment(comment or None)
        try:
            with session.begin_nested():
                session.add(
                    SurveyResponse(
                        survey_id=None,
                        conversation_id=conversation_id,
                        kind=row_kind,
                        score=score,
                        comment=comment or None,
                        comment_emotion=emotion,
                        comment_concerns=concerns,
                        source="import",
                        external_id=external_id,
                        submitted_at=submitted,
                    )
                )
        except IntegrityError:
            # Imported by someone else at the same moment: it is there, which is what counts.
            result.duplicates += 1
            continue
        result.imported += 1
    return result


def _response_exists(session: Session, conversation_id: str, kind: str, external_id: str) -> bool:
    return (
        session.scalar(
            select(SurveyResponse.id).where(
                SurveyResponse.conversation_id == conversation_id,
                SurveyResponse.kind == kind,
                SurveyResponse.external_id == external_id,
            )
        )
        is not None
    )


# --- live-chat ratings ------------------------------------------------------------------------

_THUMBS = {"up": 1, "down": 0, "1": 1, "0": 0, "👍": 1, "👎": 0, "yes": 1, "no": 0}


def check_rating(kind: str, value: int | str) -> tuple[str, int]:
    """The rating's kind and stored value (thumbs: up 1 / down 0; stars: 1–5)."""
    normalised = kind.strip().lower()
    if normalised not in RATING_KINDS:
        raise RatingError(
            "unknown_kind", f"unknown rating kind {kind!r}; choose from {', '.join(RATING_KINDS)}"
        )
    if isinstance(value, bool):
        value = int(value) if normalised == "thumbs" else str(value)
    if normalised == "thumbs":
        thumbs = _THUMBS.get(str(value).strip().lower())
        if thumbs is None:
            raise RatingError(
                "out_of_range", f"a thumbs rating is up or down (1 or 0), not {value!r}"
            )
        return normalised, thumbs
    stars = value if isinstance(value, int) else _parse_score(value)
    if stars is None or not STARS[0] <= stars <= STARS[1]:
        raise RatingError(
            "out_of_range", f"a star rating is a whole number from 1 to 5, not {value!r}"
        )
    return normalised, stars


def add_rating(
    session: Session,
    conversation_id: str,
    kind: str,
    value: int | str,
    *,
    at: datetime | None = None,
) -> Rating:
    """Record a live-chat rating: thumbs (up/down or 1/0) or stars (1–5)."""
    kind, stored = check_rating(kind, value)
    if session.get(StoredConversation, conversation_id) is None:
        raise RatingError(
            "unknown_conversation",
            f"no conversation {conversation_id!r} in the database (import it first)",
        )
    rating = Rating(conversation_id=conversation_id, kind=kind, value=stored, given_at=at or now())
    session.add(rating)
    session.flush()
    return rating
