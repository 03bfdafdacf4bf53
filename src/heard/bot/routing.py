"""Where a handed-off conversation goes: queues by language and skills, from a YAML file.

    default_queue: general
    queues:
      - name: returns-en
        languages: [en]
        skills: [returns, refunds]
        team: team-returns        # optional: the team whose agents see it
      - name: francophone
        languages: [fr]

A queue with no ``languages`` takes any language; one with no ``skills`` takes any topic. The
queue that matches the conversation's language and the most of its skills wins (ties go to the
queue listed first); a queue whose languages exclude the customer's is never chosen. With no
match, ``default_queue``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class RoutingError(ValueError):
    """A routing file that cannot be used, with where and why."""


class Queue(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    languages: list[str] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list)
    team: str | None = None


class Route(BaseModel):
    queue: str
    team: str | None = None
    language: str | None = None
    skills: list[str] = Field(default_factory=list, description="What the topic needs.")
    matched_skills: list[str] = Field(default_factory=list)
    reason: str


class RoutingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default_queue: str = "general"
    default_team: str | None = None
    queues: list[Queue] = Field(default_factory=list)

    @classmethod
    def from_yaml(cls, path: str | Path) -> RoutingConfig:
        where = str(path)
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise RoutingError(f"{where}: cannot read it ({error})") from None
        except yaml.YAMLError as error:
            raise RoutingError(f"{where}: not valid YAML: {error}") from None
        return cls.from_data(data or {}, source=where)

    @classmethod
    def from_data(cls, data: Any, *, source: str = "routing") -> RoutingConfig:
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}"
                for e in error.errors()
            )
            raise RoutingError(f"{source}: {problems}") from None

    def route(self, language: str | None, skills: Iterable[str]) -> Route:
        wanted = list(dict.fromkeys(s.lower() for s in skills))
        best: tuple[int, int, Queue] | None = None
        for queue in self.queues:
            languages = {lang.lower() for lang in queue.languages}
            if languages and (language is None or _base(language) not in languages):
                continue
            offered = {s.lower() for s in queue.skills}
            matched = len(offered & set(wanted))
            if offered and not matched:
                continue
            # More skills matched wins; then a queue made for this language; then file order.
            rank = (matched, 1 if languages else 0)
            if best is None or rank > (best[0], best[1]):
                best = (rank[0], rank[1], queue)
        if best is None:
            return Route(
                queue=self.default_queue,
                team=self.default_team,
                language=language,
                skills=wanted,
                reason="no queue matches this language and these skills: the default queue",
            )
        queue = best[2]
        matched_skills = [s for s in wanted if s in {x.lower() for x in queue.skills}]
        parts = []
        if queue.languages:
            parts.append(f"language {language}")
        if matched_skills:
            parts.append("skills " + ", ".join(matched_skills))
        return Route(
            queue=queue.name,
            team=queue.team or self.default_team,
            language=language,
            skills=wanted,
            matched_skills=matched_skills,
            reason="matches " + (" and ".join(parts) if parts else "any conversation"),
        )


def _base(language: str) -> str:
    """'fr-CA' → 'fr': queues name languages, not regions."""
    return language.split("-")[0].lower()
