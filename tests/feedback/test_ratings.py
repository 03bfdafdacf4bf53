from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from heard.cli import app
from heard.feedback.surveys import RatingError, add_rating
from heard.store import Database
from heard.store.models import Rating

from .support import Store, feedback_database, feedback_database_url, feedback_store  # noqa: F401

runner = CliRunner()
CHAT = [
    ("c", "My discount code doesn't work at checkout."),
    ("a", "I've applied the discount to your basket, so you can check out now."),
    ("c", "It worked, thanks!"),
]


@pytest.fixture
def chat(store: Store) -> None:
    store("chat-1", CHAT, analyse=False)


def _ratings(database: Database) -> list[tuple[str, str, int]]:
    with database.session() as session:
        return [
            (r.conversation_id, r.kind, r.value)
            for r in session.scalars(select(Rating).order_by(Rating.id))
        ]


def test_thumbs_and_stars_are_stored(database: Database, chat: None) -> None:
    with database.session() as session:
        for kind, value in [
            ("thumbs", "up"),
            ("thumbs", "DOWN"),
            ("thumbs", 1),
            ("thumbs", "0"),
            ("stars", 1),
            ("stars", "5"),
            ("Stars", 3),
        ]:
            rating = add_rating(session, "chat-1", kind, value)
            assert rating.id is not None and rating.given_at is not None
    assert _ratings(database) == [
        ("chat-1", "thumbs", 1),
        ("chat-1", "thumbs", 0),
        ("chat-1", "thumbs", 1),
        ("chat-1", "thumbs", 0),
        ("chat-1", "stars", 1),
        ("chat-1", "stars", 5),
        ("chat-1", "stars", 3),
    ]


INVALID = [
    ("thumbs", "sideways", "out_of_range"),
    ("thumbs", 2, "out_of_range"),
    ("thumbs", -1, "out_of_range"),
    ("stars", 0, "out_of_range"),
    ("stars", 6, "out_of_range"),
    ("stars", "lots", "out_of_range"),
    ("stars", "4.5", "out_of_range"),
    ("hearts", 3, "unknown_kind"),
]


def test_invalid_ratings_are_refused(database: Database, chat: None) -> None:
    for kind, value, code in INVALID:
        with pytest.raises(RatingError) as caught, database.session() as session:
            add_rating(session, "chat-1", kind, value)
        assert caught.value.code == code, (kind, value)
        assert caught.value.message
    assert _ratings(database) == []


def test_a_rating_needs_a_known_conversation(database: Database, chat: None) -> None:
    with pytest.raises(RatingError) as caught, database.session() as session:
        add_rating(session, "chat-404", "stars", 4)
    assert caught.value.code == "unknown_conversation"
    assert "chat-404" in caught.value.message
    assert _ratings(database) == []


# --- heard rating add -------------------------------------------------------------------------


def test_cli_adds_ratings(database: Database, chat: None) -> None:
    up = runner.invoke(app, ["rating", "add", "chat-1", "--thumbs", "up", "--db", database.url])
    assert up.exit_code == 0, up.output
    assert "thumbs up" in up.output
    stars = runner.invoke(app, ["rating", "add", "chat-1", "--stars", "4", "--db", database.url])
    assert stars.exit_code == 0, stars.output
    assert _ratings(database) == [("chat-1", "thumbs", 1), ("chat-1", "stars", 4)]


def test_cli_refuses_bad_ratings(database: Database, chat: None) -> None:
    for arguments in (
        ["chat-1", "--stars", "9"],
        ["chat-404", "--stars", "4"],
        ["chat-1"],
        ["chat-1", "--thumbs", "up", "--stars", "4"],
        ["chat-1", "--thumbs", "sideways"],
    ):
        result = runner.invoke(app, ["rating", "add", *arguments, "--db", database.url])
        assert result.exit_code == 2, (arguments, result.output)
        assert "Traceback" not in result.output
    assert _ratings(database) == []


def test_cli_error_is_one_line(database: Database, chat: None) -> None:
    result = runner.invoke(app, ["rating", "add", "chat-1", "--stars", "9", "--db", database.url])
    assert result.output.strip() == "error: a star rating is a whole number from 1 to 5, not 9"
