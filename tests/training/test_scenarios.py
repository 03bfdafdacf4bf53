"""Scenario files: every built-in one loads, and a bad file says which file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from heard.training import ScenarioError, builtin_scenarios, find_scenario, load_scenario
from heard.training.scenario import BUILTIN

# What teams meet, as the issue lists it: each needs a built-in scenario.
REQUIRED = {
    "delayed-order",
    "double-charge",
    "broken-product",
    "cancellation",
    "repeat-caller",
    "second-language",
    "vague-complaint",
    "technical-fault",
    "bereavement",
    "policy-wrong",
}


def minimal() -> dict[str, Any]:
    return {
        "id": "tiny",
        "title": "Tiny",
        "summary": "A tiny scenario.",
        "brief": "You work at a fictional shop.",
        "persona": {"name": "Kit", "description": "A customer."},
        "issue": "Something broke.",
        "opening": ["My kettle broke."],
        "concerns": [
            {
                "id": "broken",
                "label": "the broken kettle",
                "keywords": ["kettle"],
                "says": ["The kettle is broken."],
                "repeats": ["My kettle is broken!"],
            }
        ],
        "emotion": {"start": "frustration", "intensity": 0.5},
        "resolution": {"description": "Replace it.", "accept": ["replace"]},
    }


def write(tmp_path: Path, data: Any, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def test_every_builtin_scenario_loads_and_covers_what_teams_meet() -> None:
    scenarios = builtin_scenarios()
    assert len(scenarios) >= 10
    assert {s.id for s in scenarios} >= REQUIRED
    assert len({s.id for s in scenarios}) == len(scenarios)
    for path in sorted(BUILTIN.glob("*.yaml")):
        assert load_scenario(path).id == path.stem  # the file is named after its id
    channels = {s.channel for s in scenarios}
    assert {"chat", "email", "voice"} <= channels


def test_the_public_view_hides_the_facts_and_the_answer() -> None:
    scenario = find_scenario("delayed-order")
    public = scenario.public()
    text = str(public)
    assert "48213" not in text and "old flat" not in text  # the hidden facts stay hidden
    assert public["customer"] == "Robin"


def test_a_minimal_scenario_loads_with_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, minimal()))
    assert scenario.channel == "chat"
    assert scenario.lines("confirm")  # default phrase banks fill in
    assert scenario.time_pressure.max_turns == 16


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(colour="blue"), "colour: unknown field (a typo?)"),
        (
            lambda d: d["emotion"].update(intensity="0.5"),
            "emotion.intensity: Input should be a valid number",
        ),
        (
            lambda d: d["concerns"][0].update(keywords=[]),
            "concerns.0.keywords: List should have at least 1 item",
        ),
        (lambda d: d["resolution"].update(facts=["nope"]), "resolution.facts.0: no fact 'nope'"),
        (
            lambda d: d["concerns"][0].update(raised_with="ghost"),
            "concerns.0.raised_with: no fact 'ghost'",
        ),
        (
            lambda d: d.update(phrases={"confirm": ["Yes {name}"]}),
            "phrases.confirm.0: unknown placeholder {name}",
        ),
        (
            lambda d: d.update(channel="fax"),
            "channel: Input should be 'chat', 'email', 'voice' or 'sms'",
        ),
        (lambda d: d["emotion"].update(intensity=1.0), "intensity must start below escalate_at"),
        (lambda d: d.pop("opening"), "opening: Field required"),
        (
            lambda d: d["concerns"][0].update(keywords=["kettle", 12]),
            "concerns.0.keywords.1: Input should be a valid string (got 12)",
        ),
    ],
)
def test_a_bad_scenario_names_the_file_and_the_field(
    tmp_path: Path, change: Any, expected: str
) -> None:
    data = minimal()
    change(data)
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    data = minimal()
    data["resolution"]["facts"] = ["a"]
    data["resolution"]["concerns"] = ["b"]
    with pytest.raises(ScenarioError, match=r"resolution\.facts\.0: .*resolution\.concerns\.0: "):
        load_scenario(write(tmp_path, data))


def test_broken_yaml_and_wrong_shapes_are_clear(tmp_path: Path) -> None:
    path = write(tmp_path, "id: x\nopening: [unclosed\n")
    with pytest.raises(ScenarioError, match=r"bad\.yaml: not valid YAML \(line \d+, column \d+\)"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="a scenario is a mapping of fields, not list"):
        load_scenario(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")


def test_a_scenario_that_could_never_be_resolved_is_refused(tmp_path: Path) -> None:
    data = minimal()
    data["facts"] = [
        {
            "id": "why",
            "description": "Why.",
            "hint": "why",
            "reveal": {"about": ["why"]},
            "says": ["Because."],
        }
    ]
    data["concerns"].append(
        {
            "id": "later",
            "label": "later",
            "keywords": ["later"],
            "says": ["Later."],
            "repeats": ["Later!"],
            "raised_with": "why",
        }
    )
    data["resolution"]["concerns"] = ["later"]
    with pytest.raises(ScenarioError, match=r"must then be in resolution\.facts"):
        load_scenario(write(tmp_path, data))


def test_find_scenario_by_id_path_or_close_name(tmp_path: Path) -> None:
    assert find_scenario("policy-wrong").id == "policy-wrong"
    assert find_scenario("policywrong").id == "policy-wrong"
    assert find_scenario(str(write(tmp_path, minimal(), "tiny.yaml"))).id == "tiny"
    with pytest.raises(KeyError):
        find_scenario("no-such-thing")
