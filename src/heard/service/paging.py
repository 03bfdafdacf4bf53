"""Pagination and the agent/team/period filters shared by listing endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement

from heard.feedback.report import ReportError, parse_moment
from heard.service.auth import Principal
from heard.service.problems import FieldError, ProblemError
from heard.store.models import StoredConversation

Item = TypeVar("Item")

Limit = Annotated[
    int, Query(ge=1, le=1000, description="Items per page (at most the server's cap).")
]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]
Since = Annotated[
    str | None, Query(description="From this date or time (YYYY-MM-DD or ISO 8601), inclusive.")
]
Until = Annotated[
    str | None, Query(description="Before this date or time; a date means the end of that day.")
]


class Page(BaseModel, Generic[Item]):
    items: list[Item]
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last.")


def page_of(items: list[Item], total: int, limit: int, offset: int) -> Page[Item]:
    following = offset + len(items)
    return Page[Item](
        items=items,
        total=total,
        limit=limit,
        offset=offset,
        next_offset=following if following < total else None,
    )


def moment(value: str | None, name: str, *, end: bool = False) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        return parse_moment(value, end=end)
    except ReportError as error:
        raise ProblemError(
            422,
            "invalid_input",
            str(error),
            errors=[FieldError(location=f"query.{name}", problem=str(error))],
        ) from None


def period(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    start, stop = moment(since, "since"), moment(until, "until", end=True)
    if start is not None and stop is not None and start >= stop:
        raise ProblemError(422, "invalid_input", "since must be before until")
    return start, stop


def visible(principal: Principal) -> list[ColumnElement[bool]]:
    """Conditions limiting conversations to what the caller may see."""
    c = StoredConversation
    if principal.role == "admin":
        return []
    if principal.role == "supervisor":
        return [c.team_id.in_(principal.team_ids)]
    return [c.agent_id == principal.agent_id]
