"""Customer `emotion`, `intensity` and `emotion_quote`."""

from __future__ import annotations

import pytest

from heard.listening import Emotion


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("This is absolutely unacceptable, I want to speak to a manager NOW.", Emotion.ANGER),
        ("Hi. I'm furious. You cancelled my flight without telling me. Fix it.", Emotion.ANGER),
        ("I'm so fed up with this, it keeps happening.", Emotion.FRUSTRATION),
        (
            "I've been on hold for an hour, this is the third time I'm calling about it.",
            Emotion.FRUSTRATION,
        ),
        ("I'm scared someone has access to my account.", Emotion.ANXIETY),
        (
            "I'm really worried, my mum's medication hasn't arrived and she has only two tablets "
            "left.",
            Emotion.ANXIETY,
        ),
        ("My dog passed away last week and I need to cancel his insurance.", Emotion.SADNESS),
        ("I'm heartbroken, the ring was my grandmother's.", Emotion.SADNESS),
        ("I'm confused, the app says one thing and the email says another.", Emotion.CONFUSION),
        ("I don't understand which of these two bills I'm supposed to pay.", Emotion.CONFUSION),
        ("Thank you so much, that's a huge relief!", Emotion.GRATITUDE),
        ("Brilliant, thanks for sorting that so quickly.", Emotion.GRATITUDE),
        ("My account number is 4471 2210.", Emotion.NEUTRAL),
        ("I'd like to update my address please.", Emotion.NEUTRAL),
        ("It's a blue Samsung tablet.", Emotion.NEUTRAL),
    ],
)
def test_emotion(said, text: str, emotion: Emotion) -> None:
    turn = said(text)
    assert turn.emotion is emotion
    assert turn.intensity is not None and 0 <= turn.intensity <= 1


def test_neutral_has_low_intensity_and_no_quote(said) -> None:
    turn = said("My account number is 4471 2210.")
    assert turn.intensity <= 0.15
    assert turn.emotion_quote is None


@pytest.mark.parametrize(
    ("mild", "strong"),
    [
        (
            "The parcel is late again, which is frustrating.",
            "This is RIDICULOUS!! Third time the parcel is late, I am absolutely sick of it!!",
        ),
        (
            "I'm a bit worried about the payment.",
            "I'm terrified, I'm really really scared they'll take everything from my account!!",
        ),
    ],
)
def test_intensity_rises_with_the_strength_of_feeling(said, mild: str, strong: str) -> None:
    calm, loud = said(mild), said(strong)
    assert calm.emotion is loud.emotion
    assert loud.intensity > calm.intensity + 0.15


def test_quote_is_the_sentence_carrying_the_feeling(said) -> None:
    text = "Hi. I'm furious. You cancelled my flight without telling me. Fix it."
    turn = said(text)
    assert turn.emotion is Emotion.ANGER
    assert turn.emotion_quote == "I'm furious."


def test_mixed_message_quotes_the_gratitude(said) -> None:
    turn = said("My parcel is late. Also, thank you for the quick reply earlier.")
    assert turn.emotion is Emotion.GRATITUDE
    assert turn.emotion_quote == "Also, thank you for the quick reply earlier."


def test_agent_turns_have_no_emotion(talk) -> None:
    annotated = talk(
        [
            ("customer", "I'm so fed up with this, it keeps happening."),
            ("agent", "I'm furious on your behalf, honestly. Let me sort it."),
        ]
    )
    assert annotated.turns[0].emotion is Emotion.FRUSTRATION
    assert annotated.turns[1].emotion is None
    assert annotated.turns[1].intensity is None


def test_deadline_worry_without_feeling_words(said) -> None:
    # Time pressure with no feeling word (a wedding this Saturday, a dress not here).
    turn = said("The wedding is this Saturday and the dress still hasn't arrived!")
    assert turn.emotion is Emotion.ANXIETY
