"""The summarising exercise: coverage of the key points by meaning, facts checked exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from heard.training import ScenarioError, builtin_exercises, find_exercise, load_exercise
from heard.training.exercise import facts_in, score_summary

GOOD = {
    "double-charge-voicemail": (
        "Morgan was charged twice for March (2 x 14.99 on the 3rd) and needs the duplicate "
        "refunded before rent goes out on the 1st. They messaged in the app last Tuesday with "
        "no reply. They want to keep the subscription; call back after 5pm."
    ),
    "broken-heater-email": (
        "Sasha's heater (order 77120) keeps switching off after ten minutes with a flashing "
        "light, for the second time. It is for the baby's room and nights are cold. A "
        "technician replaced the thermostat on 14 January but the fault returned. They want a "
        "replacement or refund before the weekend, not another repair, and replies by email "
        "only."
    ),
    "moving-home-chat": (
        "They move on the 28th and need broadband moved with no gap because they work from "
        "home. The website does not recognise the new-build address, they are unsure whether "
        "an engineer needs access to the 4th floor flat, and they want to keep the same "
        "package."
    ),
}


def test_the_builtin_exercises_load() -> None:
    exercises = builtin_exercises()
    assert {e.id for e in exercises} == set(GOOD)
    assert {e.channel for e in exercises} == {"voice", "email", "chat"}


@pytest.mark.parametrize("exercise_id", sorted(GOOD))
def test_a_complete_correct_summary_scores_full_marks(exercise_id: str) -> None:
    result = score_summary(find_exercise(exercise_id), GOOD[exercise_id])
    assert result.score == 100, result
    assert not result.missed and not result.errors
    assert all(point.quote for point in result.points)


def test_missed_points_are_shown() -> None:
    exercise = find_exercise("double-charge-voicemail")
    result = score_summary(
        exercise, "Morgan was charged twice for March and wants the extra payment refunded."
    )
    assert 20 <= result.score <= 60
    assert "They messaged through the app last Tuesday and nobody replied." in result.missed
    assert "Call them back after 5 in the evening." in result.missed


def test_wrong_facts_cost_points_even_when_the_meaning_is_close() -> None:
    exercise = find_exercise("double-charge-voicemail")
    right = score_summary(exercise, "They were charged twice for March.")
    wrong = score_summary(exercise, "They were charged once for April.")
    assert wrong.score < right.score
    assert "“once” is not what the customer said" in wrong.errors
    assert "“april” is not what the customer said" in wrong.errors


def test_saying_the_opposite_is_a_contradiction() -> None:
    exercise = find_exercise("double-charge-voicemail")
    result = score_summary(exercise, "They were charged twice and want to cancel the subscription.")
    assert not next(p for p in result.points if p.id == "keep_subscription").covered
    assert any("contradicts: They do not want to cancel" in e for e in result.errors)


def test_an_unrelated_summary_covers_nothing() -> None:
    result = score_summary(find_exercise("moving-home-chat"), "The customer likes our adverts.")
    assert result.score == 0 and len(result.missed) == 5


def test_too_long_costs_points() -> None:
    exercise = find_exercise("moving-home-chat")
    padded = GOOD["moving-home-chat"] + " They said thanks." * 10
    result = score_summary(exercise, padded)
    assert result.too_long and result.score == 90


def test_facts_are_read_in_plain_forms() -> None:
    assert facts_in("charged twice, 1,200 on the 1st, Friday") == {
        "2": "twice",
        "1200": "1,200",
        "1st": "1st",
        "friday": "friday",
    }


def test_a_bad_exercise_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "ex.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "id": "x",
                "title": "X",
                "summary": "x",
                "message": "A long enough message for the exercise to be valid here.",
                "points": [{"id": "a", "text": "A"}, {"id": "a", "text": "B"}],
                "max_words": "many",
            }
        )
    )
    with pytest.raises(ScenarioError) as raised:
        load_exercise(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert "max_words: Input should be a valid integer" in str(raised.value)
