"""What to redact: the kinds that are on, literals never to redact, extra patterns of one's own.

A YAML file sets any of these (every key optional)::

    address: false                # a kind off (all are on by default)
    allow:                        # never redacted, compared case-insensitively
      - support@acme.example
      - +1 555 0100
    patterns:                     # redacted as [ACCOUNT]
      - label: account
        pattern: 'ACC-[0-9]{8}'
        ignore_case: true
    pseudonym_key: a long random secret   # keys the pseudonyms of customer ids and speakers
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# In the order they are tried when two detections overlap: the most specific (checksummed,
# structured) first, so an IBAN's digits are never also read as a phone number.
KINDS: tuple[str, ...] = (
    "url_credentials",
    "email",
    "iban",
    "card",
    "national_id",
    "ip",
    "phone",
    "address",
)

_LABEL = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class RedactionConfigError(ValueError):
    """A redaction configuration that cannot be used, with the file and the problem named."""


class CustomPattern(BaseModel):
    """A regular expression of one's own; what it matches is replaced by ``[LABEL]``."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    label: str = Field(description="Lower-case name of the kind, such as 'account'.")
    pattern: str = Field(min_length=1, description="A Python regular expression.")
    ignore_case: bool = False

    @field_validator("label")
    @classmethod
    def _label_is_a_name(cls, value: str) -> str:
        if not _LABEL.match(value):
            raise ValueError(
                "must be lower-case letters, digits and '_', starting with a letter (such as "
                "'account'): it becomes the [ACCOUNT] replacement"
            )
        return value

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as error:
            raise ValueError(f"not a valid regular expression: {error}") from None
        if compiled.fullmatch("") is not None:
            # A pattern that matches nothing at all would "redact" empty strings everywhere.
            raise ValueError("matches the empty string; it must match at least one character")
        return value

    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, re.IGNORECASE if self.ignore_case else 0)


class RedactionConfig(BaseModel):
    """Which kinds of personal data are redacted, and the exceptions and additions."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    email: bool = True
    phone: bool = True
    card: bool = Field(default=True, description="Payment card numbers (Luhn-checked).")
    iban: bool = Field(default=True, description="IBANs (mod-97-checked).")
    national_id: bool = Field(
        default=True,
        description="US SSN, UK NI number, Spanish DNI/NIE; Dutch BSN, Canadian SIN by context.",
    )
    address: bool = Field(default=True, description="Street addresses, UK/Canadian postcodes.")
    ip: bool = Field(default=True, description="IPv4 and IPv6 addresses.")
    url_credentials: bool = Field(
        default=True, description="The user:password part of a URL such as https://u:p@host/."
    )
    allow: list[str] = Field(
        default_factory=list,
        description="Literal values never redacted (case-insensitive; phones by their digits).",
    )
    patterns: list[CustomPattern] = Field(default_factory=list)
    pseudonym_key: str | None = Field(
        default=None,
        min_length=16,
        description=(
            "Secret keying the pseudonyms that replace customer ids and speakers that are "
            "personal data; without it they are unkeyed hashes, which can be reversed by guessing."
        ),
    )

    @field_validator("allow")
    @classmethod
    def _allow_not_blank(cls, value: list[str]) -> list[str]:
        for entry in value:
            if not entry.strip():
                raise ValueError("an allowed value cannot be blank")
        return value

    def enabled(self) -> tuple[str, ...]:
        """The built-in kinds that are on, in overlap order."""
        return tuple(kind for kind in KINDS if getattr(self, kind))


def _describe(error: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        known = ", ".join(RedactionConfig.model_fields)
        if len(error["loc"]) > 1:
            known = ", ".join(CustomPattern.model_fields)
        return f"unknown setting {where!r} (known: {known})"
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "bool_type":
        message = "must be true or false"
    return f"{where}: {message}"


def config_from_mapping(data: Any, source: str = "redaction settings") -> RedactionConfig:
    """A configuration from already-parsed settings; errors name ``source``."""
    if data is None:
        return RedactionConfig()
    if not isinstance(data, dict):
        raise RedactionConfigError(
            f"{source}: expected a mapping of settings (such as 'address: false'), "
            f"found {type(data).__name__}"
        )
    try:
        return RedactionConfig.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(_describe(dict(e)) for e in error.errors()[:5])
        raise RedactionConfigError(f"{source}: {problems}") from None


def load_config(path: str | Path) -> RedactionConfig:
    """The configuration in a YAML file (an empty file means the defaults)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RedactionConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RedactionConfigError(f"{path}: is a folder, not a YAML file") from None
    except UnicodeDecodeError:
        raise RedactionConfigError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise RedactionConfigError(f"{path}: cannot read it: {error.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or "cannot be parsed"
        raise RedactionConfigError(f"{path}: not valid YAML{where}: {problem}") from None
    return config_from_mapping(data, str(path))
