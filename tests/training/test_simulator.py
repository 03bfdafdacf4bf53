"""The simulated customer, one behaviour at a time: what the engine hears decides the reply."""

from __future__ import annotations

import json

import httpx
import pytest

from heard.training import SessionOverError, Simulator, find_scenario
from heard.training.simulator import explain
from heard.training.voice import CustomerVoice

EMPATHY = "I'm so sorry, that sounds really stressful with your daughter's party on Saturday."


def started(scenario_id: str = "delayed-order", seed: int = 1) -> Simulator:
    simulator = Simulator(find_scenario(scenario_id), seed=seed)
    simulator.start()
    return simulator


def events(result: object) -> list[str]:
    return [e.event for e in result.feedback.effects]  # type: ignore[attr-defined]


def test_the_opening_is_a_burst_still_being_typed() -> None:
    simulator = Simulator(find_scenario("delayed-order"), seed=1)
    opening = simulator.start()
    assert [m.pending for m in opening] == [False, True]
    assert opening[1].delay_seconds > 0
    assert len(simulator.conversation.turns) == 1  # the rest is not said until it is shown


def test_a_fitting_clarifying_question_reveals_the_hidden_fact() -> None:
    simulator = started()
    result = simulator.agent_turn("Which address was it going to?")
    assert "old_address" in simulator.revealed
    assert "moved last month" in result.customer[-1].text
    assert result.feedback.revealed == [
        "The parcel went to their old address; they moved last month."
    ]
    # The concern that comes with the fact is raised now, in the same reply.
    assert "wrong_address" in simulator.raised


@pytest.mark.parametrize(
    "turn",
    [
        "Please check the delivery address in your account.",  # mentions it, asks nothing
        "What colour are the decorations?",  # a question, but not about the address
        "Would you like me to send it to another address?",  # an offer, not a question
    ],
)
def test_other_turns_do_not_reveal_it(turn: str) -> None:
    simulator = started()
    simulator.agent_turn(turn)
    assert "old_address" not in simulator.revealed


def test_an_open_only_fact_needs_an_open_question() -> None:
    simulator = started("cancellation")
    closed = simulator.agent_turn("Is it because of the price?")
    assert "reason" not in simulator.revealed
    assert any("open one" in note for note in closed.feedback.missed)
    simulator.agent_turn("Can I ask what's made you decide to cancel?")
    assert "reason" in simulator.revealed


def test_asking_again_for_a_fact_annoys() -> None:
    simulator = started()
    simulator.agent_turn("What's your order number?")
    again = simulator.agent_turn("Could you give me the order reference?")
    assert "asked_again" in events(again)
    assert "48213" in again.customer[-1].text


def test_a_right_paraphrase_is_confirmed() -> None:
    simulator = started()
    result = simulator.agent_turn(
        "Just to check I've understood: your decorations haven't arrived and you need them "
        "before the party on Saturday, is that right?"
    )
    assert simulator.paraphrase_confirmed
    assert "paraphrase" in events(result)
    assert result.customer[-1].text.split(".")[0] in {
        "Yes, that's it exactly",
        "Yes",
        "Exactly, yes",
    }


def test_a_paraphrase_with_a_wrong_detail_is_corrected() -> None:
    simulator = started()
    simulator.agent_turn("What's your order number?")
    result = simulator.agent_turn("So your order 48123 hasn't arrived, is that right?")
    assert "paraphrase_corrected" in events(result)
    assert "It's 48213, not 48123." in result.customer[-1].text
    assert not simulator.paraphrase_confirmed


def test_a_paraphrase_that_misses_the_point_is_corrected() -> None:
    simulator = started("double-charge")
    result = simulator.agent_turn("So you'd like to update your card details, is that right?")
    assert "paraphrase_corrected" in events(result)
    assert "missed getting their money back" in result.feedback.effects[0].because


def test_genuine_empathy_softens_and_says_why() -> None:
    simulator = started()
    before = simulator.intensity
    result = simulator.agent_turn(EMPATHY)
    assert simulator.intensity < before - 0.15
    assert {"empathy", "concern_acknowledged"} <= set(events(result))
    assert result.feedback.explanation.startswith("The customer calmed because")
    assert "party on Saturday" in " ".join(e.because for e in result.feedback.effects)


def test_empathy_said_again_counts_less() -> None:
    simulator = started()
    first = simulator.agent_turn(EMPATHY)
    second = simulator.agent_turn("I'm so sorry, that sounds really stressful for you.")
    empathy = [
        next(e.delta for e in r.feedback.effects if e.event == "empathy") for r in (first, second)
    ]
    assert abs(empathy[1]) < abs(empathy[0])


def test_an_ignored_concern_is_repeated_and_escalates() -> None:
    simulator = started()
    scenario = simulator.scenario
    repeats = set(scenario.concern("deadline").repeats)
    intensities = []
    replies = []
    for _ in range(4):
        result = simulator.agent_turn("Let me look into the tracking system.")
        intensities.append(simulator.intensity)
        replies.append(result.customer[-1].text)
        if simulator.done:
            break
    said = [r for r in replies if any(line in r for line in repeats)]
    assert len(said) >= 2  # after two unheard turns, and again two turns later
    assert intensities == sorted(intensities) and intensities[-1] > scenario.emotion.intensity
    ignored = [e for f in simulator.feedback for e in f.effects if e.event == "concern_ignored"]
    assert ignored[1].delta > ignored[0].delta  # angrier each time they have to say it
    assert any("so they repeated it" in m for f in simulator.feedback for m in f.missed)


def test_interrupting_a_burst_is_heard_by_the_engine_and_upsets() -> None:
    simulator = started()
    result = simulator.agent_turn("What's your order number?", interrupted=True)
    assert "interruption" in [note.label for note in result.feedback.did]
    assert "interruption" in events(result)
    # The rest of the burst arrives after the agent's words, then the protest.
    assert "birthday party on Saturday" in result.customer[0].text
    assert len(result.customer) == 2


def test_dismissive_words_escalate_quickly() -> None:
    simulator = started()
    simulator.agent_turn("Calm down, it's not our fault.")
    simulator.agent_turn("Calm down, as I already told you, it's not our problem.")
    assert simulator.outcome == "escalated"
    with pytest.raises(SessionOverError):
        simulator.agent_turn("Sorry")


def test_a_fix_before_the_facts_is_premature() -> None:
    simulator = started()
    result = simulator.agent_turn("I'll send a replacement by express courier today.")
    assert "premature_solution" in events(result)
    assert simulator.solution_turn is None


def test_a_rejected_solution_says_why() -> None:
    simulator = started()
    # A proposal the scenario rules out (waiting, with a party on Saturday).
    result = simulator.agent_turn(
        "The best thing to do is wait a few more days, it should turn up by then."
    )
    assert "solution_rejected" in events(result)
    assert "Saturday" in result.customer[-1].text


def test_a_misreading_is_corrected() -> None:
    simulator = started()
    result = simulator.agent_turn("I can give you a refund for the order.")
    assert "misreading" in events(result)
    assert "refund" in result.customer[-1].text


def test_plain_language_needs_are_respected() -> None:
    simulator = started("second-language")
    result = simulator.agent_turn("Please bear with me while I check the tracking.")
    assert "confusing" in events(result)
    assert result.customer[-1].text in simulator.scenario.lines("confused")
    plain = simulator.agent_turn("What is the tracking number?")
    assert "tracking" in simulator.revealed and "confusing" not in events(plain)


def test_the_same_seed_gives_the_same_conversation() -> None:
    turns = [
        "What's your order number?",
        "Let me look into it.",
        "Let me check something.",
        "Which address was it going to?",
    ]

    def transcript(seed: int) -> list[str]:
        simulator = started(seed=seed)
        for turn in turns:
            simulator.agent_turn(turn)
        return [entry.text for entry in simulator.transcript]

    assert transcript(7) == transcript(7)
    assert len({json.dumps(transcript(seed)) for seed in range(6)}) > 1  # wording varies


def test_no_line_is_said_twice_in_a_row_from_one_bank() -> None:
    simulator = started()
    lines = [simulator.agent_turn("Okay.").customer[-1].text for _ in range(3)]
    assert lines[0] != lines[1] != lines[2]


def test_hints_point_at_what_is_still_open() -> None:
    simulator = started()
    hints = simulator.hints()
    assert any("party on Saturday" in h for h in hints)
    assert any("order number" in h for h in hints)
    assert any(h.startswith(("A paraphrase", "An empathy opener")) for h in hints)


def test_explanations_name_the_biggest_cause() -> None:
    simulator = started()
    result = simulator.agent_turn(EMPATHY)
    assert (
        result.feedback.explanation
        == "The customer calmed because "
        + max(result.feedback.effects, key=lambda e: abs(e.delta)).because
        + "."
    )
    assert explain([]) == "The customer's mood did not change."


def test_a_language_model_can_voice_the_customer_within_guards() -> None:
    answers = iter(
        ["Oh gosh, it's 48213!", "It's order 99999.", "Oh gosh, I really need it before Saturday."]
    )
    sent: list[dict[str, object]] = []

    def reply(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        return httpx.Response(200, json={"choices": [{"message": {"content": next(answers)}}]})

    voice = CustomerVoice("http://llm.invalid", transport=httpx.MockTransport(reply))
    simulator = Simulator(find_scenario("delayed-order"), seed=1, voice=voice)
    simulator.start()
    first = simulator.agent_turn("What's your order number?")
    assert first.customer[-1].text == "Oh gosh, it's 48213!"  # a rephrasing: accepted
    second = simulator.agent_turn("Could you give me the order reference?")
    assert "99999" not in second.customer[-1].text  # adds a number: the phrase bank's line
    assert "Robin" not in json.dumps(sent[0]["messages"][1])  # only the line is sent
    assert "parent" in json.dumps(sent[0]["messages"][0])  # the persona shapes the voice
    assert CustomerVoice.from_env({}) is None  # off unless HEARD_LLM_URL is set
