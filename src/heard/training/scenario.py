"""Role-play scenarios: a simulated customer's problem, feelings and hidden facts, from YAML.

A scenario file is validated strictly (unknown keys, wrong types and dangling ids are errors),
and every error names the file and the field, so a trainer writing a scenario sees at once
what to fix. The format is documented field by field in ``docs/training.md``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

BUILTIN = Path(__file__).with_name("scenarios")

Label = Literal[
    "acknowledgement",
    "paraphrase",
    "clarifying_question",
    "empathy",
    "reassurance",
    "ownership",
    "solution",
    "timeline",
    "follow_up",
    "interruption",
    "dismissive",
    "assumption",
]
EmotionName = Literal[
    "anger", "frustration", "anxiety", "sadness", "confusion", "gratitude", "neutral"
]
# What can move the customer's feelings: the engine's labels, and what the simulator makes of
# them against the scenario (a fact drawn out, a concern ignored, a paraphrase corrected…).
Event = Literal[
    "acknowledgement",
    "paraphrase",
    "paraphrase_corrected",
    "clarifying_question",
    "empathy",
    "reassurance",
    "ownership",
    "solution_accepted",
    "solution_rejected",
    "premature_solution",
    "timeline",
    "follow_up",
    "interruption",
    "dismissive",
    "assumption",
    "misreading",
    "concern_acknowledged",
    "concern_ignored",
    "asked_again",
    "no_listening",
    "confusing",
    "time_pressure",
]
# How much each event moves intensity (0 calm … 1 at the end of their tether). Calming events
# count less each time they recur (see simulator.DIMINISHING), so one line repeated is not a
# way to soothe anyone. A scenario may override any of these in ``emotion.effects``.
DEFAULT_EFFECTS: dict[str, float] = {
    "acknowledgement": -0.04,
    "paraphrase": -0.12,
    "paraphrase_corrected": 0.03,
    "clarifying_question": -0.02,
    "empathy": -0.14,
    "reassurance": -0.05,
    "ownership": -0.08,
    "solution_accepted": -0.15,
    "solution_rejected": 0.1,
    "premature_solution": 0.06,
    "timeline": -0.05,
    "follow_up": -0.05,
    "interruption": 0.2,
    "dismissive": 0.3,
    "assumption": 0.15,
    "misreading": 0.06,
    "concern_acknowledged": -0.08,
    "concern_ignored": 0.12,
    "asked_again": 0.08,
    "no_listening": 0.06,
    "confusing": 0.07,
    "time_pressure": 0.04,
}

# Phrase banks: what the customer can say in each situation. Scenarios replace any bank; the
# defaults keep short scenario files possible. Placeholders are filled from the scenario.
PhraseKey = Literal[
    "confirm",
    "confirm_partly",
    "correct",
    "already_told",
    "no_info",
    "closed_answer",
    "waiting",
    "calmer",
    "angrier",
    "protest_interrupted",
    "dismissed",
    "assumed",
    "premature",
    "rejected",
    "ask_timeline",
    "ask_follow_up",
    "ask_ownership",
    "still_upset",
    "escalated",
    "timeout",
    "resolved",
    "confused",
]
PLACEHOLDERS: dict[str, frozenset[str]] = {
    "confirm_partly": frozenset({"missing"}),
    "correct": frozenset({"correction"}),
    "already_told": frozenset({"fact"}),
    "premature": frozenset({"missing"}),
}
DEFAULT_PHRASES: dict[str, list[str]] = {
    "confirm": ["Yes, that's it exactly.", "Yes. That's right.", "Exactly, yes."],
    "confirm_partly": [
        "Yes, and {missing}",
        "Mostly, yes. But also: {missing}",
        "That's part of it. {missing}",
    ],
    "correct": ["No, not quite. {correction}", "That's not it. {correction}"],
    "already_told": [
        "I already told you: {fact}",
        "As I said, {fact}",
        "I've already said this. {fact}",
    ],
    "no_info": [
        "I'm not sure what that has to do with it.",
        "I don't know, sorry. That's not really the problem.",
        "Why does that matter?",
    ],
    "closed_answer": ["Yes.", "I suppose so.", "Sort of, yes."],
    "waiting": ["So what happens now?", "Okay… and?", "Right. So what are you going to do?"],
    "calmer": ["Thank you, that helps.", "Okay. Thank you for listening.", "Thanks, that helps."],
    "angrier": [
        "This is getting ridiculous.",
        "I'm really losing my patience here.",
        "This is not okay.",
    ],
    "protest_interrupted": [
        "Let me finish, please.",
        "Can I finish? As I was saying,",
        "You cut me off.",
    ],
    "dismissed": [
        "Please don't talk to me like that.",
        "That's not a helpful thing to say.",
        "I don't appreciate that tone.",
    ],
    "assumed": [
        "No, that's not what happened.",
        "Please don't assume things about me.",
        "That's not it at all.",
    ],
    "premature": [
        "Hang on, you don't even know {missing} yet.",
        "How can you sort it out without knowing {missing}?",
    ],
    "rejected": ["That doesn't solve my problem.", "No, that won't work for me."],
    "ask_timeline": ["When will that happen?", "And how long will that take?"],
    "ask_follow_up": ["How will I know it's done?", "Will someone let me know?"],
    "ask_ownership": [
        "Who is actually going to make sure this happens?",
        "And is someone going to take responsibility for this?",
    ],
    "still_upset": [
        "Fine. But I'm still not happy about how this has gone.",
        "Okay. I'm still upset, to be honest.",
    ],
    "escalated": [
        "I want to speak to a manager.",
        "Forget it. I'll take this somewhere else.",
        "I'm done. I'll be making a complaint.",
    ],
    "timeout": [
        "I've spent far too long on this already. I want to speak to someone else.",
        "This is taking forever. I'm going to complain.",
    ],
    "resolved": [
        "Thank you, that's a real relief.",
        "Thanks. That's all I needed.",
        "Thank you for sorting it out.",
    ],
    "confused": [
        "Sorry, I don't understand. Can you say it more simply?",
        "I'm not sure what that means.",
    ],
}

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)]
Lines = Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]
Keywords = Annotated[list[Annotated[str, Field(min_length=2)]], Field(min_length=1)]
Unit = Annotated[float, Field(ge=0, le=1)]


class ScenarioError(ValueError):
    """A scenario (or exercise) file that cannot be used, with every problem and where it is."""


class _Strict(BaseModel):
    # strict: a YAML "yes" is not a string, 0.5 in quotes is not a number; extra keys are typos.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Persona(_Strict):
    name: str = Field(min_length=1, description="A first name (fictional).")
    description: str = Field(min_length=1, description="Who they are, for the trainer.")
    style: str = Field(default="", description="How they write or speak.")


class LanguageNeeds(_Strict):
    code: str = Field(default="en", description="The language the customer writes in.")
    first_language: str | None = Field(
        default=None, description="Their first language, when they write in a second one."
    )
    plain_language: bool = Field(
        default=False, description="Long sentences and confusing words lose them."
    )
    max_sentence_words: int = Field(default=20, ge=5, le=80)
    confusing_words: list[str] = Field(
        default_factory=list, description="Jargon and idioms that confuse them (prefixes)."
    )


class Reveal(_Strict):
    """What kind of agent question draws a fact out."""

    question: Literal["any", "open"] = Field(
        default="any",
        description="open: only an open question (what, how, tell me…) draws it out; a closed "
        "one about the same thing gets a short answer.",
    )
    about: Keywords = Field(description="Word prefixes; a question mentioning one fits.")
    examples: list[str] = Field(
        default_factory=list,
        description="Sample questions: a question close in meaning to one of them fits too.",
    )


class Fact(_Strict):
    id: Id
    description: str = Field(min_length=1, description="What the fact is (debrief, trainer).")
    hint: str = Field(min_length=1, description="What to ask about, for /hint: 'the order'.")
    reveal: Reveal
    says: Lines = Field(description="How the customer tells it (one is chosen).")
    value: str | None = Field(
        default=None, description="The exact value (a number, a date) a restatement must match."
    )


class Concern(_Strict):
    """Something the customer worries about and needs the agent to hear."""

    id: Id
    label: str = Field(min_length=1, description="Short name for explanations: 'the deadline'.")
    keywords: Keywords
    says: Lines = Field(description="The concern in the customer's words (first person).")
    repeats: Lines = Field(description="What they say when it has been ignored.")
    raised_with: str | None = Field(
        default=None, description="A fact id: raised when that fact is revealed, not at once."
    )
    patience: int = Field(default=2, ge=1, le=10, description="Agent turns before repeating it.")


class Misreading(_Strict):
    """A wrong idea the agent may voice, and how the customer corrects it."""

    mentions: Keywords
    says: Lines
    reason: str = Field(min_length=1)


class EmotionModel(_Strict):
    start: EmotionName
    intensity: Unit
    escalated: EmotionName = Field(default="anger", description="How they sound near the limit.")
    calm: Unit = Field(default=0.3, description="At or below: calm.")
    escalate_at: Unit = Field(default=1.0, description="At or above: they escalate.")
    effects: dict[Event, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ordered(self) -> EmotionModel:
        if not self.calm < self.escalate_at:
            raise ValueError("calm must be below escalate_at")
        if self.intensity >= self.escalate_at:
            raise ValueError("intensity must start below escalate_at")
        return self

    def effect(self, event: str) -> float:
        value: float = self.effects.get(event, DEFAULT_EFFECTS[event])  # type: ignore[call-overload]
        return value


class TimePressure(_Strict):
    deadline: str | None = Field(default=None, description="What the clock is running towards.")
    patience_turns: int = Field(default=8, ge=1, le=50)
    max_turns: int = Field(default=16, ge=2, le=60)
    per_turn: float = Field(default=0.04, ge=0, le=0.5)

    @model_validator(mode="after")
    def _ordered(self) -> TimePressure:
        if self.patience_turns > self.max_turns:
            raise ValueError("patience_turns must not exceed max_turns")
        return self


class Rejection(_Strict):
    mentions: Keywords
    says: Lines
    reason: str = Field(min_length=1)


class Resolution(_Strict):
    description: str = Field(min_length=1)
    facts: list[str] = Field(default_factory=list, description="Fact ids that must be revealed.")
    concerns: list[str] = Field(
        default_factory=list, description="Concern ids that must have been acknowledged."
    )
    accept: list[str] = Field(
        default_factory=list,
        description="Prefixes; a solution mentioning one is accepted (empty: any solution).",
    )
    reject: list[Rejection] = Field(default_factory=list)
    needs: list[Label] = Field(default_factory=list, description="Labels needed at some point.")
    max_intensity: Unit = 0.45
    says: list[str] = Field(default_factory=list, description="Closing lines when resolved.")


class Scenario(_Strict):
    id: Id
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1, description="One line, for lists.")
    brief: str = Field(min_length=1, description="What the trainee is told before starting.")
    channel: Literal["chat", "email", "voice", "sms"] = "chat"
    difficulty: int = Field(default=1, ge=1, le=3)
    tags: list[str] = Field(default_factory=list)
    persona: Persona
    language: LanguageNeeds = Field(default_factory=LanguageNeeds)
    issue: str = Field(min_length=1, description="The whole story, for the trainer and debrief.")
    opening: Lines = Field(description="First messages; after the first, a burst still coming.")
    facts: list[Fact] = Field(default_factory=list)
    concerns: Annotated[list[Concern], Field(min_length=1)]
    misreadings: list[Misreading] = Field(default_factory=list)
    emotion: EmotionModel
    time_pressure: TimePressure = Field(default_factory=TimePressure)
    resolution: Resolution
    phrases: dict[PhraseKey, Lines] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        # Collected, not raised one by one: a trainer fixes them all in one go.
        problems: list[str] = []
        fact_ids = [fact.id for fact in self.facts]
        concern_ids = [concern.id for concern in self.concerns]
        for kind, ids in (("facts", fact_ids), ("concerns", concern_ids)):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            if duplicates:
                problems.append(f"{kind}: the id {duplicates[0]!r} is used twice")
        for index, fact_id in enumerate(self.resolution.facts):
            if fact_id not in fact_ids:
                problems.append(f"resolution.facts.{index}: no fact {fact_id!r}")
        for index, concern_id in enumerate(self.resolution.concerns):
            if concern_id not in concern_ids:
                problems.append(f"resolution.concerns.{index}: no concern {concern_id!r}")
        for index, concern in enumerate(self.concerns):
            if concern.raised_with is not None and concern.raised_with not in fact_ids:
                problems.append(f"concerns.{index}.raised_with: no fact {concern.raised_with!r}")
        for index, concern_id in enumerate(self.resolution.concerns):
            raised_with = next((c.raised_with for c in self.concerns if c.id == concern_id), None)
            if raised_with is not None and raised_with not in self.resolution.facts:
                # Otherwise the scenario could be unwinnable: the concern may never come up.
                problems.append(
                    f"resolution.concerns.{index}: {concern_id!r} is raised with the fact "
                    f"{raised_with!r}, which must then be in resolution.facts"
                )
        if all(concern.raised_with is not None for concern in self.concerns):
            problems.append("concerns: at least one must be raised from the start")
        for key, lines in self.phrases.items():
            allowed = PLACEHOLDERS.get(key, frozenset())
            for index, line in enumerate(lines):
                used = {name for _, name, _, _ in string.Formatter().parse(line) if name}
                unknown = sorted(used - allowed)
                if unknown:
                    hint = ", ".join("{" + a + "}" for a in sorted(allowed)) or "none"
                    problems.append(
                        f"phrases.{key}.{index}: unknown placeholder {{{unknown[0]}}} "
                        f"(allowed: {hint})"
                    )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    # --- reading ----------------------------------------------------------------------------

    def fact(self, fact_id: str) -> Fact:
        return next(fact for fact in self.facts if fact.id == fact_id)

    def concern(self, concern_id: str) -> Concern:
        return next(concern for concern in self.concerns if concern.id == concern_id)

    def lines(self, key: str) -> list[str]:
        """The phrase bank for ``key``: the scenario's own, else the default."""
        if key == "resolved" and self.resolution.says:
            return list(self.resolution.says)
        own = self.phrases.get(key)  # type: ignore[call-overload]
        return list(own) if own else list(DEFAULT_PHRASES[key])

    def public(self) -> dict[str, Any]:
        """What a trainee may see before starting: nothing hidden (no facts, no resolution)."""
        return {
            "id": self.id,
            "title": self.title,
            "summary": self.summary,
            "brief": self.brief,
            "channel": self.channel,
            "difficulty": self.difficulty,
            "tags": list(self.tags),
            "customer": self.persona.name,
            "language": self.language.code,
            "plain_language": self.language.plain_language,
            "deadline": self.time_pressure.deadline,
            "max_turns": self.time_pressure.max_turns,
        }


# --- loading -------------------------------------------------------------------------------


def _where(location: Iterable[int | str]) -> str:
    return ".".join(str(part) for part in location) or "(top level)"


def validation_problems(error: ValidationError) -> list[str]:
    """One ``field: problem`` line per error, in the file's own terms."""
    lines = []
    for item in error.errors():
        location = [part for part in item["loc"] if part not in ("function-after",)]
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown field (a typo?)"
        elif item["type"].endswith("_type") and not isinstance(item.get("input"), dict | list):
            message += f" (got {item.get('input')!r})"
        lines.append(f"{_where(location)}: {message}")
    return lines


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise ScenarioError(f"{path}: not UTF-8 text") from error
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ScenarioError(f"{path}: not valid YAML{where}: {problem}") from error


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    if not isinstance(data, Mapping):
        raise ScenarioError(
            f"{source}: a scenario is a mapping of fields, not {type(data).__name__}"
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        problems = validation_problems(error)
        raise ScenarioError(f"{source}: " + "; ".join(problems)) from error


def load_scenario(path: str | Path) -> Scenario:
    """One scenario from a YAML file; ``ScenarioError`` names the file and each bad field."""
    path = Path(path)
    scenario = parse_scenario(read_yaml(path), str(path))
    return scenario


@lru_cache(maxsize=1)
def builtin_scenarios() -> tuple[Scenario, ...]:
    """The scenarios heard ships, in order of difficulty then title."""
    scenarios = [load_scenario(path) for path in sorted(BUILTIN.glob("*.yaml"))]
    return tuple(sorted(scenarios, key=lambda s: (s.difficulty, s.title)))


def find_scenario(name: str, extra: Iterable[Scenario] = ()) -> Scenario:
    """A scenario by id (or a path to a YAML file); KeyError lists the ids when unknown."""
    if name.endswith((".yaml", ".yml")) and Path(name).is_file():
        return load_scenario(name)
    everything = [*extra, *builtin_scenarios()]
    for scenario in everything:
        if scenario.id == name:
            return scenario
    close = [s.id for s in everything if re.sub(r"[-_]", "", name) in re.sub(r"[-_]", "", s.id)]
    if len(close) == 1:
        return next(s for s in everything if s.id == close[0])
    raise KeyError(name)
