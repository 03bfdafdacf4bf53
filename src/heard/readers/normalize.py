"""Small conversions every reader needs: times, seconds, HTML bodies, ids, validation errors."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from pydantic import ValidationError

from heard.conversation import Conversation
from heard.readers.base import ReadIssue

_WHITESPACE = re.compile(r"[ \t\r\f\v\xa0\u2007\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")
_HTML_HINT = re.compile(
    r"<\s*(?:p|br|div|span|a|b|i|strong|em|ul|ol|li|table|html|body|img)\b[^>]*>", re.I
)


def clean_text(text: str) -> str:
    """Collapse runs of spaces, keep paragraph breaks, trim."""
    lines = [_WHITESPACE.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def looks_like_html(text: str) -> bool:
    return bool(_HTML_HINT.search(text))


_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "hr",
        "dd",
        "dt",
    ]
)
_HIDDEN_TAGS = frozenset(("script", "style", "head", "title"))


class _TextExtractor(HTMLParser):
    """Collects the visible text of HTML in one linear pass (no tree: help-desk bodies can be
    pathologically wide or deep, and a tree makes those slow)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in ("br", "hr") or (
            tag in _BLOCK_TAGS and self.parts and not self.parts[-1].endswith("\n")
        ):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML message body (help desks store replies as HTML)."""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except (AssertionError, ValueError):  # html.parser gives up on some malformed markup
        pass
    return clean_text("".join(extractor.parts))


def body_text(value: Any) -> str:
    """Message text from a field that may hold plain text, HTML, or nothing."""
    if value is None:
        return ""
    text = str(value)
    return html_to_text(text) if looks_like_html(text) else clean_text(text)


def as_object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (untrusted JSON is never assumed)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def as_text(value: Any) -> str | None:
    """A non-blank string, stripped; None for anything else."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def as_json_id(value: Any) -> str | None:
    """An id from a JSON string or number; None for objects, lists, booleans, huge numbers."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        return as_id(value)
    except (ValueError, OverflowError):
        return None


def as_id(value: Any) -> str | None:
    """An identifier as text: numbers from JSON become '123', blanks become None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def as_seconds(value: Any) -> float | None:
    """Seconds from a number or a numeric string ('4.87'); None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def as_datetime(value: Any) -> datetime | None:
    """A timestamp from ISO 8601 text or Unix epoch seconds/milliseconds, as aware UTC.

    Returns None for anything else, so one odd timestamp never costs a whole conversation.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) or (isinstance(value, str) and _is_number(value)):
        try:
            number = float(value)
        except OverflowError:
            return None
        if not math.isfinite(number) or number < 0:
            return None
        if number > 1e11:  # milliseconds
            number /= 1000.0
        try:
            moment = datetime.fromtimestamp(number, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        moment_or_none = _parse_datetime_text(text)
        if moment_or_none is None:
            return None
        moment = moment_or_none
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except (ValueError, OverflowError):
        return False
    return True


_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"  # 'Tue Oct 31 22:10:47 +0000 2017'


def _parse_datetime_text(text: str) -> datetime | None:
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        pass
    for layout in (_TWITTER_TIME, "%Y/%m/%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S %Z", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(text, layout)
        except ValueError:
            continue
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def describe_validation_error(error: ValidationError) -> str:
    """A one-line, user-facing account of what is wrong with a record."""
    parts = []
    for detail in error.errors()[:3]:
        where = ".".join(str(part) for part in detail.get("loc", ()))
        message = detail.get("msg", "invalid")
        parts.append(f"{where}: {message}" if where else message)
    more = len(error.errors()) - 3
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def build_conversation(
    source: str, location: str | None, make: Callable[[], Conversation]
) -> Conversation | ReadIssue:
    """Run ``make`` and turn a validation failure into a ReadIssue naming the record."""
    try:
        return make()
    except ValidationError as error:
        return ReadIssue(source=source, location=location, problem=describe_validation_error(error))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        return ReadIssue(source=source, location=location, problem=f"malformed record: {error}")
