"""The TWCS reader: Twitter customer-support CSV rebuilt into reply threads."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import sample_files, shared_path
from heard.conversation import Channel, Conversation, Role
from heard.readers import ReadError, ReadIssue, ReadOptions, Source, detect, read_source
from heard.readers.normalize import as_datetime
from heard.readers.twcs import TwcsReader

DATA = Path(__file__).parent / "data" / "twcs"
HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"


def _read(
    source: Source, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    items = list(read_source(source, "twcs", options or ReadOptions()))
    conversations = [item for item in items if isinstance(item, Conversation)]
    issues = [item for item in items if isinstance(item, ReadIssue)]
    assert len(conversations) + len(issues) == len(items)
    return conversations, issues


def _csv(
    text: str, options: ReadOptions | None = None
) -> tuple[list[Conversation], list[ReadIssue]]:
    return _read(Source.from_bytes((HEADER + text).encode(), "t.csv"), options)


def _kaggle_files() -> list[Path]:
    return [
        *sample_files("twcs_csv", ".csv"),
        shared_path("data", "twcs_kaggle_sample", "sample.csv"),
    ]


# --- the real samples -------------------------------------------------------------------------


def test_detection_picks_twcs_for_own_files() -> None:
    for path in (DATA / "branching.csv", DATA / "bad_rows.csv"):
        assert detect(Source.from_path(path)).name == "twcs", path


@pytest.mark.shared
def test_detection_picks_twcs_for_every_sample() -> None:
    for path in _kaggle_files():
        assert detect(Source.from_path(path)).name == "twcs", path


@pytest.mark.shared
def test_kaggle_samples_rebuild_27_threads_from_93_tweets() -> None:
    for path in _kaggle_files():
        with path.open(encoding="utf-8", newline="") as stream:
            rows = {row["tweet_id"]: row for row in csv.DictReader(stream)}
        assert len(rows) == 93
        conversations, issues = _read(Source.from_path(path))
        assert issues == []
        assert len(conversations) == 27
        turns = [turn for conversation in conversations for turn in conversation.turns]
        assert len(turns) == 93
        assert len({turn.id for turn in turns}) == 93  # every tweet in exactly one thread
        assert sum(turn.role is Role.CUSTOMER for turn in turns) == 49
        for conversation in conversations:
            assert conversation.channel is Channel.SOCIAL
            assert conversation.id == f"twcs-{conversation.turns[0].id}"
            assert conversation.id == f"twcs-{conversation.metadata['root_tweet_id']}"
            # TWCS anonymises customers as numbers and keeps company handles.
            assert conversation.customer_id is not None and conversation.customer_id.isdigit()
            assert conversation.agent_id is None or not conversation.agent_id.isdigit()
            ids = [turn.id for turn in conversation.turns]
            for turn in conversation.turns:
                row = rows[turn.id]
                assert turn.role is (Role.CUSTOMER if row["inbound"] == "True" else Role.AGENT)
                assert turn.speaker == row["author_id"]
                assert turn.time == as_datetime(row["created_at"])
                assert "&amp;" not in turn.text and turn.text == turn.text.strip()
                parent = row["in_response_to_tweet_id"]
                if parent in ids:  # a reply always comes after the tweet it answers
                    assert ids.index(parent) < ids.index(turn.id)
            times = [turn.time for turn in conversation.turns]
            assert all(time is not None for time in times)
            assert conversation.started_at == times[0]
        by_id = {conversation.id: conversation for conversation in conversations}
        sizes = sorted(len(conversation.turns) for conversation in conversations)
        assert sizes == [1] + [2] * 12 + [3] * 5 + [4] * 3 + [5] + [6] + [7] * 2 + [8] * 2

        # A customer's tweet nobody answered (its reply is not in the sample).
        lone = by_id["twcs-119237"]
        assert [turn.role for turn in lone.turns] == [Role.CUSTOMER]
        assert lone.agent_id is None and lone.metadata["missing_replies"] == 1

        # Threads whose first tweet answers a tweet missing from the file.
        partial = {c.id for c in conversations if c.metadata.get("partial_thread")}
        assert partial == {"twcs-119246", "twcs-119332"}
        assert by_id["twcs-119246"].metadata["in_response_to_tweet_id"] == "119247"
        assert [t.role for t in by_id["twcs-119246"].turns] == [Role.AGENT, Role.CUSTOMER] * 3 + [
            Role.AGENT
        ]

        # Branching: the company's tweet got two customer replies; both kept, in time order.
        branched = by_id["twcs-119292"]
        assert [turn.id for turn in branched.turns] == ["119292", "119289", "119290", "119291"]
        assert branched.metadata["branched"] is True
        assert branched.metadata["reply_to"]["119291"] == "119289"
        # Two company replies to one customer tweet, then the thread goes on under the second.
        second = by_id["twcs-119265"]
        assert [turn.id for turn in second.turns] == [
            "119265",
            "119264",
            "119266",
            "119302",
            "119303",
        ]

        # A second customer joined a thread: the root's author stays the customer.
        joined = by_id["twcs-119250"]
        assert [turn.role for turn in joined.turns] == [Role.CUSTOMER, Role.CUSTOMER, Role.AGENT]
        assert joined.customer_id == joined.turns[0].speaker
        assert joined.metadata["customer_ids"] == [joined.turns[0].speaker, joined.turns[1].speaker]

        # Multi-line tweets keep their paragraphs; Twitter's &amp; becomes '&'.
        assert "\n\n" in next(t.text for t in turns if t.id == "119294")
        assert " & " in next(t.text for t in turns if t.id == "119242")


@pytest.mark.shared
def test_both_copies_of_the_kaggle_sample_read_the_same() -> None:
    first, second = (_read(Source.from_path(path))[0] for path in _kaggle_files())
    assert [c.model_dump() for c in first] == [c.model_dump() for c in second]


# --- own files --------------------------------------------------------------------------------


def test_branching_thread_orphan_reply_and_clock_skew() -> None:
    conversations, issues = _read(Source.from_path(DATA / "branching.csv"))
    assert issues == []
    assert [c.id for c in conversations] == ["twcs-1001", "twcs-2002", "twcs-3001"]
    branch, orphan, skewed = conversations

    # Rows out of file order, two company answers to the first tweet: flattened by time.
    assert [t.id for t in branch.turns] == ["1001", "1002", "1004", "1003", "1005"]
    assert [t.role for t in branch.turns] == [
        Role.CUSTOMER, Role.AGENT, Role.AGENT, Role.CUSTOMER, Role.AGENT,
    ]  # fmt: skip
    assert (branch.customer_id, branch.agent_id) == ("900001", "ExampleAir")
    assert branch.metadata["branched"] is True
    assert branch.metadata["reply_to"] == {
        "1002": "1001",
        "1004": "1001",
        "1003": "1002",
        "1005": "1003",
    }
    assert branch.turns[3].text == "@ExampleAir DM sent.\nTag ends in 4421."
    assert "arrives on the 18:00 flight & we will" in branch.turns[4].text
    assert branch.started_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert branch.turns[2].time == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert "partial_thread" not in branch.metadata

    # A reply to a tweet the file lacks (parent id written as a float) starts its own thread.
    assert [t.role for t in orphan.turns] == [Role.AGENT, Role.CUSTOMER]
    assert orphan.metadata["partial_thread"] is True
    assert orphan.metadata["in_response_to_tweet_id"] == "2001"
    assert (orphan.customer_id, orphan.agent_id) == ("900002", "ExampleAir")

    # The answer is stamped two seconds before the question: it still comes after it.
    assert [t.id for t in skewed.turns] == ["3001", "3002"]


def test_bad_rows_are_reported_by_row_and_the_rest_is_read() -> None:
    conversations, issues = _read(Source.from_path(DATA / "bad_rows.csv"))
    assert [issue.location for issue in issues] == [
        "row 2 (line 3)",
        "row 3 (line 4), tweet 4002",
        "row 5 (line 6)",
        "row 6 (line 7), tweet 4004",
        "row 7 (line 8), tweet 4005",
    ]
    assert "'abc' is not a tweet id" in issues[0].problem
    assert "text is empty" in issues[1].problem
    assert "appears twice" in issues[2].problem
    assert "'oops' is not a tweet id" in issues[3].problem
    assert "author_id is empty" in issues[4].problem
    assert all(issue.source.endswith("bad_rows.csv") for issue in issues)

    assert [c.id for c in conversations] == ["twcs-4001", "twcs-4004"]
    seat, odd = conversations
    # The empty tweet 4002 still links 4003 into the thread, though it is not a turn.
    assert [t.id for t in seat.turns] == ["4001", "4003"]
    assert seat.metadata["tweets"] == 3 and seat.agent_id is None
    # inbound 'maybe' and an unreadable date: role inferred from the numeric author id.
    assert odd.turns[0].role is Role.CUSTOMER and odd.turns[0].time is None
    assert odd.metadata["roles_inferred"] is True


def test_roles_stated_by_inbound_win_and_options_settle_the_rest() -> None:
    rows = (
        "1,900001,,Mon Mar 02 09:00:00 +0000 2026,@helpdesk hello,2,\n"
        "2,helpdesk,,Mon Mar 02 09:01:00 +0000 2026,@900001 hi there,3,1\n"
        "3,900001,False,Mon Mar 02 09:02:00 +0000 2026,@helpdesk thanks,,2\n"
    )
    [guessed], _ = _csv(rows)
    assert [t.role for t in guessed.turns] == [Role.CUSTOMER, Role.AGENT, Role.AGENT]
    assert guessed.metadata["roles_inferred"] is True

    options = ReadOptions(agent=frozenset({"900001"}), customer=frozenset({"helpdesk"}))
    [mapped], _ = _csv(rows, options)
    # inbound=False on tweet 3 is the source's word; the options decide the blank ones.
    assert [t.role for t in mapped.turns] == [Role.AGENT, Role.CUSTOMER, Role.AGENT]
    assert "roles_inferred" not in mapped.metadata
    assert (mapped.agent_id, mapped.customer_id) == ("900001", "helpdesk")


def test_reply_loops_and_self_replies_do_not_hang() -> None:
    rows = (
        "5002,900001,True,Mon Mar 02 09:00:00 +0000 2026,first,,5001\n"
        "5001,Brand,False,Mon Mar 02 09:01:00 +0000 2026,second,,5002\n"
        "6001,900002,True,Mon Mar 02 10:00:00 +0000 2026,talking to myself,,6001\n"
    )
    conversations, issues = _csv(rows)
    assert issues == []
    loop, alone = conversations
    assert loop.id == "twcs-5001" and loop.metadata["reply_cycle"] is True
    assert [t.id for t in loop.turns] == ["5001", "5002"]
    assert alone.id == "twcs-6001" and len(alone.turns) == 1


def test_renamed_columns_are_mapped_with_options() -> None:
    data = (
        "id,user,inbound,created_at,text,in_response_to_tweet_id\n"
        "1,900001,True,2026-03-02T09:00:00Z,hello,\n"
        "2,Brand,False,2026-03-02T09:01:00Z,hi,1\n"
    )
    source = Source.from_bytes(data.encode(), "renamed.csv")
    with pytest.raises(ReadError, match="lacks tweet_id, author_id"):
        _read(source)
    options = ReadOptions(columns={"tweet_id": "id", "author_id": "user"})
    [conversation], issues = _read(source, options)
    assert issues == [] and [t.speaker for t in conversation.turns] == ["900001", "Brand"]


def test_other_csv_files_are_not_twcs() -> None:
    other = Source.from_bytes(b"conversation_id,role,text\n1,agent,hi\n", "chat.csv")
    assert TwcsReader().sniff(other) == 0.0
    with pytest.raises(ReadError, match="not a TWCS file"):
        _read(other)
    with pytest.raises(ReadError, match="empty"):
        _read(Source.from_bytes(b"\n\n", "empty.csv"))
    header_only = Source.from_bytes(HEADER.encode(), "h.csv")
    assert TwcsReader().sniff(header_only) == 1.0
    assert _read(header_only) == ([], [])


def test_a_thread_is_given_out_at_its_last_row() -> None:
    # Many interleaved threads: each conversation appears once, complete, in the order its
    # last row comes in the file.
    lines = []
    for thread in range(300):
        root = 10_000 + thread * 10
        lines.append(f"{root},{900_000 + thread},True,2026-03-02T09:00:00Z,q{thread},,")
    for thread in range(300):
        root = 10_000 + thread * 10
        lines.append(f"{root + 1},Brand,False,2026-03-02T09:05:00Z,a{thread},,{root}")
    conversations, issues = _csv("\n".join(lines) + "\n")
    assert issues == [] and len(conversations) == 300
    assert all([t.text for t in c.turns] == [f"q{i}", f"a{i}"] for i, c in enumerate(conversations))


def test_undecodable_bytes_and_broken_quotes_are_issues_not_crashes() -> None:
    data = HEADER.encode() + b'1,900001,True,x,caf\xe9 \x00 ok,,\n2,Brand,False,x,"never closed\n'
    conversations, issues = _read(Source.from_bytes(data, "odd.csv"))
    assert [c.id for c in conversations] == ["twcs-1", "twcs-2"]
    assert conversations[0].turns[0].text == "café ok"
    assert issues == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.lists(
            st.sampled_from(["1", "2", "3", "2.0", "", "True", "False", "x", "@a hi", "1,2", '"']),
            min_size=0,
            max_size=9,
        ),
        max_size=12,
    )
)
def test_any_rows_under_a_twcs_header_read_without_crashing(rows: list[list[str]]) -> None:
    body = "\n".join(",".join(cells) for cells in rows)
    for item in read_source(Source.from_bytes((HEADER + body).encode(), "f.csv"), "twcs"):
        assert isinstance(item, Conversation | ReadIssue)
