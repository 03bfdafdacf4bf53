from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from heard.conversation import Channel, Conversation, Role, Turn, conversation_json_schema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "docs" / "conversation.schema.json"


def test_defaults_and_numbering() -> None:
    conversation = Conversation(
        id="c1",
        turns=[
            Turn(role=Role.CUSTOMER, text="hi", time=datetime(2026, 1, 2, 3, 4, tzinfo=UTC)),
            Turn(role=Role.AGENT, text="hello"),
        ],
    )
    assert conversation.channel is Channel.CHAT
    assert [t.id for t in conversation.turns] == ["t1", "t2"]
    assert conversation.started_at == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert conversation.turns_by(Role.AGENT)[0].text == "hello"


@pytest.mark.parametrize(
    "record",
    [
        {"id": "", "turns": []},
        {"id": "c", "channel": "fax", "turns": []},
        {"id": "c", "turns": [{"role": "agent"}]},
        {"id": "c", "turns": [{"role": "agent", "text": "x", "start": -1}]},
        {"id": "c", "turns": [], "unknown_field": 1},
    ],
)
def test_invalid_records(record: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Conversation.model_validate(record)


def test_native_json_uses_exactly_the_documented_field_names() -> None:
    conversation = Conversation(
        id="c", agent_id="a", turns=[Turn(role=Role.AGENT, text="x", start=1.5, end=2.0)]
    )
    data = json.loads(conversation.to_json())
    assert set(data) == {"id", "channel", "agent_id", "metadata", "turns"}
    assert data["turns"][0] == {"id": "t1", "role": "agent", "text": "x", "start": 1.5, "end": 2.0}


def test_published_schema_is_current() -> None:
    """docs/conversation.schema.json is generated from the model; regenerate it with
    `heard schema > docs/conversation.schema.json` when the model changes."""
    assert json.loads(SCHEMA_FILE.read_text()) == conversation_json_schema()


def test_schema_validates_the_examples() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_FILE.read_text())
    examples = Path(__file__).resolve().parents[1] / "examples" / "chats.jsonl"
    for line in examples.read_text().splitlines():
        jsonschema.validate(json.loads(line), schema)
