"""Zendesk Support: tickets, ticket comments and ticket audits from the REST API.

Accepted shapes (one JSON document per file):

* a ticket, ``{"ticket": {...}}``, with or without sideloads beside it (``comments``, ``users``);
* a comments listing, ``{"comments": [...]}`` (``GET /tickets/{id}/comments``): the ticket id is
  taken from the ``url``/``next_page``/``previous_page`` fields or else from digits after
  "ticket" in the file name (``ticket_4634_comments.json``);
* an audits listing, ``{"audits": [...]}``: the ``Comment`` events inside each audit's
  ``events``, and the ticket fields its ``Create``/``Change`` events set;
* a combined export: a list of tickets or ``{"tickets": [...]}``, each with its ``comments``.

A ticket without comments becomes its ``description`` (by the submitter). Text is ``plain_body``,
else ``body``, else ``html_body`` converted to text. Roles: ``--agent``/``--customer`` author ids
first; then comments made through a bot or a business rule (``via.channel`` answer_bot…, rule)
are the bot; the requester is the customer and everybody else the agent; without a requester,
a sideloaded user's ``role`` (end-user → customer), and failing that the first comment's author
is taken as the requester (and the metadata says so). Private comments (``public: false``) are
dropped and counted in ``private_notes``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
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

__all__ = ["ZendeskReader"]

_TICKET_KEYS = frozenset(
    {
        "via",
        "submitter_id",
        "assignee_id",
        "raw_subject",
        "collaborator_ids",
        "brand_id",
        "is_public",
    }
)
_TICKET_URL = re.compile(r"/tickets/(\d+)")
_TICKET_IN_NAME = re.compile(r"tickets?[ _.\-]*(\d+)", re.IGNORECASE)
_BOT_CHANNELS = frozenset(
    {
        "answer_bot",
        "answer_bot_api",
        "answer_bot_for_agents",
        "answer_bot_for_sdk",
        "answer_bot_for_slack",
        "answer_bot_for_web_widget",
        "rule",
    }
)
_CHANNELS = {
    **dict.fromkeys(
        ("chat", "chat_transcript", "native_messaging", "messaging", "sunshine_conversations",
         "sunshine_conversations_api", "whatsapp", "line", "wechat", "telegram", "viber",
         "apple_business_chat", "apple_messages_for_business", "google_business_messages",
         "google_rcs", "mobile_sdk"),
        Channel.CHAT,
    ),
    **dict.fromkeys(("sms", "text"), Channel.SMS),
    **dict.fromkeys(
        ("voice", "phone_call_inbound", "phone_call_outbound", "voicemail", "talk"), Channel.VOICE
    ),
    **dict.fromkeys(
        ("twitter", "twitter_dm", "twitter_favorite", "facebook", "facebook_post",
         "facebook_message", "instagram_dm", "instagram"),
        Channel.SOCIAL,
    ),
}  # fmt: skip
# Ticket fields an audit's Create/Change events may set, and where they go.
_AUDIT_FIELDS = frozenset(
    {"requester_id", "submitter_id", "assignee_id", "group_id", "status", "subject", "priority",
     "type", "tags"}
)  # fmt: skip


# -- small guards for untrusted JSON ----------------------------------------------------------


# -- shapes -----------------------------------------------------------------------------------


def _is_ticket(candidate: Any) -> bool:
    if not isinstance(candidate, dict):
        return False
    if "requester_id" in candidate and not _TICKET_KEYS.isdisjoint(candidate):
        return True
    url = candidate.get("url")
    return isinstance(url, str) and "/api/v2/tickets/" in url


def _is_comment(candidate: Any) -> bool:
    return (
        isinstance(candidate, dict)
        and "author_id" in candidate
        and ("public" in candidate or "plain_body" in candidate or "html_body" in candidate)
    )


def _is_audit(candidate: Any) -> bool:
    return (
        isinstance(candidate, dict)
        and isinstance(candidate.get("events"), list)
        and ("ticket_id" in candidate or "author_id" in candidate)
    )


def _unwrap(record: Any) -> Any:
    """A list item ``{"ticket": {...}, "comments": [...]}`` as one ticket with its comments."""
    if isinstance(record, dict) and isinstance(record.get("ticket"), dict):
        ticket = dict(record["ticket"])
        if "comments" not in ticket and isinstance(record.get("comments"), list):
            ticket["comments"] = record["comments"]
        return ticket
    return record


def _objects(value: Any) -> list[dict[str, Any]]:
    """The first few objects of a list (what detection looks at)."""
    return [item for item in _list(value) if isinstance(item, dict)][:5]


def _shape(document: Any) -> str | None:
    """'ticket', 'tickets', 'comments', 'audits' or None (not Zendesk)."""
    if isinstance(document, list):
        # Stray non-objects are bad records, reported when read; the objects decide the shape.
        sample = [_unwrap(item) for item in document if isinstance(item, dict)][:5]
        if sample and all(_is_ticket(item) for item in sample):
            return "tickets"
        return None
    if not isinstance(document, dict):
        return None
    if _is_ticket(document.get("ticket")):
        return "ticket"
    tickets = _objects(document.get("tickets"))
    if tickets and all(_is_ticket(_unwrap(ticket)) for ticket in tickets):
        return "tickets"
    comments = _objects(document.get("comments"))
    if comments and all(_is_comment(comment) for comment in comments):
        return "comments"
    audits = _objects(document.get("audits"))
    if audits and all(_is_audit(audit) for audit in audits):
        return "audits"
    if _is_ticket(document):
        return "ticket"
    return None


def _looks_empty_listing(document: Any) -> bool:
    """``{"comments": []}``, ``{"audits": []}``, ``{"tickets": []}`` with Zendesk paging keys."""
    return (
        isinstance(document, dict)
        and any(document.get(key) == [] for key in ("comments", "audits", "tickets"))
        and ("next_page" in document or "count" in document)
    )


# -- one ticket, gathered -------------------------------------------------------------------------


@dataclass
class _Comment:
    record: Any
    time: datetime | None = None
    via: Any = None


@dataclass
class _Ticket:
    id: str
    location: str
    fields: dict[str, Any] = field(default_factory=dict)
    comments: list[_Comment] = field(default_factory=list)
    has_comments: bool = False
    first_audit_at: datetime | None = None


@dataclass
class _User:
    name: str | None
    role: str | None


def _users(document: Any) -> dict[str, _User]:
    users: dict[str, _User] = {}
    for user in _list(_obj(document).get("users")):
        user = _obj(user)
        user_id = _id(user.get("id"))
        if user_id is not None:
            users[user_id] = _User(_str(user.get("name")), _str(user.get("role")))
    return users


def _ticket_from_name(*texts: Any) -> str | None:
    for text in texts:
        if isinstance(text, str):
            match = _TICKET_URL.search(text)
            if match:
                return match.group(1)
    return None


def _id_from_file(name: str) -> str | None:
    match = _TICKET_IN_NAME.search(Path(name).name)
    return match.group(1) if match else None


# -- the reader -----------------------------------------------------------------------------------


@register
class ZendeskReader(Reader):
    name = "zendesk"
    description = "Zendesk tickets, ticket comments, ticket audits, tickets-with-comments exports"
    extensions = ("json",)

    def sniff(self, source: Source) -> float:
        try:
            document = source.sniff_json()
        except (ValueError, RecursionError):
            return 0.0
        shape = _shape(document)
        if shape is not None:
            return 0.95 if shape != "tickets" or isinstance(document, dict) else 0.9
        return 0.5 if _looks_empty_listing(document) else 0.0

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        document = source.json_document()
        shape = _shape(document)
        if shape is None:
            if _looks_empty_listing(document) or document == []:
                return
            raise ReadError(
                'not a Zendesk export: expected {"ticket": …}, {"comments": […]}, '
                '{"audits": […]} or a list of tickets with comments',
                source=source.name,
            )
        users = _users(document)
        tickets: list[_Ticket | ReadIssue]
        if shape == "ticket":
            tickets = [_ticket(document, source.name, None)]
        elif shape == "tickets":
            records = document if isinstance(document, list) else document["tickets"]
            tickets = [
                _ticket(record, source.name, f"record {index}")
                for index, record in enumerate(records, start=1)
            ]
        elif shape == "comments":
            tickets = [_comments_ticket(document, source.name)]
        else:
            tickets = _audit_tickets(document, source.name)
        for ticket in tickets:
            if isinstance(ticket, ReadIssue):
                yield ticket
                continue
            yield from _finish(ticket, users, options, source.name)


def _finish(
    ticket: _Ticket, users: dict[str, _User], options: ReadOptions, name: str
) -> list[Conversation | ReadIssue]:
    """Issues for the ticket's unreadable comments, then its conversation (or an issue)."""
    issues: list[ReadIssue] = []
    result = build_conversation(
        name, ticket.location, lambda: _build(ticket, users, options, name, issues)
    )
    return [*issues, result]


def _ticket(record: Any, name: str, location: str | None) -> _Ticket | ReadIssue:
    """A ticket from ``{"ticket": {...}, "comments": [...]}`` or a bare ticket object."""
    record = _unwrap(record)
    if not isinstance(record, dict):
        return ReadIssue(name, "expected a ticket object", location)
    ticket_id = _id(record.get("id")) or _ticket_from_name(record.get("url"))
    if ticket_id is None:
        return ReadIssue(name, "ticket has no id", location)
    where = f"{location}, ticket {ticket_id}" if location else f"ticket {ticket_id}"
    ticket = _Ticket(id=ticket_id, location=where, fields=record)
    comments = record.get("comments")
    if isinstance(comments, list) and comments:
        ticket.has_comments = True
        ticket.comments = [_Comment(comment) for comment in comments]
    return ticket


def _comments_ticket(document: dict[str, Any], name: str) -> _Ticket | ReadIssue:
    comments = document["comments"]
    ticket_id = (
        _id(document.get("ticket_id"))
        or _ticket_from_name(
            document.get("url"),
            document.get("next_page"),
            document.get("previous_page"),
            *(_obj(comment).get("url") for comment in comments),
        )
        or _id_from_file(name)
    )
    if ticket_id is None:
        return ReadIssue(
            name,
            "the comments name no ticket; put its id in the file name (ticket_123_comments.json)",
        )
    ticket = _Ticket(id=ticket_id, location=f"ticket {ticket_id}", has_comments=True)
    ticket.comments = [_Comment(comment) for comment in comments]
    return ticket


def _audit_tickets(document: dict[str, Any], name: str) -> list[_Ticket | ReadIssue]:
    fallback = _ticket_from_name(
        document.get("next_page"), document.get("previous_page")
    ) or _id_from_file(name)
    sideloaded = {
        ticket_id: ticket
        for ticket in _list(document.get("tickets"))
        if (ticket_id := _id(_obj(ticket).get("id"))) is not None
    }
    tickets: dict[str, _Ticket] = {}
    issues: list[_Ticket | ReadIssue] = []
    for index, audit in enumerate(document["audits"], start=1):
        if not isinstance(audit, dict):
            issues.append(ReadIssue(name, "audit is not an object", f"audit {index}"))
            continue
        ticket_id = _id(audit.get("ticket_id")) or fallback
        if ticket_id is None:
            issues.append(ReadIssue(name, "audit names no ticket", f"audit {index}"))
            continue
        ticket = tickets.get(ticket_id)
        if ticket is None:
            fields = dict(_obj(sideloaded.get(ticket_id)))
            ticket = _Ticket(
                id=ticket_id, location=f"ticket {ticket_id}", fields=fields, has_comments=True
            )
            tickets[ticket_id] = ticket
        audit_time = _time(audit.get("created_at"))
        if audit_time is not None and (
            ticket.first_audit_at is None or audit_time < ticket.first_audit_at
        ):
            ticket.first_audit_at = audit_time
        for event in _list(audit.get("events")):
            event = _obj(event)
            kind = event.get("type")
            if kind == "Comment":
                if "author_id" not in event and "author_id" in audit:
                    event = {**event, "author_id": audit["author_id"]}
                ticket.comments.append(
                    _Comment(
                        event,
                        time=_time(event.get("created_at")) or audit_time,
                        via=audit.get("via"),
                    )
                )
            elif kind in ("Create", "Change") and ticket_id not in sideloaded:
                field_name = event.get("field_name")
                if isinstance(field_name, str) and field_name in _AUDIT_FIELDS:
                    ticket.fields[field_name] = event.get("value")
        if "via" not in ticket.fields and isinstance(audit.get("via"), dict):
            ticket.fields["via"] = audit["via"]
    return [*issues, *tickets.values()]


# -- a ticket → a conversation --------------------------------------------------------------------


def _channel(via: Any) -> Channel:
    channel = _str(_obj(via).get("channel"))
    return _CHANNELS.get(channel.lower(), Channel.EMAIL) if channel else Channel.EMAIL


def _comment_text(comment: dict[str, Any]) -> str:
    for key in ("plain_body", "body", "html_body"):
        value = comment.get(key)
        if isinstance(value, str) and value.strip():
            text = body_text(value)
            if text:
                return text
    return ""


def _metadata(fields: dict[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    subject = _str(fields.get("subject")) or _str(fields.get("raw_subject"))
    if subject:
        metadata["subject"] = subject
    for key in ("status", "priority", "type"):
        value = _str(fields.get(key))
        if value:
            metadata[key] = value
    tags = fields.get("tags")
    if isinstance(tags, str):  # audit events may carry tags as one space-separated string
        tags = tags.split()
    tag_list = [tag for tag in _list(tags) if isinstance(tag, str) and tag]
    if tag_list:
        metadata["tags"] = tag_list
    score = _str(_obj(fields.get("satisfaction_rating")).get("score"))
    if score and score not in ("unoffered", "offered"):
        metadata["satisfaction_rating"] = score
    via = _str(_obj(fields.get("via")).get("channel"))
    if via:
        metadata["via"] = via
    return metadata


def _build(
    ticket: _Ticket,
    users: dict[str, _User],
    options: ReadOptions,
    name: str,
    issues: list[ReadIssue],
) -> Conversation:
    fields = ticket.fields
    requester = _id(fields.get("requester_id"))
    metadata = _metadata(fields)
    inferred_requester = False
    if requester is None:
        # Without a requester, the author of the first comment opened the ticket.
        first = next((c.record for c in ticket.comments if isinstance(c.record, dict)), None)
        requester = _id(_obj(first).get("author_id"))
        inferred_requester = requester is not None
    guessed: list[str] = []  # authors whose role rests on the guessed requester

    def role_of(author: str | None, via: Any) -> Role | None:
        if author is not None and author in options.agent:
            return Role.AGENT
        if author is not None and author in options.customer:
            return Role.CUSTOMER
        channel = _str(_obj(via).get("channel"))
        if channel and channel.lower() in _BOT_CHANNELS:
            return Role.BOT
        if author is not None and author == _id(fields.get("requester_id")):
            return Role.CUSTOMER
        user = users.get(author) if author is not None else None
        if user is not None and user.role:
            return Role.CUSTOMER if user.role == "end-user" else Role.AGENT
        if author is not None and requester is not None:
            if inferred_requester:
                guessed.append(author)
            return Role.CUSTOMER if author == requester else Role.AGENT
        return None

    def speaker_of(author: str | None) -> str | None:
        user = users.get(author) if author is not None else None
        return (user.name if user is not None and user.name else None) or author

    utterances: list[Utterance] = []
    private_notes = 0
    seen_ids: set[str] = set()
    for position, comment in enumerate(ticket.comments, start=1):
        record = comment.record
        where = f"{ticket.location}, comment {position}"
        if not isinstance(record, dict):
            issues.append(ReadIssue(name, "comment is not an object", where))
            continue
        if record.get("type") not in (None, "Comment"):
            continue  # VoiceComment and other kinds carry call logs, not conversation
        if record.get("public") is False:
            private_notes += 1
            continue
        text = _comment_text(record)
        if not text:
            continue
        turn_id = _id(record.get("id")) or ""
        if turn_id in seen_ids:
            issues.append(
                ReadIssue(name, f"comment id {turn_id} appears twice; kept the first", where)
            )
            continue
        if turn_id:
            seen_ids.add(turn_id)
        author = _id(record.get("author_id"))
        utterances.append(
            Utterance(
                text=text,
                speaker=speaker_of(author),
                role=role_of(author, record.get("via") if "via" in record else comment.via),
                time=comment.time or _time(record.get("created_at")),
                id=turn_id,
            )
        )
    if not ticket.has_comments:
        description = fields.get("description")
        text = body_text(description) if isinstance(description, str) else ""
        if fields.get("is_public") is False and text:
            private_notes += 1
        elif text:
            author = _id(fields.get("submitter_id")) or requester
            utterances.append(
                Utterance(
                    text=text,
                    speaker=speaker_of(author),
                    role=role_of(author, fields.get("via")) or Role.CUSTOMER,
                    time=_time(fields.get("created_at")),
                    id="description",
                )
            )
    turns, role_metadata = to_turns(utterances, options)
    metadata["private_notes"] = private_notes
    if guessed:
        metadata["roles_inferred"] = True
        metadata["roles_reason"] = (
            "the ticket names no requester; the first comment's author was taken as the customer"
        )
    metadata.update(role_metadata)
    return Conversation(
        id=ticket.id,
        channel=_channel(fields.get("via")),
        agent_id=_id(fields.get("assignee_id")),
        team_id=_id(fields.get("group_id")),
        customer_id=_id(fields.get("requester_id")) or (requester if inferred_requester else None),
        started_at=_time(fields.get("created_at")) or ticket.first_audit_at,
        metadata=metadata,
        turns=turns,
    )
