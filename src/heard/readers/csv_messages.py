"""Reader: CSV/TSV exports with one row per message.

The first row names the columns. heard's fields and the column names recognised for each
(case, spaces and camelCase do not matter: ``Created At`` and ``createdAt`` are ``created_at``):

* ``conversation_id``: conversation, conv_id, ticket_id, ticket, chat_id, session_id, thread_id,
  case_id, call_id, dialog_id, interaction_id. Rows are grouped by it; a conversation's rows need
  not be next to each other. Without the column the whole file is one conversation, named after
  the file.
* ``text`` (required): message, body, content, message_text, utterance, transcript, comment.
  HTML bodies are turned into text.
* ``role``: sender_type, author_type, speaker_role, participant_role, direction… holding agent,
  customer, bot, system or a synonym (Caller, User, Inbound…); or a yes/no column is_agent,
  from_agent, is_customer, inbound, outbound.
* ``speaker``: sender, author, from, name, user, speaker_id, sender_id, author_id… When a row has
  no role, its speaker label decides (``--agent``/``--customer``, else inference).
* ``turn_id``: message_id, msg_id, utterance_id. ``time``: timestamp, created_at, sent_at,
  date… (ISO 8601, epoch seconds or milliseconds, ``31/12/2026 10:00``; separate ``date`` and
  ``time`` columns are joined; numbers below 10⁹ and ``hh:mm:ss`` are offsets into a call and go
  to ``start``). ``start``/``end``: start_time, begin, offset / end_time, stop (seconds,
  ``12,5``, ``hh:mm:ss``, or milliseconds when the column name ends in ``_ms``). Rows are kept
  in file order unless every row has a time (or a start) and they are out of order: then they
  are sorted (``metadata["sorted_by"]``). With start times the channel is ``voice``.
* ``channel``, ``agent_id`` (agent, assignee), ``team_id`` (team, group, queue), ``customer_id``
  (customer, requester, contact_id), ``language`` (lang, locale): the first value in a
  conversation's rows is the conversation's.

``--map FIELD=COLUMN`` (``ReadOptions.columns``) names a column for a field and overrides the
above. The delimiter (comma, tab, semicolon, pipe) is taken from the header row; Excel's
``sep=;`` first line, a UTF-8 BOM, UTF-16 and Windows-1252 text, CRLF and quoted multi-line
cells are all read. Other columns whose value is the same on every row of a conversation go to
its ``metadata["fields"]``. A bad row (no text, more cells than the header, an unreadable time)
is reported with its row number (the header is row 1, as in a spreadsheet) and skipped or, for a
bad time, kept without it.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from heard.conversation import Channel, Conversation, Role
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source
from heard.readers.normalize import as_datetime, as_id, as_seconds, body_text, build_conversation
from heard.readers.registry import register
from heard.readers.roles import Utterance, role_from_label, to_turns

FIELDS: dict[str, tuple[str, ...]] = {
    "text": (
        "text", "message", "body", "content", "message_text", "message_body", "text_body",
        "utterance", "transcript", "msg", "comment", "comment_body", "sentence",
    ),
    "conversation_id": (
        "conversation_id", "conversation", "conv_id", "ticket_id", "ticket", "chat_id", "chat",
        "session_id", "thread_id", "case_id", "call_id", "dialog_id", "dialogue_id",
        "interaction_id", "transcript_id",
    ),
    "turn_id": ("turn_id", "message_id", "msg_id", "utterance_id", "event_id", "comment_id"),
    "role": (
        "role", "speaker_role", "sender_role", "author_role", "sender_type", "author_type",
        "participant_role", "participant_type", "speaker_type", "user_type", "from_type",
        "party", "side", "direction",
        # yes/no columns
        "is_agent", "from_agent", "agent_message", "is_staff", "is_customer", "from_customer",
        "inbound", "incoming", "outbound", "outgoing", "is_bot",
    ),
    "speaker": (
        "speaker", "speaker_name", "speaker_label", "speaker_id", "sender", "sender_name",
        "sender_id", "author", "author_name", "author_id", "from", "name", "user", "user_name",
        "username", "participant", "participant_id", "nickname",
    ),
    "time": (
        "time", "timestamp", "created_at", "created", "sent_at", "sent", "datetime", "date_time",
        "date", "message_time", "posted_at", "time_sent", "created_time", "created_date",
    ),
    "start": (
        "start", "start_time", "start_seconds", "start_sec", "start_s", "begin", "begin_time",
        "offset", "start_offset", "start_ms", "begin_ms", "offset_ms",
    ),
    "end": (
        "end", "end_time", "end_seconds", "end_sec", "end_s", "stop", "stop_time", "end_offset",
        "finish", "end_ms", "stop_ms",
    ),
    "channel": ("channel", "channel_type", "medium", "via"),
    "agent_id": (
        "agent_id", "agent", "agent_name", "agent_email", "assignee_id", "assignee", "owner_id",
        "rep_id", "handled_by",
    ),
    "team_id": (
        "team_id", "team", "team_name", "group_id", "group", "group_name", "queue", "queue_id",
        "department",
    ),
    "customer_id": (
        "customer_id", "customer", "customer_name", "customer_email", "client_id",
        "requester_id", "requester", "contact_id", "visitor_id", "end_user_id",
    ),
    "language": ("language", "lang", "locale", "language_code"),
}  # fmt: skip

# Yes/no role columns: the role a "yes" means (a "no" means the other side).
_YES_NO_ROLE = {
    "is_agent": Role.AGENT, "from_agent": Role.AGENT, "agent_message": Role.AGENT,
    "is_staff": Role.AGENT, "outbound": Role.AGENT, "outgoing": Role.AGENT,
    "is_customer": Role.CUSTOMER, "from_customer": Role.CUSTOMER, "inbound": Role.CUSTOMER,
    "incoming": Role.CUSTOMER, "is_bot": Role.BOT,
}  # fmt: skip
_YES = {"1", "true", "t", "yes", "y"}
_NO = {"0", "false", "f", "no", "n"}
_EXTRA_ROLES = {"human": Role.CUSTOMER, "humans": Role.CUSTOMER}
_CHANNELS = {
    **{channel.value: channel for channel in Channel},
    "phone": Channel.VOICE, "call": Channel.VOICE, "calls": Channel.VOICE,
    "telephone": Channel.VOICE, "audio": Channel.VOICE,
    "mail": Channel.EMAIL, "e-mail": Channel.EMAIL,
    "web": Channel.CHAT, "webchat": Channel.CHAT, "live chat": Channel.CHAT,
    "livechat": Channel.CHAT, "messaging": Channel.CHAT, "messenger": Channel.CHAT,
    "text": Channel.SMS, "whatsapp": Channel.SMS,
    "twitter": Channel.SOCIAL, "facebook": Channel.SOCIAL, "instagram": Channel.SOCIAL,
}  # fmt: skip
# The twcs reader's file (Customer Support on Twitter); never claim it.
_TWITTER_COLUMNS = {"tweet_id", "response_tweet_id", "in_response_to_tweet_id"}
_DELIMITERS = (",", "\t", ";", "|")
_CLOCK = re.compile(r"^(?:(\d{1,5}):)?(\d{1,4}):(\d{1,2})(?:[.,](\d{1,9}))?$")
_DECIMAL_COMMA = re.compile(r"^\d{1,12},\d{1,9}$")
# A numeric "time" below this (Unix seconds for 2001-09-09) is an offset into a call.
_EPOCH_FLOOR = 1e9
_SEP_LINE = re.compile(r'"?sep=(.?)"?[,;\t|]*', re.IGNORECASE)
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$")
_BOM = b"\xef\xbb\xbf"
_MAX_EXTRA_COLUMNS = 50
_MAX_EXTRA_VALUE = 500


def normalise_column(name: str) -> str:
    """A column name in snake case: 'Created At', 'createdAt' and 'created-at' → 'created_at'."""
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip().lstrip("\ufeff"))
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def _delimiter(header_line: str, suffix: str) -> str:
    counts = {delimiter: _count_outside_quotes(header_line, delimiter) for delimiter in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda delimiter: counts[delimiter])
    if counts[best] == 0:
        return "\t" if suffix == "tsv" else ","
    if suffix == "tsv" and counts["\t"]:
        return "\t"
    return best


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def _resolve_columns(header: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    """Which column (index) holds each field; raises ReadError for a bad ``--map``."""
    normalised = [normalise_column(name) for name in header]
    taken: dict[str, int] = {}
    for key, column in mapping.items():
        field_name = normalise_column(key)
        if field_name not in FIELDS:
            known = ", ".join(FIELDS)
            raise ReadError(f"--map {key}={column}: unknown field {key!r}; fields are {known}")
        if column in header:
            index = header.index(column)
        elif normalise_column(column) in normalised:
            index = normalised.index(normalise_column(column))
        else:
            shown = ", ".join(header[:20])
            raise ReadError(f"--map {key}={column}: no column {column!r} (columns: {shown})")
        taken[field_name] = index
    used = set(taken.values())
    for field_name, aliases in FIELDS.items():
        if field_name in taken:
            continue
        for alias in aliases:
            if alias in normalised and normalised.index(alias) not in used:
                taken[field_name] = normalised.index(alias)
                used.add(taken[field_name])
                break
    return taken


def _clock_seconds(text: str) -> float | None:
    found = _CLOCK.match(text.strip())
    if not found:
        return None
    hours, minutes, seconds, fraction = found.groups()
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return value + (float(f"0.{fraction}") if fraction else 0.0)


def _seconds(text: str, milliseconds: bool) -> float | None:
    if _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")  # '12,5' from a European spreadsheet
    number = as_seconds(text)
    if number is not None:
        return number / 1000.0 if milliseconds else number
    return _clock_seconds(text)


@dataclass
class _Row:
    number: int  # spreadsheet row: the header is row 1
    line: int  # the file line the row starts on
    cells: list[str]

    @property
    def location(self) -> str:
        return (
            f"row {self.number}"
            if self.number == self.line
            else f"row {self.number} (line {self.line})"
        )


@dataclass
class _Group:
    """The rows of one conversation read so far."""

    id: str
    utterances: list[Utterance] = field(default_factory=list)
    turn_ids: set[str] = field(default_factory=set)
    values: dict[str, str] = field(default_factory=dict)
    extras: dict[str, str] = field(default_factory=dict)
    varying: set[str] = field(default_factory=set)
    source_channel: str | None = None


def _split_lines(text: str) -> Iterator[str]:
    """Lines with their endings, split at CR, LF and CRLF only (as the csv module expects)."""
    for found in _LINE.finditer(text):
        if found.group():
            yield found.group()


def _decode_line(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return text.replace("\x00", "")


class _Table:
    """A CSV source: its header row and delimiter, and its rows (readable more than once)."""

    def __init__(self, source: Source) -> None:
        self.source = source
        head = source.head()
        self._utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        if not self._utf16 and b"\x00" in head:
            raise ReadError("binary data, not text", source=source.name)
        # Old Mac files end lines with CR alone; the byte-stream reader only splits at LF.
        self._whole = self._utf16 or (b"\r" in head and b"\n" not in head)
        declared: str | None = None
        header_line: str | None = None
        self._skip = 0  # lines before the header row (blank lines, Excel's "sep=;")
        lines = self._lines()
        try:
            for number, line in enumerate(lines, start=1):
                stripped = line.strip()
                if not stripped:
                    continue
                sep = _SEP_LINE.fullmatch(stripped)
                if sep and declared is None:
                    declared = sep.group(1) or ","
                    continue
                header_line = stripped
                self._skip = number - 1
                break
        finally:
            lines.close()
        if header_line is None:
            raise ReadError("empty: no header row", source=source.name)
        if declared and declared not in '"\r\n':
            self.delimiter = declared
        else:
            self.delimiter = _delimiter(header_line, source.suffix)

    def _lines(self) -> Generator[str, None, None]:
        if self._whole:
            data = self.source.read_bytes()
            if self._utf16:
                text = data.decode("utf-16", errors="replace")
            else:
                text = _decode_line(data[3:] if data.startswith(_BOM) else data)
            for line in _split_lines(text):
                yield line.replace("\x00", "")
            return
        with self.source.open() as stream:
            for number, raw in enumerate(stream, start=1):
                if number == 1 and raw.startswith(_BOM):
                    raw = raw[3:]
                yield _decode_line(raw)

    def rows(self) -> Iterator[_Row | ReadIssue]:
        """Every record, the header first; a record the csv module rejects is an issue."""
        lines = self._lines()
        try:
            for _ in range(self._skip):
                next(lines, None)
            reader = csv.reader(lines, delimiter=self.delimiter, quotechar='"', strict=False)
            number = 0
            while True:
                line = reader.line_num + 1 + self._skip
                number += 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    yield ReadIssue(
                        self.source.name,
                        f"malformed CSV: {error}; skipped",
                        _Row(number, line, []).location,
                    )
                    continue
                yield _Row(number, line, cells)
        finally:
            lines.close()


def _other_side(role: Role) -> Role | None:
    if role is Role.AGENT:
        return Role.CUSTOMER
    if role is Role.CUSTOMER:
        return Role.AGENT
    return None


class _Rows:
    """Reads fields out of rows, given the header and which column holds each field."""

    def __init__(self, source: Source, header: list[str], columns: dict[str, int]) -> None:
        self.name = source.name
        self.header = header
        self.columns = columns
        self.normalised = {index: normalise_column(name) for index, name in enumerate(header)}
        used = set(columns.values())
        # Separate "date" and "time" columns (as spreadsheets often have) make one timestamp.
        self.date_index: int | None = None
        if self.normalised.get(columns.get("time", -1)) == "time":
            dates = [i for i, name in self.normalised.items() if name == "date" and i not in used]
            if dates:
                self.date_index = dates[0]
                used.add(dates[0])
        self.extra_columns = [
            index for index in range(len(header)) if index not in used and header[index].strip()
        ][:_MAX_EXTRA_COLUMNS]

    def get(self, row: _Row, field_name: str) -> str | None:
        index = self.columns.get(field_name)
        if index is None or index >= len(row.cells):
            return None
        value = row.cells[index].strip()
        return value or None

    def column_name(self, field_name: str) -> str:
        return self.normalised.get(self.columns.get(field_name, -1), "")

    def role(self, row: _Row) -> tuple[Role | None, str | None]:
        """The row's stated role, and its speaker label."""
        speaker = self.get(row, "speaker")
        value = self.get(row, "role")
        role: Role | None = None
        if value is not None:
            role = role_from_label(value) or _EXTRA_ROLES.get(value.lower())
            yes_role = _YES_NO_ROLE.get(self.column_name("role"))
            if role is None and yes_role is not None:
                if value.lower() in _YES:
                    role = yes_role
                elif value.lower() in _NO:
                    role = _other_side(yes_role)
            if role is None and speaker is None:
                speaker = value  # an unknown role value is still a label that tells sides apart
        if role is None and speaker is not None:
            role = role_from_label(speaker)
        return role, speaker

    def times(
        self, row: _Row
    ) -> tuple[datetime | None, float | None, float | None, list[ReadIssue]]:
        issues: list[ReadIssue] = []

        def problem(text: str) -> None:
            issues.append(ReadIssue(self.name, text, row.location))

        start: float | None = None
        end: float | None = None
        raw_start = self.get(row, "start")
        if raw_start is not None:
            start = _seconds(raw_start, self.column_name("start").endswith("ms"))
            if start is None:
                problem(f"start {raw_start[:40]!r} is not a number of seconds; kept without it")
        raw_end = self.get(row, "end")
        if raw_end is not None:
            end = _seconds(raw_end, self.column_name("end").endswith("ms"))
            if end is None:
                problem(f"end {raw_end[:40]!r} is not a number of seconds; kept without it")
        when: datetime | None = None
        raw_time = self.get(row, "time")
        if self.date_index is not None and self.date_index < len(row.cells):
            date = row.cells[self.date_index].strip()
            if date:
                raw_time = f"{date} {raw_time}" if raw_time else date
        if raw_time is not None:
            number = as_seconds(raw_time)
            offset = number if number is not None and number < _EPOCH_FLOOR else None
            if offset is None and number is None:
                offset = _clock_seconds(raw_time)
            if offset is not None:
                if self.column_name("time").endswith("ms"):
                    offset /= 1000.0
                if start is None:
                    start = offset
            else:
                when = as_datetime(raw_time)
                if when is None:
                    problem(f"time {raw_time[:40]!r} is not a date and time; kept without it")
        if start is not None and end is not None and end < start:
            problem(f"end ({end:g}) is before start ({start:g}); end dropped")
            end = None
        return when, start, end, issues

    def note_values(self, row: _Row, group: _Group) -> None:
        for field_name in ("agent_id", "team_id", "customer_id", "language"):
            value = self.get(row, field_name)
            if value is not None and field_name not in group.values:
                group.values[field_name] = value
        channel = self.get(row, "channel")
        if channel is not None and "channel" not in group.values and group.source_channel is None:
            known = _CHANNELS.get(channel.lower())
            if known is not None:
                group.values["channel"] = known.value
            else:
                group.source_channel = channel
        for index in self.extra_columns:
            name = self.header[index].strip()
            if name in group.varying:
                continue
            value = row.cells[index].strip() if index < len(row.cells) else ""
            if not value:
                continue
            if len(value) > _MAX_EXTRA_VALUE or group.extras.get(name, value) != value:
                group.varying.add(name)
                group.extras.pop(name, None)
            else:
                group.extras[name] = value


def _sorted(utterances: list[Utterance]) -> tuple[list[Utterance], str | None]:
    """The utterances in time order when every one has a time (or, failing that, a start)."""
    times = [utterance.time for utterance in utterances]
    if all(time is not None for time in times):
        keys: list[Any] = times
        by = "time"
    elif all(utterance.start is not None for utterance in utterances):
        keys = [utterance.start for utterance in utterances]
        by = "start"
    else:
        return utterances, None
    if all(earlier <= later for earlier, later in itertools.pairwise(keys)):
        return utterances, None
    order = sorted(range(len(utterances)), key=lambda index: keys[index])
    return [utterances[index] for index in order], by


def _header_fields(line: str, suffix: str) -> list[str]:
    delimiter = _delimiter(line, suffix)
    try:
        cells = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return []
    return [normalise_column(cell) for cell in cells if len(cell) <= 80]


@register
class CsvReader(Reader):
    name = "csv"
    description = "CSV/TSV, one row per message (conversation_id, role, speaker, text, time…)"
    extensions = ("csv", "tsv")

    def sniff(self, source: Source) -> float:
        head = source.head()
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = head.decode("utf-16", errors="replace")
        else:
            text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
        line = ""
        for candidate in text.splitlines()[:5]:
            candidate = candidate.strip()
            if candidate and not _SEP_LINE.fullmatch(candidate):
                line = candidate
                break
        names = set(_header_fields(line, source.suffix))
        if len(names) < 2 or names & _TWITTER_COLUMNS:
            return 0.0

        def has(field_name: str) -> bool:
            return any(alias in names for alias in FIELDS[field_name])

        if has("text") and has("conversation_id") and (has("role") or has("speaker")):
            return 0.9
        if has("text") and (has("conversation_id") or has("role")):
            return 0.8
        if has("text") and has("speaker"):
            return 0.6
        # Any other table with a .csv/.tsv name is still ours to read: its columns may be named
        # with --map, which detection cannot see, and if not, read() says which are missing.
        return 0.3 if source.suffix in self.extensions else 0.0

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        table = _Table(source)
        header: list[str] | None = None
        for item in table.rows():
            if isinstance(item, ReadIssue):
                raise ReadError(f"unreadable header row: {item.problem}", source=source.name)
            if any(cell.strip() for cell in item.cells):
                header = item.cells
                break
        if header is None:
            raise ReadError("empty: no header row", source=source.name)
        try:
            columns = _resolve_columns(header, options.columns)
        except ReadError as error:
            raise ReadError(error.issue.problem, source=source.name) from None
        if "text" not in columns:
            raise ReadError(
                "no text column (looked for text, message, body, content…; name it with "
                f"--map text=COLUMN); columns: {', '.join(header[:20])}",
                source=source.name,
            )
        reader = _Rows(source, header, columns)
        grouped = "conversation_id" in columns
        last_row: dict[str, int] = {}
        if grouped:
            # A first pass finds each conversation's last row, so each one is yielded as soon as
            # it is complete: contiguous files stream, scattered rows are still grouped right.
            for item in _data_rows(table):
                if isinstance(item, _Row):
                    conversation_id = reader.get(item, "conversation_id")
                    if conversation_id is not None:
                        last_row[conversation_id] = item.number
        default_id = Path(source.name).stem or source.name
        groups: dict[str, _Group] = {}
        for item in _data_rows(table):
            if isinstance(item, ReadIssue):
                yield item
                continue
            if not any(cell.strip() for cell in item.cells):
                continue
            if grouped:
                conversation_id = reader.get(item, "conversation_id")
                if conversation_id is None:
                    yield ReadIssue(source.name, "no conversation id; skipped", item.location)
                    continue
            else:
                conversation_id = default_id
            group = groups.setdefault(conversation_id, _Group(conversation_id))
            yield from self._add_row(item, reader, group)
            if grouped and last_row.get(conversation_id) == item.number:
                yield self._finish(groups.pop(conversation_id), source.name, options)
        for group in groups.values():
            yield self._finish(group, source.name, options)

    @staticmethod
    def _add_row(row: _Row, reader: _Rows, group: _Group) -> Iterator[ReadIssue]:
        extra = [cell for cell in row.cells[len(reader.header) :] if cell.strip()]
        if extra:
            cells = len(reader.header) + len(extra)
            yield ReadIssue(
                reader.name,
                f"{cells} cells but the header has {len(reader.header)} (an unquoted delimiter "
                "in a cell?); skipped",
                row.location,
            )
            return
        index = reader.columns["text"]
        text = body_text(row.cells[index]) if index < len(row.cells) else ""
        if not text:
            yield ReadIssue(reader.name, "no text; skipped", row.location)
            return
        role, speaker = reader.role(row)
        when, start, end, issues = reader.times(row)
        yield from issues
        turn_id = as_id(reader.get(row, "turn_id")) or ""
        if turn_id and turn_id in group.turn_ids:
            yield ReadIssue(
                reader.name,
                f"message id {turn_id!r} is used twice in conversation {group.id!r}; renumbered",
                row.location,
            )
            turn_id = ""
        group.turn_ids.add(turn_id)
        reader.note_values(row, group)
        group.utterances.append(
            Utterance(
                text=text, speaker=speaker, role=role, start=start, end=end, time=when, id=turn_id
            )
        )

    @staticmethod
    def _finish(group: _Group, name: str, options: ReadOptions) -> Conversation | ReadIssue:
        location = f"conversation {group.id}"
        if not group.utterances:
            return ReadIssue(name, "no row with text; conversation skipped", location)

        def make() -> Conversation:
            utterances, sorted_by = _sorted(group.utterances)
            turns, role_metadata = to_turns(utterances, options)
            metadata: dict[str, Any] = {"source_format": "csv"}
            if sorted_by:
                metadata["sorted_by"] = sorted_by
            if group.source_channel:
                metadata["source_channel"] = group.source_channel
            if group.extras:
                metadata["fields"] = dict(group.extras)
            metadata.update(role_metadata)
            channel = group.values.get("channel")
            if channel is None:
                timed = any(turn.start is not None for turn in turns)
                channel = Channel.VOICE.value if timed else Channel.CHAT.value
            return Conversation(
                id=group.id,
                channel=Channel(channel),
                language=group.values.get("language"),
                agent_id=group.values.get("agent_id"),
                team_id=group.values.get("team_id"),
                customer_id=group.values.get("customer_id"),
                metadata=metadata,
                turns=turns,
            )

        return build_conversation(name, location, make)


def _data_rows(table: _Table) -> Iterator[_Row | ReadIssue]:
    """The rows after the header (the first non-blank record)."""
    seen_header = False
    for item in table.rows():
        if not seen_header:
            if isinstance(item, _Row) and any(cell.strip() for cell in item.cells):
                seen_header = True
            continue
        yield item
