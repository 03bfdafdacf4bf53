"""Real-time assist: nudges, grounded suggestions and draft checks, one turn at a time.

>>> from heard.assist import AssistSession
>>> session = AssistSession(conversation)          # shares the default pipeline and opener memory
>>> update = session.add_turn(turn)                # a final turn: committed
>>> update = session.partial(interim_turn)         # an interim result or a draft: not committed
>>> check = session.check_draft("Refunds take 3-5 days.")

Deterministic and offline; ``heard.assist.rewrite`` can have an OpenAI-compatible endpoint
rephrase the suggestions (off unless ``HEARD_LLM_URL`` is set). See docs/assist.md.
"""

from heard.assist.models import (
    AssistUpdate,
    ChecklistItem,
    DraftCheck,
    DraftIssue,
    DraftStrength,
    Evidence,
    Grounding,
    Nudge,
    NudgeCode,
    Severity,
    Suggestion,
    SuggestionKind,
    UpdateKind,
)
from heard.assist.openers import (
    Opener,
    OpenerBank,
    OpenerMemory,
    default_opener_bank,
    default_opener_memory,
)
from heard.assist.session import AssistSession
from heard.assist.slots import SlotTable, default_slot_table

__all__ = [
    "AssistSession",
    "AssistUpdate",
    "ChecklistItem",
    "DraftCheck",
    "DraftIssue",
    "DraftStrength",
    "Evidence",
    "Grounding",
    "Nudge",
    "NudgeCode",
    "Opener",
    "OpenerBank",
    "OpenerMemory",
    "Severity",
    "SlotTable",
    "Suggestion",
    "SuggestionKind",
    "UpdateKind",
    "default_opener_bank",
    "default_opener_memory",
    "default_slot_table",
]
