"""Redaction configuration files: what they set, and readable errors for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from heard.redaction import RedactionConfig, RedactionConfigError, Redactor, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "redaction.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_full_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "address: false\n"
        "allow:\n  - support@acme.example\n"
        "patterns:\n  - label: account\n    pattern: 'ACC-[0-9]{8}'\n    ignore_case: true\n"
        "pseudonym_key: a-long-random-secret-value\n",
    )
    config = load_config(path)
    assert config.address is False and config.email is True
    assert config.allow == ["support@acme.example"]
    assert config.patterns[0].label == "account"
    text = "acc-12345678, 27 Elmwood Road, support@acme.example, jane@example.com"
    assert Redactor(config).redact(text).text == (
        "[ACCOUNT], 27 Elmwood Road, support@acme.example, [EMAIL]"
    )


def test_an_empty_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")) == RedactionConfig()
    assert load_config(write(tmp_path, "# nothing\n")) == RedactionConfig()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("emial: true\n", "unknown setting 'emial' (known: email, phone"),
        ("email: maybe\n", "email: must be true or false"),
        ("email: 'yes'\n", "email: must be true or false"),
        ("- email\n", "expected a mapping of settings"),
        ("email: [true\n", "not valid YAML (line 2"),
        ("patterns:\n  - label: Account\n    pattern: x\n", "patterns.0.label: must be lower-case"),
        (
            "patterns:\n  - label: a\n    pattern: '(unclosed'\n",
            "patterns.0.pattern: not a valid regular expression",
        ),
        ("patterns:\n  - label: a\n    pattern: 'x*'\n", "matches the empty string"),
        (
            "patterns:\n  - label: a\n    regex: x\n",
            "unknown setting 'patterns.0.regex' (known: label, pattern, ignore_case)",
        ),
        ("patterns:\n  - label: a\n", "patterns.0.pattern: Field required"),
        ("allow: [' ']\n", "allow: an allowed value cannot be blank"),
        ("allow: support@acme.example\n", "allow: Input should be a valid list"),
        ("pseudonym_key: short\n", "pseudonym_key: String should have at least 16 characters"),
    ],
)
def test_mistakes_name_the_file_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RedactionConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_missing_unreadable_and_folder(tmp_path: Path) -> None:
    with pytest.raises(RedactionConfigError, match="no such file"):
        load_config(tmp_path / "absent.yaml")
    with pytest.raises(RedactionConfigError, match="is a folder"):
        load_config(tmp_path)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(RedactionConfigError, match="not UTF-8"):
        load_config(binary)
