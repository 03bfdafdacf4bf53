"""`heard import` and `heard db` on both databases: idempotent, versioned, crash-safe."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from heard.cli import app
from heard.conversation import Conversation
from heard.store import Database
from heard.store.models import Agent, StoredAnalysis, StoredConversation, StoredTurn, Team
from heard.store.repository import latest_analyses, load_conversation

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
sys.path.insert(0, str(REPO / "benchmarks"))
from corpus import corpus  # noqa: E402  (benchmarks/ is not a package)

runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def generated(count: int, *, agents: int = 40) -> list[Conversation]:
    """benchmarks/corpus.py conversations; fewer agents make scripted empathy show up."""
    return [
        c.model_copy(update={"agent_id": f"agent-{index % agents}"})
        for index, c in enumerate(corpus(count))
    ]


def write_jsonl(path: Path, conversations: list[Conversation]) -> Path:
    path.write_text("".join(c.to_json() + "\n" for c in conversations), encoding="utf-8")
    return path


def heard(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def summary(output: str) -> str:
    [line] = [line for line in output.splitlines() if " read: " in line]
    return line.strip()


def counts(url: str) -> dict[str, int]:
    database = Database(url)
    try:
        with database.session() as session:
            return {
                model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (StoredConversation, StoredTurn, StoredAnalysis, Agent, Team)
            }
    finally:
        database.dispose()


def test_importing_twice_is_a_no_op(database_url: str, tmp_path: Path) -> None:
    chats = write_jsonl(tmp_path / "generated.jsonl", generated(20))
    code, output = heard("import", EXAMPLES, chats, "--db", database_url)
    assert code == 0, output
    assert summary(output) == "29 read: 29 added, 0 updated, 0 unchanged; 29 analysed"
    first = counts(database_url)
    assert first["conversations"] == 29
    assert first["analyses"] == 29
    assert first["turns"] == 76 + 20 * 12

    code, output = heard("import", EXAMPLES, chats, "--db", database_url)
    assert code == 0, output
    assert summary(output) == "29 read: 0 added, 0 updated, 29 unchanged; 0 analysed"
    assert counts(database_url) == first

    database = Database(database_url)
    try:
        with database.session() as session:
            stored = session.get(StoredConversation, "bench-3")
            assert stored is not None and stored.source == str(chats)
            # Every stored conversation reads back as exactly what was imported.
            for conversation in generated(20):
                assert load_conversation(session, conversation.id) == conversation
    finally:
        database.dispose()


def test_changed_conversations_are_updated_never_duplicated(
    database_url: str, tmp_path: Path
) -> None:
    conversations = generated(20)
    path = write_jsonl(tmp_path / "chats.jsonl", conversations)
    assert heard("import", path, "--db", database_url)[0] == 0
    changed = conversations[3].model_copy(update={"turns": conversations[3].turns[:5]})
    new = generated(21)[20]
    write_jsonl(path, [*conversations[:3], changed, *conversations[4:], new])

    code, output = heard("import", path, "--db", database_url)
    assert code == 0, output
    assert summary(output) == "21 read: 1 added, 1 updated, 19 unchanged; 2 analysed"
    after = counts(database_url)
    assert after["conversations"] == 21
    assert after["turns"] == 20 * 12 - 7 + 12
    assert after["analyses"] == 22  # the first analysis of bench-3 is kept, of its old content
    database = Database(database_url)
    try:
        with database.session() as session:
            assert load_conversation(session, changed.id) == changed
            versions = session.scalars(
                select(StoredAnalysis.content_hash).where(
                    StoredAnalysis.conversation_id == changed.id
                )
            ).all()
            assert len(set(versions)) == 2
            [(_, latest)] = list(latest_analyses(session, [changed.id]))
            assert len(latest.record["turns"]) == 5
    finally:
        database.dispose()


def test_stored_analyses_are_those_of_heard_analyze(database_url: str, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "chats.jsonl", generated(24, agents=3))
    expected_out = tmp_path / "expected.jsonl"
    assert heard("analyze", path, "-f", "jsonl", "-o", expected_out, "-q")[0] == 0
    expected = {
        record["conversation_id"]: record
        for record in map(json.loads, expected_out.read_text().splitlines())
    }
    assert any(
        turn["detail"].get("empathy", {}).get("scripted")
        for record in expected.values()
        for turn in record["turns"]
    ), "the corpus should have scripted empathy for the corpus pass to matter"

    code, output = heard("import", path, "--db", database_url, "--batch-size", "5")
    assert code == 0, output
    database = Database(database_url)
    try:
        with database.session() as session:
            stored = {c.id: a.record for c, a in latest_analyses(session)}
            agents = {a.id: a.team_id for a in session.scalars(select(Agent))}
            teams = set(session.scalars(select(Team.id)))
    finally:
        database.dispose()
    assert stored == expected
    assert set(agents) == {"agent-0", "agent-1", "agent-2"}
    assert set(agents.values()) <= teams
    assert teams == {f"team-{i}" for i in range(5)}


def test_no_analyze_then_analyze_then_another_rubric(database_url: str, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "chats.jsonl", generated(6))
    code, output = heard("import", path, "--db", database_url, "--no-analyze")
    assert code == 0, output
    assert summary(output) == (
        "6 read: 6 added, 0 updated, 0 unchanged; not analysed (--no-analyze)"
    )
    assert counts(database_url)["analyses"] == 0

    code, output = heard("import", path, "--db", database_url)
    assert summary(output) == "6 read: 0 added, 0 updated, 6 unchanged; 6 analysed"

    rubric = tmp_path / "ours.yaml"
    rubric.write_text("version: ours-2\nscripted_empathy:\n  min_conversations: 4\n")
    code, output = heard("import", path, "--db", database_url, "--rubric", rubric)
    assert code == 0, output
    assert summary(output) == "6 read: 0 added, 0 updated, 6 unchanged; 6 analysed"
    database = Database(database_url)
    try:
        with database.session() as session:
            versions = Counter(session.scalars(select(StoredAnalysis.rubric_version)))
    finally:
        database.dispose()
    assert len(versions) == 2 and versions["ours-2"] == 6 and sum(versions.values()) == 12
    # Again with the same rubric: nothing to do.
    code, output = heard("import", path, "--db", database_url, "--rubric", rubric, "-q")
    assert (code, output.strip()) == (0, "")


def test_bad_records_are_skipped_and_summarised(database_url: str, tmp_path: Path) -> None:
    lines = [c.to_json() for c in generated(3)]
    path = tmp_path / "chats.jsonl"
    path.write_text(f"{lines[0]}\n{{not json\n{lines[1]}\n{lines[2]}\n")
    code, output = heard("import", path, "--db", database_url, "--no-analyze")
    assert code == 1, output
    assert summary(output) == (
        "3 read: 3 added, 0 updated, 0 unchanged; not analysed (--no-analyze)"
    )
    assert "1 of 4 records skipped" in output
    assert "chats.jsonl, line 2" in output

    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    code, output = heard("import", broken, tmp_path / "missing.jsonl", "--db", database_url)
    assert code == 3, output
    assert summary(output) == "0 read: 0 added, 0 updated, 0 unchanged; 0 analysed"
    assert counts(database_url)["conversations"] == 3


def test_a_conversation_the_database_refuses_is_reported_and_the_rest_stored(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import IntegrityError

    from heard.store import repository

    real = repository.save_conversation

    def refusing(session, conversation, source=None):  # type: ignore[no-untyped-def]
        if conversation.id == "bench-4":
            raise IntegrityError("INSERT …", {}, Exception("value too long for bench-4"))
        return real(session, conversation, source)

    monkeypatch.setattr(repository, "save_conversation", refusing)
    path = write_jsonl(tmp_path / "chats.jsonl", generated(8))
    code, output = heard("import", path, "--db", database_url, "--batch-size", "3")
    assert code == 1, output
    assert "conversation bench-4: cannot store it: value too long for bench-4" in output
    assert summary(output) == (
        "8 read: 7 added, 0 updated, 0 unchanged, 1 not stored (see errors above); 7 analysed"
    )
    after = counts(database_url)
    assert (after["conversations"], after["turns"], after["analyses"]) == (7, 7 * 12, 7)


def test_db_upgrade_and_info(database_url: str) -> None:
    code, output = heard("db", "upgrade", "--db", database_url)
    assert code == 0, output
    assert "schema upgraded from revision (none) to 0005" in output
    code, output = heard("db", "upgrade", "--db", database_url)
    assert "schema up to date (revision 0005)" in output

    assert heard("import", EXAMPLES, "--db", database_url, "-q")[0] == 0
    code, output = heard("db", "info", "--db", database_url)
    assert code == 0, output
    rows = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in output.splitlines())
    assert rows["schema"] == "revision 0005 (up to date)"
    assert (rows["conversations"], rows["turns"], rows["analyses"]) == ("9", "76", "9")
    assert (rows["agents"], rows["teams"]) == ("4", "3")
    for empty in ("surveys", "survey responses", "ratings", "follow-ups"):
        assert rows[empty] == "0"
    assert rows["database"].startswith(("sqlite:///", "postgresql+psycopg://"))


@pytest.mark.parametrize(
    "url",
    [
        "foo://bar",
        "mysql://heard:s3cret@127.0.0.1/heard",
        "postgresql://heard:s3cret@127.0.0.1:1/heard",
        "postgresql://heard:s3cret@127.0.0.1:notaport/heard",
        "{tmp}",  # a folder
        "{tmp}/notes.txt",  # a file that is not a database
    ],
)
@pytest.mark.parametrize("command", [["import", str(EXAMPLES / "chats.jsonl")], ["db", "upgrade"]])
def test_a_bad_database_is_one_line_and_exit_2(
    url: str, command: list[str], tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("not a database, just notes\n" * 100)
    code, output = heard(*command, "--db", url.format(tmp=tmp_path))
    assert code == 2, output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    assert "s3cret" not in output
    assert (tmp_path / "notes.txt").read_text().startswith("not a database")


def test_db_info_on_a_missing_or_unreachable_database(tmp_path: Path) -> None:
    code, output = heard("db", "info", "--db", tmp_path / "none.db")
    assert code == 2 and output.startswith("error: no database at"), output
    assert not (tmp_path / "none.db").exists()
    code, output = heard("db", "info", "--db", "postgresql://u:s3cret@127.0.0.1:1/x")
    assert code == 2 and "s3cret" not in output and "u:***@" in output, output


def test_db_defaults_to_heard_db_then_the_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chats = EXAMPLES / "chats.jsonl"
    monkeypatch.delenv("HEARD_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert heard("import", chats, "--no-analyze", "-q")[0] == 0
    assert counts(str(tmp_path / "data" / "heard" / "heard.db"))["conversations"] == 4
    monkeypatch.setenv("HEARD_DB", str(tmp_path / "elsewhere.db"))
    assert heard("import", chats, "--no-analyze", "-q")[0] == 0
    assert counts(str(tmp_path / "elsewhere.db"))["conversations"] == 4


def test_jobs_give_the_same_analyses(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "chats.jsonl", generated(24, agents=3))
    expected_out = tmp_path / "expected.jsonl"
    assert heard("analyze", path, "-f", "jsonl", "-o", expected_out, "-q")[0] == 0
    expected = [json.loads(line) for line in expected_out.read_text().splitlines()]
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    code, output = heard("import", path, "--db", url, "--jobs", "2", "--batch-size", "7")
    assert code == 0, output
    database = Database(url)
    try:
        with database.session() as session:
            stored = {c.id: a.record for c, a in latest_analyses(session)}
    finally:
        database.dispose()
    assert stored == {record["conversation_id"]: record for record in expected}


# Crash safety ------------------------------------------------------------------------------

CRASH_CONVERSATIONS = 400
CRASH_BATCH = 50


def _stored(db: Path) -> tuple[dict[str, int], list[str], int]:
    """Turns per stored conversation, the conversation id of every analysis, and the number of
    conversations, read with plain sqlite3 so nothing of heard's is trusted."""
    with sqlite3.connect(db) as connection:
        turns = dict(
            connection.execute(
                "SELECT c.id, COUNT(t.position) FROM conversations c "
                "LEFT JOIN turns t ON t.conversation_id = c.id GROUP BY c.id"
            ).fetchall()
        )
        analyses = [row[0] for row in connection.execute("SELECT conversation_id FROM analyses")]
        (conversations,) = connection.execute("SELECT COUNT(*) FROM conversations").fetchone()
    return turns, analyses, conversations


def _committed(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM conversations").fetchone()[0])
    except sqlite3.Error:  # not created yet, or tables not migrated yet
        return 0


def test_a_killed_import_keeps_whole_batches_and_a_rerun_finishes(tmp_path: Path) -> None:
    source = generated(CRASH_CONVERSATIONS)
    for index in range(0, CRASH_CONVERSATIONS, 7):  # turn counts differ between conversations
        source[index] = source[index].model_copy(update={"turns": source[index].turns[:9]})
    expected_turns = {c.id: len(c.turns) for c in source}
    path = write_jsonl(tmp_path / "big.jsonl", source)
    db = tmp_path / "heard.db"
    command = [sys.executable, "-m", "heard", "import", str(path), "--db", str(db)]
    command += ["--batch-size", str(CRASH_BATCH), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while _committed(db) == 0:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "no batch was committed in 5 minutes"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL

    turns, analyses, stored = _stored(db)
    assert 0 < stored < CRASH_CONVERSATIONS, "the import should have been killed mid-way"
    assert stored % CRASH_BATCH == 0, "only whole batches are ever committed"
    assert turns == {cid: expected_turns[cid] for cid in turns}, "a conversation lost turns"
    assert sorted(analyses) == sorted(turns), "one analysis for every stored conversation"

    code, output = heard("import", path, "--db", db)
    assert code == 0, output
    rest = CRASH_CONVERSATIONS - stored
    assert summary(output) == (
        f"{CRASH_CONVERSATIONS} read: {rest} added, 0 updated, {stored} unchanged; {rest} analysed"
    )
    turns, analyses, stored = _stored(db)
    assert stored == CRASH_CONVERSATIONS
    assert turns == expected_turns
    assert sorted(analyses) == sorted(expected_turns)
