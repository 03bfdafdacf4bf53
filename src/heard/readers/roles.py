"""From speaker labels to roles.

Transcripts name speakers (``spk_0``, ``SPEAKER_01``, ``ch_1``, "Roger"), not roles. The user
can say which labels are the agent (``--agent spk_0``); otherwise the speaker who greets and
offers help is taken to be the agent, and the conversation's metadata records that the roles
were inferred and why, so nobody mistakes a guess for a fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from heard.conversation import Role, Turn
from heard.readers.base import ReadOptions

# Phrases that only the service side says at the start of a contact (several languages, since
# calls come in many). Matched case-insensitively on a speaker's first few utterances.
_AGENT_CUES = re.compile(
    r"\b(?:how (?:can|may|could) i (?:help|assist)|what can i do for you|thank(?:s| you) for "
    r"(?:calling|contacting|reaching out|getting in touch|your patience|waiting)|"
    r"welcome to|you(?:'re| are) (?:through to|speaking (?:to|with))|this is \w+ (?:from|at|with)|"
    r"my name is \w+(?:,)? (?:and )?(?:i|how)|speaking,? how|customer (?:service|support|care)|"
    r"(?:can|could|may) i (?:have|get|take) your|let me (?:check|look|see|pull)|"
    r"i(?:'ll| will) (?:check|look into|escalate|transfer)|is there anything else|"
    r"am i (?:speaking|talking) (?:to|with)|may i speak (?:to|with)|i(?:'m| am) calling (?:you )?"
    r"(?:from|on behalf of|regarding your|about your)|est-ce que je parle à|je vous appelle|"
    r"comment (?:puis-je|pourrais-je|je peux) vous aider|je vous écoute|service client|"
    r"en quoi puis-je|¿?en qué (?:puedo|le puedo) ayudar|atención al cliente|"
    r"wie kann ich (?:ihnen )?helfen|kundenservice)",
    re.IGNORECASE,
)
_CUSTOMER_CUES = re.compile(
    r"\b(?:i (?:have|had|got) (?:a|an) (?:problem|issue|question)|my (?:order|account|bill|"
    r"package|parcel|card|subscription|refund|phone|internet|flight|booking)|i(?:'m| am) "
    r"(?:calling|writing|contacting) (?:about|because|to)|i (?:want|need|would like) (?:to|a|my)|"
    r"i(?:'ve| have) been (?:charged|waiting|trying)|still (?:not|hasn't|haven't)|"
    r"j'ai un problème|ma commande|mon compte|tengo un problema|mi pedido|ich habe ein problem)",
    re.IGNORECASE,
)
_OPENING_UTTERANCES = 3


_ROLE_WORDS: dict[str, Role] = {
    **dict.fromkeys(
        (
            "agent",
            "rep",
            "representative",
            "operator",
            "support",
            "staff",
            "advisor",
            "adviser",
            "associate",
            "csr",
            "admin",
            "assistant",
            "helper",
            "employee",
            "service",
            "outgoing",
            "outbound",
        ),
        Role.AGENT,
    ),
    **dict.fromkeys(
        (
            "customer",
            "client",
            "caller",
            "contact",
            "visitor",
            "end-user",
            "enduser",
            "end_user",
            "requester",
            "user",
            "guest",
            "member",
            "consumer",
            "incoming",
            "inbound",
            "lead",
            "prospect",
        ),
        Role.CUSTOMER,
    ),
    **dict.fromkeys(
        ("bot", "chatbot", "virtual agent", "virtual_agent", "ai", "automation"), Role.BOT
    ),
    **dict.fromkeys(("system", "activity", "note", "event", "template"), Role.SYSTEM),
}


def role_from_label(label: str | None) -> Role | None:
    """The role a label names outright ('Agent', 'customer', 'Caller', 'bot'), else None.

    'User' is the customer here, as in chat-bot logs. Help-desk readers whose APIs call staff
    "users" (Chatwoot, Zendesk) decide roles from their own fields, not from this table.
    """
    if not label:
        return None
    return _ROLE_WORDS.get(label.strip().lower())


@dataclass
class Utterance:
    """A turn before its role is known: what speaker-labelled readers collect."""

    text: str
    speaker: str | None = None
    role: Role | None = None
    start: float | None = None
    end: float | None = None
    time: datetime | None = None
    id: str = ""


def _explicit_role(label: str | None, options: ReadOptions) -> Role | None:
    if label is None:
        return None
    if label in options.agent:
        return Role.AGENT
    if label in options.customer:
        return Role.CUSTOMER
    return None


def _agent_likeness(texts: Iterable[str]) -> int:
    score = 0
    for text in texts:
        score += 2 * len(_AGENT_CUES.findall(text))
        score -= len(_CUSTOMER_CUES.findall(text))
    return score


def assign_roles(
    utterances: Sequence[Utterance], options: ReadOptions
) -> tuple[list[Role], dict[str, Any]]:
    """The role of each utterance, and metadata describing how roles were decided.

    Order of precedence: a label the user mapped (explicit beats implicit); a role the source
    states; inference.
    """
    roles: list[Role | None] = []
    for utterance in utterances:
        roles.append(_explicit_role(utterance.speaker, options) or utterance.role)
    unknown_labels: list[str] = []
    for utterance, role in zip(utterances, roles, strict=True):
        label = utterance.speaker or ""
        if role is None and label not in unknown_labels:
            unknown_labels.append(label)
    if not unknown_labels:
        return [role for role in roles if role is not None], {}

    known_agent = any(role is Role.AGENT for role in roles)
    opening: dict[str, list[str]] = {label: [] for label in unknown_labels}
    for utterance, role in zip(utterances, roles, strict=True):
        label = utterance.speaker or ""
        if role is None and len(opening[label]) < _OPENING_UTTERANCES:
            opening[label].append(utterance.text)
    scores = {label: _agent_likeness(texts) for label, texts in opening.items()}
    if known_agent:
        agent_label = None  # the agent is already known: every other speaker is a customer
        reason = "speakers not mapped by the user were taken to be the customer"
    else:
        best = max(unknown_labels, key=lambda label: (scores[label], -unknown_labels.index(label)))
        agent_label = best
        if scores[best] > 0:
            reason = f"speaker {best or '(unlabelled)'!r} greeted or offered help"
        else:
            reason = (
                f"no greeting found; the first speaker {best or '(unlabelled)'!r} "
                "was taken as the agent"
            )
        lone_speaker = len(unknown_labels) == 1 and not any(r is Role.CUSTOMER for r in roles)
        if lone_speaker and scores[best] <= 0:
            agent_label = None
            reason = "a single unlabelled speaker with no greeting was taken to be the customer"
    resolved: list[Role] = []
    for utterance, role in zip(utterances, roles, strict=True):
        if role is None:
            role = Role.AGENT if (utterance.speaker or "") == agent_label else Role.CUSTOMER
        resolved.append(role)
    metadata: dict[str, Any] = {
        "roles_inferred": True,
        "roles_reason": reason,
        "speaker_roles": {
            label or "(unlabelled)": (Role.AGENT if label == agent_label else Role.CUSTOMER).value
            for label in unknown_labels
        },
    }
    return resolved, metadata


def to_turns(
    utterances: Sequence[Utterance],
    options: ReadOptions,
    *,
    merge_consecutive: bool = False,
) -> tuple[list[Turn], dict[str, Any]]:
    """Turns with roles resolved; ``merge_consecutive`` joins a speaker's back-to-back segments
    (speech-to-text splits one stretch of speech into many segments; a turn is the whole stretch).
    """
    kept = [utterance for utterance in utterances if utterance.text.strip()]
    roles, metadata = assign_roles(kept, options)
    turns: list[Turn] = []
    previous: Utterance | None = None
    for utterance, role in zip(kept, roles, strict=True):
        text = utterance.text.strip()
        if (
            merge_consecutive
            and previous is not None
            and turns
            and turns[-1].role is role
            and previous.speaker == utterance.speaker
        ):
            last = turns[-1]
            turns[-1] = last.model_copy(
                update={
                    "text": f"{last.text} {text}",
                    "end": max(
                        (e for e in (last.end, utterance.end) if e is not None), default=None
                    ),
                }
            )
        else:
            turns.append(
                Turn(
                    id=utterance.id,
                    role=role,
                    speaker=utterance.speaker,
                    text=text,
                    start=utterance.start,
                    end=utterance.end,
                    time=utterance.time,
                )
            )
        previous = utterance
    return turns, metadata
