"""`paraphrase`: the customer's issue restated in the agent's own words, or summed up."""

from __future__ import annotations

import pytest

KETTLE = (
    "I ordered a blue kettle two weeks ago and what arrived was a red toaster, "
    "and nobody has answered my emails."
)


@pytest.mark.parametrize(
    "agent",
    [
        "So you ordered a kettle but received a completely different item, and no one has got "
        "back to you.",
        "Just to confirm, the item you got isn't the one you paid for, and your emails went "
        "unanswered?",
        "It sounds like the wrong product was delivered and your messages were ignored.",
    ],
)
def test_restatement_in_other_words(reply, agent: str) -> None:
    turn = reply(KETTLE, agent)
    assert turn.has("paraphrase"), turn.labels
    assert turn.detail["paraphrase"]["summary"] is False


@pytest.mark.parametrize(
    "agent",
    [
        # Copied back word for word (first person kept, or merely turned into "you").
        "I ordered a blue kettle two weeks ago and what arrived was a red toaster.",
        "You ordered a blue kettle two weeks ago and what arrived was a red toaster, and nobody "
        "has answered your emails.",
        "What arrived was a red toaster, and nobody has answered my emails.",
    ],
)
def test_verbatim_copy_is_not_a_paraphrase(reply, agent: str) -> None:
    assert not reply(KETTLE, agent).has("paraphrase")


@pytest.mark.parametrize(
    "agent",
    [
        "Kettles are on sale this week.",
        "Thanks for contacting us, how can I help?",
        # "Let me check/confirm …" about the agent's own task is not a restatement.
        "Let me check the warehouse records.",
        "Let me confirm your delivery address.",
        "To confirm your identity, can you give me your date of birth?",
    ],
)
def test_not_a_paraphrase(reply, agent: str) -> None:
    assert not reply(KETTLE, agent).has("paraphrase")


def test_check_of_understanding_is_a_paraphrase(reply) -> None:
    turn = reply(
        "My son's school trip payment went through but the school says they never received it.",
        "Let me make sure I've got this right: you paid for the trip, the money left your "
        "account, but the school can't see it.",
    )
    assert turn.has("paraphrase")
    # "I've got this right" checks understanding; it is not a promise to handle anything.
    assert not turn.has("ownership")


def test_summary_at_the_end_counts_and_reaches_back(talk) -> None:
    annotated = talk(
        [
            (
                "customer",
                "Hi, I moved house last month and my gas bill is still going to the old address.",
            ),
            ("agent", "I'm sorry about that. What's the new address?"),
            ("customer", "It's 14 Larch Close. Also, the direct debit went out twice in March."),
            ("agent", "Thanks, I've updated the address and refunded the duplicate March payment."),
            (
                "customer",
                "Great, and can you make sure the final reading at the old flat is right?",
            ),
            ("agent", "Yes, I've sent that to the meter team."),
            ("customer", "Thank you."),
            (
                "agent",
                "So just to recap: your bills will now go to Larch Close, the extra March payment "
                "is on its way back to you, and the meter team is checking the final reading at "
                "your old flat.",
            ),
        ]
    )
    recap = annotated.turns[-1]
    assert recap.has("paraphrase")
    # The recap is judged against the whole conversation, not only "Thank you." before it.
    assert recap.detail["paraphrase"]["summary"] is True
    assert recap.hit("paraphrase").quote.startswith("So just to recap")


def test_nothing_to_paraphrase_before_the_customer_speaks(talk) -> None:
    annotated = talk(
        [
            ("agent", "So you're calling about a kettle that arrived as a toaster?"),
            ("customer", KETTLE),
        ]
    )
    assert not annotated.turns[0].has("paraphrase")


def test_quote_is_the_restating_sentence(reply) -> None:
    agent = (
        "Thanks for your patience. It sounds like the wrong product was delivered and your "
        "messages were ignored. I'll look into it now."
    )
    hit = reply(KETTLE, agent).hit("paraphrase")
    assert hit is not None
    assert hit.quote == (
        "It sounds like the wrong product was delivered and your messages were ignored."
    )
    assert agent[hit.start : hit.end] == hit.quote
    assert 0 < hit.detail["similarity"] <= 1


def test_restatement_that_also_names_the_feeling_is_both(reply) -> None:
    turn = reply(
        "I was laid off from the bakery after eleven years and the rent is due next week.",
        "So just to clarify, you lost your job at the bakery after eleven years, the rent is "
        "coming up, and it's leaving you feeling overwhelmed?",
    )
    assert turn.has("paraphrase"), turn.labels
    assert turn.has("empathy"), turn.labels


def test_reflecting_only_the_feeling_is_empathy_not_paraphrase(reply) -> None:
    turn = reply(
        "I was laid off from the bakery after eleven years and the rent is due next week.",
        "It sounds like you're feeling really overwhelmed right now.",
    )
    assert turn.has("empathy"), turn.labels
    assert not turn.has("paraphrase"), turn.labels
