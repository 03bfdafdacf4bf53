from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from heard.cli import app
from heard.feedback import surveys
from heard.feedback.surveys import (
    SurveyError,
    create_survey,
    import_survey_results,
    list_surveys,
    submit_survey,
)
from heard.store import Database
from heard.store.models import Survey, SurveyResponse

from .support import Store, feedback_database, feedback_database_url, feedback_store  # noqa: F401

ORDER = [
    ("c", "Hi, my order from the 3rd still hasn't arrived."),
    (
        "a",
        "I'm sorry about that. I've reshipped it by express courier and it will arrive by Friday.",
    ),
    ("c", "Thanks, that's great."),
]


@pytest.fixture
def conversations(store: Store) -> None:
    store("chat-1", ORDER)
    store("chat-2", ORDER)


def _responses(database: Database) -> list[SurveyResponse]:
    with database.session() as session:
        return list(session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))


def _surveys(database: Database) -> list[Survey]:
    with database.session() as session:
        return list(session.scalars(select(Survey).order_by(Survey.id)))


def _new(database: Database, kind: str = "csat", **options: Any) -> str:
    with database.session() as session:
        return create_survey(session, "chat-1", kind, **options)


def _submit(
    database: Database, token: str, score: int, comment: str | None = None
) -> SurveyResponse:
    with database.session() as session:
        return submit_survey(session, token, score, comment)


def _error(database: Database, token: str, score: int, comment: str | None = None) -> str:
    with pytest.raises(SurveyError) as caught, database.session() as session:
        submit_survey(session, token, score, comment)
    assert caught.value.message  # a sentence for the person answering
    return caught.value.code


# --- creating ---------------------------------------------------------------------------------


def test_only_the_tokens_hash_is_stored(database: Database, conversations: None) -> None:
    token = _new(database, "nps", ttl=timedelta(days=3))
    assert len(token) >= 40
    [survey] = _surveys(database)
    assert survey.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (survey.token_hash, str(survey.id))
    assert survey.kind == "nps" and survey.answered_at is None
    created = survey.created_at.replace(tzinfo=UTC)
    assert survey.expires_at.replace(tzinfo=UTC) - created == timedelta(days=3)
    assert surveys.survey_path(token) == f"/s/{token}"


def test_two_surveys_never_share_a_token(database: Database, conversations: None) -> None:
    assert len({_new(database) for _ in range(5)}) == 5


def test_unknown_conversation_or_kind_is_a_clear_error(
    database: Database, conversations: None
) -> None:
    with pytest.raises(SurveyError) as caught, database.session() as session:
        create_survey(session, "no-such-chat", "csat")
    assert caught.value.code == "unknown_conversation"
    assert "no-such-chat" in caught.value.message
    with pytest.raises(SurveyError) as caught, database.session() as session:
        create_survey(session, "chat-1", "stars")
    assert caught.value.code == "unknown_kind"
    assert _surveys(database) == []


# --- answering --------------------------------------------------------------------------------


def test_an_answer_is_stored_with_its_comments_emotion_and_concerns(
    database: Database, conversations: None
) -> None:
    token = _new(database)
    comment = "My refund still hasn't arrived and nobody answers my emails. This is so frustrating!"
    response = _submit(database, token, 2, comment)
    [stored] = _responses(database)
    assert stored.id == response.id
    assert (stored.kind, stored.score, stored.source) == ("csat", 2, "link")
    assert stored.conversation_id == "chat-1"
    assert stored.comment == comment
    assert stored.comment_emotion == "frustration"
    assert any("refund still hasn't arrived" in c["text"] for c in stored.comment_concerns)
    assert all(c["quote"] in comment for c in stored.comment_concerns)
    [survey] = _surveys(database)
    assert survey.answered_at is not None
    assert stored.survey_id == survey.id


def test_an_answer_without_a_comment(database: Database, conversations: None) -> None:
    _submit(database, _new(database, "ces"), 7, "   ")
    [stored] = _responses(database)
    assert (stored.comment, stored.comment_emotion, stored.comment_concerns) == (None, None, [])


def test_unknown_token_changes_nothing(database: Database, conversations: None) -> None:
    token = _new(database)
    assert _error(database, "not-a-token", 4) == "unknown_token"
    assert _error(database, "", 4) == "unknown_token"
    assert _error(database, token[:-1], 4) == "unknown_token"
    assert _responses(database) == []
    assert _surveys(database)[0].answered_at is None


def test_expired_link_changes_nothing(database: Database, conversations: None) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=30)
    token = _new(database, at=long_ago)
    assert _error(database, token, 4, "Fine.") == "expired"
    assert _responses(database) == []
    assert _surveys(database)[0].answered_at is None


def test_a_link_answers_once(database: Database, conversations: None) -> None:
    token = _new(database)
    _submit(database, token, 5, "Brilliant, thank you!")
    assert _error(database, token, 1, "Actually terrible.") == "already_answered"
    [stored] = _responses(database)
    assert (stored.score, stored.comment) == (5, "Brilliant, thank you!")


OUT_OF_RANGE = [("csat", 0), ("csat", 6), ("nps", -1), ("nps", 11), ("ces", 0), ("ces", 8)]
AT_THE_ENDS = [("csat", 1), ("csat", 5), ("nps", 0), ("nps", 10), ("ces", 1), ("ces", 7)]


def test_out_of_range_scores_change_nothing(database: Database, conversations: None) -> None:
    for kind, score in OUT_OF_RANGE:
        token = _new(database, kind)
        assert _error(database, token, score) == "out_of_range", (kind, score)
        assert _responses(database) == []
        assert all(s.answered_at is None for s in _surveys(database))
    _submit(database, token, 3)  # the link still works
    assert [(r.kind, r.score) for r in _responses(database)] == [("ces", 3)]


def test_scores_at_the_ends_of_each_range(database: Database, conversations: None) -> None:
    for kind, score in AT_THE_ENDS:
        _submit(database, _new(database, kind), score)
    assert [(r.kind, r.score) for r in _responses(database)] == AT_THE_ENDS


def test_a_stale_read_still_cannot_answer_twice(database: Database, conversations: None) -> None:
    """The conditional UPDATE is the guard, not the read before it."""
    token = _new(database)
    with database.session() as stale:
        survey = stale.scalar(select(Survey))
        assert survey is not None and survey.answered_at is None
        _submit(database, token, 4)  # answered elsewhere meanwhile
        with pytest.raises(SurveyError) as caught:
            submit_survey(stale, token, 1, "second try")
        assert caught.value.code == "already_answered"
    assert [r.score for r in _responses(database)] == [4]


def test_racing_answers_one_wins(
    database: Database, conversations: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _new(database)
    both_read = threading.Barrier(2, timeout=30)
    analyse = surveys.analyse_comment

    def slow_analysis(comment: str | None) -> Any:
        both_read.wait()  # both answers have read the survey as unanswered
        return analyse(comment)

    monkeypatch.setattr(surveys, "analyse_comment", slow_analysis)
    outcomes: list[str] = []

    def answer(score: int) -> None:
        try:
            _submit(database, token, score, f"score {score}")
            outcomes.append("ok")
        except SurveyError as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=answer, args=(score,)) for score in (2, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already_answered", "ok"]
    assert len(_responses(database)) == 1


def test_list_shows_pending_expired_answered_and_imported(
    database: Database, conversations: None, tmp_path: Path
) -> None:
    _new(database)
    _new(database, "nps", at=datetime.now(UTC) - timedelta(days=30))
    _submit(database, _new(database, "ces"), 2)
    csv_file = tmp_path / "r.csv"
    csv_file.write_text("ticket_id,rating\nchat-2,4\n")
    with database.session() as session:
        import_survey_results(session, csv_file, kind="csat")
    with database.session() as session:
        rows = list_surveys(session)
        assert sorted(r.status for r in rows) == ["answered", "expired", "imported", "pending"]
        assert [r.conversation_id for r in list_surveys(session, conversation_id="chat-2")] == [
            "chat-2"
        ]
        assert [r.kind for r in list_surveys(session, kind="ces")] == ["ces"]


# --- importing --------------------------------------------------------------------------------

EXPORT = """\
response_id,ticket_id,type,rating,feedback,created_at
r1,chat-1,CSAT,2,"My parcel still hasn't arrived, and nobody called me back.",2026-03-03T10:00:00Z
r2,chat-2,nps,9,Great help,2026-03-03
r3,chat-1,ces,4,,2026-03-04 12:30
r4,chat-404,csat,5,,2026-03-03
r5,chat-1,csat,9,,2026-03-03
r6,chat-1,stars,3,,2026-03-03
r7,,csat,3,,2026-03-03
r8,chat-2,csat,good,,2026-03-03
r9,chat-2,csat,4,,03/04/2026
"""


def _count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(SurveyResponse)) or 0


def test_import_takes_good_rows_and_reports_bad_ones(
    database: Database, conversations: None, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT)
    with database.session() as session:
        result = import_survey_results(session, path)
    assert result.imported == 3
    problems = {p.row: p.problem for p in result.problems}
    assert all(p.file == str(path) for p in result.problems)
    assert set(problems) == {5, 6, 7, 8, 9, 10}
    assert "chat-404" in problems[5]
    assert "outside 1–5" in problems[6]
    assert "stars" in problems[7]
    assert "conversation id" in problems[8]
    assert "'good'" in problems[9]
    assert "03/04/2026" in problems[10]
    assert str(result.problems[0]).startswith(f"{path}:5: ")
    responses = {r.external_id: r for r in _responses(database)}
    assert set(responses) == {"r1", "r2", "r3"}
    first = responses["r1"]
    assert (first.kind, first.score, first.source) == ("csat", 2, "import")
    assert first.submitted_at.replace(tzinfo=UTC) == datetime(2026, 3, 3, 10, tzinfo=UTC)
    assert first.comment_emotion is not None
    assert any("parcel still hasn't arrived" in c["text"] for c in first.comment_concerns)
    assert responses["r3"].comment is None


def test_importing_again_adds_nothing(
    database: Database, conversations: None, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT)
    with database.session() as session:
        import_survey_results(session, path)
    with database.session() as session:
        again = import_survey_results(session, path)
    assert (again.imported, again.duplicates, len(again.problems)) == (0, 3, 6)
    assert _count(database) == 3


def test_rows_without_a_response_id_are_not_duplicated(
    database: Database, conversations: None, tmp_path: Path
) -> None:
    path = tmp_path / "nps.csv"
    path.write_text("conversation_id;nps;comment;date\nchat-1;3;Too slow;2026-03-03\nchat-2;10;;\n")
    for expected in (2, 0):
        with database.session() as session:
            result = import_survey_results(session, path)
        assert result.imported == expected and not result.problems
    assert sorted((r.kind, r.score) for r in _responses(database)) == [("nps", 3), ("nps", 10)]


def test_fixed_kind_and_column_map(database: Database, conversations: None, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("Case Ref,How easy was it,Notes\nchat-1,6,Easy enough\n")
    with database.session() as session:
        result = import_survey_results(
            session,
            path,
            kind="ces",
            columns={"conversation_id": "Case Ref", "score": "How easy was it", "comment": "Notes"},
        )
    assert result.imported == 1
    [stored] = _responses(database)
    assert (stored.kind, stored.score, stored.comment) == ("ces", 6, "Easy enough")


def test_missing_columns_and_bad_maps_are_file_errors(
    database: Database, conversations: None, tmp_path: Path
) -> None:
    path = tmp_path / "no-kind.csv"
    path.write_text("ticket_id,rating\nchat-1,4\n")
    with pytest.raises(SurveyError) as caught, database.session() as session:
        import_survey_results(session, path)
    assert caught.value.code == "bad_mapping" and "--kind" in caught.value.message
    with pytest.raises(SurveyError) as caught, database.session() as session:
        import_survey_results(session, path, kind="csat", columns={"score": "Stars"})
    assert caught.value.code == "bad_mapping" and "'Stars'" in caught.value.message
    with pytest.raises(SurveyError) as caught, database.session() as session:
        import_survey_results(session, path, kind="csat", columns={"mood": "rating"})
    assert caught.value.code == "bad_mapping"
    with pytest.raises(SurveyError) as caught, database.session() as session:
        import_survey_results(session, tmp_path / "absent.csv", kind="csat")
    assert caught.value.code == "unreadable_file"
    assert _count(database) == 0


# --- heard survey -------------------------------------------------------------------------------

runner = CliRunner()


def _cli(database: Database, *arguments: str) -> tuple[int, str]:
    result = runner.invoke(app, ["survey", *arguments, "--db", database.url])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_cli_create_prints_a_working_link(database: Database, conversations: None) -> None:
    code, output = _cli(database, "create", "chat-1", "--kind", "nps", "--days", "7")
    assert code == 0, output
    [link] = [line for line in output.splitlines() if line.startswith("/s/")]
    token = link.removeprefix("/s/")
    [survey] = _surveys(database)
    assert survey.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert survey.kind == "nps"
    _submit(database, token, 9)
    assert [r.score for r in _responses(database)] == [9]


def test_cli_create_errors_are_one_line(database: Database, conversations: None) -> None:
    code, output = _cli(database, "create", "chat-404", "--kind", "csat")
    assert code == 2
    assert output.strip() == ("error: no conversation 'chat-404' in the database (import it first)")
    code, output = _cli(database, "create", "chat-1", "--kind", "stars")
    assert code == 2
    assert _surveys(database) == []


def test_cli_import_reports_bad_rows_and_is_idempotent(
    database: Database, conversations: None, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT)
    code, output = _cli(database, "import", str(path))
    assert code == 1, output
    assert f"error: {path}:5: no conversation 'chat-404'" in output
    assert "3 responses imported, 6 rows skipped" in output
    code, output = _cli(database, "import", str(path))
    assert code == 1 and "0 responses imported, 3 already there" in output
    assert _count(database) == 3
    good = tmp_path / "good.csv"
    good.write_text("Ticket,Stars\nchat-2,5\n")
    code, output = _cli(
        database,
        "import",
        str(good),
        "--kind",
        "csat",
        "--map",
        "conversation_id=Ticket",
        "--map",
        "score=Stars",
    )
    assert code == 0, output
    assert _count(database) == 4


def test_cli_import_failures(database: Database, conversations: None, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("ticket_id,rating\nchat-404,4\nchat-1,99\n")
    code, output = _cli(database, "import", str(bad), "--kind", "csat")
    assert code == 3, output
    code, output = _cli(database, "import", str(tmp_path / "absent.csv"), "--kind", "csat")
    assert code == 3 and "no such file" in output
    code, output = _cli(database, "import", str(bad))
    assert code == 2 and "--kind" in output
    code, output = _cli(database, "import", str(bad), "--kind", "csat", "--map", "score")
    assert code == 2
    assert _count(database) == 0


def test_cli_list(database: Database, conversations: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _submit(database, _new(database, "csat"), 2, "My parcel still hasn't arrived.")
    _new(database, "nps")
    code, output = _cli(database, "list")
    assert code == 0, output
    assert "answered" in output and "pending" in output
    assert "My parcel still hasn't arrived." in output
    code, output = _cli(database, "list", "--kind", "nps")
    assert code == 0 and "answered" not in output
    code, output = _cli(database, "list", "--conversation", "chat-2")
    assert code == 0 and "no surveys" in output
