"""What the speech-to-text readers share (AWS Transcribe, Deepgram, WhisperX): words with
times and speakers, grouping them into speaker turns, overlap on two-channel calls, and
tolerant conversion of the numbers and strings these exports contain."""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from heard.conversation import Turn
from heard.readers.base import ReadError, ReadIssue, ReadOptions, Source
from heard.readers.normalize import as_seconds, clean_text
from heard.readers.roles import Utterance, to_turns


@dataclass
class Word:
    """One recognised word (punctuation already attached), with its speaker and times."""

    text: str
    speaker: str | None = None
    start: float | None = None
    end: float | None = None


def seconds(value: Any) -> float | None:
    """Seconds from a number or numeric string, to the millisecond; None when absent, invalid
    or out of range."""
    try:
        result = as_seconds(value)
    except (OverflowError, ValueError, TypeError):  # int too large for a float
        return None
    # Millisecond precision: what the vendors measure (Deepgram's 0.79999995 is 0.8).
    return None if result is None else round(result, 3)


def millis(value: Any) -> float | None:
    """Seconds from a count of milliseconds (``BeginOffsetMillis``)."""
    try:
        result = as_seconds(value)
    except (OverflowError, ValueError, TypeError):
        return None
    return None if result is None else round(result / 1000.0, 3)


def number(value: Any) -> float | None:
    """A finite number (negative allowed: sentiment scores), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def text_of(value: Any) -> str:
    """A text field that may be missing or not text at all."""
    return value if isinstance(value, str) else ""


def load_document(source: Source) -> Any:
    """The source as one JSON document; ReadError (never anything else) when it is not JSON."""
    try:
        return source.json_document()
    except ReadError:
        raise
    except (ValueError, OverflowError) as error:  # e.g. an integer literal with 5,000 digits
        raise ReadError(f"not valid JSON: {error}", source=source.name) from error


def peek_document(source: Source) -> Any:
    """The source as JSON for format detection, or None."""
    try:
        return source.sniff_json()
    except (ReadError, ValueError, OverflowError):
        return None


def file_stem(source: Source) -> str:
    return Path(source.name).stem or source.name or "conversation"


def fix_times(start: float | None, end: float | None) -> tuple[float | None, float | None]:
    """An end before its start is a glitch: the end becomes the start."""
    if start is not None and end is not None and end < start:
        end = start
    return start, end


def utterance_from_words(words: Sequence[Word], speaker: str | None) -> Utterance | None:
    """One utterance spanning ``words`` (times from the timed ones), or None when empty."""
    text = clean_text(" ".join(word.text for word in words))
    if not text:
        return None
    starts = [word.start for word in words if word.start is not None]
    ends = [word.end if word.end is not None else word.start for word in words]
    timed_ends = [end for end in ends if end is not None]
    start = min(starts) if starts else None
    end = max(timed_ends) if timed_ends else None
    start, end = fix_times(start, end)
    return Utterance(text=text, speaker=speaker, start=start, end=end)


def consecutive_utterances(words: Sequence[Word]) -> list[Utterance]:
    """Single-stream diarization: consecutive words of one speaker form one utterance."""
    utterances: list[Utterance] = []
    run: list[Word] = []
    for word in words:
        if run and word.speaker != run[-1].speaker:
            made = utterance_from_words(run, run[-1].speaker)
            if made is not None:
                utterances.append(made)
            run = []
        run.append(word)
    if run:
        made = utterance_from_words(run, run[-1].speaker)
        if made is not None:
            utterances.append(made)
    return utterances


def fill_missing_speakers(words: list[Word]) -> None:
    """Words the diarizer left unlabelled take the speaker of the word before (or after) them."""
    previous: str | None = None
    for word in words:
        if word.speaker is None:
            word.speaker = previous
        else:
            previous = word.speaker
    following: str | None = None
    for word in reversed(words):
        if word.speaker is None:
            word.speaker = following
        else:
            following = word.speaker


def channel_utterances(words: Sequence[Word]) -> list[Utterance]:
    """Multichannel audio: each channel is one speaker, and both may speak at once.

    A speaker's words form one stretch until another speaker says a whole word while this one
    is silent (between two of its words): the floor changed hands. Words another speaker says
    while this one is talking (a backchannel, an interruption) overlap the stretch without
    ending it, so the result keeps overlapping turns, which is what interruption metrics need.
    Stretches are final: they are not merged again afterwards.
    """
    by_speaker: dict[str | None, list[Word]] = {}
    for word in words:
        by_speaker.setdefault(word.speaker, []).append(word)
    spans = {
        speaker: [
            (word.start, word.end if word.end is not None else word.start)
            for word in own
            if word.start is not None
        ]
        for speaker, own in by_speaker.items()
    }
    utterances: list[Utterance] = []
    for speaker, own in by_speaker.items():
        others = sorted(
            span for other, values in spans.items() if other != speaker for span in values
        )
        other_starts = [start for start, _ in others]
        run: list[Word] = []
        last_timed: Word | None = None
        for word in own:
            if (
                run
                and last_timed is not None
                and word.start is not None
                and _spoken_between(last_timed, word, others, other_starts)
            ):
                made = utterance_from_words(run, speaker)
                if made is not None:
                    utterances.append(made)
                run = []
            run.append(word)
            if word.start is not None:
                last_timed = word
        if run:
            made = utterance_from_words(run, speaker)
            if made is not None:
                utterances.append(made)
    return utterances


def _spoken_between(
    previous: Word,
    word: Word,
    others: list[tuple[float, float]],
    other_starts: list[float],
) -> bool:
    """Whether another speaker said a whole word in the silence before ``word``."""
    silent_from = previous.end if previous.end is not None else previous.start
    silent_to = word.start
    if silent_from is None or silent_to is None:
        return False
    index = bisect.bisect_left(other_starts, silent_from)
    # Only the last few words starting in the silence can run past its end; the bound keeps
    # hostile input (thousands of words at one instant) from going quadratic.
    for start, end in others[index : index + 64]:
        if start >= silent_to:
            return False
        if end <= silent_to:
            return True
    return False


def speech_turns(
    utterances: Sequence[Utterance], options: ReadOptions, *, merge: bool
) -> tuple[list[Turn], dict[str, Any]]:
    """Turns in time order (when every utterance is timed), roles resolved, optionally merged."""
    ordered = list(utterances)
    if all(utterance.start is not None for utterance in ordered):
        ordered.sort(key=lambda utterance: utterance.start if utterance.start is not None else 0.0)
    turns, metadata = to_turns(ordered, options, merge_consecutive=merge)
    for turn in turns:
        if turn.start is not None and turn.end is not None and turn.end < turn.start:
            turn.end = turn.start
    return turns, metadata


def speakers_of(utterances: Iterable[Utterance]) -> list[str]:
    """The distinct speaker labels, in order of first appearance."""
    seen: list[str] = []
    for utterance in utterances:
        if utterance.speaker is not None and utterance.speaker not in seen:
            seen.append(utterance.speaker)
    return seen


def last_end(turns: Iterable[Turn]) -> float | None:
    ends = [turn.end for turn in turns if turn.end is not None]
    return round(max(ends), 3) if ends else None


class Skipped:
    """Parts of a record that had to be left out; reported as one issue per record."""

    def __init__(self) -> None:
        self.count = 0
        self.examples: list[str] = []

    def add(self, where: str, problem: str) -> None:
        self.count += 1
        if len(self.examples) < 3:
            self.examples.append(f"{where} ({problem})")

    def issue(
        self, source: str, location: str | None, what: str = "item", whats: str | None = None
    ) -> ReadIssue | None:
        if not self.count:
            return None
        shown = len(self.examples)
        more = f" and {self.count - shown} more" if self.count > shown else ""
        noun = what if self.count == 1 else (whats or f"{what}s")
        return ReadIssue(
            source,
            f"skipped {self.count} malformed {noun}: {', '.join(self.examples)}{more}",
            location,
        )
