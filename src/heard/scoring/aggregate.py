"""Agent and team scorecards: conversations' scorecards rolled up, with examples to coach from."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol

from pydantic import BaseModel, Field

from heard.scoring.rubric import COMPONENTS
from heard.scoring.scorecard import ComponentScore, Evidence

EXAMPLES_PER_GROUP = 3


class Scored(Protocol):
    @property
    def conversation_id(self) -> str: ...
    @property
    def listening_score(self) -> float | None: ...
    @property
    def components(self) -> dict[str, ComponentScore]: ...
    @property
    def evidence(self) -> list[Evidence]: ...


class ComponentSummary(BaseModel):
    mean: float | None = None
    n: int = 0


class GroupScorecard(BaseModel):
    """An agent's or a team's listening, over the conversations given."""

    group: str
    key: str
    conversations: int
    listening_score: float | None = None
    listening_score_median: float | None = None
    components: dict[str, ComponentSummary]
    strongest: str | None = None
    weakest: str | None = None
    coaching_examples: list[Evidence] = Field(
        default_factory=list,
        description="The evidence that cost the most points, with its conversation.",
    )


def aggregate(
    analyses: Iterable[Scored], groups: Sequence[str | None], key: str
) -> list[GroupScorecard]:
    """One scorecard per distinct value in ``groups`` (aligned with ``analyses``)."""
    by_group: dict[str, list[Scored]] = defaultdict(list)
    for analysis, group in zip(analyses, groups, strict=True):
        by_group[group or "(none)"].append(analysis)
    cards = []
    for group, items in sorted(by_group.items()):
        scores = [a.listening_score for a in items if a.listening_score is not None]
        components = {}
        for name in COMPONENTS:
            values = [
                a.components[name].score for a in items if a.components[name].score is not None
            ]
            components[name] = ComponentSummary(
                mean=round(statistics.fmean(v for v in values if v is not None), 1)
                if values
                else None,
                n=len(values),
            )
        ranked = sorted((c.mean, name) for name, c in components.items() if c.mean is not None)
        costly = sorted(
            (
                (e.effect, a.conversation_id, e)
                for a in items
                for e in a.evidence
                if e.effect < 0 and e.quote
            ),
            key=lambda entry: entry[0],
        )
        examples = [
            e.model_copy(update={"reason": f"{e.reason} (conversation {cid})"})
            for _, cid, e in costly[:EXAMPLES_PER_GROUP]
        ]
        cards.append(
            GroupScorecard(
                group=group,
                key=key,
                conversations=len(items),
                listening_score=round(statistics.fmean(scores), 1) if scores else None,
                listening_score_median=round(statistics.median(scores), 1) if scores else None,
                components=components,
                strongest=ranked[-1][1] if ranked else None,
                weakest=ranked[0][1] if ranked else None,
                coaching_examples=examples,
            )
        )
    return cards
