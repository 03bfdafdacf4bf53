"""Personal data out of conversations before anything is stored.

``Redactor(config).redact(text)`` replaces e-mail addresses, phone numbers, payment card
numbers (Luhn-checked), IBANs (mod-97-checked), national ids (US SSN, UK NI number, Spanish
DNI/NIE; Dutch BSN and Canadian SIN next to their name), IP addresses, credentials in URLs and
street addresses with the kind in brackets (``[EMAIL]``, ``[PHONE]``, …), so the listening
analysis still reads "I sent it to [EMAIL]". ``redact_conversation`` does every turn, speaker,
the customer id and the metadata. Redacting redacted text changes nothing.

Detection is patterns plus checksums plus the words around a number: fast (microseconds per
turn), offline, and measured on ``tests/redaction/data/pii_labelled.jsonl`` (see
``docs/privacy.md`` for the figures and what it misses, such as names).
"""

from __future__ import annotations

from heard.redaction.config import (
    KINDS,
    CustomPattern,
    RedactionConfig,
    RedactionConfigError,
    config_from_mapping,
    load_config,
)
from heard.redaction.redactor import PiiSpan, RedactedSpan, RedactedText, Redactor, token

__all__ = [
    "KINDS",
    "CustomPattern",
    "PiiSpan",
    "RedactedSpan",
    "RedactedText",
    "RedactionConfig",
    "RedactionConfigError",
    "Redactor",
    "config_from_mapping",
    "load_config",
    "token",
]
