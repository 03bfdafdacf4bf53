"""`heard.feedback.concerns`: the week's concerns, grouped, counted against the week before."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from heard.cli import app
from heard.feedback.concerns import (
    ConcernDigest,
    cluster_phrases,
    concern_digest,
    last_full_week,
    parse_week,
    topic_text,
)
from heard.store import Database
from heard.store.models import StoredAnalysis, StoredConversation, StoredTurn, SurveyResponse

runner = CliRunner()
WEEK = "2024-W10"  # Monday 4 March 2024
THIS_WEEK = datetime(2024, 3, 4, tzinfo=UTC)
LAST_WEEK = THIS_WEEK - timedelta(days=7)

DELIVERY = [
    "my order still hasn't arrived",
    "my package has not been delivered yet",
    "the parcel never arrived",
    "order hasn't shown up",
    "My order #48213 still hasn't arrived",
]
CHARGE = [
    "I was charged twice",
    "you billed me two times",
    "double charge on my card",
    "I've been charged twice for the same order",
]
LOGIN = ["I can't log in to my account", "I can't sign in to my account"]
REFUND = ["I want a refund", "I'd like a refund for this"]


def _plan() -> list[tuple[str, datetime, list[str], int | None]]:
    """(conversation id, start, concern phrases, CSAT) for both weeks."""
    plan: list[tuple[str, datetime, list[str], int | None]] = []

    def add(
        prefix: str, week: datetime, phrases: list[str], count: int, csat: list[int | None]
    ) -> None:
        for i in range(count):
            start = week + timedelta(hours=3 + 7 * i)
            plan.append(
                (f"{prefix}{i:02d}", start, [phrases[i % len(phrases)]], csat[i % len(csat)])
            )

    # Delivery: 12 conversations this week (2 of 8 answers satisfied), 4 the week before.
    add("del-now-", THIS_WEEK, DELIVERY, 12, [1, 2, 5, 2, 4, 1, 2, 3, None, None, None, None])
    add("del-old-", LAST_WEEK, DELIVERY, 4, [None])
    # Double charge: 6 and 6 (no change).
    add("chg-now-", THIS_WEEK, CHARGE, 6, [5])
    add("chg-old-", LAST_WEEK, CHARGE, 6, [None])
    # Log-in: new this week.
    add("log-now-", THIS_WEEK, LOGIN, 3, [None])
    # Refunds: only the week before.
    add("ref-old-", LAST_WEEK, REFUND, 5, [None])
    # Outside both weeks: never counted.
    add("old-", LAST_WEEK - timedelta(days=3), LOGIN, 4, [None])
    return plan


def _store(database: Database) -> None:
    moment = datetime(2024, 4, 1, tzinfo=UTC)
    plan = _plan()
    with database.session() as session:
        for conversation_id, start, _, _ in plan:
            session.add(
                StoredConversation(
                    id=conversation_id, channel="chat", agent_id="a1", team_id="t1",
                    started_at=start, content_hash=f"h-{conversation_id}",
                    imported_at=moment, updated_at=moment,
                )
            )  # fmt: skip
        session.flush()
        for conversation_id, start, phrases, csat in plan:
            texts = [f"Hi. {phrase[0].upper()}{phrase[1:]}. Please help." for phrase in phrases]
            concerns: list[dict[str, Any]] = []
            turns = []
            for index, (phrase, text) in enumerate(zip(phrases, texts, strict=True)):
                turn_id = f"t{2 * index + 1}"
                begin = text.index(phrase[1:]) - 1
                quote = text[begin : begin + len(phrase)] + "."
                concerns.append(
                    {"id": f"{turn_id}.c1", "turn_id": turn_id, "text": phrase, "quote": quote,
                     "start": begin, "end": begin + len(quote)}
                )  # fmt: skip
                turns.append((turn_id, "customer", text))
                turns.append((f"t{2 * index + 2}", "agent", "I'm sorry to hear that."))
            if conversation_id == "del-now-00":
                # The customer says it again later: the engine marks a repeat, counted once.
                turns.append(("t3", "customer", "My order still hasn't arrived!"))
                concerns.append(
                    {"id": "t3.c1", "turn_id": "t3", "text": "my order still hasn't arrived",
                     "quote": "My order still hasn't arrived!", "start": 0, "end": 30,
                     "repeat_of": "t1.c1"}
                )  # fmt: skip
            for position, (turn_id, role, text) in enumerate(turns):
                session.add(
                    StoredTurn(
                        conversation_id=conversation_id, position=position, turn_id=turn_id,
                        role=role, text=text, time=start + timedelta(minutes=position),
                    )
                )  # fmt: skip
            session.add(
                StoredAnalysis(
                    conversation_id=conversation_id, content_hash=f"h-{conversation_id}",
                    engine_version="0.1.0", rubric_version="test", created_at=moment,
                    listening_score=70.0, components={},
                    record={"turns": [], "signals": {"concerns": concerns, "unaddressed_concerns": []}},
                )
            )  # fmt: skip
            if csat is not None:
                session.add(
                    SurveyResponse(
                        conversation_id=conversation_id, kind="csat", score=csat,
                        source="import", submitted_at=start + timedelta(hours=2),
                    )
                )  # fmt: skip


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = Database(str(tmp_path_factory.mktemp("concerns") / "heard.db"))
    _store(db)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def digest(database: Database) -> ConcernDigest:
    since, until = parse_week(WEEK)
    with database.session() as session:
        return concern_digest(session, since=since, until=until, week=WEEK)


def _group_of(digest: ConcernDigest, phrase: str) -> Any:
    for group in [*digest.top, *digest.growing]:
        if phrase in group.phrases:
            return group
    raise AssertionError(f"no group holds {phrase!r}")


def test_weeks() -> None:
    assert parse_week("2024-W10") == (THIS_WEEK, THIS_WEEK + timedelta(days=7))
    assert parse_week("2020-w53")[0] == datetime(2020, 12, 28, tzinfo=UTC)
    with pytest.raises(ValueError, match="ISO week"):
        parse_week("2024-10")
    with pytest.raises(ValueError, match="not a week"):
        parse_week("2023-W53")
    assert last_full_week(datetime(2024, 3, 13).date()) == (
        THIS_WEEK,
        THIS_WEEK + timedelta(days=7),
    )


def test_topic_text_drops_what_carries_no_topic() -> None:
    assert topic_text("My order #48213 still hasn't arrived") == "order arrived"
    assert topic_text("I can't") == "I can't"  # nothing left: the phrase itself


def test_reworded_phrases_are_grouped_and_topics_kept_apart() -> None:
    phrases = DELIVERY + CHARGE + LOGIN + REFUND
    clusters = cluster_phrases(phrases)
    groups = [{phrases[i] for i in c.members} for c in clusters]
    assert set(DELIVERY) in groups
    assert set(CHARGE) in groups
    assert set(LOGIN) in groups
    assert set(REFUND) in groups
    assert len(groups) == 4


def test_clustering_is_deterministic_in_any_order() -> None:
    phrases = DELIVERY * 3 + CHARGE * 2 + LOGIN + REFUND + ["the internet keeps dropping"]
    expected = sorted(sorted({phrases[i] for i in c.members}) for c in cluster_phrases(phrases))
    for seed in range(5):
        shuffled = list(phrases)
        random.Random(seed).shuffle(shuffled)
        got = sorted(sorted({shuffled[i] for i in c.members}) for c in cluster_phrases(shuffled))
        assert got == expected


def test_most_frequent_concerns_with_counts_and_growth(digest: ConcernDigest) -> None:
    assert digest.week == WEEK
    assert digest.conversations == 21  # 12 + 6 + 3 this week
    assert digest.previous_conversations == 15  # 4 + 6 + 5 the week before
    first = digest.top[0]
    assert set(first.phrases) == {p.rstrip(".") for p in DELIVERY}
    assert first.name in first.phrases
    assert (first.count, first.previous, first.growth) == (12, 4, 8)
    assert first.growth_percent == pytest.approx(200.0)
    assert first.mentions == 12  # the repeated concern in del-now-00 is not counted again
    charge = _group_of(digest, "I was charged twice")
    assert (charge.count, charge.previous, charge.growth, charge.growth_percent) == (6, 6, 0, 0.0)
    login = _group_of(digest, "I can't log in to my account")
    assert (login.count, login.previous, login.growth_percent) == (3, 0, None)
    assert [g.name for g in digest.top][1:] == [charge.name, login.name]
    # Refunds were only last week: not among this week's, and not growing.
    assert all("I want a refund" not in g.phrases for g in [*digest.top, *digest.growing])


def test_fastest_growing_first(digest: ConcernDigest) -> None:
    assert [(g.count, g.growth) for g in digest.growing] == [(12, 8), (3, 3)]


def test_satisfaction_of_each_concern(digest: ConcernDigest) -> None:
    delivery = digest.top[0]
    assert delivery.csat_n == 8
    assert delivery.satisfied_percent == pytest.approx(25.0)
    assert (
        delivery.satisfied_low is not None and delivery.satisfied_low < 25 < delivery.satisfied_high
    )
    charge = _group_of(digest, "I was charged twice")
    assert (charge.csat_n, charge.satisfied_percent) == (6, 100.0)
    login = _group_of(digest, "I can't log in to my account")
    assert (login.csat_n, login.satisfied_percent) == (0, None)


def test_examples_point_at_real_customer_turns(database: Database, digest: ConcernDigest) -> None:
    with database.session() as session:
        for group in digest.top:
            assert 2 <= len(group.examples) <= 3
            assert len({e.conversation_id for e in group.examples}) == len(group.examples)
            for example in group.examples:
                turn = session.get(
                    StoredTurn, (example.conversation_id, _position(session, example))
                )
                assert turn is not None and turn.role == "customer"
                assert example.quote in turn.text
                conversation = session.get(StoredConversation, example.conversation_id)
                assert conversation is not None and conversation.started_at is not None
                started = conversation.started_at.replace(tzinfo=UTC)
                assert THIS_WEEK <= started < THIS_WEEK + timedelta(days=7)


def _position(session: Any, example: Any) -> int:
    from sqlalchemy import select

    position = session.scalar(
        select(StoredTurn.position).where(
            StoredTurn.conversation_id == example.conversation_id,
            StoredTurn.turn_id == example.turn_id,
        )
    )
    assert position is not None, f"{example.conversation_id}/{example.turn_id} is not a turn"
    return int(position)


def test_top_limits_both_lists(database: Database) -> None:
    since, until = parse_week(WEEK)
    with database.session() as session:
        small = concern_digest(session, since=since, until=until, top=1)
    assert len(small.top) == 1 and len(small.growing) == 1


# ---------------------------------------------------------------------------------------------
# The command.


def test_concerns_command(database: Database) -> None:
    result = runner.invoke(
        app, ["concerns", "--db", database.url, "--week", WEEK, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["week"] == WEEK
    assert document["top"][0]["count"] == 12 and document["top"][0]["growth"] == 8
    example = document["top"][0]["examples"][0]
    assert {"conversation_id", "turn_id", "quote"} <= set(example)

    table = runner.invoke(
        app,
        [
            "concerns",
            "--db",
            database.url,
            "--since",
            "2024-03-04",
            "--until",
            "2024-03-10",
            "--top",
            "2",
        ],
    )
    assert table.exit_code == 0, table.output
    assert "Most frequent" in table.stdout and "Fastest growing" in table.stdout
    assert "del-now-" in table.stdout  # example quotes carry conversation/turn ids


def test_concerns_command_errors_are_one_line(database: Database, tmp_path: Path) -> None:
    bad = runner.invoke(app, ["concerns", "--db", database.url, "--week", "2024-W99"])
    assert bad.exit_code == 2
    assert len(bad.output.strip().splitlines()) == 1 and "--week" in bad.output
    both = runner.invoke(
        app, ["concerns", "--db", database.url, "--week", WEEK, "--since", "2024-03-01"]
    )
    assert both.exit_code == 2 and "not both" in both.output
    empty = runner.invoke(app, ["concerns", "--db", database.url, "--week", "2023-W10"])
    assert empty.exit_code == 3 and "no analysed conversations" in empty.output
    missing = runner.invoke(app, ["concerns", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
