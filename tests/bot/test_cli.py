"""`heard kb import|list|test` and `heard bot` (driven through standard input)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from heard.bot.library import bundled_source
from heard.cli import app

runner = CliRunner()


def write_kb(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "faq.yaml").write_text(
        """
- id: opening-hours
  question: When are you open?
  variants: [What are your opening hours?, Are you open on Sunday?, What time do you close?]
  answer: We're open 9 to 5, Monday to Friday.
- id: parking
  question: Is there parking?
  variants: [Where can I park?, Do you have a car park?, Is parking free?]
  answer: There is free parking behind the building.
""".replace(
            "[What are your opening hours?, Are you open on Sunday?, What time do you close?]",
            '["What are your opening hours?", "Are you open on Sunday?", "What time do you close?"]',
        ).replace(
            "[Where can I park?, Do you have a car park?, Is parking free?]",
            '["Where can I park?", "Do you have a car park?", "Is parking free?"]',
        ),
        encoding="utf-8",
    )
    return folder


def test_kb_import_list_and_test(tmp_path: Path) -> None:
    source = write_kb(tmp_path / "source")
    result = runner.invoke(app, ["kb", "import", str(source), "--kb", "office"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(app, ["kb", "list"])
    assert listed.exit_code == 0 and "office" in listed.output and "shop" in listed.output
    queries = tmp_path / "queries.csv"
    queries.write_text(
        "text,entry\nwhat hours are you open,opening-hours\ncan I park my car,parking\n"
    )
    tested = runner.invoke(app, ["kb", "test", str(queries), "--kb", "office", "--json"])
    assert tested.exit_code == 0, tested.output
    figures = json.loads(tested.output)
    assert figures["queries"] == 2 and figures["top1"] == 1.0
    assert {"answer_rate", "confirm_rate", "handoff_rate", "wrong_among_answered"} <= set(figures)
    table = runner.invoke(app, ["kb", "test", str(queries), "--kb", "office", "--answer", "0.1"])
    assert table.exit_code == 0 and "top-1 accuracy" in table.output


def test_kb_import_to_a_folder_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "index"
    result = runner.invoke(
        app, ["kb", "import", str(bundled_source("shop")), "--kb", "shop", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "index.npz").is_file() and (out / "kb.json").is_file()
    bad = tmp_path / "bad.yaml"
    bad.write_text("- question: No answer here?\n")
    failed = runner.invoke(app, ["kb", "import", str(bad), "--kb", "bad"])
    assert failed.exit_code == 2
    assert "bad.yaml: entry 1" in failed.output and "answer" in failed.output
    unknown = runner.invoke(app, ["kb", "test", str(bad), "--kb", "no-such-kb"])
    assert unknown.exit_code == 2 and "no knowledge base 'no-such-kb'" in unknown.output


def test_bot_chats_through_stdin_and_hands_off(tmp_path: Path) -> None:
    source = write_kb(tmp_path / "source")
    db = tmp_path / "heard.db"
    result = runner.invoke(
        app,
        ["bot", "--kb", str(source), "--store", "--db", str(db)],
        input="What are your opening hours?\nthanks\nI want to speak to a human\n/quit\n",
    )
    assert result.exit_code == 0, result.output
    assert "We're open 9 to 5" in result.output
    assert "hand-off packet" in result.output and "asked_for_person" in result.output
    assert "handed_off" in result.output
    metrics = runner.invoke(app, ["bot", "--metrics", "--db", str(db)])
    assert metrics.exit_code == 0, metrics.output
    assert "containment rate" in metrics.output and "0.0" in metrics.output
