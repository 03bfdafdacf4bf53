"""The debrief after a role-play: the scorecard, the turns that helped and hurt, and one
concrete thing to practise next.

The scorecard is the same one ``heard analyze`` gives a real conversation (the whole practice
conversation analysed at once), so practice and real work are measured alike.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from heard.analysis import analyze
from heard.training.simulator import Outcome, Simulator


class TurnNote(BaseModel):
    turn_id: str
    quote: str
    why: str
    delta: float


class Advice(BaseModel):
    skill: str
    text: str
    example: str | None = None


class Debrief(BaseModel):
    scenario_id: str
    title: str
    outcome: Outcome
    agent_turns: int
    listening_score: float | None
    components: dict[str, float | None]
    component_reasons: dict[str, str | None] = Field(default_factory=dict)
    helped: list[TurnNote] = Field(default_factory=list)
    hurt: list[TurnNote] = Field(default_factory=list)
    facts_found: list[str] = Field(default_factory=list)
    facts_missed: list[str] = Field(default_factory=list)
    concerns_heard: list[str] = Field(default_factory=list)
    concerns_missed: list[str] = Field(default_factory=list)
    mood_path: list[float] = Field(default_factory=list, description="Intensity after each turn.")
    practise_next: Advice
    resolution: str = Field(description="What would have resolved it (the scenario's answer).")


# Component → what to practise when it is the weakest, with an example line.
COMPONENT_ADVICE: dict[str, Advice] = {
    "attention": Advice(
        skill="attention",
        text="Answer what the customer actually said before moving on to your next step.",
        example="You mentioned the party on Saturday: let's make sure we work to that.",
    ),
    "no_interruption": Advice(
        skill="letting them finish",
        text="Wait until the customer has finished: a burst of messages is one thought.",
    ),
    "clarification": Advice(
        skill="clarifying questions",
        text="Ask one open question to understand before you solve.",
        example="What happened when you tried to …?",
    ),
    "paraphrase": Advice(
        skill="paraphrasing",
        text="Restate the problem in your own words and check it before acting on it.",
        example="Just to check I've understood: … — is that right?",
    ),
    "empathy": Advice(
        skill="empathy",
        text="Name the feeling and tie it to their situation, not a stock apology.",
        example="That's worrying with the party so close.",
    ),
    "solution": Advice(
        skill="concrete next steps",
        text="Say exactly what you will do and when it will happen.",
        example="I'll send it by express courier today; it arrives tomorrow.",
    ),
    "follow_up": Advice(
        skill="following up",
        text="Close the loop: say how and when you will confirm it worked.",
        example="I'll email you tomorrow morning to confirm it has shipped.",
    ),
}


def build_debrief(simulator: Simulator) -> Debrief:
    """Analyse the finished (or abandoned) practice conversation and explain it."""
    scenario = simulator.scenario
    if simulator.outcome is None:
        simulator.abandon()
    assert simulator.outcome is not None
    analysis = analyze(simulator.conversation)
    notes: list[TurnNote] = []
    mood_path: list[float] = []
    for feedback in simulator.feedback:
        mood_path.append(feedback.mood_after.intensity)
        if not feedback.effects:
            continue
        delta = round(sum(e.delta for e in feedback.effects), 3)
        text = next((t.text for t in simulator.conversation.turns if t.id == feedback.turn_id), "")
        main = max(feedback.effects, key=lambda e: abs(e.delta))
        notes.append(
            TurnNote(turn_id=feedback.turn_id, quote=_short(text), why=main.because, delta=delta)
        )
    helped = sorted((n for n in notes if n.delta <= -0.05), key=lambda n: n.delta)[:3]
    hurt = sorted((n for n in notes if n.delta >= 0.05), key=lambda n: -n.delta)[:3]
    required = scenario.resolution.facts or [f.id for f in scenario.facts]
    components = {name: c.score for name, c in analysis.components.items()}
    return Debrief(
        scenario_id=scenario.id,
        title=scenario.title,
        outcome=simulator.outcome,
        agent_turns=simulator.agent_turns,
        listening_score=analysis.listening_score,
        components=components,
        component_reasons={name: c.reason for name, c in analysis.components.items()},
        helped=helped,
        hurt=hurt,
        facts_found=[scenario.fact(f).description for f in simulator.revealed],
        facts_missed=[
            scenario.fact(f).description for f in required if f not in simulator.revealed
        ],
        concerns_heard=[scenario.concern(c).label for c in simulator.acknowledged],
        concerns_missed=[
            scenario.concern(c).label for c in simulator.raised if c not in simulator.acknowledged
        ],
        mood_path=mood_path,
        practise_next=practise_next(simulator, components),
        resolution=scenario.resolution.description.strip(),
    )


def practise_next(simulator: Simulator, components: dict[str, float | None]) -> Advice:
    """The one thing most worth practising, from what went wrong in this conversation."""
    scenario = simulator.scenario
    events = [e.event for f in simulator.feedback for e in f.effects]
    if "interruption" in events:
        return COMPONENT_ADVICE["no_interruption"]
    if "dismissive" in events:
        return Advice(
            skill="replacing dismissive words",
            text="Instead of telling the customer how to feel or what they did wrong, name "
            "what they are going through.",
            example="I can see why this is upsetting; let's sort it out together.",
        )
    if "concern_ignored" in events:
        repeated = next(c for c in simulator.repeats if simulator.repeats[c])
        return Advice(
            skill="acknowledging concerns",
            text=f"Acknowledge each worry when it is raised: here, "
            f"{scenario.concern(repeated).label}.",
            example=f"I know {scenario.concern(repeated).label} matters to you; I'll keep it in "
            "mind.",
        )
    missing = [f for f in scenario.resolution.facts if f not in simulator.revealed]
    if missing:
        fact = scenario.fact(missing[0])
        kind = "an open question" if fact.reveal.question == "open" else "a question"
        return Advice(
            skill="clarifying questions",
            text=f"Ask {kind} to find out {fact.hint} before offering a fix.",
            example=fact.reveal.examples[0] if fact.reveal.examples else None,
        )
    if "assumption" in events or "premature_solution" in events:
        return COMPONENT_ADVICE["clarification"]
    if not simulator.paraphrase_confirmed:
        return COMPONENT_ADVICE["paraphrase"]
    if "empathy" not in events and scenario.emotion.intensity >= 0.4:
        return COMPONENT_ADVICE["empathy"]
    scored = [(score, name) for name, score in components.items() if score is not None]
    if scored:
        score, name = min(scored)
        if score < 80 and name in COMPONENT_ADVICE:
            return COMPONENT_ADVICE[name]
    return Advice(
        skill="a harder scenario",
        text="You listened well here: try a scenario of higher difficulty next.",
    )


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
