"""Readers: WebVTT (``.vtt``) and SubRip (``.srt``) captions of calls and meetings.

One file is one conversation (id: the file's stem), channel ``voice``. Every cue keeps its start
and end in seconds. The speaker of a cue comes from, in order:

* WebVTT voice spans: ``<v Name>``, ``<v.loud Name>``, with or without ``</v>``, several per cue;
* a prefix on a cue line: ``Name: …``, ``[SPEAKER_00]: …``, ``- Name: …``, ``>> Name: …``;
* a label line alone at the top of a cue: ``[speaker 0]``, ``[SPEAKER_01]``, ``[Agent]``.

A plain ``Name:`` prefix counts only when it looks deliberate (the name recurs, names a role, or
every cue has a prefix), so a caption that merely contains "Note: …" stays text. A cue with no
speaker continues the previous cue's speaker. A speaker named as a role (``Agent``, ``Caller``,
``Mia (Agent)``, ``Agent Mia``) has that role; other names go through ``--agent``/``--customer``
and then role inference. Consecutive cues by one speaker become one turn.

Tolerated: Microsoft Teams' ``0:0:5.320`` timestamps, ``mm:ss.ttt``, ``,`` or ``.`` millis in
either format, cue settings, missing cue numbers or blank lines, ``NOTE``/``STYLE``/``REGION``
blocks, formatting tags (``<i>``, ``<c.x>``, ``<00:00:01.000>``, ``{\\an8}``), HTML entities, and
UTF-8 text once mis-decoded as Latin-1 (``â\\x80\\x94`` for ``—``). The WebVTT header's title goes
to ``metadata["title"]`` and its ``Language:`` line to ``language``. A cue with unreadable
timing, or ending before it starts, is reported by line (the latter is kept without its end).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heard.conversation import Channel, Conversation, Role, Turn
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source, decode_text
from heard.readers.normalize import build_conversation, clean_text
from heard.readers.registry import register
from heard.readers.roles import Utterance, role_from_label, to_turns

# ``hh:mm:ss.ttt``, ``mm:ss.ttt``, Teams' ``h:m:s.f``; digit counts are bounded so a hostile file
# cannot make int() choke on a thousand-digit number.
_TIME = r"(?:(\d{1,5}):)?(\d{1,4}):(\d{1,4})(?:[.,](\d{1,9}))?"
_TIMING = re.compile(rf"^\s*{_TIME}\s*--?>\s*{_TIME}(?:\s.*)?$")
_SKIPPED_BLOCK = re.compile(r"^(?:NOTE|STYLE|REGION)(?:\s|$)")
_VOICE = re.compile(r"<v(?=[.\s>])(?:\.[^\s>]*)?(?:\s+([^>]*?))?\s*>", re.IGNORECASE)
_VOICE_END = re.compile(r"</v\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>|\{\\[^{}]*\}")
_LEAD = r"(?:[-–—]\s*|>>\s*)?"
_BRACKET_PREFIX = re.compile(rf"^{_LEAD}\[([^\[\]]{{1,40}})\]\s*:\s*(.*)$")
_BRACKET_ALONE = re.compile(rf"^{_LEAD}\[([^\[\]]{{1,40}})\]$")
_PLAIN_PREFIX = re.compile(
    rf"^{_LEAD}([^\W\d_][\w'’.&-]*(?: [\w'’.&-]+){{0,3}}(?: ?\([^()]{{1,24}}\))?)\s*:(?:\s+(.*)|$)"
)
_SPEAKERISH = re.compile(r"^(?:speaker|spk|spkr|speaker_|s)[ _-]?\d{1,3}$", re.IGNORECASE)
_LABEL_WITH_ROLE = re.compile(r"^(.*?)\s*[(\[]\s*([^()\[\]]+?)\s*[)\]]$")
# Leading words that say a speaker's side ("Agent Mia"); deliberately not "user" or "client",
# which start many ordinary names and placeholders ("User Name", "Client Services").
_ROLE_FIRST_WORDS = {
    "agent": Role.AGENT,
    "rep": Role.AGENT,
    "representative": Role.AGENT,
    "operator": Role.AGENT,
    "advisor": Role.AGENT,
    "customer": Role.CUSTOMER,
    "caller": Role.CUSTOMER,
    "bot": Role.BOT,
}
_MOJIBAKE = re.compile(r"[\u00c2-\u00f4][\u0080-\u00bf]{1,3}")
_HEADER_FIELD = re.compile(r"^([A-Za-z][\w-]*)\s*:\s*(.*)$")


def timestamp_seconds(hours: str | None, minutes: str, seconds: str, fraction: str | None) -> float:
    """Seconds from the parts of a caption timestamp (the fraction is a decimal fraction)."""
    value = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
    return value + (float(f"0.{fraction}") if fraction else 0.0)


def speaker_role(label: str) -> tuple[str, Role | None]:
    """The speaker name and the role a label states: 'Agent', 'Mia (Agent)', 'Agent Mia'."""
    label = label.strip()
    role = role_from_label(label)
    if role is not None:
        return label, role
    with_role = _LABEL_WITH_ROLE.match(label)
    if with_role and with_role.group(1):
        role = role_from_label(with_role.group(2))
        if role is not None:
            return with_role.group(1), role
    first, _, rest = label.partition(" ")
    if rest:
        return label, _ROLE_FIRST_WORDS.get(first.lower())
    return label, None


@dataclass
class _Segment:
    """Text said by one speaker within one cue."""

    speaker: str | None
    kind: str  # "voice", "bracket", "plain" or "" (no label)
    parts: list[str] = field(default_factory=list)
    raw_label: str = ""

    @property
    def text(self) -> str:
        return clean_text(" ".join(part for part in self.parts if part))


@dataclass
class _Cue:
    line: int
    start: float
    end: float | None
    lines: list[str] = field(default_factory=list)
    segments: list[_Segment] = field(default_factory=list)


@dataclass
class _Parsed:
    cues: list[_Cue]
    issues: list[ReadIssue]
    header: dict[str, str]


def _source_text(source: Source) -> str:
    data = source.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return decode_text(data, source.name)


def _parse_cues(text: str, name: str, *, webvtt: bool) -> _Parsed:
    lines = text.splitlines()
    issues: list[ReadIssue] = []
    header: dict[str, str] = {}
    index = 0
    if webvtt:
        while index < len(lines) and not lines[index].strip():
            index += 1
        if index < len(lines) and lines[index].lstrip("\ufeff").startswith("WEBVTT"):
            title = lines[index].lstrip("\ufeff")[6:].strip(" \t-")
            if title:
                header["title"] = title
            index += 1
            while index < len(lines) and lines[index].strip():
                if _TIMING.match(lines[index]):
                    break  # a cue straight after the header, with no blank line
                found = _HEADER_FIELD.match(lines[index].strip())
                if found:
                    header[found.group(1).lower()] = found.group(2).strip()
                index += 1

    cues: list[_Cue] = []
    pending: list[tuple[int, str]] = []  # a block's lines before its timing line
    in_payload = False
    skipping = False

    def flush_pending() -> None:
        if not pending:
            return
        if cues:
            # Text after a blank line that is not a new cue: a blank line inside a cue's text.
            cues[-1].lines.extend(text for _, text in pending)
        else:
            first = pending[0][0]
            issues.append(ReadIssue(name, "text before the first cue, skipped", f"line {first}"))
        pending.clear()

    for number, raw in enumerate(lines[index:], start=index + 1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            flush_pending()
            in_payload = skipping = False
            continue
        if skipping:
            continue
        timing = _TIMING.match(line)
        if timing:
            if in_payload and cues and cues[-1].lines and cues[-1].lines[-1].isdigit():
                cues[-1].lines.pop()  # the next cue's number, with no blank line before it
            if pending:
                pending.pop()  # the cue identifier
                flush_pending()
            groups = timing.groups()
            start = timestamp_seconds(*groups[:4])
            end: float | None = timestamp_seconds(*groups[4:])
            if end is not None and end < start:
                issues.append(
                    ReadIssue(
                        name, "cue ends before it starts; its end is dropped", f"line {number}"
                    )
                )
                end = None
            cues.append(_Cue(line=number, start=start, end=end))
            in_payload = True
            continue
        if in_payload:
            cues[-1].lines.append(line)
            continue
        if not pending and webvtt and _SKIPPED_BLOCK.match(line):
            skipping = True
            continue
        if "-->" in line:
            issues.append(
                ReadIssue(
                    name, f"unreadable cue timing {line[:60]!r}; cue skipped", f"line {number}"
                )
            )
            pending.clear()
            skipping = True
            continue
        pending.append((number, line))
    flush_pending()
    return _Parsed(cues, issues, header)


def _strip_markup(text: str) -> str:
    text = html.unescape(_TAG.sub("", text))
    text = _MOJIBAKE.sub(_repair, text)
    return text.replace("\xa0", " ").replace("\u200e", "").replace("\u200f", "")


def _repair(found: re.Match[str]) -> str:
    """UTF-8 that was once decoded as Latin-1 ('â\x80\x94' for '—'), when it contains a C1
    control character, which real text never does: a safe repair."""
    text = found.group()
    if not any("\x80" <= char <= "\x9f" for char in text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def _split_segments(cue: _Cue) -> None:
    """Split a cue's text into segments by voice span and speaker prefix."""
    current = _Segment(speaker=None, kind="")
    segments = [current]
    for line in cue.lines:
        voices = list(_VOICE.finditer(line))
        if voices:
            position = 0
            for voice in voices:
                current.parts.append(
                    _strip_markup(_VOICE_END.sub("", line[position : voice.start()]))
                )
                name = _strip_markup(voice.group(1) or "").strip() or None
                current = _Segment(speaker=name, kind="voice")
                segments.append(current)
                position = voice.end()
            current.parts.append(_strip_markup(_VOICE_END.sub("", line[position:])))
            continue
        text = _strip_markup(line).strip()
        found = _BRACKET_PREFIX.match(text)
        if found and found.group(1).strip():
            current = _Segment(
                speaker=found.group(1).strip(), kind="bracket", parts=[found.group(2)]
            )
            segments.append(current)
            continue
        found = _BRACKET_ALONE.match(text)
        if found and _labelish(found.group(1)):
            current = _Segment(speaker=found.group(1).strip(), kind="bracket")
            segments.append(current)
            continue
        found = _PLAIN_PREFIX.match(text)
        if found:
            current = _Segment(
                speaker=found.group(1).strip(), kind="plain", parts=[found.group(2) or ""]
            )
            current.raw_label = text
            segments.append(current)
            continue
        current.parts.append(text)
    cue.segments = [segment for segment in segments if segment.kind or segment.text]


def _labelish(label: str) -> bool:
    """A label that is surely a speaker: 'Speaker 2', 'spk_0', 'Agent', 'Caller'. (Not 'Note',
    which role_from_label calls a system label but captions use as ordinary words.)"""
    label = label.strip()
    return bool(_SPEAKERISH.match(label)) or speaker_role(label)[1] in _PEOPLE


_PEOPLE = (Role.AGENT, Role.CUSTOMER, Role.BOT)


def _settle_plain_labels(cues: list[_Cue]) -> None:
    """Keep ``Name:`` prefixes that look deliberate; turn the others back into text."""
    counts = Counter(
        segment.speaker for cue in cues for segment in cue.segments if segment.kind == "plain"
    )
    if not counts:
        return
    cues_with_text = [cue for cue in cues if any(segment.text for segment in cue.segments)]
    every_cue_labelled = all(
        cue.segments and cue.segments[0].kind == "plain" for cue in cues_with_text
    )
    for cue in cues:
        kept: list[_Segment] = []
        for segment in cue.segments:
            deliberate = (
                segment.kind != "plain"
                or every_cue_labelled
                or counts[segment.speaker] >= 2
                or _labelish(segment.speaker or "")
            )
            if deliberate:
                kept.append(segment)
            elif kept:
                kept[-1].parts.append(segment.raw_label)
            else:
                kept.append(_Segment(speaker=None, kind="", parts=[segment.raw_label]))
        cue.segments = kept


class _SubtitleReader(Reader):
    webvtt: bool = True

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        text = _source_text(source)
        parsed = _parse_cues(text, source.name, webvtt=self.webvtt)
        yield from parsed.issues
        if not parsed.cues:
            raise ReadError("no cues found (no 'start --> end' timing lines)", source=source.name)
        for cue in parsed.cues:
            _split_segments(cue)
        _settle_plain_labels(parsed.cues)

        utterances: list[Utterance] = []
        last_speaker: str | None = None
        for cue in parsed.cues:
            for segment in cue.segments:
                speaker = segment.speaker if segment.kind else last_speaker
                last_speaker = speaker
                said = segment.text
                if not said:
                    continue
                role = speaker_role(speaker)[1] if speaker else None
                name = speaker_role(speaker)[0] if speaker else None
                utterances.append(
                    Utterance(text=said, speaker=name, role=role, start=cue.start, end=cue.end)
                )
        if not utterances:
            yield ReadIssue(source.name, "no cue has any text")
            return
        yield build_conversation(
            source.name, None, lambda: self._conversation(source, options, utterances, parsed)
        )

    def _conversation(
        self, source: Source, options: ReadOptions, utterances: list[Utterance], parsed: _Parsed
    ) -> Conversation:
        turns, role_metadata = to_turns(utterances, options, merge_consecutive=True)
        turns = [_with_valid_end(turn) for turn in turns]
        metadata: dict[str, Any] = {"source_format": self.name, "cues": len(parsed.cues)}
        if parsed.header.get("title"):
            metadata["title"] = parsed.header["title"]
        metadata.update(role_metadata)
        language = parsed.header.get("language") or None
        return Conversation(
            id=Path(source.name).stem or source.name,
            channel=Channel.VOICE,
            language=language,
            metadata=metadata,
            turns=turns,
        )


def _with_valid_end(turn: Turn) -> Turn:
    # Overlapping cues merged into one turn can end before the turn's first cue started.
    if turn.start is not None and turn.end is not None and turn.end < turn.start:
        return turn.model_copy(update={"end": turn.start})
    return turn


def _head_text(source: Source) -> str:
    head = source.head()
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _timing_lines(text: str) -> list[tuple[int, str]]:
    lines = text.splitlines()[:400]
    return [(index, line) for index, line in enumerate(lines) if _TIMING.match(line)]


@register
class WebVttReader(_SubtitleReader):
    name = "vtt"
    description = "WebVTT captions (Teams, Zoom, WhisperX, Deepgram…): <v Speaker> or 'Name:' cues"
    extensions = ("vtt",)
    webvtt = True

    def sniff(self, source: Source) -> float:
        text = _head_text(source).lstrip()
        if text.startswith("WEBVTT") and (len(text) == 6 or text[6] in " \t\r\n"):
            return 1.0
        if source.suffix in self.extensions and _timing_lines(text):
            return 0.5
        return 0.0


@register
class SrtReader(_SubtitleReader):
    name = "srt"
    description = "SubRip captions (WhisperX, Deepgram…): numbered cues, '[SPEAKER_00]:' prefixes"
    extensions = ("srt",)
    webvtt = False

    def sniff(self, source: Source) -> float:
        text = _head_text(source).lstrip()
        if text.startswith("WEBVTT"):
            return 0.0
        timings = _timing_lines(text)
        if not timings:
            return 0.0
        lines = text.splitlines()
        numbered = any(index > 0 and lines[index - 1].strip().isdigit() for index, _ in timings)
        comma_millis = any(re.search(r"\d,\d", line) for _, line in timings)
        if numbered and comma_millis:
            return 0.95
        if numbered or comma_millis:
            return 0.7 if source.suffix in self.extensions else 0.5
        return 0.5 if source.suffix in self.extensions else 0.0
