"""Deepgram pre-recorded transcription (``/v1/listen``) responses:
``{metadata: {request_id, duration, channels, …}, results: {channels: [{alternatives: [{transcript,
words}]}], utterances?: […]}}``.

Turns come from, in order of preference:

1. ``results.utterances`` (``utterances=true``): one utterance each, speaker from ``speaker``
   (``diarize=true``, labels ``"0"``, ``"1"``…) or, with ``multichannel=true``, from ``channel``
   (labels ``ch_0``, ``ch_1``: each leg of a stereo call is one side);
2. diarized words in ``channels[0].alternatives[0].words``: consecutive words of one speaker;
3. several channels (``multichannel=true``) without utterances: each channel's words, as
   overlapping stretches per channel (see :func:`heard.readers.aws_transcribe.channel_utterances`);
4. otherwise the transcript of the first channel as a single turn.

Without speaker labels, turns are not merged and belong to one unlabelled speaker whose role is
inferred. Word text is ``punctuated_word`` when present (``punctuate``/``smart_format``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
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


def _first_alternative(channel: Any) -> dict[str, Any]:
    alternatives = as_list(as_dict(channel).get("alternatives"))
    return as_dict(alternatives[0]) if alternatives else {}


def _sniff(document: Any) -> float:
    if not isinstance(document, dict):
        return 0.0
    results = document.get("results")
    if not isinstance(results, dict):
        return 0.0
    channels = results.get("channels")
    if isinstance(channels, list) and channels:
        first = channels[0]
        if isinstance(first, dict) and isinstance(first.get("alternatives"), list):
            metadata = as_dict(document.get("metadata"))
            return 0.95 if "request_id" in metadata or "sha256" in metadata else 0.85
    utterances = results.get("utterances")
    if (
        isinstance(utterances, list)
        and utterances
        and isinstance(utterances[0], dict)
        and "transcript" in utterances[0]
        and "start" in utterances[0]
    ):
        return 0.7
    return 0.0


def _speaker(value: Any) -> str | None:
    """Deepgram speaker numbers as labels: 0 → "0"."""
    return as_id(value)


@register
class DeepgramReader(Reader):
    name = "deepgram"
    description = "Deepgram /v1/listen JSON (utterances, diarized words, multichannel)"
    extensions = ("json",)

    def sniff(self, source: Source) -> float:
        return _sniff(peek_document(source))

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        document = load_document(source)
        if not isinstance(document, dict) or not isinstance(document.get("results"), dict):
            raise ReadError(
                "not a Deepgram response: expected an object with a 'results' object",
                source=source.name,
            )
        metadata = as_dict(document.get("metadata"))
        request = as_id(metadata.get("request_id"))
        location = f"request {request}" if request else None
        results: dict[str, Any] = document["results"]
        skipped = Skipped()
        utterances, mode = self._utterances(results, skipped)
        if not utterances:
            yield ReadIssue(source.name, "the transcript has no speech", location)
        else:
            yield build_conversation(
                source.name,
                location,
                lambda: self._conversation(metadata, results, utterances, mode, source, options),
            )
        issue = skipped.issue(source.name, location)
        if issue is not None:
            yield issue

    @staticmethod
    def _words(raw_words: list[Any], skipped: Skipped, where: str, label: str | None) -> list[Word]:
        words: list[Word] = []
        for index, raw in enumerate(raw_words, start=1):
            if not isinstance(raw, dict):
                skipped.add(f"{where} word {index}", "not an object")
                continue
            text = raw.get("punctuated_word")
            if not isinstance(text, str) or not text.strip():
                text = raw.get("word")
            if not isinstance(text, str) or not text.strip():
                skipped.add(f"{where} word {index}", "no text")
                continue
            start, end = fix_times(seconds(raw.get("start")), seconds(raw.get("end")))
            speaker = label if label is not None else _speaker(raw.get("speaker"))
            words.append(Word(text=text.strip(), speaker=speaker, start=start, end=end))
        return words

    def _utterances(self, results: dict[str, Any], skipped: Skipped) -> tuple[list[Utterance], str]:
        channels = as_list(results.get("channels"))
        raw_utterances = as_list(results.get("utterances"))
        multichannel = len(channels) > 1 or any(
            (number(as_dict(item).get("channel")) or 0) > 0 for item in raw_utterances
        )
        if multichannel:
            found = self._multichannel(channels, raw_utterances, skipped)
            if found:
                return found, "multichannel"

        # 1. Utterances (speaker per utterance when diarized).
        utterances: list[Utterance] = []
        for index, raw in enumerate(raw_utterances, start=1):
            if not isinstance(raw, dict):
                skipped.add(f"utterance {index}", "not an object")
                continue
            words = self._words(as_list(raw.get("words")), Skipped(), "", None)
            text = clean_text(text_of(raw.get("transcript")))
            if not text and words:
                text = clean_text(" ".join(word.text for word in words))
            if not text:
                continue
            start, end = fix_times(seconds(raw.get("start")), seconds(raw.get("end")))
            speaker = _speaker(raw.get("speaker"))
            if speaker is None:
                labels = Counter(word.speaker for word in words if word.speaker is not None)
                speaker = labels.most_common(1)[0][0] if labels else None
            utterances.append(Utterance(text=text, speaker=speaker, start=start, end=end))
        if utterances:
            labelled = any(utterance.speaker is not None for utterance in utterances)
            return utterances, "diarized" if labelled else "none"

        # 2. Diarized words: consecutive words of one speaker.
        alternative = _first_alternative(channels[0] if channels else {})
        words = self._words(as_list(alternative.get("words")), skipped, "channel 0", None)
        if any(word.speaker is not None for word in words):
            fill_missing_speakers(words)
            return consecutive_utterances(words), "diarized"

        # 4. One transcript, one turn.
        text = clean_text(text_of(alternative.get("transcript")))
        whole = utterance_from_words(words, None) if words else None
        if not text and whole is not None:
            text = whole.text
        if not text:
            return [], "none"
        start, end = (whole.start, whole.end) if whole is not None else (None, None)
        return [Utterance(text=text, start=start, end=end)], "none"

    def _multichannel(
        self, channels: list[Any], raw_utterances: list[Any], skipped: Skipped
    ) -> list[Utterance]:
        """3. Each channel is one side of the call: its words, as overlapping stretches.

        Word timing is needed to tell a backchannel from a change of speaker, so the words of
        each channel are used even when utterances exist; utterances are the fallback.
        """
        channel_words: list[Word] = []
        untimed: list[Utterance] = []
        for index, channel in enumerate(channels):
            label = f"ch_{index}"
            alternative = _first_alternative(channel)
            words = self._words(as_list(alternative.get("words")), skipped, label, label)
            if words:
                channel_words.extend(words)
        if not channel_words:
            for raw in raw_utterances:
                if not isinstance(raw, dict):
                    continue
                channel_number = number(raw.get("channel"))
                label = f"ch_{int(channel_number)}" if channel_number is not None else "ch_0"
                words = self._words(as_list(raw.get("words")), Skipped(), "", label)
                if words:
                    channel_words.extend(words)
                    continue
                text = clean_text(text_of(raw.get("transcript")))
                start, end = fix_times(seconds(raw.get("start")), seconds(raw.get("end")))
                if text:
                    untimed.append(Utterance(text=text, speaker=label, start=start, end=end))
        if not channel_words and not untimed:
            for index, channel in enumerate(channels):
                text = clean_text(text_of(_first_alternative(channel).get("transcript")))
                if text:
                    untimed.append(Utterance(text=text, speaker=f"ch_{index}"))
        return channel_utterances(channel_words) + untimed

    @staticmethod
    def _conversation(
        metadata: dict[str, Any],
        results: dict[str, Any],
        utterances: list[Utterance],
        mode: str,
        source: Source,
        options: ReadOptions,
    ) -> Conversation:
        # Diarized segments merge; per-channel stretches are final (they may overlap).
        labelled = mode != "none"
        turns, role_metadata = speech_turns(utterances, options, merge=mode == "diarized")
        channels = as_list(results.get("channels"))
        first = as_dict(channels[0]) if channels else {}
        language = as_id(first.get("detected_language"))
        if language is None:
            languages = as_list(_first_alternative(first).get("languages"))
            language = as_id(languages[0]) if languages else None
        info: dict[str, Any] = {"source_format": "deepgram", "speaker_source": mode}
        request = as_id(metadata.get("request_id"))
        if request:
            info["request_id"] = request
        created = as_id(metadata.get("created"))
        if created:
            info["created"] = created
        duration = seconds(metadata.get("duration"))
        if duration is None:
            duration = last_end(turns)
        if duration is not None:
            info["duration_seconds"] = round(duration, 3)
        count = number(metadata.get("channels"))
        if count is not None:
            info["channels"] = int(count)
        models = [
            name
            for model in as_dict(metadata.get("model_info")).values()
            if (name := as_id(as_dict(model).get("name")))
        ]
        if models:
            info["models"] = models
        if language:
            info["language_code"] = language
        speakers = speakers_of(utterances)
        if speakers:
            info["speakers"] = speakers
        if not labelled:
            info["diarized"] = False
        info.update(role_metadata)
        return Conversation(
            id=request or file_stem(source),
            channel=Channel.VOICE,
            language=language,
            metadata=info,
            turns=turns,
        )
