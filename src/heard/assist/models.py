"""What the real-time assistant sends: the wire models the server serialises as JSON.

Field names here are a public contract with every client (agent desktop, browser extension):
renaming one breaks them. Every nudge and suggestion carries the exact customer or agent words
it stands on, so an agent can see why it was said and nothing is asserted without a source.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from heard.conversation import Role
from heard.listening.model import TurnAnnotation


class UpdateKind(StrEnum):
    """What kind of turn an update answers."""

    FINAL = "final"  # a committed turn: it is part of the conversation from now on
    PARTIAL = "partial"  # an interim speech-to-text result, replaced by the next one
    DRAFT = "draft"  # an agent's reply being typed, not sent yet


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    URGENT = "urgent"


class NudgeCode(StrEnum):
    """Stable machine ids of nudges: clients key icons, sounds and analytics on these."""

    UNACKNOWLEDGED_EMOTION = "unacknowledged_emotion"
    ISSUE_NOT_CONFIRMED = "issue_not_confirmed"
    TALKING_OVER = "talking_over"
    CLOSING_CHECKLIST = "closing_checklist"
    INTERROGATION = "interrogation"
    REPEAT_UNADDRESSED = "repeat_unaddressed"
    LANGUAGE_MISMATCH = "language_mismatch"
    DISMISSIVE_LANGUAGE = "dismissive_language"


class Evidence(BaseModel):
    """The words that triggered a nudge or an issue: ``quote`` is verbatim from the turn."""

    turn_id: str
    quote: str
    reason: str


class Nudge(BaseModel):
    """A short prompt about how the agent is listening, with the words that prompted it."""

    id: str = Field(
        description="code:cause — the same situation keeps the same id, so a client can update "
        "a nudge it already shows instead of showing it again."
    )
    code: NudgeCode
    severity: Severity
    message: str
    evidence: list[Evidence] = Field(default_factory=list)
    new: bool = Field(
        default=True, description="First time this situation is reported in the session."
    )


class SuggestionKind(StrEnum):
    PARAPHRASE = "paraphrase"
    CLARIFYING_QUESTION = "clarifying_question"
    EMPATHY_OPENER = "empathy_opener"
    CLOSING_CHECKLIST = "closing_checklist"


class Grounding(BaseModel):
    """Where a suggestion's facts come from: verbatim words of one turn."""

    turn_id: str
    quote: str


class ChecklistItem(BaseModel):
    code: str = Field(description="issue_confirmed, solution_given, timeline_given, …")
    label: str
    done: bool
    applies: bool = Field(
        default=True, description="False when the item is not needed here (nothing to restate)."
    )
    evidence: list[Evidence] = Field(default_factory=list)


class Suggestion(BaseModel):
    """Something the agent could say (or check) next, built only from the conversation."""

    kind: SuggestionKind
    text: str
    grounded_in: list[Grounding] = Field(default_factory=list)
    items: list[ChecklistItem] | None = Field(
        default=None, description="closing_checklist only: each item, done or not, and why."
    )
    detail: dict[str, str] = Field(
        default_factory=dict,
        description="What shaped the text: the slot asked for, the opener used, the emotion.",
    )
    rewritten: bool = Field(
        default=False, description="Rephrased by the optional language model (HEARD_LLM_URL)."
    )
    original_text: str | None = Field(
        default=None, description="The deterministic text, when the language model rephrased it."
    )


class DraftIssue(BaseModel):
    code: str
    severity: Severity
    message: str
    evidence: list[Evidence] = Field(default_factory=list)
    penalty: int = Field(ge=0, le=100, description="Points it takes off the readiness score.")


class DraftStrength(BaseModel):
    label: str
    message: str
    quote: str = Field(description="The draft's words that do it.")


class DraftCheck(BaseModel):
    """An agent's reply scored before it is sent."""

    conversation_id: str
    annotation: TurnAnnotation = Field(description="The draft annotated as the agent's next turn.")
    issues: list[DraftIssue] = Field(default_factory=list)
    strengths: list[DraftStrength] = Field(default_factory=list)
    readiness: int = Field(ge=0, le=100)
    reason: str
    elapsed_ms: float = 0.0


class AssistUpdate(BaseModel):
    """The answer to one turn, partial result or draft."""

    conversation_id: str
    turn_id: str
    role: Role
    kind: UpdateKind
    annotations: list[TurnAnnotation] = Field(
        default_factory=list,
        description="The answered turn's annotation, and any earlier turn it revised "
        "(a customer's 'let me finish' marks the agent turn before it as an interruption).",
    )
    nudges: list[Nudge] = Field(
        default_factory=list, description="Every nudge that still stands; `new` marks fresh ones."
    )
    resolved_nudges: list[str] = Field(
        default_factory=list, description="Ids of nudges that stood before and no longer do."
    )
    suggestions: list[Suggestion] = Field(default_factory=list)
    draft: DraftCheck | None = Field(
        default=None, description="For agent drafts: the readiness check of the draft."
    )
    elapsed_ms: float = 0.0

    @property
    def new_nudges(self) -> list[Nudge]:
        return [nudge for nudge in self.nudges if nudge.new]
