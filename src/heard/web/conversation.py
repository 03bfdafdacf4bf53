"""One stored conversation as a page: the stored analysis laid out by the HTML report's code.

The page shows what was stored (the latest analysis of the conversation's current content),
not a fresh analysis, so it always agrees with the API and the scores on the dashboard. The
stored record (docs/analysis.md) carries labels, emotions, concerns, evidence and signals;
the quoted words of each label are not in it, so labels show as badges on their turn while
the evidence quotes and concerns are highlighted in the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from heard.analysis import Analysis
from heard.conversation import Conversation
from heard.listening.model import EmotionPoint, Signals, TurnAnnotation
from heard.report.html import EMOTION_COLOURS, ConversationView, conversation_view
from heard.scoring.scorecard import ComponentScore, Evidence
from heard.web.charts import Chart, Series, fmt, line_chart


def analysis_from_record(conversation: Conversation, record: Mapping[str, Any]) -> Analysis:
    """An :class:`Analysis` rebuilt from its stored JSONL record (hits and quotes of labels
    excepted, which the record does not keep)."""
    evidence = [Evidence.model_validate(item) for item in record.get("evidence") or []]
    components: dict[str, ComponentScore] = {}
    for name, value in (record.get("components") or {}).items():
        components[name] = ComponentScore(
            score=value.get("score"),
            reason=value.get("reason"),
            evidence=[e for e in evidence if e.component == name],
        )
    turns = []
    for item in record.get("turns") or []:
        try:
            turns.append(
                TurnAnnotation.model_validate(
                    {k: item.get(k) for k in ("id", "role", "labels", "detail", "emotion")}
                    | {"intensity": item.get("intensity")}
                )
            )
        except ValidationError:
            continue  # a turn written by an older engine that no longer validates: skip its marks
    return Analysis(
        conversation_id=conversation.id,
        agent_id=conversation.agent_id,
        team_id=conversation.team_id,
        channel=conversation.channel,
        started_at=conversation.started_at.isoformat() if conversation.started_at else None,
        listening_score=record.get("listening_score"),
        components=components,
        penalties=[e for e in evidence if e.component not in components],
        turns=turns,
        signals=Signals.model_validate(record.get("signals") or {}),
        rubric_version=str(record.get("rubric_version") or ""),
    )


@dataclass(frozen=True)
class StoredView:
    view: ConversationView
    analysis: Analysis
    analysed_at: datetime | None
    engine_version: str | None
    rubric_version: str | None
    emotion_chart: Chart | None


def emotion_chart(conversation: Conversation, points: list[EmotionPoint]) -> Chart | None:
    """The customer's emotion turn by turn: valence from −1 (very negative) to +1, each point
    coloured and named by the emotion heard."""
    if not points:
        return None
    labels = [f"{p.turn_id}" for p in points]
    chart = line_chart(
        "emotion",
        "The customer's emotion, turn by turn",
        labels,
        [Series("Valence", [round(p.valence, 2) for p in points], colour="#374151")],
        x_title="Customer turn",
        y_title="Valence (−1 very negative to +1 very positive)",
        y_range=(-1, 1),
    )
    dataset = chart.config["data"]["datasets"][0]
    dataset["pointBackgroundColor"] = [
        EMOTION_COLOURS.get(p.emotion.value, "#4b5563") for p in points
    ]
    dataset["pointBorderColor"] = dataset["pointBackgroundColor"]
    dataset["pointRadius"] = 6
    # Tooltips name the emotion, not only the number (charts.js reads "pointLabels").
    dataset["pointLabels"] = [
        f"{p.emotion.value}, intensity {p.intensity:.2f}, valence {fmt(p.valence, 2)}"
        for p in points
    ]
    chart.columns = ["Customer turn", "Emotion", "Intensity (0–1)", "Valence (−1 to +1)"]
    chart.rows = [
        [p.turn_id, p.emotion.value, f"{p.intensity:.2f}", fmt(p.valence, 2)] for p in points
    ]
    chart.summary = "Customer emotion over the conversation: " + "; ".join(
        f"{p.turn_id} {p.emotion.value} (valence {fmt(p.valence, 2)})" for p in points
    )
    return chart


def stored_view(
    conversation: Conversation,
    record: Mapping[str, Any] | None,
    *,
    analysed_at: datetime | None = None,
    engine_version: str | None = None,
    rubric_version: str | None = None,
) -> StoredView | None:
    if record is None:
        return None
    analysis = analysis_from_record(conversation, record)
    view = conversation_view(1, conversation, analysis, open_=True)
    return StoredView(
        view=view,
        analysis=analysis,
        analysed_at=analysed_at,
        engine_version=engine_version,
        rubric_version=rubric_version,
        emotion_chart=emotion_chart(conversation, analysis.signals.emotion_trajectory.points),
    )
