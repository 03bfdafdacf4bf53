"""AWS Transcribe batch output: ``{jobName, results: {transcripts, items, speaker_labels?,
channel_labels?, audio_segments?}}``.

Speaker turns are built from the word items (``pronunciation`` items carry their times as
strings, ``punctuation`` items carry none and join the word before them):

* speaker identification (``speaker_labels``): each word takes its ``speaker_label`` (from the
  item itself, or matched by time from ``speaker_labels.segments[].items``); consecutive words of
  one speaker form a turn.
* channel identification (``channel_labels``): each channel (``ch_0``, ``ch_1``) is one speaker
  and both may talk at once, so a channel's words form one stretch until the other channel
  speaks while it is silent; speech that overlaps is kept as overlapping turns (an interruption
  stays visible as a turn that starts before the previous one ended).
* no speaker information: the job's ``audio_segments`` (else the whole transcript) become turns
  of one unlabelled speaker, not merged, and the role is inferred.

Helpers shared with the other speech-to-text readers live in :mod:`heard.readers.speech`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from typing import Any

from heard.conversation import Channel, Conversation
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source
from heard.readers.normalize import as_id, as_list, build_conversation, clean_text
from heard.readers.normalize import as_object as as_dict
from heard.readers.registry import register
from heard.readers.roles import Utterance
from heard.readers.speech import (
    Skipped,
    Word,
    channel_utterances,
    consecutive_utterances,
    file_stem,
    fill_missing_speakers,
    fix_times,
    last_end,
    load_document,
    number,
    peek_document,
    seconds,
    speakers_of,
    speech_turns,
    text_of,
    utterance_from_words,
)

# ---------------------------------------------------------------------------------------------
# AWS Transcribe.
# ---------------------------------------------------------------------------------------------


def _is_transcribe(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    results = document.get("results")
    if not isinstance(results, dict):
        return False
    return isinstance(results.get("transcripts"), list) or (
        isinstance(results.get("items"), list)
        and any(isinstance(item, dict) and "alternatives" in item for item in results["items"][:20])
    )


def _time_key(start: float | None, end: float | None) -> tuple[float, float] | None:
    if start is None or end is None:
        return None
    return round(start, 3), round(end, 3)


class _SpeakerIndex:
    """Speaker of a word from the places AWS may put it besides the item itself."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.by_span: dict[tuple[float, float], str] = {}
        self.by_start: dict[float, str] = {}
        self.segment_starts: list[float] = []
        self.segments: list[tuple[float, float, str]] = []
        self.by_item_id: dict[str, str] = {}
        self.channel_by_item_id: dict[str, str] = {}
        labels = as_dict(results.get("speaker_labels"))
        for segment in as_list(labels.get("segments")):
            if not isinstance(segment, dict):
                continue
            speaker = as_id(segment.get("speaker_label"))
            start, end = seconds(segment.get("start_time")), seconds(segment.get("end_time"))
            if speaker is not None and start is not None and end is not None:
                self.segments.append((start, end, speaker))
            for item in as_list(segment.get("items")):
                if not isinstance(item, dict):
                    continue
                label = as_id(item.get("speaker_label")) or speaker
                item_start, item_end = (
                    seconds(item.get("start_time")),
                    seconds(item.get("end_time")),
                )
                key = _time_key(item_start, item_end)
                if label is not None and key is not None:
                    self.by_span.setdefault(key, label)
                    self.by_start.setdefault(key[0], label)
        self.segments.sort()
        self.segment_starts = [start for start, _, _ in self.segments]
        for segment in as_list(results.get("audio_segments")):
            if not isinstance(segment, dict):
                continue
            speaker = as_id(segment.get("speaker_label"))
            channel = as_id(segment.get("channel_label"))
            for item_id in as_list(segment.get("items")):
                item_key = as_id(item_id)
                if item_key is not None and speaker is not None:
                    self.by_item_id.setdefault(item_key, speaker)
                if item_key is not None and channel is not None:
                    self.channel_by_item_id.setdefault(item_key, channel)

    def __bool__(self) -> bool:
        return bool(self.by_span or self.segments or self.by_item_id)

    def channel(self, item: dict[str, Any]) -> str | None:
        label = as_id(item.get("channel_label"))
        if label is None:
            item_id = as_id(item.get("id"))
            label = self.channel_by_item_id.get(item_id) if item_id is not None else None
        return label

    def speaker(self, item: dict[str, Any], start: float | None, end: float | None) -> str | None:
        key = _time_key(start, end)
        if key is not None and key in self.by_span:
            return self.by_span[key]
        if start is not None and round(start, 3) in self.by_start:
            return self.by_start[round(start, 3)]
        item_id = as_id(item.get("id"))
        if item_id is not None and item_id in self.by_item_id:
            return self.by_item_id[item_id]
        if start is not None and self.segments:
            index = bisect.bisect_right(self.segment_starts, start) - 1
            if index >= 0 and start <= self.segments[index][1]:
                return self.segments[index][2]
        return None


def _words(
    items: list[Any],
    skipped: Skipped,
    where: str,
    label_of: Callable[[dict[str, Any], float | None, float | None], str | None],
) -> list[Word]:
    """Word items to words; punctuation items (which have no times) join the word before them."""
    words: list[Word] = []
    pending = ""  # punctuation before the first word
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            skipped.add(f"{where} {index}", "not an object")
            continue
        alternatives = item.get("alternatives")
        first = alternatives[0] if isinstance(alternatives, list) and alternatives else None
        content = first.get("content") if isinstance(first, dict) else None
        if not isinstance(content, str) or not content.strip():
            skipped.add(f"{where} {index}", "no content")
            continue
        content = content.strip()
        start, end = fix_times(seconds(item.get("start_time")), seconds(item.get("end_time")))
        if item.get("type") == "punctuation":
            if words:
                words[-1].text = f"{words[-1].text}{content}"
            else:
                pending = f"{pending}{content}"
            continue
        # A word without valid times keeps its text and speaker; it just has no times.
        words.append(
            Word(
                text=f"{pending}{content}", speaker=label_of(item, start, end), start=start, end=end
            )
        )
        pending = ""
    return words


def _audio_segment_utterances(results: dict[str, Any], skipped: Skipped) -> list[Utterance]:
    utterances: list[Utterance] = []
    for index, segment in enumerate(as_list(results.get("audio_segments")), start=1):
        if not isinstance(segment, dict):
            skipped.add(f"audio segment {index}", "not an object")
            continue
        text = clean_text(text_of(segment.get("transcript")))
        if not text:
            continue
        start, end = fix_times(seconds(segment.get("start_time")), seconds(segment.get("end_time")))
        speaker = as_id(segment.get("speaker_label")) or as_id(segment.get("channel_label"))
        utterances.append(Utterance(text=text, speaker=speaker, start=start, end=end))
    return utterances


def _transcript_text(results: dict[str, Any]) -> str:
    parts = [
        text_of(entry.get("transcript"))
        for entry in as_list(results.get("transcripts"))
        if isinstance(entry, dict)
    ]
    return clean_text(" ".join(parts))


@register
class AwsTranscribeReader(Reader):
    name = "aws-transcribe"
    description = "AWS Transcribe batch JSON (speaker labels or channel identification)"
    extensions = ("json",)

    def sniff(self, source: Source) -> float:
        document = peek_document(source)
        if not _is_transcribe(document):
            return 0.0
        return 0.95 if "jobName" in document or "accountId" in document else 0.8

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        document = load_document(source)
        if not isinstance(document, dict) or not isinstance(document.get("results"), dict):
            raise ReadError(
                "not an AWS Transcribe transcript: expected an object with a 'results' object",
                source=source.name,
            )
        job = as_id(document.get("jobName"))
        location = f"job {job}" if job else None
        results: dict[str, Any] = document["results"]
        skipped = Skipped()
        utterances, mode = self._utterances(results, skipped)
        if not utterances:
            status = as_id(document.get("status"))
            detail = f" (job status {status})" if status and status != "COMPLETED" else ""
            yield ReadIssue(source.name, f"the transcript has no speech{detail}", location)
        else:
            yield build_conversation(
                source.name,
                location,
                lambda: self._conversation(document, results, utterances, mode, source, options),
            )
        issue = skipped.issue(source.name, location)
        if issue is not None:
            yield issue

    def _utterances(self, results: dict[str, Any], skipped: Skipped) -> tuple[list[Utterance], str]:
        # Channel identification: every channel lists its own items.
        channel_words: list[Word] = []
        channels = as_list(as_dict(results.get("channel_labels")).get("channels"))
        for number_, channel in enumerate(channels):
            if not isinstance(channel, dict):
                skipped.add(f"channel {number_ + 1}", "not an object")
                continue
            label = as_id(channel.get("channel_label")) or f"ch_{number_}"

            def channel_label(item: dict[str, Any], _s: Any, _e: Any, label: str = label) -> str:
                return as_id(item.get("channel_label")) or label

            channel_words.extend(
                _words(as_list(channel.get("items")), skipped, f"{label} item", channel_label)
            )
        if channel_words:
            return channel_utterances(channel_words), "channel_labels"

        index = _SpeakerIndex(results)
        items = as_list(results.get("items"))
        tagged = [item for item in items if isinstance(item, dict)]
        by_channel = (
            not index
            and not any(item.get("speaker_label") is not None for item in tagged)
            and any(index.channel(item) for item in tagged)
        )

        def item_label(item: dict[str, Any], start: float | None, end: float | None) -> str | None:
            if by_channel:  # channel labels only on the top-level items
                return index.channel(item)
            return as_id(item.get("speaker_label")) or index.speaker(item, start, end)

        words = _words(items, skipped, "item", item_label)
        if any(word.speaker is not None for word in words):
            fill_missing_speakers(words)
            if by_channel:
                return channel_utterances(words), "channel_labels"
            return consecutive_utterances(words), "speaker_labels"

        segments = _audio_segment_utterances(results, skipped)
        if segments:
            raw_segments = [
                s for s in as_list(results.get("audio_segments")) if isinstance(s, dict)
            ]
            if any(as_id(segment.get("speaker_label")) for segment in raw_segments):
                return segments, "audio_segments"
            if any(segment.speaker is not None for segment in segments):
                return segments, "audio_segments_by_channel"
            return segments, "none"
        text = _transcript_text(results)
        if not text and words:
            text = clean_text(" ".join(word.text for word in words))
        if not text:
            return [], "none"
        whole = utterance_from_words(words, None) if words else None
        start, end = (whole.start, whole.end) if whole is not None else (None, None)
        return [Utterance(text=text, start=start, end=end)], "none"

    @staticmethod
    def _conversation(
        document: dict[str, Any],
        results: dict[str, Any],
        utterances: list[Utterance],
        mode: str,
        source: Source,
        options: ReadOptions,
    ) -> Conversation:
        # Speaker-labelled segments merge; channel stretches are final (they may overlap).
        labelled = mode != "none"
        merge = mode in ("speaker_labels", "audio_segments")
        turns, role_metadata = speech_turns(utterances, options, merge=merge)
        language = as_id(results.get("language_code"))
        if language is None:
            candidates = as_list(results.get("items"))[:500]
            for channel in as_list(as_dict(results.get("channel_labels")).get("channels"))[:8]:
                candidates = candidates + as_list(as_dict(channel).get("items"))[:500]
            language = next(
                (
                    code
                    for item in candidates
                    if isinstance(item, dict) and (code := as_id(item.get("language_code")))
                ),
                None,
            )
        metadata: dict[str, Any] = {"source_format": "aws-transcribe", "speaker_source": mode}
        status = as_id(document.get("status"))
        if status:
            metadata["status"] = status
        job = as_id(document.get("jobName"))
        if job:
            metadata["job_name"] = job
        if language:
            metadata["language_code"] = language
        speakers = speakers_of(utterances)
        if speakers:
            metadata["speakers"] = speakers
        channels = number(as_dict(results.get("channel_labels")).get("number_of_channels"))
        if channels is not None:
            metadata["number_of_channels"] = int(channels)
        duration = last_end(turns)
        if duration is not None:
            metadata["duration_seconds"] = duration
        if not labelled:
            metadata["diarized"] = False
        metadata.update(role_metadata)
        return Conversation(
            id=job or file_stem(source),
            channel=Channel.VOICE,
            language=language,
            metadata=metadata,
            turns=turns,
        )
