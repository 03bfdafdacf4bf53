"""Reader: plain-text transcripts, one ``Speaker: text`` line per turn.

::

    === Call 4821 ===
    [00:00:01] Agent Mia: Thanks for calling Northwind, this is Mia. How can I help?
    [00:00:05] Customer: Hi, my order 5521 never arrived.
    It was due on Monday.                       <- continues the customer's turn
    ---
    Sarah (Agent): Hello! What can I do for you?  <- the next conversation
    John: My router keeps dropping out.

* A turn starts with a speaker label and a colon: any name (``John``, ``Agent Mia``,
  ``SPEAKER_00``, ``[Speaker 1]``), optionally with its role (``Sarah (Agent)``). A line without
  a label continues the previous turn. A label seen once in a conversation whose other speakers
  recur (a message line such as ``Order number: 5521``) is taken as text, not a new speaker.
* Optional time prefixes: ``[hh:mm:ss]``, ``[mm:ss]``, ``(mm:ss)``, bare ``hh:mm:ss``, ranges
  ``[00:01 - 00:05]``, and a time after the name (``Speaker 1 (00:01:05):``) set ``start``
  (``end``) in seconds and make the channel ``voice``. Times of day (``[14:05:12]`` where the
  first is an hour or more, ``[10:32 AM]``) are made relative to the first line
  (``metadata["clock_start"]``, channel ``chat``). Dates (``2026-03-01 14:05:12``) set ``time``.
  A bracketed time with no speaker, such as ``[10:33] Mia joined the chat``, is a system event
  when it says joined/left/transferred/… (else it continues the previous turn).
* Otter-style label lines (``Speaker 1  0:05`` with the text on the following lines).
* Several conversations in one file are separated by a line of three or more ``-`` or ``=``;
  a title between such runs (``=== Call 4821 ===``, ``--- Ticket #A17 ---``) gives the next
  conversation's id. Before the first turn, ``Conversation ID:``/``Call ID:``/``Ticket:``,
  ``Date:``, ``Language:``, ``Channel:``, ``Subject:`` lines are read as the conversation's
  details; other lines there go to ``metadata["preamble"]``.
* Ids otherwise come from the file name: ``stem``, then ``stem#2``, ``stem#3``… for later
  conversations in the same file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from heard.conversation import Channel, Conversation, Role
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source
from heard.readers.normalize import as_datetime, build_conversation, clean_text
from heard.readers.registry import register
from heard.readers.roles import Utterance, to_turns
from heard.readers.subtitles import speaker_role

_HMS = r"\d{1,5}:\d{1,2}(?::\d{1,2})?(?:[.,]\d{1,6})?(?:\s?[AaPp]\.?[Mm]\.?)?"
_DATE = (
    r"\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?"
    r"(?:\s?(?:Z|UTC|[+-]\d{2}:?\d{2}))?"
)
_STAMP = rf"(?:{_DATE}|{_HMS})"
_RANGE = rf"({_STAMP})(?:\s*(?:-->|->|–|—|-|to)\s*({_STAMP}))?"
_AFTER_STAMP = r"\s*(?:[-–—|>]\s+)?"
_BRACKETED_STAMP = re.compile(rf"^\s*(?:\[\s*{_RANGE}\s*\]|\(\s*{_RANGE}\s*\)){_AFTER_STAMP}")
_BARE_STAMP = re.compile(rf"^\s*{_RANGE}(?=\s){_AFTER_STAMP}")
_CLOCK_PARTS = re.compile(
    r"^(\d{1,5}):(\d{1,2})(?::(\d{1,2}))?(?:[.,](\d{1,6}))?(?:\s?([AaPp])\.?[Mm]\.?)?$"
)
# 'Name: text' (a space after an ASCII colon, so 'https://…' and '10:30' are no labels) or
# 'Name：text' (a full-width colon, as CJK text writes it).
_COLON = r"\s*(?::(?:\s+(?P<text>.*))?|：\s*(?P<wide>.*))$"
_LABELLED = re.compile(rf"^(?P<label>[^\s:：][^:：]{{0,59}}?){_COLON}")
_LABEL_THEN_STAMP = re.compile(
    rf"^(?P<label>[^\s:：\[(][^:：\[(]{{0,47}}?)\s*[\[(]\s*{_RANGE}\s*[\])]{_COLON}"
)
_LABEL_CHARS = re.compile(r"^[\w\[(][\w .'’&()\[\]#@+/-]*$")
_OTTER = re.compile(rf"^(?P<label>[^\s:：][^:：\t]{{0,47}}?)(?:\t|\s{{2,}})(?P<stamp>{_HMS})$")
_TITLE_ID = re.compile(
    r"^(?:(?:conversation|call|chat|ticket|session|case|transcript|contact)\b\s*)?"
    r"(?:id\b\s*)?[:#]?\s*#?(?P<id>[^\s#:]*\d[^\s]*)$",
    re.IGNORECASE,
)
_EVENT = re.compile(
    r"\b(?:joined|left|disconnected|transferred|ended|started|closed|reopened|assigned|"
    r"rated|on hold|resumed|timed out|is typing)\b",
    re.IGNORECASE,
)
_SPEAKERISH = re.compile(r"^(?:speaker|spk|spkr|speaker_|s)[ _-]?\d{1,3}$", re.IGNORECASE)
_HEADER_KEYS = {
    **dict.fromkeys(
        ("conversation id", "conversation", "call id", "chat id", "ticket id", "ticket",
         "session id", "case id", "transcript id", "contact id", "id"),
        "id",
    ),
    **dict.fromkeys(("date", "started", "started at", "start time", "date time"), "started_at"),
    **dict.fromkeys(("language", "lang", "locale"), "language"),
    "channel": "channel",
    **dict.fromkeys(("agent id", "agent_id"), "agent_id"),
    **dict.fromkeys(("customer id", "customer_id"), "customer_id"),
    **dict.fromkeys(("team", "team id", "team_id"), "team_id"),
    **dict.fromkeys(("subject", "title", "topic"), "title"),
}  # fmt: skip
# Labels that mark e-mail headers, log lines or document prose, never a transcript's speakers.
_NOT_SPEAKERS = {
    "from", "to", "cc", "bcc", "subject", "date", "sent", "reply-to", "received", "message-id",
    "content-type", "mime-version", "return-path", "delivered-to", "importance", "attachments",
    "info", "error", "warn", "warning", "debug", "trace", "fatal", "critical", "notice", "severe",
    "note", "notes", "example", "tip", "important", "caution", "see also", "source", "ps", "p.s",
}  # fmt: skip
_LOG_LEVELS = {"info", "error", "warn", "warning", "debug", "trace", "fatal", "critical"}
_CHANNELS = {channel.value: channel for channel in Channel} | {
    "phone": Channel.VOICE,
    "call": Channel.VOICE,
    "mail": Channel.EMAIL,
    "e-mail": Channel.EMAIL,
}
_MAX_PREAMBLE = 500


@dataclass
class _Line:
    """One line, classified."""

    number: int
    kind: str  # "turn", "event", "text", "blank", "separator"
    text: str = ""
    label: str | None = None
    starts: tuple[str | None, str | None] = (None, None)
    title: str | None = None


@dataclass
class _Turn:
    line: int
    label: str | None
    parts: list[str]
    starts: tuple[str | None, str | None]
    system: bool = False


@dataclass
class _Block:
    """The lines of one conversation."""

    first: int
    title: str | None = None
    lines: list[_Line] = field(default_factory=list)


def _valid_label(label: str) -> bool:
    if len(label) > 48 or len(label.split()) > 6 or not _LABEL_CHARS.match(label):
        return False
    if not any(char.isalpha() for char in label):
        return False
    return label.count("(") == label.count(")") and label.count("[") == label.count("]")


def _split_stamp(text: str) -> tuple[tuple[str | None, str | None], str, bool]:
    """A leading time prefix: its start and end texts, the rest of the line, and whether the
    prefix was bracketed (a bare one counts only in front of a speaker label)."""
    found = _BRACKETED_STAMP.match(text)
    if found:
        groups = found.groups()
        start, end = (groups[0], groups[1]) if groups[0] else (groups[2], groups[3])
        return (start, end), text[found.end() :], True
    found = _BARE_STAMP.match(text)
    if found:
        return (found.group(1), found.group(2)), text[found.end() :], False
    return (None, None), text, False


def _parse_line(number: int, raw: str) -> _Line:
    text = raw.strip().lstrip("\ufeff")
    if not text:
        return _Line(number, "blank")
    if text.startswith(("---", "===")):
        title = text.strip("-=").strip()
        if not title:
            return _Line(number, "separator")
        found = _TITLE_ID.match(title)
        if found:
            return _Line(number, "separator", title=found.group("id"))
        # '--- Chat ended ---': an event between runs of dashes, not a new conversation
        return _Line(number, "event", title)
    stamps, rest, bracketed = _split_stamp(text)
    otter = _OTTER.match(rest) if stamps == (None, None) else None
    if otter and _valid_label(otter.group("label").strip()):
        return _Line(number, "turn", "", otter.group("label").strip(), (otter.group("stamp"), None))
    labelled = _LABEL_THEN_STAMP.match(rest) if stamps == (None, None) else None
    if labelled:
        stamps = (labelled.group(2), labelled.group(3))  # 'Speaker 1 (00:01:05): …'
    else:
        labelled = _LABELLED.match(rest)
    if labelled:
        label = labelled.group("label").strip()
        if _valid_label(label):
            said = labelled.group("text") or labelled.group("wide") or ""
            return _Line(number, "turn", said, label, stamps)
        stamps = _split_stamp(text)[0]
    if bracketed and rest.strip():
        return _Line(number, "event", rest.strip(), starts=stamps)
    return _Line(number, "text", text)


def _speaker_of(label: str) -> tuple[str, Role | None]:
    if label.startswith("[") and label.endswith("]"):
        label = label[1:-1].strip() or label
    return speaker_role(label)


def _roleish(label: str) -> bool:
    speaker, role = _speaker_of(label)
    if speaker.lower() in ("note", "notes"):
        return False  # a 'Note: …' line in a message, more likely than a note-taker speaking
    return role is not None or bool(_SPEAKERISH.match(speaker))


def _stamp_value(text: str | None) -> tuple[float | None, bool, datetime | None]:
    """Seconds, whether it is a time of day (AM/PM), or a date-time; from one time prefix."""
    if text is None:
        return None, False, None
    found = _CLOCK_PARTS.match(text.strip())
    if found is None:
        return None, False, as_datetime(text.replace("UTC", "+00:00").strip())
    first, second, third, fraction, meridiem = found.groups()
    if third is None:
        value = int(first) * 60 + int(second)  # mm:ss
        if meridiem:
            value *= 60  # hh:mm AM
    else:
        value = int(first) * 3600 + int(second) * 60 + int(third)
    if meridiem:
        hours = value // 3600
        value += (12 * 3600 if meridiem.lower() == "p" and hours < 12 else 0) - (
            12 * 3600 if meridiem.lower() == "a" and hours == 12 else 0
        )
    seconds = value + (float(f"0.{fraction}") if fraction else 0.0)
    return seconds, bool(meridiem), None


def _lines(source: Source) -> Iterator[tuple[int, str]]:
    head = source.head()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = source.read_bytes().decode("utf-16", errors="replace")
        yield from enumerate(text.splitlines(), start=1)
        return
    if b"\x00" in head:
        raise ReadError("binary data, not text", source=source.name)
    with source.open() as stream:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
            # Old Mac line ends (CR alone) arrive as one long "line": split them here.
            yield from ((number, part) for part in text.replace("\x00", "").splitlines() or [""])


def _blocks(source: Source) -> Iterator[_Block]:
    block = _Block(first=1)
    for number, raw in _lines(source):
        line = _parse_line(number, raw)
        if line.kind == "separator":
            if any(item.kind != "blank" for item in block.lines) or block.title:
                yield block
            block = _Block(first=number + 1, title=line.title)
            continue
        block.lines.append(line)
    if any(item.kind != "blank" for item in block.lines) or block.title:
        yield block


def _demote_stray_labels(lines: list[_Line]) -> None:
    """A label seen once among recurring speakers is a line of text ('Order number: 5521')."""
    counts = Counter(line.label for line in lines if line.kind == "turn")
    if sum(1 for count in counts.values() if count >= 2) < 2:
        return
    seen_turn = False
    for line in lines:
        if line.kind != "turn":
            continue
        label = line.label or ""
        if seen_turn and counts[label] == 1 and line.starts == (None, None) and not _roleish(label):
            line.kind = "text"
            line.text = f"{label}: {line.text}".rstrip()
        seen_turn = True


class _Builder:
    """Turns one block's lines into a conversation."""

    def __init__(self, source: Source, options: ReadOptions, block: _Block, index: int) -> None:
        self.source = source
        self.options = options
        self.block = block
        self.index = index
        self.issues: list[ReadIssue] = []
        self.details: dict[str, str] = {}
        self.preamble: list[str] = []
        self.turns: list[_Turn] = []

    def collect(self) -> None:
        lines = self.block.lines
        body = len(lines)  # details lines ("Date: …") come before the first turn
        for position, line in enumerate(lines):
            if line.kind == "turn":
                key = " ".join((line.label or "").lower().replace("_", " ").split())
                if key not in _HEADER_KEYS or line.starts != (None, None):
                    body = position
                    break
                self.details.setdefault(_HEADER_KEYS[key], line.text.strip().strip("#").strip())
            elif line.kind == "event" and _EVENT.search(line.text):
                body = position
                break
            elif line.kind != "blank":
                self.preamble.append(line.text)
        lines = lines[body:]
        _demote_stray_labels(lines)
        for line in lines:
            if line.kind == "turn":
                self.turns.append(_Turn(line.number, line.label, [line.text], line.starts))
            elif line.kind == "event" and _EVENT.search(line.text):
                self.turns.append(_Turn(line.number, None, [line.text], line.starts, system=True))
            elif line.kind in ("event", "text"):
                if self.turns:
                    self.turns[-1].parts.append(line.text)
                else:
                    self.preamble.append(line.text)
            elif line.kind == "blank" and self.turns:
                self.turns[-1].parts.append("")

    def conversation_id(self) -> str:
        if self.details.get("id"):
            return self.details["id"]
        if self.block.title:
            return self.block.title
        stem = Path(self.source.name).stem or self.source.name
        return stem if self.index == 1 else f"{stem}#{self.index}"

    def utterances(self) -> tuple[list[Utterance], dict[str, Any]]:
        values = [_stamp_value(turn.starts[0]) for turn in self.turns]
        first = next(((value, clock) for value, clock, _ in values if value is not None), None)
        clock_mode = first is not None and (first[1] or first[0] >= 3600)
        base = first[0] if first is not None and clock_mode else 0.0
        extra: dict[str, Any] = {"timed": first is not None, "clock": clock_mode}
        if clock_mode and first is not None:
            whole = int(first[0])
            extra["clock_start"] = (
                f"{whole // 3600 % 24:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"
            )

        def relative(value: float | None) -> float | None:
            if value is None:
                return None
            value -= base
            return value + 86400 if value < 0 and clock_mode else value

        utterances: list[Utterance] = []
        for turn, (value, _, when) in zip(self.turns, values, strict=True):
            text = clean_text("\n".join(turn.parts))
            if not text:
                continue
            end_value, _, _ = _stamp_value(turn.starts[1])
            start, end = relative(value), relative(end_value)
            if start is not None and end is not None and end < start:
                self.issues.append(
                    ReadIssue(
                        self.source.name,
                        "turn ends before it starts; end dropped",
                        f"line {turn.line}",
                    )
                )
                end = None
            speaker: str | None = None
            role: Role | None = Role.SYSTEM
            if not turn.system:
                speaker, role = _speaker_of(turn.label or "")
            utterances.append(
                Utterance(text=text, speaker=speaker, role=role, start=start, end=end, time=when)
            )
        return utterances, extra

    def build(self) -> Conversation | ReadIssue | None:
        self.collect()
        utterances, extra = self.utterances()
        last = self.block.lines[-1].number if self.block.lines else self.block.first
        location = f"lines {self.block.first}-{last}"
        if not any(not turn.system for turn in self.turns) or not utterances:
            if not self.preamble and not self.turns and not self.details:
                return None
            return ReadIssue(self.source.name, "no 'Speaker: text' line; skipped", location)

        def make() -> Conversation:
            turns, role_metadata = to_turns(utterances, self.options)
            metadata: dict[str, Any] = {"source_format": "transcript", "source_lines": location}
            if extra.get("clock_start"):
                metadata["clock_start"] = extra["clock_start"]
            if self.details.get("title"):
                metadata["title"] = self.details["title"]
            if self.preamble:
                metadata["preamble"] = clean_text("\n".join(self.preamble))[:_MAX_PREAMBLE]
            metadata.update(role_metadata)
            channel = _CHANNELS.get(self.details.get("channel", "").strip().lower())
            if channel is None:
                channel = Channel.VOICE if extra["timed"] and not extra["clock"] else Channel.CHAT
            return Conversation(
                id=self.conversation_id(),
                channel=channel,
                language=self.details.get("language") or None,
                agent_id=self.details.get("agent_id") or None,
                team_id=self.details.get("team_id") or None,
                customer_id=self.details.get("customer_id") or None,
                started_at=as_datetime(self.details.get("started_at")),
                metadata=metadata,
                turns=turns,
            )

        return build_conversation(self.source.name, location, make)


def _sniff_label(label: str) -> bool:
    words = {word.strip("[]()").lower() for word in label.split()}
    return label.lower() not in _NOT_SPEAKERS and not words & _LOG_LEVELS


def _sniff_block(lines: list[_Line]) -> float | None:
    """How much one conversation's lines look like a transcript; None when too few to judge."""
    turns = [
        line
        for line in lines
        if line.kind == "turn"
        and _sniff_label(line.label or "")
        and " ".join((line.label or "").lower().replace("_", " ").split()) not in _HEADER_KEYS
    ]
    others = sum(1 for line in lines if line.kind in ("text", "event"))
    if len(turns) < 2:
        return None if others < 3 else 0.0
    if len(turns) / (len(turns) + others) < 0.2:
        return 0.0
    counts = Counter((line.label or "").lower() for line in turns)
    top = sum(count for _, count in counts.most_common(4))
    roleish = {label for label in counts if _roleish(label)}
    recurring = [label for label, count in counts.items() if count >= 2]
    if top / len(turns) < 0.75 or (not recurring and len(roleish) < 2):
        return 0.0
    words = sum(len(line.text.split()) for line in turns) / len(turns)
    if words < 1.5 and not roleish:
        return 0.0
    score = 0.5
    if len(counts) >= 2:
        score += 0.15
    if roleish:
        score += 0.15
    if sum(1 for line in turns if line.starts != (None, None)) >= 2:
        score += 0.1
    if len(turns) >= 4:
        score += 0.05
    if not roleish and all((line.label or "") == (line.label or "").lower() for line in turns):
        score *= 0.5  # 'name: value' pairs of a configuration file, not people
    return min(score, 0.95)


@register
class TranscriptReader(Reader):
    name = "transcript"
    description = "plain-text transcript: 'Agent: …' / 'Customer: …' lines, optional [hh:mm:ss]"
    extensions = ("txt", "text", "log")

    def sniff(self, source: Source) -> float:
        head = source.head()
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = head.decode("utf-16", errors="replace")
        elif b"\x00" in head:
            return 0.0
        else:
            text = head.decode("utf-8", errors="replace")
        blocks: list[list[_Line]] = [[]]
        for number, raw in enumerate(text.splitlines()[:400], start=1):
            line = _parse_line(number, raw)
            if line.kind == "separator":
                blocks.append([])
            else:
                blocks[-1].append(line)
        scores = [_sniff_block(block) for block in blocks]
        judged = [score for score in scores if score is not None]
        if not judged or sum(1 for score in judged if score > 0) * 2 < len(judged):
            return 0.0
        return max(judged)

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        index = 0
        produced = False
        for block in _blocks(source):
            builder = _Builder(source, options, block, index + 1)
            result = builder.build()
            if result is None:
                continue
            if isinstance(result, ReadIssue) and not builder.turns:
                if produced:  # (before the first conversation it is a title page: skipped)
                    yield result
                continue
            index += 1
            produced = produced or isinstance(result, Conversation)
            yield from builder.issues
            yield result
        if not produced:
            raise ReadError("no 'Speaker: text' lines found: not a transcript", source=source.name)
