"""The scorecard end to end on the bundled examples: good listening scores clearly above poor
listening, and the evidence points at the right turns."""

from __future__ import annotations

from pathlib import Path

import pytest

import heard
from heard.conversation import Conversation, Role, Turn
from heard.readers import read
from heard.scoring import COMPONENTS, RubricError, load_rubric

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def analyses() -> dict[str, heard.Analysis]:  # type: ignore[name-defined]
    conversations = [c for c in read(EXAMPLES) if isinstance(c, Conversation)]
    return {a.conversation_id: a for a in heard.analyze_many(conversations)}


@pytest.mark.parametrize(
    ("good", "poor"),
    [
        ("chat-1001", "chat-1002"),
        ("chat-1003", "chat-1004"),
        ("call-internet-outage", "call-billing-dispute"),
    ],
)
def test_good_listening_scores_clearly_above_poor(analyses: dict, good: str, poor: str) -> None:  # type: ignore[type-arg]
    assert analyses[good].listening_score is not None and analyses[poor].listening_score is not None
    assert analyses[good].listening_score >= 75
    assert analyses[poor].listening_score <= 40
    assert analyses[good].listening_score - analyses[poor].listening_score >= 40


def test_every_component_is_scored_or_explained(analyses: dict) -> None:  # type: ignore[type-arg]
    for analysis in analyses.values():
        assert set(analysis.components) == set(COMPONENTS)
        for name, component in analysis.components.items():
            assert (component.score is None) == (component.reason is not None), (
                analysis.conversation_id,
                name,
            )


def test_evidence_quotes_come_from_the_turn_they_name(analyses: dict) -> None:  # type: ignore[type-arg]
    conversations = {c.id: c for c in read(EXAMPLES) if isinstance(c, Conversation)}
    for analysis in analyses.values():
        turns = {t.id: t.text for t in conversations[analysis.conversation_id].turns}
        for evidence in analysis.evidence:
            if evidence.turn_id and evidence.quote:
                assert evidence.quote[:60] in turns[evidence.turn_id], (
                    analysis.conversation_id,
                    evidence,
                )


def test_poor_chat_evidence_points_at_the_dismissive_and_assuming_turns(analyses: dict) -> None:  # type: ignore[type-arg]
    poor = analyses["chat-1002"]
    penalties = {(e.turn_id, e.reason.split(":")[0]) for e in poor.penalties}
    assert ("t6", "dismisses or blames the customer") in penalties  # "Calm down please…"
    assert any(
        e.turn_id == "t8" for e in poor.penalties
    )  # "You must have entered the wrong address"
    unmet = [e for e in poor.components["empathy"].evidence if e.effect < 0]
    assert unmet and unmet[0].turn_id == "t1"  # the worried customer with a party on Saturday


def test_good_chat_evidence_points_at_the_paraphrase_and_follow_up(analyses: dict) -> None:  # type: ignore[type-arg]
    good = analyses["chat-1001"]
    [paraphrase] = good.components["paraphrase"].evidence
    assert paraphrase.turn_id == "t4" and paraphrase.quote.startswith(
        "Just to make sure I have this right"
    )
    assert good.components["follow_up"].evidence[0].turn_id in {"t8", "t9", "t11"}


def test_interrogation_is_reported(analyses: dict) -> None:  # type: ignore[type-arg]
    runs = analyses["chat-1004"].signals.interrogations
    assert runs and runs[0].turn_ids == ["t5", "t6", "t7"]
    assert any(
        "interrogation" in e.reason
        for e in analyses["chat-1004"].components["clarification"].evidence
    )


def test_untimed_transcript_cannot_score_interruptions() -> None:
    conversation = Conversation(
        id="c",
        turns=[
            Turn(role=Role.CUSTOMER, text="My card was declined twice today."),
            Turn(role=Role.AGENT, text="I see. Let me check that for you."),
        ],
    )
    component = heard.analyze(conversation).components["no_interruption"]
    assert (
        component.score is None
        and component.reason is not None
        and "timestamps" in component.reason
    )


def test_a_team_rubric_changes_the_score(tmp_path: Path) -> None:
    rubric = tmp_path / "ours.yaml"
    rubric.write_text(
        "weights:\n  empathy: 100\n  attention: 0\n  no_interruption: 0\n  clarification: 0\n  paraphrase: 0\n  solution: 0\n  follow_up: 0\npenalties:\n  dismissive: 0\n  assumption: 0\n"
    )
    conversation = next(
        c
        for c in read(EXAMPLES / "chats.jsonl")
        if isinstance(c, Conversation) and c.id == "chat-1002"
    )
    ours = heard.analyze(conversation, rubric=load_rubric(rubric))
    assert ours.listening_score == ours.components["empathy"].score
    assert ours.rubric_version.endswith("+ours")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("weights: [1, 2]", "weights"),
        ("weights:\n  empathy: -1", "must not be negative"),
        ("weights:\n  kindness: 5", "unknown components"),
        ("empathy:\n  specific: 2", "empathy.specific"),
        (": : :", "not valid YAML"),
        ("- a list", "a mapping"),
    ],
)
def test_bad_rubrics_are_refused_with_the_file_and_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_scripted_empathy_costs_points() -> None:
    line = "I understand how frustrating this must be for you."
    conversations = [
        Conversation(
            id=f"s{i}",
            agent_id="agent-x",
            turns=[
                Turn(
                    role=Role.CUSTOMER,
                    text=f"This is the {n} time my parcel is late and I'm furious about it!",
                ),
                Turn(role=Role.AGENT, text=line),
            ],
        )
        for i, n in enumerate(["second", "third", "fourth"])
    ]
    alone = heard.analyze(conversations[0])
    together = heard.analyze_many(conversations)
    hit = next(t for t in together[0].turns if t.role is Role.AGENT).hit("empathy")
    assert hit is not None and hit.detail["scripted"] is True
    assert together[0].components["empathy"].score < alone.components["empathy"].score
