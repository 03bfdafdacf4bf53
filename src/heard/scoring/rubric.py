"""The rubric: a documented YAML file of weights, thresholds and phrase lists.

Teams pass their own with ``--rubric``; any key they leave out keeps its default, so a team's
file can be as short as the one number they want to change.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DEFAULT_RUBRIC = Path(__file__).with_name("default_rubric.yaml")
COMPONENTS = (
    "attention",
    "no_interruption",
    "clarification",
    "paraphrase",
    "empathy",
    "solution",
    "follow_up",
)


class RubricError(ValueError):
    """A rubric file that cannot be used, with the file and the problem named."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VoiceAttention(_Section):
    """Calls read from their recording (docs/audio.md); defaults keep older rubrics valid."""

    dead_air: float = Field(default=10.0, ge=0)
    dead_air_limit_seconds: float = Field(default=5.0, gt=0)
    raised_voice: float = Field(default=15.0, ge=0)
    monotone: float = Field(default=10.0, ge=0)
    customer_arousal_rising: float = Field(default=5.0, ge=0)


class Attention(_Section):
    unaddressed_concern: float = Field(ge=0)
    repeated_concern: float = Field(ge=0)
    slow_response: float = Field(ge=0)
    response_limit_seconds: dict[str, float]
    voice: VoiceAttention = Field(default_factory=VoiceAttention)


class NoInterruption(_Section):
    per_interruption: float = Field(ge=0)


class Clarification(_Section):
    asked: float = Field(ge=0, le=100)
    open_question: float = Field(ge=0, le=100)
    before_solution: float = Field(ge=0, le=100)
    interrogation: float = Field(ge=0)
    not_needed: float = Field(ge=0, le=100)


class Paraphrase(_Section):
    early: float = Field(ge=0, le=100)
    early_turns: int = Field(ge=1)
    later: float = Field(ge=0, le=100)
    none: float = Field(ge=0, le=100)
    none_short: float = Field(ge=0, le=100)


class Empathy(_Section):
    min_intensity: float = Field(ge=0, le=1)
    within_agent_turns: int = Field(ge=1)
    specific: float = Field(ge=0, le=1)
    generic: float = Field(ge=0, le=1)
    scripted: float = Field(ge=0, le=1)
    dismissive: float = Field(ge=0)


class Solution(_Section):
    ownership: float = Field(ge=0)
    solution: float = Field(ge=0)
    timeline: float = Field(ge=0)
    follow_up: float = Field(ge=0)


class FollowUp(_Section):
    committed: float = Field(ge=0, le=100)
    ended_well: float = Field(ge=0, le=100)
    none: float = Field(ge=0, le=100)


class ScriptedEmpathy(_Section):
    min_conversations: int = Field(ge=2)


class Rubric(_Section):
    version: str
    weights: dict[str, float]
    penalties: dict[str, float]
    attention: Attention
    no_interruption: NoInterruption
    clarification: Clarification
    paraphrase: Paraphrase
    empathy: Empathy
    solution: Solution
    follow_up: FollowUp
    scripted_empathy: ScriptedEmpathy
    stock_empathy_phrases: list[str]

    def model_post_init(self, context: Any, /) -> None:
        unknown = set(self.weights) - set(COMPONENTS)
        if unknown:
            raise ValueError(f"weights name unknown components: {', '.join(sorted(unknown))}")
        if any(weight < 0 for weight in self.weights.values()):
            raise ValueError("weights must not be negative")
        if not any(self.weights.values()):
            raise ValueError("at least one weight must be above 0")

    @cached_property
    def stock_empathy(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in self.stock_empathy_phrases) or "(?!)", re.I)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RubricError(f"{path}: cannot read: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise RubricError(f"{path}: not valid YAML: {error}") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RubricError(f"{path}: a rubric is a mapping of sections, not {type(data).__name__}")
    return data


def load_rubric(path: str | Path | None = None) -> Rubric:
    """The default rubric, with ``path``'s values (if given) laid over it."""
    data = _load_yaml(DEFAULT_RUBRIC)
    if path is not None:
        overrides = _load_yaml(Path(path))
        data = _merge(data, overrides)
        if "version" not in overrides:
            data["version"] = f"{data['version']}+{Path(path).stem}"
    try:
        rubric = Rubric.model_validate(data)
        rubric.stock_empathy  # noqa: B018  (compile now so a bad pattern is reported here)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5]
        )
        raise RubricError(f"{path or DEFAULT_RUBRIC}: {problems}") from error
    except re.error as error:
        raise RubricError(f"{path}: stock_empathy_phrases: bad pattern: {error}") from error
    return rubric


_default: Rubric | None = None


def default_rubric() -> Rubric:
    global _default
    if _default is None:
        _default = load_rubric()
    return _default
