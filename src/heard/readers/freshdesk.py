"""Freshdesk: tickets and ticket conversations from the API v2.

Accepted shapes (one JSON document per file):

* a ticket (``GET /tickets/{id}``): its ``description_text`` (or HTML ``description``) is the
  first, customer, turn;
* a ticket with its conversations embedded (``GET /tickets/{id}?include=conversations``);
* a conversations listing (``GET /tickets/{id}/conversations``): a list of entries with
  ``body_text``/``body``, ``incoming``, ``private``, ``user_id``, ``created_at``, grouped by
  ``ticket_id`` (or digits after "ticket" in the file name when entries lack it);
* several tickets in a list, or ``{"results": [...]}`` (the search API).

Roles: ``--agent``/``--customer`` user ids first; then ``incoming: true`` is the customer and
``incoming: false`` the agent; an entry without ``incoming`` is the customer when its ``user_id``
is the requester. Private notes (``private: true``) are dropped and counted in ``private_notes``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
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

__all__ = ["FreshdeskReader"]

_TICKET_KEYS = frozenset(
    {"responder_id", "description_text", "fr_due_by", "fr_escalated", "nr_due_by", "is_escalated",
     "email_config_id", "reply_cc_emails", "fwd_emails"}
)  # fmt: skip
_TICKET_IN_NAME = re.compile(r"tickets?[ _.\-]*(\d+)", re.IGNORECASE)
# Ticket ``source``: 1 email, 2 portal, 3 phone, 5 Twitter, 6 Facebook, 7 chat, 8 Mobihelp,
# 9 feedback widget, 10 outbound email, 12 bot, 13 WhatsApp.
_CHANNELS = {3: Channel.VOICE, 5: Channel.SOCIAL, 6: Channel.SOCIAL, 7: Channel.CHAT,
             8: Channel.CHAT, 12: Channel.CHAT, 13: Channel.CHAT}  # fmt: skip
_STATUS = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
_PRIORITY = {1: "low", 2: "medium", 3: "high", 4: "urgent"}


# -- small guards for untrusted JSON ----------------------------------------------------------


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- shapes -----------------------------------------------------------------------------------


def _is_ticket(candidate: Any) -> bool:
    return (
        isinstance(candidate, dict)
        and ("requester_id" in candidate or "requester" in candidate)
        and not _TICKET_KEYS.isdisjoint(candidate)
    )


def _is_entry(candidate: Any) -> bool:
    return (
        isinstance(candidate, dict)
        and "incoming" in candidate
        and ("body_text" in candidate or "body" in candidate)
        and ("user_id" in candidate or "ticket_id" in candidate or "private" in candidate)
    )


def _shape(document: Any) -> tuple[str, list[Any]] | None:
    """('tickets', tickets) or ('entries', conversation entries); None when not Freshdesk."""
    if isinstance(document, dict):
        if _is_ticket(document):
            return "tickets", [document]
        results = document.get("results")
        if isinstance(results, list) and results and all(_is_ticket(r) for r in results[:5]):
            return "tickets", results
        return None
    if isinstance(document, list):
        # Stray non-objects are bad records, reported when read; the objects decide the shape.
        sample = [item for item in document if isinstance(item, dict)][:5]
        if sample and all(_is_ticket(item) for item in sample):
            return "tickets", document
        if sample and all(_is_entry(item) for item in sample):
            return "entries", document
    return None


# -- the reader -----------------------------------------------------------------------------------


@dataclass
class _Ticket:
    id: str
    location: str
    fields: dict[str, Any] = field(default_factory=dict)
    entries: list[Any] = field(default_factory=list)


@register
class FreshdeskReader(Reader):
    name = "freshdesk"
    description = "Freshdesk tickets, ticket conversations, tickets with conversations embedded"
    extensions = ("json",)

    def sniff(self, source: Source) -> float:
        try:
            document = source.sniff_json()
        except (ValueError, RecursionError):
            return 0.0
        shape = _shape(document)
        if shape is None:
            return 0.0
        return 0.9 if shape[0] == "tickets" else 0.85

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        document = source.json_document()
        shape = _shape(document)
        if shape is None:
            if document == []:
                return
            raise ReadError(
                "not a Freshdesk export: expected a ticket, a list of tickets or a list of "
                "ticket conversations",
                source=source.name,
            )
        kind, records = shape
        tickets: list[_Ticket | ReadIssue] = []
        if kind == "tickets":
            single = len(records) == 1 and records[0] is document
            for index, record in enumerate(records, start=1):
                tickets.append(_ticket(record, source.name, None if single else f"record {index}"))
        else:
            tickets.extend(_entry_tickets(records, source.name))
        for ticket in tickets:
            if isinstance(ticket, ReadIssue):
                yield ticket
            else:
                yield from _finish(ticket, options, source.name)


def _ticket(record: Any, name: str, location: str | None) -> _Ticket | ReadIssue:
    if not isinstance(record, dict):
        return ReadIssue(name, "expected a ticket object", location)
    ticket_id = _id(record.get("id"))
    if ticket_id is None:
        return ReadIssue(name, "ticket has no id", location)
    where = f"{location}, ticket {ticket_id}" if location else f"ticket {ticket_id}"
    return _Ticket(ticket_id, where, record, list(_list(record.get("conversations"))))


def _entry_tickets(entries: list[Any], name: str) -> list[_Ticket | ReadIssue]:
    fallback_match = _TICKET_IN_NAME.search(Path(name).name)
    fallback = fallback_match.group(1) if fallback_match else None
    tickets: dict[str, _Ticket] = {}
    issues: list[_Ticket | ReadIssue] = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            issues.append(ReadIssue(name, "conversation entry is not an object", f"entry {index}"))
            continue
        ticket_id = _id(entry.get("ticket_id")) or fallback
        if ticket_id is None:
            issues.append(
                ReadIssue(
                    name,
                    "entry names no ticket (no ticket_id; the file name has no ticket number)",
                    f"entry {index}",
                )
            )
            continue
        ticket = tickets.setdefault(ticket_id, _Ticket(ticket_id, f"ticket {ticket_id}"))
        ticket.entries.append(entry)
    return [*issues, *tickets.values()]


# -- a ticket → a conversation --------------------------------------------------------------------


def _finish(ticket: _Ticket, options: ReadOptions, name: str) -> list[Conversation | ReadIssue]:
    issues: list[ReadIssue] = []
    result = build_conversation(
        name, ticket.location, lambda: _build(ticket, options, name, issues)
    )
    return [*issues, result]


def _override(user: str | None, options: ReadOptions) -> Role | None:
    if user is not None and user in options.agent:
        return Role.AGENT
    if user is not None and user in options.customer:
        return Role.CUSTOMER
    return None


def _named(value: Any, names: dict[int, str]) -> str | None:
    number = _int(value)
    if number is not None:
        return names.get(number, str(number))
    return _str(value)


def _metadata(fields: dict[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    subject = _str(fields.get("subject"))
    if subject:
        metadata["subject"] = subject
    status = _str(fields.get("status_name")) or _named(fields.get("status"), _STATUS)
    if status:
        metadata["status"] = status.lower()
    priority = _str(fields.get("priority_name")) or _named(fields.get("priority"), _PRIORITY)
    if priority:
        metadata["priority"] = priority.lower()
    kind = _str(fields.get("type"))
    if kind:
        metadata["type"] = kind
    tags = [tag for tag in _list(fields.get("tags")) if isinstance(tag, str) and tag]
    if tags:
        metadata["tags"] = tags
    return metadata


def _build(
    ticket: _Ticket, options: ReadOptions, name: str, issues: list[ReadIssue]
) -> Conversation:
    fields = ticket.fields
    requester = _id(fields.get("requester_id"))
    requester_object = _obj(fields.get("requester"))
    requester_name = None
    if requester is None or _id(requester_object.get("id")) in (None, requester):
        requester_name = _str(requester_object.get("name"))
    utterances: list[Utterance] = []
    description = fields.get("description_text")
    if not _str(description):
        description = fields.get("description")
    text = body_text(description) if isinstance(description, str) else ""
    if text:
        utterances.append(
            Utterance(
                text=text,
                speaker=requester_name or requester,
                role=_override(requester, options) or Role.CUSTOMER,
                time=_time(fields.get("created_at")),
                id="description",
            )
        )
    private_notes = 0
    seen: set[str] = {"description"}
    customer = requester
    for position, entry in enumerate(ticket.entries, start=1):
        where = f"{ticket.location}, conversation {position}"
        if not isinstance(entry, dict):
            issues.append(ReadIssue(name, "conversation entry is not an object", where))
            continue
        if entry.get("private") is True:
            private_notes += 1
            continue
        body = entry.get("body_text")
        if not _str(body):
            body = entry.get("body")
        text = body_text(body) if isinstance(body, str) else ""
        if not text:
            continue
        user = _id(entry.get("user_id"))
        incoming = entry.get("incoming")
        role = _override(user, options)
        if role is None and isinstance(incoming, bool):
            role = Role.CUSTOMER if incoming else Role.AGENT
        if role is None and user is not None and requester is not None:
            role = Role.CUSTOMER if user == requester else Role.AGENT
        if customer is None and incoming is True:
            customer = user
        entry_id = _id(entry.get("id")) or ""
        if entry_id in seen:
            issues.append(
                ReadIssue(name, f"conversation id {entry_id} appears twice; kept the first", where)
            )
            continue
        if entry_id:
            seen.add(entry_id)
        utterances.append(
            Utterance(
                text=text, speaker=user, role=role, time=_time(entry.get("created_at")), id=entry_id
            )
        )
    turns, role_metadata = to_turns(utterances, options)
    metadata = _metadata(fields)
    metadata["private_notes"] = private_notes
    metadata.update(role_metadata)
    source = _int(fields.get("source"))
    return Conversation(
        id=ticket.id,
        channel=_CHANNELS.get(source, Channel.EMAIL) if source is not None else Channel.EMAIL,
        agent_id=_id(fields.get("responder_id")),
        team_id=_id(fields.get("group_id")),
        customer_id=customer,
        started_at=_time(fields.get("created_at")),
        metadata=metadata,
        turns=turns,
    )
