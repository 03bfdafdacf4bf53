"""Scoring: a YAML rubric turns annotations into a scorecard with evidence."""

from heard.scoring.rubric import COMPONENTS, Rubric, RubricError, default_rubric, load_rubric
from heard.scoring.scorecard import ComponentScore, Evidence, Scorecard, score_conversation

__all__ = [
    "COMPONENTS",
    "ComponentScore",
    "Evidence",
    "Rubric",
    "RubricError",
    "Scorecard",
    "default_rubric",
    "load_rubric",
    "score_conversation",
]
