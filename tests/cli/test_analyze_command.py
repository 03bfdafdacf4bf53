from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.cli import app
from heard.scoring import COMPONENTS

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RECORD_KEYS = {
    "conversation_id",
    "agent_id",
    "listening_score",
    "components",
    "evidence",
    "turns",
    "signals",
}


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def test_jsonl_records_have_exactly_the_documented_keys(tmp_path: Path) -> None:
    out = tmp_path / "scores.jsonl"
    result = runner.invoke(app, ["analyze", str(EXAMPLES), "--format", "jsonl", "--out", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 9
    for record in records:
        assert set(record) == RECORD_KEYS
        assert set(record["components"]) == set(COMPONENTS)
        for turn in record["turns"]:
            assert set(turn) == {"id", "role", "labels", "detail", "emotion", "intensity"}


def test_jobs_do_not_change_the_result(tmp_path: Path) -> None:
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs{jobs}.jsonl"
        result = runner.invoke(
            app, ["analyze", str(EXAMPLES), "-f", "jsonl", "-o", str(out), "--jobs", jobs]
        )
        assert result.exit_code == 0, result.output
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1]


def test_table_csv_json_and_html(tmp_path: Path) -> None:
    table = runner.invoke(app, ["analyze", str(EXAMPLES / "chats.jsonl")])
    assert (
        table.exit_code == 0
        and "chat-1002" in table.stdout
        and "What cost the most" in table.stdout
    )
    rows = list(
        csv.DictReader(
            io.StringIO(
                runner.invoke(app, ["analyze", str(EXAMPLES / "chats.jsonl"), "-f", "csv"]).stdout
            )
        )
    )
    assert [r["conversation_id"] for r in rows] == [
        "chat-1001",
        "chat-1002",
        "chat-1003",
        "chat-1004",
    ]
    assert set(COMPONENTS) <= set(rows[0])
    document = json.loads(
        runner.invoke(app, ["analyze", str(EXAMPLES / "chats.jsonl"), "-f", "json"]).stdout
    )
    assert {card["group"] for card in document["agents"]} == {"agent-mia", "agent-tom"}
    assert {card["group"] for card in document["teams"]} == {
        "team-orders",
        "team-billing",
        "team-returns",
    }
    html = tmp_path / "report.html"
    assert (
        runner.invoke(app, ["analyze", str(EXAMPLES), "-f", "html", "-o", str(html)]).exit_code == 0
    )
    assert html.read_text().startswith("<!DOCTYPE html>")


def test_a_bad_rubric_is_a_usage_error(tmp_path: Path) -> None:
    rubric = tmp_path / "r.yaml"
    rubric.write_text("weights:\n  kindness: 3\n")
    result = runner.invoke(app, ["analyze", str(EXAMPLES / "chats.jsonl"), "--rubric", str(rubric)])
    assert result.exit_code == 2
    assert "unknown components" in result.output


def test_bad_records_are_reported_and_the_rest_analysed(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    good = (EXAMPLES / "chats.jsonl").read_text().splitlines()[0]
    path.write_text(good + "\n{oops\n")
    result = runner.invoke(app, ["analyze", str(path), "-f", "jsonl"])
    assert result.exit_code == 1
    assert [json.loads(line)["conversation_id"] for line in result.stdout.splitlines()] == [
        "chat-1001"
    ]
    assert "line 2: not valid JSON" in result.stderr
