"""Chatwoot: conversation objects, webhook payloads and websocket events.

Accepted shapes (one JSON document per file):

* a conversation object as the API and the dashboard-app context give it (``id``, ``meta``,
  ``messages[]``, ``status``…), a list of them, ``{"payload": [...]}`` or
  ``{"data": {"payload": [...]}}``; a messages listing (``{"meta": {...}, "payload": [messages]}``)
  becomes the one conversation its messages belong to;
* the dashboard-app event ``{"event": "appContext", "data": {"conversation": …, "contact": …}}``;
* a webhook payload: ``message_created`` / ``message_updated`` (the message, with its
  ``conversation``) or ``conversation_created`` / ``conversation_status_changed`` /
  ``conversation_resolved`` / ``conversation_opened`` / ``conversation_updated`` (the conversation);
* a websocket event ``{"event": "message.created", "data": {...}}``, bare or inside the cable
  frame ``{"identifier": …, "message": {"event": …, "data": …}}``.

Records in one file that name the same conversation (a saved stream of webhooks) are merged,
messages de-duplicated by id (the later copy wins: ``message_updated`` carries the edit).

Roles come from Chatwoot's own fields: a bot sender (``agent_bot``, ``AgentBot``, Captain) is the
bot; otherwise ``message_type`` incoming (0) is the customer and outgoing (1) the agent; failing
that ``sender.type`` contact/user. Author ids or names in ``--agent``/``--customer`` override.
Private notes are dropped and counted (``private_notes``); activity (2) and template (3) messages
and the CSAT survey message (``content_type: input_csat``) are dropped, keeping a submitted
rating as ``csat_rating``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from heard.conversation import Channel, Conversation, Role
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source
from heard.readers.normalize import as_datetime, body_text, build_conversation
from heard.readers.normalize import as_json_id as _id
from heard.readers.normalize import as_list as _list
from heard.readers.normalize import as_object as _obj
from heard.readers.normalize import as_text as _str
from heard.readers.registry import register
from heard.readers.roles import Utterance, to_turns

__all__ = ["ChatwootReader", "conversation_from_payload"]

_MESSAGE_EVENTS = frozenset({"message_created", "message_updated"})
_CONVERSATION_EVENTS = frozenset(
    {
        "conversation_created",
        "conversation_status_changed",
        "conversation_resolved",
        "conversation_opened",
        "conversation_updated",
    }
)
_SOCKET_MESSAGE_EVENTS = frozenset({"message.created", "message.updated"})
_SOCKET_CONVERSATION_EVENTS = frozenset(
    {
        "conversation.created",
        "conversation.status_changed",
        "conversation.updated",
        "conversation.read",
        "conversation.opened",
        "conversation.resolved",
        "assignee.changed",
        "team.changed",
    }
)
_MESSAGE_TYPES = {0: "incoming", 1: "outgoing", 2: "activity", 3: "template"}
_CSAT_CONTENT_TYPES = ("input_csat", 9)
_BOT_SENDERS = frozenset({"agentbot", "agent_bot", "bot", "captainassistant", "captain_assistant"})
_CHANNELS = {
    "channel::webwidget": Channel.CHAT,
    "channel::api": Channel.CHAT,
    "channel::email": Channel.EMAIL,
    "channel::sms": Channel.SMS,
    "channel::twiliosms": Channel.SMS,
    "channel::facebookpage": Channel.SOCIAL,
    "channel::instagram": Channel.SOCIAL,
    "channel::twitterprofile": Channel.SOCIAL,
    "channel::tiktok": Channel.SOCIAL,
    "channel::whatsapp": Channel.CHAT,
    "channel::telegram": Channel.CHAT,
    "channel::line": Channel.CHAT,
    "channel::voice": Channel.VOICE,
}


# -- small guards for untrusted JSON ----------------------------------------------------------


def _time(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value == 0:
        return None  # Chatwoot sends 0 for "never" (a nil time's to_i)
    try:
        return as_datetime(value)
    except (ValueError, OverflowError):
        return None


def _text(value: Any) -> str:
    if isinstance(value, str):
        return body_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _id(value) or ""
    return ""


def _first_id(*values: Any) -> str | None:
    for value in values:
        found = _id(value)
        if found is not None:
            return found
    return None


# -- from documents to records -------------------------------------------------------------------


@dataclass
class _Draft:
    """One conversation gathered from one or more records, before it is validated."""

    id: str
    location: str
    channel: Channel | None = None
    agent_id: str | None = None
    team_id: str | None = None
    customer_id: str | None = None
    started_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    messages: dict[str, Any] = field(default_factory=dict)

    def add_message(self, message: Any) -> None:
        key = _id(message.get("id")) if isinstance(message, dict) else None
        self.messages[f"id:{key}" if key is not None else f"#{len(self.messages)}"] = message

    def merge(self, other: _Draft) -> None:
        for name in ("channel", "agent_id", "team_id", "customer_id"):
            if getattr(other, name) is not None:
                setattr(self, name, getattr(other, name))
        if self.started_at is None:
            self.started_at = other.started_at
        self.metadata.update(other.metadata)
        for message in other.messages.values():
            self.add_message(message)


def _channel(value: Any) -> Channel | None:
    text = _str(value)
    return _CHANNELS.get(text.lower()) if text else None


def _is_message(candidate: Any) -> bool:
    return (
        isinstance(candidate, dict)
        and "message_type" in candidate
        and (
            "content" in candidate or "conversation_id" in candidate or "content_type" in candidate
        )
    )


def _is_conversation(candidate: Any) -> bool:
    if not isinstance(candidate, dict):
        return False
    meta = candidate.get("meta")
    chatwoot_meta = isinstance(meta, dict) and ("sender" in meta or "assignee" in meta)
    messages = candidate.get("messages")
    if isinstance(messages, list):
        return (
            any(_is_message(message) for message in messages[:5])
            or chatwoot_meta
            or (not messages and "inbox_id" in candidate)
        )
    return chatwoot_meta and "inbox_id" in candidate


def _unwrap_socket(document: Any) -> Any:
    """The event inside an ActionCable frame (``{"identifier": …, "message": {...}}``)."""
    if isinstance(document, dict) and "identifier" in document:
        inner = document.get("message")
        if isinstance(inner, dict) and "event" in inner:
            return inner
    return document


def _record_kind(record: Any) -> str | None:
    """What a top-level record is: 'message', 'conversation', 'app' (dashboard) or None."""
    record = _unwrap_socket(record)
    if not isinstance(record, dict):
        return None
    event = record.get("event")
    if isinstance(event, str):
        data = record.get("data")
        if event in _MESSAGE_EVENTS:
            return "message"
        if event in _CONVERSATION_EVENTS:
            return "conversation"
        if event in _SOCKET_MESSAGE_EVENTS and isinstance(data, dict):
            return "message"
        if event in _SOCKET_CONVERSATION_EVENTS and isinstance(data, dict):
            return "conversation"
        if event == "appContext" and isinstance(_obj(data).get("conversation"), dict):
            return "app"
    if _is_conversation(record):
        return "conversation"
    if _is_message(record) and ("conversation" in record or "conversation_id" in record):
        return "message"
    return None


def _records(document: Any) -> tuple[list[Any], bool] | None:
    """The records of a document and whether it is a messages listing; None if not Chatwoot."""
    if isinstance(document, list):
        return document, False
    if not isinstance(document, dict):
        return None
    if _record_kind(document) is not None:
        return [document], False
    for holder in (document, _obj(document.get("data"))):
        payload = holder.get("payload")
        if isinstance(payload, list):
            messages = bool(payload) and all(_is_message(item) for item in payload[:5])
            return ([holder] if messages else payload), messages
    data = document.get("data")
    if isinstance(data, list):
        return data, False
    return None


# -- detection ------------------------------------------------------------------------------------


def _sniff_document(document: Any) -> float:
    found = _records(document)
    if found is None:
        return 0.0
    records, messages_listing = found
    if messages_listing:
        return 0.9
    sample = records[:5]
    if not sample:
        return 0.0
    kinds = [_record_kind(record) for record in sample]
    if all(kind is not None for kind in kinds):
        return 0.95
    if any(kind is not None for kind in kinds):
        return 0.6
    return 0.0


# -- the reader ----------------------------------------------------------------------------------


@register
class ChatwootReader(Reader):
    name = "chatwoot"
    description = "Chatwoot conversations (API, dashboard app), webhook payloads, websocket events"
    extensions = ("json",)

    def sniff(self, source: Source) -> float:
        try:
            document = source.sniff_json()
        except (ValueError, RecursionError):
            return 0.0
        return _sniff_document(document)

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        document = source.json_document()
        found = _records(document)
        if (
            found is not None
            and not found[1]
            and found[0]
            and not any(_record_kind(record) is not None for record in found[0])
        ):
            found = None  # a list, but of nothing Chatwoot
        if found is None and isinstance(document, dict) and isinstance(document.get("event"), str):
            raise ReadError(
                f"Chatwoot event {document['event']!r} carries no conversation", source=source.name
            )
        if found is None:
            raise ReadError(
                "not a Chatwoot export: expected a conversation, a list of them, a webhook "
                "payload or a websocket event",
                source=source.name,
            )
        records, messages_listing = found
        drafts: dict[str, _Draft] = {}
        single = len(records) == 1 and (records[0] is document or messages_listing)
        for index, record in enumerate(records, start=1):
            location = None if single else f"record {index}"
            if messages_listing:
                draft = _draft_from_listing(record, source.name)
            else:
                draft = _draft(record, source.name, location)
            if isinstance(draft, ReadIssue):
                yield draft
            elif draft.id in drafts:
                drafts[draft.id].merge(draft)
            else:
                drafts[draft.id] = draft
        for draft in drafts.values():
            yield from _finish(draft, options, source.name)


def conversation_from_payload(
    payload: dict[str, Any], options: ReadOptions | None = None, *, source: str = "<webhook>"
) -> Conversation:
    """The conversation an already-parsed Chatwoot payload carries (a webhook body, a websocket
    event, a conversation object). Raises :class:`ReadError` when the payload carries none or
    cannot be read; messages that cannot be read are left out."""
    draft = _draft(payload, source, None)
    if isinstance(draft, ReadIssue):
        raise ReadError(draft.problem, source=source, location=draft.location)
    results = _finish(draft, options or ReadOptions(), source)
    conversation = results[-1]
    if isinstance(conversation, ReadIssue):
        raise ReadError(conversation.problem, source=source, location=conversation.location)
    return conversation


# -- one record → one draft -----------------------------------------------------------------------


def _where(location: str | None, what: str) -> str:
    return f"{location}, {what}" if location else what


def _draft(record: Any, name: str, location: str | None) -> _Draft | ReadIssue:
    kind = _record_kind(record)
    record = _unwrap_socket(record)
    if kind is None:
        what = "expected a Chatwoot conversation, webhook payload or websocket event"
        if isinstance(record, dict) and isinstance(record.get("event"), str):
            what = f"Chatwoot event {record['event']!r} carries no conversation"
        return ReadIssue(name, what, location)
    assert isinstance(record, dict)
    event = _str(record.get("event"))
    if kind == "app":
        data = _obj(record.get("data"))
        draft = _conversation_draft(data["conversation"], name, location)
        if isinstance(draft, _Draft) and draft.customer_id is None:
            draft.customer_id = _id(_obj(data.get("contact")).get("id"))
    elif kind == "conversation":
        socket = event is not None and "." in event and isinstance(record.get("data"), dict)
        draft = _conversation_draft(record["data"] if socket else record, name, location)
    else:
        message = record["data"] if event in _SOCKET_MESSAGE_EVENTS else record
        draft = _message_draft(message, name, location)
    if isinstance(draft, _Draft) and event is not None:
        draft.metadata["chatwoot_event"] = event
    return draft


def _conversation_draft(
    conversation: dict[str, Any], name: str, location: str | None
) -> _Draft | ReadIssue:
    conversation_id = _first_id(conversation.get("id"), conversation.get("display_id"))
    if conversation_id is None:
        messages = _list(conversation.get("messages"))
        conversation_id = _first_id(*(_obj(m).get("conversation_id") for m in messages[:1]))
    if conversation_id is None:
        return ReadIssue(name, "conversation has no id", location)
    draft = _Draft(id=conversation_id, location=_where(location, f"conversation {conversation_id}"))
    _conversation_fields(draft, conversation)
    messages_value = conversation.get("messages")
    if messages_value is not None and not isinstance(messages_value, list):
        draft.metadata["unreadable_messages"] = True
    for message in _list(messages_value):
        draft.add_message(message)
    return draft


def _conversation_fields(draft: _Draft, conversation: dict[str, Any]) -> None:
    meta = _obj(conversation.get("meta"))
    draft.channel = _channel(conversation.get("channel")) or _channel(meta.get("channel"))
    draft.agent_id = _first_id(
        _obj(meta.get("assignee")).get("id"), conversation.get("assignee_id")
    )
    draft.team_id = _first_id(_obj(meta.get("team")).get("id"), conversation.get("team_id"))
    draft.customer_id = _first_id(
        _obj(meta.get("sender")).get("id"),
        _obj(conversation.get("contact")).get("id"),
        conversation.get("contact_id"),
        _obj(conversation.get("contact_inbox")).get("contact_id"),
    )
    draft.started_at = _time(conversation.get("created_at"))
    metadata = draft.metadata
    status = _str(conversation.get("status"))
    if status:
        metadata["status"] = status
    labels = [label for label in _list(conversation.get("labels")) if isinstance(label, str)]
    if labels:
        metadata["tags"] = labels
    priority = _str(conversation.get("priority"))
    if priority:
        metadata["priority"] = priority
    attributes = _obj(conversation.get("additional_attributes"))
    subject = _str(attributes.get("mail_subject"))
    if subject:
        metadata["subject"] = subject
    for key in ("inbox_id", "account_id"):
        value = _id(conversation.get(key))
        if value is not None:
            metadata[key] = value


def _message_draft(message: dict[str, Any], name: str, location: str | None) -> _Draft | ReadIssue:
    conversation = _obj(message.get("conversation"))
    conversation_id = _first_id(
        conversation.get("id"), conversation.get("display_id"), message.get("conversation_id")
    )
    if conversation_id is None:
        return ReadIssue(name, "message names no conversation", location)
    draft = _Draft(id=conversation_id, location=_where(location, f"conversation {conversation_id}"))
    _conversation_fields(draft, conversation)
    if draft.customer_id is None:
        draft.customer_id = _id(_obj(message.get("contact")).get("id"))
        if draft.customer_id is None and _sender_kind(message) == "contact":
            draft.customer_id = _first_id(
                _obj(message.get("sender")).get("id"), message.get("sender_id")
            )
    if draft.metadata.get("account_id") is None:
        account = _first_id(_obj(message.get("account")).get("id"), message.get("account_id"))
        if account is not None:
            draft.metadata["account_id"] = account
    if draft.metadata.get("inbox_id") is None:
        inbox = _first_id(_obj(message.get("inbox")).get("id"), message.get("inbox_id"))
        if inbox is not None:
            draft.metadata["inbox_id"] = inbox
    # The conversation's latest messages first, then the event's own message, which wins.
    for earlier in _list(conversation.get("messages")):
        draft.add_message(earlier)
    draft.add_message(message)
    return draft


def _draft_from_listing(listing: dict[str, Any], name: str) -> _Draft | ReadIssue:
    """``{"meta": {...}, "payload": [messages]}``: the messages of one conversation."""
    messages = _list(listing.get("payload"))
    conversation_id = _first_id(*(_obj(m).get("conversation_id") for m in messages))
    if conversation_id is None:
        return ReadIssue(name, "messages name no conversation")
    meta = _obj(listing.get("meta"))
    draft = _Draft(id=conversation_id, location=f"conversation {conversation_id}")
    draft.agent_id = _id(_obj(meta.get("assignee")).get("id"))
    draft.customer_id = _id(_obj(meta.get("contact")).get("id"))
    labels = [label for label in _list(meta.get("labels")) if isinstance(label, str)]
    if labels:
        draft.metadata["tags"] = labels
    for message in messages:
        draft.add_message(message)
    return draft


# -- a draft → a conversation ---------------------------------------------------------------------


def _sender_kind(message: dict[str, Any]) -> str | None:
    """'contact', 'user', 'bot' or None, from ``sender.type`` or ``sender_type``."""
    raw = _str(_obj(message.get("sender")).get("type")) or _str(message.get("sender_type"))
    if raw is None:
        return None
    compact = raw.lower().replace("::", "").replace(" ", "")
    if compact in _BOT_SENDERS:
        return "bot"
    if compact in ("contact", "user"):
        return compact
    return None


def _message_type(message: dict[str, Any]) -> str | None:
    value = message.get("message_type")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _MESSAGE_TYPES.get(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("0", "1", "2", "3"):
            return _MESSAGE_TYPES[int(text)]
        return text or None
    return None


def _role(
    message: dict[str, Any], speaker_id: str | None, name: str | None, options: ReadOptions
) -> Role | None:
    for label in (speaker_id, name):
        if label is not None and label in options.agent:
            return Role.AGENT
        if label is not None and label in options.customer:
            return Role.CUSTOMER
    sender = _sender_kind(message)
    if sender == "bot":
        return Role.BOT
    message_type = _message_type(message)
    if message_type == "incoming":
        return Role.CUSTOMER
    if message_type == "outgoing":
        return Role.AGENT
    if sender == "contact":
        return Role.CUSTOMER
    if sender == "user":
        return Role.AGENT
    return None


def _csat(message: dict[str, Any]) -> dict[str, Any]:
    attributes = _obj(message.get("content_attributes"))
    response = _obj(_obj(attributes.get("submitted_values")).get("csat_survey_response"))
    found: dict[str, Any] = {}
    rating = response.get("rating")
    if isinstance(rating, int | float) and not isinstance(rating, bool) and 0 <= rating <= 10:
        found["csat_rating"] = int(rating) if float(rating).is_integer() else rating
    feedback = _str(response.get("feedback_message"))
    if feedback:
        found["csat_feedback"] = feedback
    return found


def _finish(draft: _Draft, options: ReadOptions, name: str) -> list[Conversation | ReadIssue]:
    """Issues for the draft's unreadable messages, then its conversation (or an issue)."""
    issues: list[ReadIssue] = []
    result = build_conversation(name, draft.location, lambda: _build(draft, options, name, issues))
    return [*issues, result]


def _build(draft: _Draft, options: ReadOptions, name: str, issues: list[ReadIssue]) -> Conversation:
    counts = {"private_notes": 0, "activity_messages": 0, "template_messages": 0}
    csat: dict[str, Any] = {}
    entries: list[tuple[int, Utterance]] = []
    for position, message in enumerate(draft.messages.values(), start=1):
        if not isinstance(message, dict):
            issues.append(
                ReadIssue(name, "message is not an object", f"{draft.location}, message {position}")
            )
            continue
        message_id = _id(message.get("id"))
        if message.get("private") is True:
            counts["private_notes"] += 1
            continue
        content_type = message.get("content_type")
        if isinstance(content_type, str | int) and content_type in _CSAT_CONTENT_TYPES:
            csat.update(_csat(message))
            continue
        message_type = _message_type(message)
        if message_type in ("activity", "template"):
            counts[f"{message_type}_messages"] += 1
            continue
        sender = _obj(message.get("sender"))
        speaker_id = _first_id(sender.get("id"), message.get("sender_id"))
        speaker_name = _str(sender.get("name")) or _str(sender.get("available_name"))
        text = _text(message.get("content"))
        if not text:
            continue
        entries.append(
            (
                position,
                Utterance(
                    text=text,
                    speaker=speaker_name or speaker_id,
                    role=_role(message, speaker_id, speaker_name, options),
                    time=_time(message.get("created_at")),
                    id=message_id or "",
                ),
            )
        )
    # Messages arrive in order from the API; merged webhooks may not, so order by time when
    # every message has one (the original position breaks ties).
    if entries and all(utterance.time is not None for _, utterance in entries):
        entries.sort(key=lambda entry: (entry[1].time, entry[0]))
    turns, role_metadata = to_turns([utterance for _, utterance in entries], options)
    metadata: dict[str, Any] = dict(draft.metadata)
    metadata["private_notes"] = counts["private_notes"]
    for key in ("activity_messages", "template_messages"):
        if counts[key]:
            metadata[key] = counts[key]
    metadata.update(csat)
    metadata.update(role_metadata)
    return Conversation(
        id=draft.id,
        channel=draft.channel or Channel.CHAT,
        agent_id=draft.agent_id,
        team_id=draft.team_id,
        customer_id=draft.customer_id,
        started_at=draft.started_at,
        metadata=metadata,
        turns=turns,
    )
