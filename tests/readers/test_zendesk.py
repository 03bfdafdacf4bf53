"""Zendesk reader: the real samples in ../shared, invented files for shapes they lack, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from json_mutation import json_values, mutate

from conftest import sample_files, shared_path
from heard.conversation import Channel, Conversation, Role
from heard.readers import ReadError, ReadIssue, ReadOptions, Source, detect, get_reader

DATA = Path(__file__).parent / "data" / "zendesk"
OTHER_JSON_SAMPLES = ("aws_transcribe", "contact_lens", "deepgram", "whisperx")
READER = get_reader("zendesk")


def _read(
    source: Path | bytes, options: ReadOptions | None = None, name: str = "x.json"
) -> tuple[list[Conversation], list[ReadIssue]]:
    src = Source.from_path(source) if isinstance(source, Path) else Source.from_bytes(source, name)
    items = list(READER.read(src, options or ReadOptions()))
    conversations = [item for item in items if isinstance(item, Conversation)]
    issues = [item for item in items if isinstance(item, ReadIssue)]
    assert len(conversations) + len(issues) == len(items)
    return conversations, issues


def _sample(name: str) -> Path:
    return shared_path("samples", "zendesk", name)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# -- the real samples -----------------------------------------------------------------------------


def test_every_sample_is_detected_and_read() -> None:
    for path in sample_files("zendesk", ".json"):
        assert detect(Source.from_path(path)).name == "zendesk", path.name
        conversations, issues = _read(path)
        assert len(conversations) == 1 and not issues, path.name


def test_bare_ticket_description_is_the_first_customer_turn() -> None:
    [conversation], _ = _read(_sample("zenpy_recorded_GET_ticket_4632.json"))
    assert conversation.id == "4632"
    assert conversation.channel is Channel.EMAIL  # via api: a ticket, not a chat
    assert (conversation.agent_id, conversation.team_id) == ("21311632247", "41661887")
    assert conversation.customer_id == "21311632247"
    assert conversation.started_at == _utc("2017-04-19T11:14:15")
    assert conversation.metadata["subject"] == "subject"
    assert conversation.metadata["status"] == "open"
    assert conversation.metadata["private_notes"] == 0
    [turn] = conversation.turns
    assert (turn.id, turn.role, turn.text) == ("description", Role.CUSTOMER, "I am comment")
    assert turn.time == _utc("2017-04-19T11:14:15")
    assert turn.speaker == "21311632247"


def test_comments_listing_takes_the_ticket_id_from_the_file_name() -> None:
    [conversation], _ = _read(_sample("zenpy_recorded_GET_ticket_4634_comments.json"))
    assert conversation.id == "4634"
    [turn] = conversation.turns
    assert (turn.id, turn.role, turn.text) == ("288845689548", Role.CUSTOMER, "I am comment")
    assert turn.time == _utc("2017-04-19T11:14:25")
    # No requester in a comments listing: the first author is taken as the customer, and said so.
    assert conversation.metadata["roles_inferred"] is True
    assert conversation.customer_id == "21311632247"


def test_audits_give_comments_roles_and_ticket_fields() -> None:
    path = _sample("zendesk_api_client_rb_recorded_GET_ticket_1_audits.json")
    [conversation], _ = _read(path)
    assert conversation.id == "1"
    # 22 Comment events, of which 2 are private (public: false).
    assert len(conversation.turns) == 20
    assert conversation.metadata["private_notes"] == 2
    assert all("private comment" not in turn.text for turn in conversation.turns)
    first = conversation.turns[0]
    assert (first.id, first.role) == ("21078922", Role.CUSTOMER)
    assert first.text.startswith("This is the first comment.")
    assert first.time == _utc("2012-09-06T20:17:09")  # the audit's created_at
    # The requester (set by a Create event) is the customer; the other author is the agent.
    roles = {turn.speaker: turn.role for turn in conversation.turns}
    assert roles == {"20014182": Role.CUSTOMER, "20014187": Role.AGENT}
    assert [turn.role for turn in conversation.turns[:3]] == [
        Role.CUSTOMER,
        Role.CUSTOMER,
        Role.AGENT,
    ]
    assert conversation.customer_id == "20014182"
    assert (conversation.agent_id, conversation.team_id) == ("20014182", "20001662")
    assert conversation.metadata["status"] == "pending"  # the last Change wins
    assert conversation.metadata["priority"] == "high"
    assert conversation.metadata["type"] == "incident"
    assert conversation.started_at == _utc("2012-09-06T20:17:09")
    assert [turn.time for turn in conversation.turns] == sorted(
        turn.time for turn in conversation.turns if turn.time is not None
    )


def test_user_mapping_overrides_the_requester_rule() -> None:
    path = _sample("zendesk_api_client_rb_recorded_GET_ticket_1_audits.json")
    [conversation], _ = _read(path, ReadOptions(agent=frozenset({"20014182"})))
    assert {turn.role for turn in conversation.turns} == {Role.AGENT}


def test_no_other_json_sample_is_claimed() -> None:
    for folder in OTHER_JSON_SAMPLES:
        for path in sample_files(folder, ".json"):
            assert READER.sniff(Source.from_path(path)) < 0.3, path.name


# -- invented files for documented shapes the samples lack --------------------------------------


def test_combined_export_of_tickets_with_comments() -> None:
    conversations, issues = _read(DATA / "tickets_with_comments.json")
    assert [(issue.location, issue.problem) for issue in issues] == [
        ("record 1, ticket 5001, comment 5", "comment is not an object"),
        ("record 3", "ticket has no id"),
    ]
    login, hours = conversations
    assert (login.id, login.agent_id, login.team_id, login.customer_id) == (
        "5001",
        "8001",
        "9001",
        "7001",
    )
    assert login.channel is Channel.EMAIL
    assert login.metadata["private_notes"] == 1
    assert login.metadata["tags"] == ["login", "password"]
    assert login.metadata["satisfaction_rating"] == "good"
    assert [turn.id for turn in login.turns] == ["60001", "60003", "60004"]
    assert [turn.role for turn in login.turns] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]
    assert [turn.speaker for turn in login.turns] == ["Pat Example", "Agent Eight", "Pat Example"]
    # html_body only: converted to text, paragraphs kept.
    assert login.turns[1].text.startswith("Thanks for the details.")
    assert "\n" in login.turns[1].text and "<p>" not in login.turns[1].text
    assert login.turns[2].text == "It works now, thank you!"  # plain_body before body
    assert all("SSO" not in turn.text for turn in login.turns)
    # A ticket without comments: its description.
    assert hours.channel is Channel.CHAT
    [turn] = hours.turns
    assert (turn.id, turn.role, turn.text) == (
        "description",
        Role.CUSTOMER,
        "Are you open on public holidays?",
    )
    assert hours.agent_id is None


def test_ticket_with_sideloaded_comments_and_users() -> None:
    [conversation], issues = _read(DATA / "ticket_sideloaded.json")
    assert not issues
    assert conversation.id == "5100"
    # A copied end-user is a customer too; the VoiceComment (a call log) is not a turn.
    assert [turn.role for turn in conversation.turns] == [Role.CUSTOMER, Role.AGENT, Role.CUSTOMER]
    assert conversation.turns[2].speaker == "Finance Example"
    assert all("Outbound call" not in turn.text for turn in conversation.turns)
    assert "roles_inferred" not in conversation.metadata


def test_invented_files_are_detected() -> None:
    for path in sorted(DATA.glob("*.json")):
        assert detect(Source.from_path(path)).name == "zendesk", path.name


def test_bot_and_rule_comments_are_the_bot() -> None:
    document = {
        "ticket": {"id": 9, "requester_id": 1, "assignee_id": 2, "via": {"channel": "web"}},
        "comments": [
            {"id": 1, "author_id": 1, "plain_body": "Where is my order?", "public": True},
            {
                "id": 2,
                "author_id": 2,
                "plain_body": "Try tracking.",
                "public": True,
                "via": {"channel": "answer_bot"},
            },
            {"id": 3, "author_id": 2, "plain_body": "Looking now.", "public": True},
        ],
    }
    [conversation], _ = _read(json.dumps(document).encode())
    assert [turn.role for turn in conversation.turns] == [Role.CUSTOMER, Role.BOT, Role.AGENT]


def test_comments_listing_finds_the_ticket_in_paging_urls() -> None:
    document = {
        "comments": [{"id": 1, "author_id": 5, "body": "Hello", "public": True}],
        "next_page": "https://example.zendesk.com/api/v2/tickets/777/comments.json?page=2",
    }
    [conversation], _ = _read(json.dumps(document).encode(), name="comments.json")
    assert conversation.id == "777"


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"{not json",
        b'{"foo": 1}',
        b"[1, 2, 3]",
        b'"text"',
        b'{"ticket": 5}',
        b"[" + b"1" * 5000 + b"]",
    ],
)
def test_unreadable_sources_raise_read_error(data: bytes) -> None:
    with pytest.raises(ReadError):
        _read(data)


def test_empty_listings_read_nothing() -> None:
    assert _read(b'{"comments": [], "next_page": null, "count": 0}') == ([], [])
    assert _read(b"[]") == ([], [])


def test_comments_without_a_ticket_id_are_one_issue() -> None:
    document = {"comments": [{"id": 1, "author_id": 5, "body": "Hello", "public": True}]}
    conversations, [issue] = _read(json.dumps(document).encode(), name="comments.json")
    assert conversations == []
    assert "name no ticket" in issue.problem


def test_odd_values_do_not_cost_the_ticket() -> None:
    document: dict[str, Any] = {
        "ticket": {
            "id": "T-1",
            "requester_id": 1,
            "submitter_id": 1,
            "via": None,
            "created_at": 10**30,
            "tags": "a b",
            "subject": ["not", "text"],
        },
        "comments": [
            {
                "id": 1,
                "author_id": 1,
                "html_body": "<div><p>Hi</p></div>",
                "public": True,
                "created_at": 1700000000,
            },
            {"id": 1, "author_id": 2, "body": "duplicate id", "public": True},
            {"id": 2, "author_id": None, "body": "Thank you for contacting us, how can I help?"},
            {"id": 3, "author_id": 1, "body": None, "public": True},
        ],
    }
    [conversation], [issue] = _read(json.dumps(document).encode())
    assert issue.location == "ticket T-1, comment 2" and "twice" in issue.problem
    assert conversation.id == "T-1" and conversation.started_at is not None
    assert [turn.text for turn in conversation.turns] == [
        "Hi",
        "Thank you for contacting us, how can I help?",
    ]
    assert conversation.turns[0].time == datetime.fromtimestamp(1700000000, tz=UTC)
    assert conversation.metadata["tags"] == ["a", "b"]
    assert "subject" not in conversation.metadata


# -- fuzz: the samples and invented files with parts replaced by arbitrary JSON -------------------

_VALUES = json_values(["<p>x</p>", "Comment", "Create", "requester_id", "end-user", "rule"])


def _documents() -> list[Path]:
    return [*sample_files("zendesk", ".json"), *sorted(DATA.glob("*.json"))]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_documents_never_raise_anything_but_read_error(data: st.DataObject) -> None:
    document = json.loads(data.draw(st.sampled_from(_documents())).read_text())
    document = mutate(data, document, _VALUES)
    try:
        conversations, _ = _read(
            json.dumps(document).encode(),
            ReadOptions(customer=frozenset({"7001"})),
            "ticket_8.json",
        )
        for conversation in conversations:
            conversation.to_json()
    except ReadError:
        pass
