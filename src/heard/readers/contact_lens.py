"""Amazon Connect Contact Lens analysis output (voice and chat), and the Transcribe Call
Analytics output that shares its shape: ``{Version, Channel, Participants, Transcript[],
ConversationCharacteristics}``.

Roles are the ones Contact Lens states (``ParticipantRole`` on the participant or the turn), so
nothing is inferred unless a participant has none. Voice turns take ``BeginOffsetMillis`` /
``EndOffsetMillis`` as seconds and consecutive entries of one participant merge into one turn;
chat turns take ``AbsoluteTime`` as their time and every message stays a turn. Chat events
(joined, left, ended) are not turns. Redacted content (``[PII]``) is kept as given.

Contact Lens's own measures (interruptions, talk time, non-talk time, talk speed, sentiment,
response times) are copied into ``metadata["vendor_summary"]`` in seconds, so heard's own
metrics can be compared with the vendor's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from heard.conversation import Channel, Conversation, Role
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source
from heard.readers.normalize import as_datetime, as_id, as_list, build_conversation, clean_text
from heard.readers.normalize import as_object as as_dict
from heard.readers.registry import register
from heard.readers.roles import Utterance, role_from_label
from heard.readers.speech import (
    Skipped,
    file_stem,
    fix_times,
    last_end,
    load_document,
    millis,
    number,
    peek_document,
    speech_turns,
    text_of,
)

_ROLES = {
    "AGENT": Role.AGENT,
    "SUPERVISOR": Role.AGENT,
    "CUSTOMER": Role.CUSTOMER,
    "SYSTEM": Role.SYSTEM,
    "CUSTOM_BOT": Role.BOT,
    "BOT": Role.BOT,
}
_DETECTED = (
    ("IssuesDetected", "issues"),
    ("OutcomesDetected", "outcomes"),
    ("ActionItemsDetected", "action_items"),
)
# S3 output files are named <ContactId>_analysis_<time>.json
_CONTACT_IN_NAME = re.compile(r"^([0-9a-fA-F-]{36})_analysis", re.ASCII)


def _role(value: Any) -> Role | None:
    if not isinstance(value, str):
        return None
    return _ROLES.get(value.strip().upper()) or role_from_label(value)


def _is_contact_lens(document: Any) -> float:
    if not isinstance(document, dict) or not isinstance(document.get("Transcript"), list):
        return 0.0
    if isinstance(document.get("Participants"), list):
        return 0.95
    if any(key in document for key in ("ConversationCharacteristics", "JobStatus", "Channel")):
        return 0.8
    entries = document["Transcript"][:5]
    if entries and all(
        isinstance(entry, dict) and ("ParticipantId" in entry or "ParticipantRole" in entry)
        for entry in entries
    ):
        return 0.6
    return 0.0


class _Entry:
    """One Transcript entry that is a turn, before consecutive voice entries merge."""

    def __init__(
        self, utterance: Utterance, key: str | None, ids: list[str], sentiment: str | None
    ):
        self.utterance = utterance
        self.key = key
        self.ids = ids
        self.sentiments = [sentiment] if sentiment else []
        self.detected: dict[str, list[str]] = {}


@register
class ContactLensReader(Reader):
    name = "contact-lens"
    description = "Amazon Connect Contact Lens analysis JSON (voice or chat), Call Analytics"
    extensions = ("json",)

    def sniff(self, source: Source) -> float:
        return _is_contact_lens(peek_document(source))

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        document = load_document(source)
        if not isinstance(document, dict) or not isinstance(document.get("Transcript"), list):
            raise ReadError(
                "not a Contact Lens analysis file: expected an object with a 'Transcript' list",
                source=source.name,
            )
        contact = self._contact_id(document, source)
        location = f"conversation {contact}" if contact else None
        skipped = Skipped()
        chat = self._is_chat(document)
        entries = self._entries(document, chat, skipped)
        if not entries:
            yield ReadIssue(source.name, "the transcript has no messages or speech", location)
        else:
            yield build_conversation(
                source.name,
                location,
                lambda: self._conversation(document, entries, chat, contact, source, options),
            )
        issue = skipped.issue(source.name, location, "transcript entry", "transcript entries")
        if issue is not None:
            yield issue

    @staticmethod
    def _contact_id(document: dict[str, Any], source: Source) -> str | None:
        for holder in (as_dict(document.get("CustomerMetadata")), document):
            contact = as_id(holder.get("ContactId"))
            if contact:
                return contact
        job = as_id(document.get("JobName"))  # Transcribe Call Analytics
        if job:
            return job
        match = _CONTACT_IN_NAME.match(file_stem(source))
        return match.group(1) if match else None

    @staticmethod
    def _is_chat(document: dict[str, Any]) -> bool:
        channel = document.get("Channel")
        if isinstance(channel, str):
            return channel.strip().upper() == "CHAT"
        entries = [
            entry for entry in as_list(document.get("Transcript"))[:10] if isinstance(entry, dict)
        ]
        return bool(entries) and all(
            "AbsoluteTime" in entry and "BeginOffsetMillis" not in entry for entry in entries
        )

    @staticmethod
    def _entries(document: dict[str, Any], chat: bool, skipped: Skipped) -> list[_Entry]:
        participants: dict[str, tuple[Role | None, str | None]] = {}
        for participant in as_list(document.get("Participants")):
            if not isinstance(participant, dict):
                continue
            key = as_id(participant.get("ParticipantId"))
            if key is not None:
                name = as_id(participant.get("DisplayName"))
                participants[key] = (_role(participant.get("ParticipantRole")), name)

        entries: list[_Entry] = []
        # A skipped entry between two entries of one participant stops them merging: someone
        # else may have spoken in between.
        merge_allowed = True
        for index, raw in enumerate(as_list(document.get("Transcript")), start=1):
            where = f"entry {index}"
            if not isinstance(raw, dict):
                skipped.add(where, "not an object")
                merge_allowed = False
                continue
            kind = text_of(raw.get("Type")).upper()
            content_type = text_of(raw.get("ContentType"))
            if kind == "EVENT" or content_type.startswith(
                "application/vnd.amazonaws.connect.event"
            ):
                continue  # joined / left / ended: not something anybody said
            if "Content" not in raw:
                if kind not in ("", "MESSAGE"):
                    continue  # attachments and other non-text items
                skipped.add(where, "no Content")
                merge_allowed = False
                continue
            content = raw.get("Content")
            if not isinstance(content, str):
                skipped.add(where, "Content is not text")
                merge_allowed = False
                continue
            text = clean_text(content)
            if not text:
                continue
            participant = as_id(raw.get("ParticipantId"))
            stated_role, display = participants.get(participant or "", (None, None))
            role = _role(raw.get("ParticipantRole")) or stated_role
            name = (as_id(raw.get("DisplayName")) or display) if chat else None
            speaker = name or participant or as_id(raw.get("ParticipantRole"))
            start, end = fix_times(
                millis(raw.get("BeginOffsetMillis")), millis(raw.get("EndOffsetMillis"))
            )
            time = as_datetime(raw.get("AbsoluteTime")) if chat else None
            if not chat and start is None:
                skipped.add(where, "no BeginOffsetMillis")
                merge_allowed = False
                continue
            source_id = as_id(raw.get("Id"))
            sentiment = as_id(raw.get("Sentiment"))
            utterance = Utterance(
                text=text, speaker=speaker, role=role, start=start, end=end, time=time
            )
            key = participant or as_id(raw.get("ParticipantRole")) or speaker
            entry = _Entry(utterance, key, [source_id] if source_id else [], sentiment)
            for field, name in _DETECTED:
                for found in as_list(raw.get(field)):
                    phrase = clean_text(text_of(as_dict(found).get("Text")))
                    if phrase:
                        entry.detected.setdefault(name, []).append(phrase)
            previous = entries[-1] if entries and merge_allowed else None
            merge_allowed = True
            if (
                not chat
                and previous is not None
                and previous.key == key
                and previous.utterance.role == role
            ):
                _merge(previous, entry)
            else:
                entries.append(entry)
        return entries

    def _conversation(
        self,
        document: dict[str, Any],
        entries: list[_Entry],
        chat: bool,
        contact: str | None,
        source: Source,
        options: ReadOptions,
    ) -> Conversation:
        if not chat and all(entry.utterance.start is not None for entry in entries):
            entries = sorted(entries, key=lambda entry: entry.utterance.start or 0.0)
        utterances = [entry.utterance for entry in entries]
        source_ids = [entry.ids[0] if entry.ids else "" for entry in entries]
        if all(source_ids) and len(set(source_ids)) == len(source_ids):
            for utterance, source_id in zip(utterances, source_ids, strict=True):
                utterance.id = source_id
        # Voice entries were merged per participant already; to_turns keeps one turn per entry.
        turns, role_metadata = speech_turns(utterances, options, merge=False)

        language = as_id(document.get("LanguageCode"))
        metadata: dict[str, Any] = {"source_format": "contact-lens"}
        for key, name in (
            ("Version", "version"),
            ("JobStatus", "job_status"),
            ("Channel", "source_channel"),
        ):
            value = as_id(document.get(key))
            if value:
                metadata[name] = value
        if language:
            metadata["language_code"] = language
        content = as_dict(document.get("ContentMetadata"))
        output = as_id(content.get("Output"))
        if output:
            metadata["redacted"] = output.lower() == "redacted"
            redaction = [as_id(kind) for kind in as_list(content.get("RedactionTypes"))]
            if any(redaction):
                metadata["redaction_types"] = [kind for kind in redaction if kind]
        participants = {
            participant_id: participant_role
            for participant in as_list(document.get("Participants"))
            if isinstance(participant, dict)
            and (participant_id := as_id(participant.get("ParticipantId")))
            and (participant_role := as_id(participant.get("ParticipantRole")))
        }
        if participants:
            metadata["participant_roles"] = participants
        duration = millis(
            as_dict(document.get("ConversationCharacteristics")).get(
                "TotalConversationDurationMillis"
            )
        )
        if duration is None and not chat:
            duration = last_end(turns)
        if duration is not None:
            metadata["duration_seconds"] = round(duration, 3)
        summary = _vendor_summary(document)
        if summary:
            metadata["vendor_summary"] = summary
        metadata.update(role_metadata)

        conversation = Conversation(
            id=contact or file_stem(source),
            channel=Channel.CHAT if chat else Channel.VOICE,
            language=language,
            metadata=metadata,
            turns=turns,
        )
        # Per-turn vendor findings, keyed by the final turn ids (to_turns keeps the order).
        turn_of: dict[str, str] = {}
        sentiment: dict[str, str] = {}
        detected: dict[str, list[dict[str, str]]] = {}
        for entry, turn in zip(entries, conversation.turns, strict=True):
            for source_id in entry.ids:
                turn_of[source_id] = turn.id
            if entry.sentiments:
                distinct = set(entry.sentiments)
                sentiment[turn.id] = entry.sentiments[0] if len(distinct) == 1 else "MIXED"
            for name, phrases in entry.detected.items():
                detected.setdefault(name, []).extend({"turn": turn.id, "text": p} for p in phrases)
        _summary_items(document, turn_of, detected)
        if sentiment:
            conversation.metadata["turn_sentiment"] = sentiment
        if detected:
            conversation.metadata["detected"] = detected
        return conversation


def _merge(previous: _Entry, entry: _Entry) -> None:
    first, second = previous.utterance, entry.utterance
    first.text = f"{first.text} {second.text}"
    if second.end is not None and (first.end is None or second.end > first.end):
        first.end = second.end
    previous.ids.extend(entry.ids)
    previous.sentiments.extend(entry.sentiments)
    for name, phrases in entry.detected.items():
        previous.detected.setdefault(name, []).extend(phrases)


def _summary_items(
    document: dict[str, Any],
    turn_of: dict[str, str],
    detected: dict[str, list[dict[str, str]]],
) -> None:
    """Chat: issues/outcomes/action items point at transcript items by Id and character offsets."""
    contents: dict[str, str] = {}
    characteristics = as_dict(document.get("ConversationCharacteristics"))
    summary = as_dict(characteristics.get("ContactSummary"))
    groups = as_list(summary.get("SummaryItemsDetected"))
    if not groups:
        return
    for raw in as_list(document.get("Transcript")):
        if isinstance(raw, dict):
            key, content = as_id(raw.get("Id")), raw.get("Content")
            if key and isinstance(content, str):
                contents[key] = content
    for group in groups:
        for field, name in _DETECTED:
            for found in as_list(as_dict(group).get(field)):
                for item in as_list(as_dict(found).get("TranscriptItems")):
                    item = as_dict(item)
                    key = as_id(item.get("Id"))
                    if key is None or key not in turn_of:
                        continue
                    offsets = as_dict(item.get("CharacterOffsets"))
                    begin, end = (
                        number(offsets.get("BeginOffsetChar")),
                        number(offsets.get("EndOffsetChar")),
                    )
                    phrase = _excerpt(contents.get(key, ""), begin, end)
                    if phrase:
                        detected.setdefault(name, []).append({"turn": turn_of[key], "text": phrase})


def _excerpt(content: str, begin: float | None, end: float | None) -> str:
    """The characters an offset pair points at, widened to whole words (the offsets AWS gives
    for chat can fall inside a word)."""
    if begin is None or end is None or not 0 <= begin < end:
        return clean_text(content)
    first, last = min(int(begin), len(content)), min(int(end), len(content))
    while first > 0 and content[first - 1].isalnum():
        first -= 1
    while last < len(content) and content[last].isalnum():
        last += 1
    return clean_text(content[first:last])


def _role_key(value: str) -> str:
    return value.strip().lower()


def _per_role_seconds(value: Any, field: str = "TotalTimeMillis") -> dict[str, float]:
    result: dict[str, float] = {}
    for role, details in as_dict(value).items():
        amount = millis(as_dict(details).get(field))
        if amount is not None:
            result[_role_key(role)] = round(amount, 3)
    return result


def _spans(value: Any) -> list[dict[str, float]]:
    spans: list[dict[str, float]] = []
    for instance in as_list(value):
        instance = as_dict(instance)
        start, end = (
            millis(instance.get("BeginOffsetMillis")),
            millis(instance.get("EndOffsetMillis")),
        )
        if start is None or end is None or end < start:
            continue
        span = {"start": round(start, 3), "end": round(end, 3)}
        duration = millis(instance.get("DurationMillis"))
        span["duration"] = round(duration if duration is not None else end - start, 3)
        spans.append(span)
    return spans


def _vendor_summary(document: dict[str, Any]) -> dict[str, Any]:
    """Contact Lens's own conversation measures, in seconds and lower-case role names."""
    characteristics = as_dict(document.get("ConversationCharacteristics"))
    summary: dict[str, Any] = {}

    interruptions = as_dict(characteristics.get("Interruptions"))
    if interruptions:
        found: dict[str, Any] = {}
        count = number(interruptions.get("TotalCount"))
        if count is not None:
            found["count"] = int(count)
        total = millis(interruptions.get("TotalTimeMillis"))
        if total is not None:
            found["seconds"] = round(total, 3)
        by_role = {
            _role_key(role): spans
            for role, instances in as_dict(interruptions.get("InterruptionsByInterrupter")).items()
            if (spans := _spans(instances))
        }
        if by_role:
            found["by_interrupter"] = by_role
        if found:
            summary["interruptions"] = found

    talk = as_dict(characteristics.get("TalkTime"))
    if talk:
        found = _per_role_seconds(talk.get("DetailsByParticipant"))
        total = millis(talk.get("TotalTimeMillis"))
        if total is not None:
            found["total"] = round(total, 3)
        if found:
            summary["talk_time_seconds"] = found

    silence = as_dict(characteristics.get("NonTalkTime"))
    if silence:
        found = {}
        total = millis(silence.get("TotalTimeMillis"))
        if total is not None:
            found["seconds"] = round(total, 3)
        found["instances"] = _spans(silence.get("Instances"))
        summary["non_talk_time"] = found

    speed = {
        _role_key(role): value
        for role, details in as_dict(
            as_dict(characteristics.get("TalkSpeed")).get("DetailsByParticipant")
        ).items()
        if (value := number(as_dict(details).get("AverageWordsPerMinute"))) is not None
    }
    if speed:
        summary["talk_speed_wpm"] = speed

    overall = as_dict(as_dict(characteristics.get("Sentiment")).get("OverallSentiment"))
    by_role_sentiment = as_dict(overall.get("DetailsByParticipantRole")) or overall
    sentiment = {
        _role_key(role): value
        for role, score in by_role_sentiment.items()
        if (value := number(score)) is not None
    }
    if sentiment:
        summary["overall_sentiment"] = sentiment

    response = as_dict(characteristics.get("ResponseTime"))
    if response:
        found = {}
        greeting = millis(response.get("AgentGreetingTimeMillis"))
        if greeting is not None:
            found["agent_greeting"] = round(greeting, 3)
        for role, details in as_dict(response.get("DetailsByParticipantRole")).items():
            for kind in ("Average", "Maximum"):
                value = millis(as_dict(as_dict(details).get(kind)).get("ValueMillis"))
                if value is not None:
                    found[f"{_role_key(role)}_{kind.lower()}"] = round(value, 3)
        if found:
            summary["response_time_seconds"] = found

    categories = [
        name
        for name in (
            as_id(value)
            for value in as_list(as_dict(document.get("Categories")).get("MatchedCategories"))
        )
        if name
    ]
    if categories:
        summary["matched_categories"] = categories
    return summary
