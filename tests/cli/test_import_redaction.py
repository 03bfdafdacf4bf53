"""`heard import` redacts personal data before storing it (default), or not (--no-redact)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.cli import app
from heard.store import Database
from heard.store.repository import latest_analyses, load_conversation

runner = CliRunner()

CHAT = {
    "id": "chat-pii-1",
    "customer_id": "jane.doe@example.com",
    "metadata": {"customer_phone": "555 0100", "subject": "card 4111 1111 1111 1111"},
    "turns": [
        {"role": "agent", "text": "Hello, thanks for contacting us. How can I help?"},
        {
            "role": "customer",
            "speaker": "jane.doe@example.com",
            "text": "My parcel never came. I'm at 27 Elmwood Road, Bristol BS1 4DJ, "
            "call me on 07700 900123 or email jane.doe@example.com.",
        },
        {"role": "agent", "text": "I'm sorry about that, I'll send a replacement today."},
    ],
}


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def heard(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def stored(url: str, conversation_id: str) -> tuple[str, str]:
    """The stored conversation as JSON, and its analyses as JSON."""
    database = Database(url)
    try:
        with database.session() as session:
            conversation = load_conversation(session, conversation_id)
            assert conversation is not None
            records = [
                analysis.record for _, analysis in latest_analyses(session, [conversation_id])
            ]
            return conversation.model_dump_json(), json.dumps(records, default=str)
    finally:
        database.dispose()


@pytest.fixture
def chats(tmp_path: Path) -> Path:
    path = tmp_path / "chats.jsonl"
    path.write_text(json.dumps(CHAT) + "\n", encoding="utf-8")
    return path


def test_import_redacts_by_default(chats: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    code, output = heard("import", chats, "--db", url, "--quiet")
    assert code == 0, output
    conversation, analyses = stored(url, "chat-pii-1")
    assert "listening_score" in analyses, "the (redacted) conversation was analysed"
    for value in ("jane.doe", "07700", "900123", "Elmwood", "BS1", "4111", "0100"):
        assert value not in conversation, value
        assert value not in analyses, value
    record = json.loads(conversation)
    assert "[ADDRESS], call me on [PHONE] or email [EMAIL]." in record["turns"][1]["text"]
    assert record["metadata"]["redaction"] == {"address": 1, "card": 1, "email": 3, "phone": 2}
    assert record["customer_id"].startswith("email-")

    # Importing again is still a no-op: redaction gives the same conversation every time.
    code, output = heard("import", chats, "--db", url)
    assert code == 0, output
    assert "1 read: 0 added, 0 updated, 1 unchanged" in output


def test_no_redact_stores_the_text_as_read(chats: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    code, output = heard("import", chats, "--db", url, "--no-redact", "--no-analyze", "--quiet")
    assert code == 0, output
    conversation, _ = stored(url, "chat-pii-1")
    assert (
        "07700 900123" in conversation and "redaction" not in json.loads(conversation)["metadata"]
    )


def test_redaction_config(chats: Path, tmp_path: Path) -> None:
    config = tmp_path / "redaction.yaml"
    config.write_text("address: false\nallow: [jane.doe@example.com]\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    code, output = heard(
        "import", chats, "--db", url, "--redaction-config", config, "--no-analyze", "--quiet"
    )
    assert code == 0, output
    record = json.loads(stored(url, "chat-pii-1")[0])
    assert (
        "27 Elmwood Road, Bristol BS1 4DJ, call me on [PHONE] or email jane.doe@example.com."
        in (record["turns"][1]["text"])
    )


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        ("emial: true\n", (), "unknown setting 'emial'"),
        ("patterns:\n  - label: a\n    pattern: '('\n", (), "not a valid regular expression"),
        ("address: false\n", ("--no-redact",), "needs redaction; drop --no-redact"),
    ],
)
def test_bad_redaction_config_is_a_usage_error(
    chats: Path, tmp_path: Path, content: str, extra: tuple[str, ...], message: str
) -> None:
    config = tmp_path / "redaction.yaml"
    config.write_text(content, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    code, output = heard("import", chats, "--db", url, "--redaction-config", config, *extra)
    assert code == 2, output
    assert message in " ".join(output.split())
    assert not (tmp_path / "heard.db").exists(), "nothing is opened before the options are checked"


def test_missing_redaction_config(chats: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'heard.db'}"
    code, output = heard("import", chats, "--db", url, "--redaction-config", tmp_path / "no.yaml")
    assert code == 2, output
    assert "no such file" in output
