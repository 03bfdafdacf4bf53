from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard import __version__
from heard.cli import app
from heard.readers import readers

runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rich wraps error panels at the terminal width; a wide one keeps messages on one line.
    monkeypatch.setenv("COLUMNS", "200")


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"heard {__version__}"


def test_formats_lists_every_reader() -> None:
    result = runner.invoke(app, ["formats"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for reader in readers():
        assert reader.name in result.stdout


def test_read_native_to_stdout(examples_dir: Path) -> None:
    result = runner.invoke(app, ["read", str(examples_dir / "chats.jsonl")])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["chat-1001", "chat-1002", "chat-1003", "chat-1004"]
    assert "4 conversations read from 1 file" in result.stderr


def test_read_whole_examples_folder(examples_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    result = runner.invoke(app, ["read", str(examples_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert len(ids) >= 8  # four chats, two SMS threads, an e-mail thread and two calls
    assert {"chat-1001", "sms-2001", "sms-2002"} <= set(ids)
    assert not list(tmp_path.glob(".*.part")), "temporary file left behind"


def test_bad_records_are_named_and_good_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps({"id": "good", "turns": [{"role": "customer", "text": "hi"}]})
        + "\n{broken\n"
        + json.dumps({"id": "bad", "turns": [{"role": "alien", "text": "hi"}]})
        + "\n"
    )
    result = runner.invoke(app, ["read", str(path)])
    assert result.exit_code == 1
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["good"]
    assert f"{path}, line 2: not valid JSON" in result.stderr
    assert "line 3, conversation bad" in result.stderr
    assert "2 of 3 records skipped: see errors above" in result.stderr


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    result = runner.invoke(app, ["read", str(tmp_path / "nope.jsonl")])
    assert result.exit_code == 3
    assert "no such file or folder" in result.stderr
    odd = tmp_path / "notes.bin"
    odd.write_bytes(b"\x00\x01\x02 not a conversation")
    result = runner.invoke(app, ["read", str(odd)])
    assert result.exit_code == 3
    assert "format not recognised" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--map", "text"], "expected FIELD=COLUMN"),
        (["--format", "fax"], "unknown format 'fax'"),
        (["--agent", "spk_0", "--customer", "spk_0"], "cannot be both agent and customer"),
    ],
)
def test_usage_mistakes(examples_dir: Path, arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["read", str(examples_dir / "chats.jsonl"), *arguments])
    assert result.exit_code == 2
    assert message in result.output


def test_out_folder_must_exist(examples_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["read", str(examples_dir), "--out", str(tmp_path / "no" / "x.jsonl")]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_a_real_process_prints_no_traceback_for_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "garbage.json"
    path.write_bytes(b'{"results": {"items": [1, 2, {"speaker_label": 5}]}, "jobName": 7}')
    process = subprocess.run(
        [sys.executable, "-m", "heard", "read", str(path), str(tmp_path / "missing.vtt")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode in (1, 3)
    assert "Traceback" not in process.stderr
    assert "missing.vtt: no such file or folder" in process.stderr


def test_table_output(examples_dir: Path) -> None:
    result = runner.invoke(
        app, ["read", str(examples_dir / "chats.jsonl"), "--to", "table"], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0
    assert "chat-1004" in result.stdout and "agent-tom" in result.stdout
