"""WhisperX JSON (``{segments: [{start, end, text, speaker?, words: [{word, start?, end?, score?,
speaker?}]}], word_segments?, language?}``) and plain openai-whisper JSON (segments without
speakers, ``probability`` instead of ``score``).

* Each segment is one utterance. Its speaker is the segment's ``speaker`` (set by
  ``whisperx.assign_word_speakers``), else the most frequent ``speaker`` of its words (ties: the
  first seen), else none. Consecutive segments of one speaker merge into one turn.
* Words that alignment could not place (numerals such as ``60``) carry no ``start``/``end``;
  they are kept in the text and never used for times. A segment without its own times takes
  them from its timed words.
* Without any speaker (``whisperx`` run without ``--diarize``, or plain whisper), segments are
  kept as separate turns of one unlabelled speaker, whose role is inferred; the metadata says
  ``diarized: false``. In a diarized file, a segment the diarizer left without a speaker stays
  unlabelled (it is not guessed from its neighbours).
* A list of such documents, or documents wrapped as ``{"transcription": {...}}``, gives one
  conversation each (ids ``<file>-1``, ``<file>-2``… when there are several).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import partial
from typing import Any

from heard.conversation import Channel, Conversation
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source
from heard.readers.normalize import as_id, as_list, build_conversation, clean_text
from heard.readers.registry import register
from heard.readers.roles import Utterance
from heard.readers.speech import (
    Skipped,
    Word,
    consecutive_utterances,
    file_stem,
    fill_missing_speakers,
    fix_times,
    last_end,
    load_document,
    peek_document,
    seconds,
    speakers_of,
    speech_turns,
    text_of,
    utterance_from_words,
)

_WRAPPERS = ("transcription", "transcript", "result")


def _unwrap(record: Any) -> Any:
    if isinstance(record, dict) and not isinstance(record.get("segments"), list):
        for key in _WRAPPERS:
            inner = record.get(key)
            if isinstance(inner, dict) and isinstance(inner.get("segments"), list):
                return inner
    return record


def _is_segment(value: Any) -> bool:
    return isinstance(value, dict) and "text" in value and ("start" in value or "words" in value)


def _score(record: Any) -> float:
    record = _unwrap(record)
    if not isinstance(record, dict):
        return 0.0
    segments = record.get("segments")
    if not isinstance(segments, list):
        return 0.0
    sample = segments[:5]
    if not sample:
        return 0.5 if "word_segments" in record or "language" in record else 0.0
    if not all(_is_segment(segment) for segment in sample):
        return 0.0
    whisperx = "word_segments" in record or any(
        "speaker" in segment
        or any(
            isinstance(word, dict) and "score" in word for word in as_list(segment.get("words"))[:3]
        )
        for segment in sample
    )
    return 0.9 if whisperx else 0.75


@register
class WhisperXReader(Reader):
    name = "whisperx"
    description = "WhisperX JSON (segments, words, speakers) and plain openai-whisper JSON"
    extensions = ("json",)

    def sniff(self, source: Source) -> float:
        document = peek_document(source)
        if isinstance(document, list):
            return _score(document[0]) if document else 0.0
        return _score(document)

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        document = load_document(source)
        records = document if isinstance(document, list) else [document]
        if not records or not any(
            isinstance(_unwrap(record), dict) and isinstance(_unwrap(record).get("segments"), list)
            for record in records
        ):
            raise ReadError(
                "not a WhisperX/Whisper transcript: expected an object with a 'segments' list",
                source=source.name,
            )
        stem = file_stem(source)
        for index, raw in enumerate(records, start=1):
            record = _unwrap(raw)
            location = f"record {index}" if len(records) > 1 else None
            if not isinstance(record, dict) or not isinstance(record.get("segments"), list):
                yield ReadIssue(source.name, "expected an object with a 'segments' list", location)
                continue
            conversation_id = f"{stem}-{index}" if len(records) > 1 else stem
            skipped = Skipped()
            utterances, diarized = self._utterances(record, skipped)
            if not utterances:
                yield ReadIssue(source.name, "the transcript has no speech", location)
            else:
                yield build_conversation(
                    source.name,
                    location,
                    partial(
                        self._conversation, record, utterances, diarized, conversation_id, options
                    ),
                )
            issue = skipped.issue(source.name, location, "segment")
            if issue is not None:
                yield issue

    @staticmethod
    def _words(raw_words: list[Any]) -> list[Word]:
        words: list[Word] = []
        for raw in raw_words:
            if not isinstance(raw, dict):
                continue
            text = raw.get("word")
            if not isinstance(text, str) or not text.strip():
                continue
            start, end = fix_times(seconds(raw.get("start")), seconds(raw.get("end")))
            words.append(
                Word(text=text.strip(), speaker=as_id(raw.get("speaker")), start=start, end=end)
            )
        return words

    def _utterances(self, record: dict[str, Any], skipped: Skipped) -> tuple[list[Utterance], bool]:
        utterances: list[Utterance] = []
        for index, segment in enumerate(record["segments"], start=1):
            if not isinstance(segment, dict):
                skipped.add(f"segment {index}", "not an object")
                continue
            words = self._words(as_list(segment.get("words")))
            text = clean_text(text_of(segment.get("text")))
            if not text and words:
                text = clean_text(" ".join(word.text for word in words))
            if not text:
                if "text" not in segment:
                    skipped.add(f"segment {index}", "no text")
                continue
            speaker = as_id(segment.get("speaker"))
            if speaker is None:
                labels = Counter(word.speaker for word in words if word.speaker is not None)
                if labels:
                    # most_common keeps first-seen order among equal counts
                    speaker = labels.most_common(1)[0][0]
            start, end = fix_times(seconds(segment.get("start")), seconds(segment.get("end")))
            if start is None or end is None:
                spanned = utterance_from_words(words, speaker)
                if spanned is not None:
                    start = start if start is not None else spanned.start
                    end = end if end is not None else spanned.end
                    start, end = fix_times(start, end)
            utterances.append(Utterance(text=text, speaker=speaker, start=start, end=end))
        if not utterances:
            # No segments: the flat word list, if any (grouped by speaker when labelled).
            words = self._words(as_list(record.get("word_segments")))
            if any(word.speaker is not None for word in words):
                fill_missing_speakers(words)
                utterances.extend(consecutive_utterances(words))
            else:
                whole = utterance_from_words(words, None)
                text = clean_text(text_of(record.get("text")))
                if whole is not None:
                    utterances.append(whole)
                elif text:
                    utterances.append(Utterance(text=text))
        diarized = any(utterance.speaker is not None for utterance in utterances)
        return utterances, diarized

    @staticmethod
    def _conversation(
        record: dict[str, Any],
        utterances: list[Utterance],
        diarized: bool,
        conversation_id: str,
        options: ReadOptions,
    ) -> Conversation:
        turns, role_metadata = speech_turns(utterances, options, merge=diarized)
        language = as_id(record.get("language"))
        segments = [segment for segment in record["segments"] if isinstance(segment, dict)]
        aligned = "word_segments" in record or any(
            isinstance(word, dict) and "score" in word
            for segment in segments[:20]
            for word in as_list(segment.get("words"))
        )
        metadata: dict[str, Any] = {
            "source_format": "whisperx" if aligned or diarized else "whisper",
            "diarized": diarized,
        }
        if language:
            metadata["language_code"] = language
        speakers = speakers_of(utterances)
        if speakers:
            metadata["speakers"] = speakers
        unlabelled = sum(1 for utterance in utterances if utterance.speaker is None)
        if diarized and unlabelled:
            metadata["unlabelled_segments"] = unlabelled
        duration = last_end(turns)
        if duration is not None:
            metadata["duration_seconds"] = duration
        untimed = sum(
            1
            for segment in segments
            for word in as_list(segment.get("words"))
            if isinstance(word, dict) and "word" in word and seconds(word.get("start")) is None
        )
        if untimed:
            metadata["untimed_words"] = untimed
        metadata.update(role_metadata)
        return Conversation(
            id=conversation_id,
            channel=Channel.VOICE,
            language=language,
            metadata=metadata,
            turns=turns,
        )
