"""Bot metrics from outcomes and CSAT scores (pure)."""

from __future__ import annotations

from heard.bot.metrics import compute


def test_containment_handoff_and_csat_by_outcome() -> None:
    outcomes = {
        "bot-1": {"outcome": "contained"},
        "bot-2": {"outcome": "contained"},
        "bot-3": {"outcome": "handed_off", "handoff_reason": "strong_emotion"},
        "bot-4": {"outcome": "contained"},
    }
    scores = {"bot-1": [5], "bot-2": [3], "bot-3": [4, 2]}
    figures = compute(outcomes, scores)
    assert figures["conversations"] == 4
    assert figures["containment_rate"]["value"] == 75.0
    assert figures["handoff_rate"]["value"] == 25.0
    low, high = figures["containment_rate"]["ci_low"], figures["containment_rate"]["ci_high"]
    assert low < 75 < high
    assert figures["csat_bot_only"]["value"] == 50.0 and figures["csat_bot_only"]["n"] == 2
    assert figures["csat_handed_off"]["value"] == 50.0 and figures["csat_handed_off"]["n"] == 2
    assert figures["handoff_reasons"] == {"strong_emotion": 1}


def test_empty_is_a_reason_not_an_error() -> None:
    figures = compute({}, {})
    assert figures["containment_rate"]["value"] is None
    assert figures["containment_rate"]["reason"] == "no bot conversations stored"
    assert figures["csat_handed_off"]["value"] is None
