"""Intercom: conversations from the REST API.

Accepted shapes (one JSON document per file):

* a conversation (``"type": "conversation"``) whose opening message is ``conversation_message``
  (API 1.x) or ``source`` (2.x), followed by ``conversation_parts.conversation_parts[]``;
* a list response, ``{"type": "conversation.list", "conversations": [...]}`` (items may lack
  their parts: they then give only the opening message), or a plain list of conversations;
* a webhook notification (``"type": "notification_event"``) whose ``data.item`` is a conversation.

Only parts with a body become turns (comments, and assignments or closes sent with a reply);
notes (``part_type`` note, note_and_reopen) are dropped and counted in ``private_notes``. Bodies
are HTML and become text. Roles: ``--agent``/``--customer`` author ids first; then
``author.type`` user/lead/contact is the customer, admin/team the agent, bot the bot.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from heard.conversation import Channel, Conversation, Role
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source
from heard.readers.normalize import as_datetime as _time
from heard.readers.normalize import as_json_id as _id
from heard.readers.normalize import as_list as _list
from heard.readers.normalize import as_object as _obj
from heard.readers.normalize import as_text as _str
from heard.readers.normalize import body_text, build_conversation
from heard.readers.registry import register
from heard.readers.roles import Utterance, to_turns

__all__ = ["IntercomReader"]

_AUTHOR_ROLES = {
    "user": Role.CUSTOMER,
    "lead": Role.CUSTOMER,
    "contact": Role.CUSTOMER,
    "admin": Role.AGENT,
    "team": Role.AGENT,
    "bot": Role.BOT,
}
_NOTES = frozenset({"note", "note_and_reopen"})
# ``source.type`` of the opening message (API 2.x).
_CHANNELS = {
    "email": Channel.EMAIL,
    "sms": Channel.SMS,
    "phone_call": Channel.VOICE,
    "phone_switch": Channel.VOICE,
    "facebook": Channel.SOCIAL,
    "twitter": Channel.SOCIAL,
    "instagram": Channel.SOCIAL,
    "whatsapp": Channel.CHAT,
    "conversation": Channel.CHAT,
    "chat": Channel.CHAT,
}


# -- small guards for untrusted JSON ----------------------------------------------------------


# -- shapes -----------------------------------------------------------------------------------


def _is_conversation(candidate: Any) -> bool:
    if not isinstance(candidate, dict):
        return False
    if candidate.get("type") == "conversation":
        return True
    return "conversation_parts" in candidate and (
        "conversation_message" in candidate or "source" in candidate
    )


def _records(document: Any) -> list[Any] | None:
    if isinstance(document, dict):
        if _is_conversation(document):
            return [document]
        if document.get("type") == "notification_event":  # a webhook: data.item
            item = _obj(document.get("data")).get("item")
            return [item] if _is_conversation(item) else None
        conversations = document.get("conversations")
        if isinstance(conversations, list) and (
            document.get("type") == "conversation.list" or _all_conversations(conversations)
        ):
            return conversations
        return None
    if isinstance(document, list) and _all_conversations(document):
        return document
    return None


def _all_conversations(items: list[Any]) -> bool:
    # Stray non-objects are bad records, reported when read; the objects decide the shape.
    sample = [item for item in items if isinstance(item, dict)][:5]
    return bool(sample) and all(_is_conversation(item) for item in sample)


# -- the reader -----------------------------------------------------------------------------------


@register
class IntercomReader(Reader):
    name = "intercom"
    description = "Intercom conversations and conversation lists (REST API 1.x and 2.x)"
    extensions = ("json",)

    def sniff(self, source: Source) -> float:
        try:
            document = source.sniff_json()
        except (ValueError, RecursionError):
            return 0.0
        if _records(document) is None:
            return 0.0
        return 0.95

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        document = source.json_document()
        records = _records(document)
        if records is None:
            raise ReadError(
                "not an Intercom export: expected a conversation or a conversation.list",
                source=source.name,
            )
        single = len(records) == 1 and records[0] is document
        for index, record in enumerate(records, start=1):
            location = None if single else f"record {index}"
            if not isinstance(record, dict):
                yield ReadIssue(source.name, "expected a conversation object", location)
                continue
            conversation_id = _id(record.get("id"))
            if conversation_id is None:
                yield ReadIssue(source.name, "conversation has no id", location)
                continue
            where = f"conversation {conversation_id}"
            where = f"{location}, {where}" if location else where
            yield from _finish(record, conversation_id, where, options, source.name)


def _finish(
    record: dict[str, Any], conversation_id: str, where: str, options: ReadOptions, name: str
) -> list[Conversation | ReadIssue]:
    """Issues for the conversation's unreadable parts, then the conversation (or an issue)."""
    issues: list[ReadIssue] = []
    result = build_conversation(
        name, where, lambda: _build(record, conversation_id, where, options, name, issues)
    )
    return [*issues, result]


# -- a conversation → a Conversation ---------------------------------------------------------------


def _role(author: dict[str, Any], options: ReadOptions) -> Role | None:
    for label in (_id(author.get("id")), _str(author.get("name")), _str(author.get("email"))):
        if label is not None and label in options.agent:
            return Role.AGENT
        if label is not None and label in options.customer:
            return Role.CUSTOMER
    kind = _str(author.get("type"))
    return _AUTHOR_ROLES.get(kind.lower()) if kind else None


def _speaker(author: dict[str, Any]) -> str | None:
    return _str(author.get("name")) or _id(author.get("id"))


def _parts(record: dict[str, Any]) -> list[Any]:
    parts = record.get("conversation_parts")
    if isinstance(parts, dict):
        return _list(parts.get("conversation_parts"))
    return _list(parts)


def _metadata(record: dict[str, Any], opening: dict[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    subject = _str(opening.get("subject")) or _str(record.get("title"))
    if subject:
        metadata["subject"] = body_text(subject)
    state = _str(record.get("state"))
    if state is None and isinstance(record.get("open"), bool):
        state = "open" if record["open"] else "closed"
    if state:
        metadata["status"] = state
    priority = _str(record.get("priority"))
    if priority:
        metadata["priority"] = priority
    tags_value = record.get("tags")
    tag_items = _list(tags_value.get("tags")) if isinstance(tags_value, dict) else _list(tags_value)
    tags = [name for tag in tag_items if (name := _str(_obj(tag).get("name")))]
    if tags:
        metadata["tags"] = tags
    rating = _obj(record.get("conversation_rating")).get("rating")
    if isinstance(rating, int | float) and not isinstance(rating, bool) and 0 <= rating <= 10:
        metadata["csat_rating"] = rating
    return metadata


def _customer_id(record: dict[str, Any], opening: dict[str, Any]) -> str | None:
    user = _obj(record.get("user"))
    if user.get("id") is not None:
        return _id(user.get("id"))
    contacts = record.get("contacts")
    contact_list = (
        _list(contacts.get("contacts")) if isinstance(contacts, dict) else _list(contacts)
    )
    for candidate in (*contact_list, *_list(record.get("customers"))):
        found = _id(_obj(candidate).get("id"))
        if found is not None:
            return found
    author = _obj(opening.get("author"))
    kind = _str(author.get("type"))
    if kind is not None and _AUTHOR_ROLES.get(kind.lower()) is Role.CUSTOMER:
        return _id(author.get("id"))
    return None


def _assignee_id(value: Any) -> str | None:
    found = _id(value)
    return None if found == "0" else found  # 0: nobody


def _assignees(record: dict[str, Any]) -> tuple[str | None, str | None]:
    agent = _assignee_id(record.get("admin_assignee_id"))
    team = _assignee_id(record.get("team_assignee_id"))
    assignee = _obj(record.get("assignee"))
    kind = _str(assignee.get("type"))
    if kind == "team":
        team = team or _assignee_id(assignee.get("id"))
    elif kind in (None, "admin"):
        agent = agent or _assignee_id(assignee.get("id"))
    return agent, team


def _build(
    record: dict[str, Any],
    conversation_id: str,
    where: str,
    options: ReadOptions,
    name: str,
    issues: list[ReadIssue],
) -> Conversation:
    opening = _obj(record.get("source")) or _obj(record.get("conversation_message"))
    utterances: list[Utterance] = []
    seen: set[str] = set()
    text = body_text(opening["body"]) if isinstance(opening.get("body"), str) else ""
    if text:
        author = _obj(opening.get("author"))
        opening_id = _id(opening.get("id")) or ""
        if opening_id:
            seen.add(opening_id)
        utterances.append(
            Utterance(
                text=text,
                speaker=_speaker(author),
                role=_role(author, options),
                time=_time(record.get("created_at")),
                id=opening_id,
            )
        )
    private_notes = 0
    for position, part in enumerate(_parts(record), start=1):
        if not isinstance(part, dict):
            issues.append(
                ReadIssue(name, "conversation part is not an object", f"{where}, part {position}")
            )
            continue
        part_type = _str(part.get("part_type"))
        if part_type in _NOTES:
            private_notes += 1
            continue
        text = body_text(part["body"]) if isinstance(part.get("body"), str) else ""
        if not text:
            continue
        part_id = _id(part.get("id")) or ""
        if part_id and part_id in seen:
            issues.append(
                ReadIssue(
                    name,
                    f"part id {part_id} appears twice; kept the first",
                    f"{where}, part {position}",
                )
            )
            continue
        if part_id:
            seen.add(part_id)
        author = _obj(part.get("author"))
        utterances.append(
            Utterance(
                text=text,
                speaker=_speaker(author),
                role=_role(author, options),
                time=_time(part.get("created_at")),
                id=part_id,
            )
        )
    turns, role_metadata = to_turns(utterances, options)
    metadata = _metadata(record, opening)
    metadata["private_notes"] = private_notes
    metadata.update(role_metadata)
    channel_name = _str(opening.get("type"))
    channel = _CHANNELS.get(channel_name.lower(), Channel.CHAT) if channel_name else Channel.CHAT
    agent_id, team_id = _assignees(record)
    return Conversation(
        id=conversation_id,
        channel=channel,
        agent_id=agent_id,
        team_id=team_id,
        customer_id=_customer_id(record, opening),
        started_at=_time(record.get("created_at")),
        metadata=metadata,
        turns=turns,
    )
