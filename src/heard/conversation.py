"""The conversation data model: what every reader produces and every later stage consumes.

The field names here are heard's native interchange format (one JSON object per line, see
``docs/formats.md``); changing one is a breaking change for every user's files.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Role(StrEnum):
    """Who said a turn."""

    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"
    SYSTEM = "system"


class Channel(StrEnum):
    """Where the conversation happened."""

    CHAT = "chat"
    EMAIL = "email"
    VOICE = "voice"
    SMS = "sms"
    SOCIAL = "social"


class Turn(BaseModel):
    """One message (chat, email, social) or one stretch of speech (voice) by one speaker."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        default="", description="Unique within the conversation; t1, t2, … when omitted."
    )
    role: Role
    speaker: str | None = Field(
        default=None, description="Name or id of who spoke, as the source had it."
    )
    text: str
    start: float | None = Field(
        default=None, ge=0, description="Seconds from the start of the call."
    )
    end: float | None = Field(default=None, ge=0, description="Seconds from the start of the call.")
    time: datetime | None = Field(
        default=None, description="When the message was sent (chat, email)."
    )

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # Exports often carry numeric ids; an id is a label, never a number to do sums with.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value

    @model_validator(mode="after")
    def _end_not_before_start(self) -> Turn:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"turn ends ({self.end}) before it starts ({self.start})")
        return self


class Conversation(BaseModel):
    """A whole conversation between a customer and the service, in order."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    channel: Channel = Channel.CHAT
    language: str | None = Field(default=None, description="BCP 47 tag such as 'en' or 'fr-CA'.")
    agent_id: str | None = None
    team_id: str | None = None
    customer_id: str | None = None
    started_at: datetime | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    turns: list[Turn] = Field(default_factory=list)

    @field_validator("id", "agent_id", "team_id", "customer_id", mode="before")
    @classmethod
    def _ids_as_text(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        return value

    @model_validator(mode="after")
    def _number_and_check_turns(self) -> Conversation:
        seen: set[str] = set()
        for index, turn in enumerate(self.turns, start=1):
            if not turn.id:
                turn.id = f"t{index}"
            if turn.id in seen:
                raise ValueError(f"turn id {turn.id!r} is used twice")
            seen.add(turn.id)
        if self.started_at is None:
            first_time = next((turn.time for turn in self.turns if turn.time is not None), None)
            if first_time is not None:
                self.started_at = first_time
        return self

    def turns_by(self, role: Role) -> list[Turn]:
        """The turns said by one role, in order."""
        return [turn for turn in self.turns if turn.role is role]

    def to_json(self) -> str:
        """One line of native JSONL (no unset optional fields, so files stay small)."""
        return self.model_dump_json(exclude_none=True, exclude_defaults=False)


def conversation_json_schema() -> dict[str, Any]:
    """The JSON Schema of one line of native JSONL, as published in ``docs/``."""
    schema = Conversation.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://heard.invalid/schema/conversation.schema.json"
    schema["title"] = "heard conversation"
    schema["description"] = (
        "One conversation per line of a heard JSONL file. Turn ids may be omitted; they are then "
        "numbered t1, t2, … in order."
    )
    return schema
