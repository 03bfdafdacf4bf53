"""Shared by the training tests: the scripted trainees and a helper to play them."""

from __future__ import annotations

from pathlib import Path

import yaml

from heard.training import Simulator, find_scenario

SCRIPTS: dict[str, dict[str, list[str]]] = yaml.safe_load(
    (Path(__file__).with_name("scripts.yaml")).read_text(encoding="utf-8")
)


def play(scenario_id: str, lines: list[str], *, seed: int = 1) -> Simulator:
    """Play scripted agent turns until the conversation ends; "!" marks an interruption."""
    simulator = Simulator(find_scenario(scenario_id), seed=seed, trainee_id="agent-mia")
    simulator.start()
    for line in lines:
        simulator.agent_turn(line.removeprefix("!"), interrupted=line.startswith("!"))
        if simulator.done:
            break
    return simulator
