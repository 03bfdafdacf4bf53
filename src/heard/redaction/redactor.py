"""The redactor: finds personal data in text and replaces each span by its kind, ``[EMAIL]``."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from heard.conversation import Conversation, Turn
from heard.redaction.config import RedactionConfig
from heard.redaction.detectors import DETECTORS, Detector, Span, count_digits

# A replacement already in the text (ours, or one a user typed): never redacted again, and no
# detection may overlap it, which is what makes redaction idempotent.
TOKEN = re.compile(r"\[[A-Z][A-Z0-9_]*\]")
# Redacting the redacted text again can (rarely) reveal a span the first pass could not see,
# e.g. a number whose neighbour was part of an e-mail; a few passes reach the fixed point.
MAX_PASSES = 4
METADATA_KEY = "redaction"

# Metadata fields whose whole value is personal data even when no pattern recognises it (a
# bare "555 0100" under "customer_phone"), keyed by the words of the field's name.
_FIELD_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("email", frozenset({"email", "emailaddress"})),
    ("ip", frozenset({"ip", "ipaddress", "ipv4", "ipv6"})),
    (
        "phone",
        frozenset({"phone", "telephone", "tel", "mobile", "cell", "cellphone", "fax", "msisdn"}),
    ),
    ("card", frozenset({"card", "cardnumber", "pan", "creditcard"})),
    ("iban", frozenset({"iban"})),
    ("national_id", frozenset({"ssn", "nino", "bsn", "dni", "nie", "sin", "nationalid"})),
    # Not "zip": a ZIP code alone is not personal data (see docs/privacy.md).
    ("address", frozenset({"address", "street", "postcode", "postalcode"})),
)
_PSEUDONYM = re.compile(r"[a-z][a-z0-9_]*-[0-9a-f]{16}")
_NUMERIC_KINDS = frozenset({"phone", "card", "iban", "national_id"})
_KEY_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def token(kind: str) -> str:
    """The replacement for a span of ``kind``: ``[EMAIL]``, ``[NATIONAL_ID]``."""
    return f"[{kind.upper()}]"


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """Personal data found in a text: ``text[start:end]`` is ``value``, of ``kind``."""

    start: int
    end: int
    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class RedactedSpan:
    """Where a replacement is: ``start:end`` in the original text, ``redacted_start:
    redacted_end`` (the token) in the redacted one. The value itself is not kept."""

    kind: str
    start: int
    end: int
    redacted_start: int
    redacted_end: int


@dataclass(frozen=True, slots=True)
class RedactedText:
    """A text with its personal data replaced, and where."""

    text: str
    spans: tuple[RedactedSpan, ...] = field(default=())

    def counts(self) -> dict[str, int]:
        """How many spans of each kind were replaced."""
        return dict(Counter(span.kind for span in self.spans))


def _key_kind(key: str, enabled: frozenset[str]) -> str | None:
    words = {word.lower() for word in _KEY_WORDS.findall(key)}
    words.add(re.sub(r"[^a-z0-9]", "", key.lower()))
    for kind, names in _FIELD_WORDS:
        if kind in enabled and words & names:
            return kind
    return None


class Redactor:
    """Finds and replaces personal data as ``config`` says. Build once, use for every turn:
    the patterns are compiled at import and the custom ones here."""

    def __init__(self, config: RedactionConfig | None = None) -> None:
        self.config = config or RedactionConfig()
        self._detectors: list[tuple[str, Detector]] = [
            (kind, DETECTORS[kind]) for kind in self.config.enabled()
        ]
        # A user's own patterns go first: whoever wrote one knows better than the built-ins.
        self._custom = [(pattern.label, pattern.compiled()) for pattern in self.config.patterns]
        self._allow = {value.strip().casefold() for value in self.config.allow}
        self._allow_digits = {
            digits
            for digits in ("".join(c for c in value if c.isdigit()) for value in self.config.allow)
            if len(digits) >= 7
        }
        self._enabled = frozenset(self.config.enabled()) | {
            pattern.label for pattern in self.config.patterns
        }
        key = self.config.pseudonym_key
        self._pseudonym_key = (key or "heard-redaction-v1").encode("utf-8")

    # Text ----------------------------------------------------------------------------------

    def _allowed(self, value: str, kind: str) -> bool:
        if value.strip().casefold() in self._allow:
            return True
        if kind == "phone" and self._allow_digits:
            # By digits, either side possibly with a country code: "+1 212 555 0198" allows
            # "212-555-0198".
            digits = "".join(c for c in value if c.isdigit())
            return len(digits) >= 7 and any(
                digits.endswith(allowed) or allowed.endswith(digits)
                for allowed in self._allow_digits
            )
        return False

    def _take(
        self,
        text: str,
        kind: str,
        spans: list[Span],
        taken: list[Span],
        chosen: list[tuple[int, int, str]],
    ) -> None:
        # Longest first within a kind, so a street address beats the postcode inside it.
        if len(spans) > 1:
            spans = sorted(spans, key=lambda s: (s[0] - s[1], s[0]))
        for start, end in spans:
            if start >= end or any(start < e and s < end for s, e in taken):
                continue
            if self._allow and self._allowed(text[start:end], kind):
                continue
            taken.append((start, end))
            chosen.append((start, end, kind))

    def _find_once(self, text: str) -> list[tuple[int, int, str]]:
        taken: list[Span] = []
        if "[" in text:
            taken = [match.span() for match in TOKEN.finditer(text)]
        chosen: list[tuple[int, int, str]] = []
        for label, pattern in self._custom:
            spans = [match.span() for match in pattern.finditer(text)]
            if spans:
                self._take(text, label, spans, taken, chosen)
        if self._detectors:
            digits = count_digits(text)
            for kind, detector in self._detectors:
                spans = detector(text, digits)
                if spans:
                    self._take(text, kind, spans, taken, chosen)
        chosen.sort()
        return chosen

    def _apply(
        self, text: str, spans: list[tuple[int, int, str]]
    ) -> tuple[str, list[RedactedSpan]]:
        parts: list[str] = []
        placed: list[RedactedSpan] = []
        position = 0
        length = 0
        for start, end, kind in spans:
            parts.append(text[position:start])
            length += start - position
            replacement = token(kind)
            parts.append(replacement)
            placed.append(RedactedSpan(kind, start, end, length, length + len(replacement)))
            length += len(replacement)
            position = end
        parts.append(text[position:])
        return "".join(parts), placed

    def _spans(self, text: str) -> list[tuple[int, int, str]]:
        spans = self._find_once(text)
        if not spans:
            return spans
        for _ in range(MAX_PASSES - 1):
            redacted, placed = self._apply(text, spans)
            more = self._find_once(redacted)
            if not more:
                break
            # Later passes never overlap a token, so each new span lies in text the earlier
            # passes left alone: map it back to the original by the shift before it.
            for start, end, kind in more:
                shift = 0
                for span in placed:
                    if span.redacted_end <= start:
                        shift += (span.end - span.start) - (span.redacted_end - span.redacted_start)
                spans.append((start + shift, end + shift, kind))
            spans.sort()
        return spans

    def find(self, text: str) -> list[PiiSpan]:
        """Every span of personal data in ``text``, in order, never overlapping."""
        return [
            PiiSpan(start, end, kind, text[start:end]) for start, end, kind in self._spans(text)
        ]

    def redact(self, text: str) -> RedactedText:
        """``text`` with every span ``find`` returns replaced by its kind's token."""
        spans = self._spans(text)
        if not spans:
            return RedactedText(text)
        redacted, placed = self._apply(text, spans)
        return RedactedText(redacted, tuple(placed))

    # Conversations -------------------------------------------------------------------------

    def _text(self, text: str, counts: Counter[str]) -> str:
        result = self.redact(text)
        for span in result.spans:
            counts[span.kind] += 1
        return result.text

    def _pseudonym(self, kind: str, value: str) -> str:
        normal = value.strip().casefold()
        if kind == "phone":
            normal = "".join(c for c in normal if c.isdigit())
        digest = hmac.new(self._pseudonym_key, normal.encode("utf-8"), hashlib.sha256)
        return f"{kind}-{digest.hexdigest()[:16]}"

    def _identity(self, value: str, counts: Counter[str]) -> str:
        """An identifier (customer id, speaker, a metadata key): when it is wholly personal
        data, a stable pseudonym (so one customer's conversations still go together);
        otherwise redacted like any text."""
        spans = self._spans(value)
        if len(spans) == 1:
            start, end, kind = spans[0]
            if not value[:start].strip() and not value[end:].strip():
                counts[kind] += 1
                return self._pseudonym(kind, value[start:end])
        return self._text(value, counts) if spans else value

    def _value(self, value: Any, counts: Counter[str], kind: str | None) -> Any:
        if isinstance(value, str):
            redacted = self._text(value, counts)
            if (
                kind is not None
                and redacted == value
                and value.strip()
                and not TOKEN.fullmatch(value.strip())
                and not self._allowed(value, kind)
            ):
                counts[kind] += 1
                return token(kind)
            return redacted
        if isinstance(value, dict):
            return self._mapping(value, counts, kind)
        if isinstance(value, list | tuple):
            return type(value)(self._value(item, counts, kind) for item in value)
        if kind in _NUMERIC_KINDS and isinstance(value, int) and not isinstance(value, bool):
            counts[kind] += 1  # a phone number stored as a number is still a phone number
            return token(kind)
        return value

    def _mapping(
        self, mapping: dict[Any, Any], counts: Counter[str], kind: str | None = None
    ) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key, value in mapping.items():
            field_kind = None
            new_key = key
            if isinstance(key, str):
                new_key = self._identity(key, counts)
                # A key that is itself personal data (a speaker in "speaker_roles") or its
                # pseudonym ("email-3f2a…") names a person, not the kind of the field.
                if new_key == key and not _PSEUDONYM.fullmatch(key):
                    field_kind = _key_kind(key, self._enabled)
            result[new_key] = self._value(value, counts, field_kind or kind)
        return result

    def redact_turn(self, turn: Turn, counts: Counter[str] | None = None) -> Turn:
        """A copy of ``turn`` with its text and speaker redacted."""
        counts = Counter() if counts is None else counts
        speaker = turn.speaker
        if speaker is not None:
            speaker = self._identity(speaker, counts)
        return turn.model_copy(update={"text": self._text(turn.text, counts), "speaker": speaker})

    def redact_conversation(self, conversation: Conversation) -> Conversation:
        """A new conversation with every turn's text, every speaker, the customer id and every
        metadata value redacted; ``metadata["redaction"]`` counts the spans of each kind
        replaced (added to earlier counts; absent when nothing was). The input is unchanged.

        The conversation's own id, agent id and team id are kept: they key the stored
        conversation and the staff, not the customer."""
        counts: Counter[str] = Counter()
        turns = [self.redact_turn(turn, counts) for turn in conversation.turns]
        metadata = dict(conversation.metadata)
        previous = metadata.pop(METADATA_KEY, None)
        metadata = self._mapping(metadata, counts)
        customer_id = conversation.customer_id
        if customer_id is not None:
            customer_id = self._identity(customer_id, counts)
        if isinstance(previous, dict):
            for kind, count in previous.items():
                if isinstance(count, int) and not isinstance(count, bool):
                    counts[str(kind)] += count
        if counts:
            metadata[METADATA_KEY] = dict(sorted(counts.items()))
        elif previous is not None:
            metadata[METADATA_KEY] = previous
        return conversation.model_copy(
            update={"turns": turns, "metadata": metadata, "customer_id": customer_id}
        )
