"""Role-play training: practise listening with a simulated customer (see docs/training.md).

>>> from heard.training import Simulator, find_scenario, build_debrief
>>> simulator = Simulator(find_scenario("delayed-order"), seed=7)
>>> opening = simulator.start()
>>> result = simulator.agent_turn("I'm so sorry, with the party on Saturday that's worrying.")
>>> result.customer[-1].text, result.feedback.explanation
>>> debrief = build_debrief(simulator)

The customer is a state machine driven by the listening engine's reading of each agent turn;
the words come from the scenario's phrase banks (or, when ``HEARD_LLM_URL`` is set and asked
for, a language model voicing the same decisions).
"""

from heard.training.debrief import Advice, Debrief, TurnNote, build_debrief
from heard.training.exercise import (
    Exercise,
    SummaryResult,
    builtin_exercises,
    find_exercise,
    load_exercise,
    score_summary,
)
from heard.training.progress import (
    TraineeProgress,
    progress_for,
    save_roleplay,
    save_summary,
)
from heard.training.scenario import (
    Scenario,
    ScenarioError,
    builtin_scenarios,
    find_scenario,
    load_scenario,
)
from heard.training.simulator import (
    CustomerMessage,
    Effect,
    Mood,
    SessionOverError,
    Simulator,
    TurnFeedback,
    TurnResult,
)

__all__ = [
    "Advice",
    "CustomerMessage",
    "Debrief",
    "Effect",
    "Exercise",
    "Mood",
    "Scenario",
    "ScenarioError",
    "SessionOverError",
    "Simulator",
    "SummaryResult",
    "TraineeProgress",
    "TurnFeedback",
    "TurnNote",
    "TurnResult",
    "build_debrief",
    "builtin_exercises",
    "builtin_scenarios",
    "find_exercise",
    "find_scenario",
    "load_exercise",
    "load_scenario",
    "progress_for",
    "save_roleplay",
    "save_summary",
    "score_summary",
]
