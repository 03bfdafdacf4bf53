"""Conversation-level signals: unaddressed concerns, emotion trajectory, interrogation runs,
timing (timed calls and timestamped chats), readability, style matching, language mismatch."""

from __future__ import annotations

import pytest

from heard.listening import Emotion

# --- concerns ------------------------------------------------------------------------------


def test_concern_raised_again_and_left_unanswered(talk) -> None:
    annotated = talk(
        [
            ("customer", "I was charged twice for my gym membership in March."),
            (
                "agent",
                "I see. So there are two March payments on your account, and you only expected "
                "one?",
            ),
            ("customer", "Yes, and I was also charged a late fee even though I paid on time."),
            (
                "agent",
                "I'm sorry about that. I've refunded the duplicate March payment, it'll be back "
                "in 3-5 working days.",
            ),
            ("customer", "And the late fee?"),
            ("agent", "Is there anything else I can help you with today?"),
        ]
    )
    signals = annotated.signals
    by_id = {c.id: c for c in signals.concerns}
    assert set(by_id) == {"t1.c1", "t3.c1", "t5.c1"}
    # The double charge was heard (restated) and answered (refunded).
    assert by_id["t1.c1"].acknowledged_by == "t2"
    assert by_id["t1.c1"].answered_by == "t4"
    # The customer had to ask about the late fee again, and the agent moved on.
    assert [c.id for c in signals.unaddressed_concerns] == ["t5.c1"]
    unaddressed = signals.unaddressed_concerns[0]
    assert unaddressed.text == "the late fee"
    assert unaddressed.repeat_of == "t3.c1"


def test_every_concern_addressed(talk) -> None:
    annotated = talk(
        [
            (
                "customer",
                "This is ridiculous, my card has been blocked for no reason and I'm stuck at "
                "the till!",
            ),
            (
                "agent",
                "That sounds really stressful, I'm sorry. I've unblocked the card now, could you "
                "try it again?",
            ),
            ("customer", "It worked. Thank you so much, that's a huge relief!"),
        ]
    )
    assert annotated.turns[1].has("empathy")
    assert annotated.turns[1].has("solution")
    (concern,) = annotated.signals.concerns
    assert (concern.acknowledged_by, concern.answered_by) == ("t2", "t2")
    assert annotated.signals.unaddressed_concerns == []


def test_concern_with_no_agent_reply_is_unaddressed(talk) -> None:
    annotated = talk([("customer", "My parcel still hasn't arrived and it's been two weeks.")])
    assert [c.id for c in annotated.signals.unaddressed_concerns] == ["t1.c1"]


# --- emotion trajectory ----------------------------------------------------------------------


def test_emotion_trajectory_from_upset_to_grateful(talk) -> None:
    annotated = talk(
        [
            (
                "customer",
                "This is ridiculous, my card has been blocked for no reason and I'm stuck at "
                "the till!",
            ),
            ("agent", "I'm so sorry. I've unblocked the card now, could you try it again?"),
            ("customer", "It worked. Thank you so much, that's a huge relief!"),
        ]
    )
    trajectory = annotated.signals.emotion_trajectory
    assert [p.turn_id for p in trajectory.points] == ["t1", "t3"]
    assert trajectory.start.emotion in {Emotion.ANGER, Emotion.FRUSTRATION}
    assert trajectory.start.valence < 0
    assert trajectory.end.emotion is Emotion.GRATITUDE
    assert trajectory.end.valence > 0
    assert trajectory.change == pytest.approx(trajectory.end.valence - trajectory.start.valence)
    assert trajectory.change > 1


def test_emotion_trajectory_getting_worse(talk) -> None:
    annotated = talk(
        [
            ("customer", "Hi, could you tell me when my refund will arrive?"),
            ("agent", "Refunds take as long as they take."),
            ("customer", "That's not good enough. This is absolutely unacceptable!"),
        ]
    )
    assert annotated.signals.emotion_trajectory.change < 0


def test_no_customer_turns_no_trajectory(talk) -> None:
    trajectory = talk([("agent", "Hello, you're through to Sam.")]).signals.emotion_trajectory
    assert trajectory.points == [] and trajectory.change is None


# --- interrogation ---------------------------------------------------------------------------

QUIZ = [
    ("customer", "My internet isn't working."),
    ("agent", "Is the router plugged in?"),
    ("customer", "Yes."),
    ("agent", "Are the lights on?"),
    ("customer", "Yes."),
    ("agent", "Is the light green?"),
    ("customer", "No, it's red."),
    ("agent", "Did you change anything recently?"),
    ("customer", "No."),
]


def test_interrogation_run_of_closed_questions(talk) -> None:
    annotated = talk(QUIZ)
    for index in (1, 3, 5, 7):
        assert annotated.turns[index].detail["clarifying_question"]["question"] == "closed"
    runs = annotated.signals.interrogations
    # The question itself must not count as the warmth that breaks a run.
    assert [run.turn_ids for run in runs] == [["t2", "t4", "t6", "t8"]]
    assert runs[0].quotes[0] == "Is the router plugged in?"


def test_acknowledgement_breaks_the_run(talk) -> None:
    lines = list(QUIZ)
    lines[3] = ("agent", "Okay, got it. Are the lights on?")
    lines[5] = ("agent", "I see. Is the light green?")
    annotated = talk(lines)
    assert annotated.turns[3].has("acknowledgement")
    assert annotated.signals.interrogations == []


def test_open_questions_are_not_an_interrogation(talk) -> None:
    annotated = talk(
        [
            ("customer", "My internet isn't working."),
            ("agent", "What happens when you try to connect?"),
            ("customer", "It just spins."),
            ("agent", "How long has it been like that?"),
            ("customer", "Since this morning."),
            ("agent", "What have you tried so far?"),
            ("customer", "Turning it off and on."),
        ]
    )
    assert annotated.signals.interrogations == []


# --- timing ----------------------------------------------------------------------------------

CALL = [
    ("agent", "Thanks for calling Northgate Energy, you're through to Sam.", 0.0, 3.0),
    (
        "customer",
        "Hi Sam, my bill this month is double what it normally is and I can't work out why.",
        3.5,
        9.0,
    ),
    ("agent", "I'm sorry to hear that. Let me pull up your account.", 9.8, 13.0),
    (
        "agent",
        "Okay, I can see the bill. It was based on an estimated reading because we couldn't get "
        "to the meter.",
        16.0,
        22.0,
    ),
    ("customer", "So what do I do now?", 22.6, 24.0),
    (
        "agent",
        "If you send me a meter reading today, I'll reissue the bill with the right amount.",
        26.0,
        31.0,
    ),
    ("customer", "Okay, great, thanks.", 31.5, 33.0),
]


def test_timing_on_a_timed_call(talk) -> None:
    timing = talk(CALL).signals.timing
    assert timing.timed is True
    assert timing.agent_talk_seconds == pytest.approx(17.2)
    assert timing.customer_talk_seconds == pytest.approx(8.4)
    assert timing.talk_to_listen_ratio == pytest.approx(17.2 / 25.6, abs=1e-3)
    # t3 and t4 back to back, with no customer words between: 9.8 s → 22.0 s.
    assert timing.longest_agent_monologue_seconds == pytest.approx(12.2)
    assert timing.longest_agent_monologue_turn == "t3"
    # Pauses before the agent answered: 0.8 s and 2.0 s.
    assert timing.patience_seconds == pytest.approx(1.4)
    # Silences of 2 s or more: 13.0 → 16.0 and 24.0 → 26.0.
    assert timing.dead_air_seconds == pytest.approx(5.0)
    assert timing.interruptions == 0
    assert timing.first_response_seconds is None


def test_timing_counts_interruptions_on_a_call(talk) -> None:
    lines = list(CALL)
    lines[2] = ("agent", "I'm sorry to hear that. Let me pull up your account.", 7.0, 13.0)
    timing = talk(lines).signals.timing
    assert timing.interruptions == 1
    assert timing.patience_seconds == pytest.approx(2.0)  # the overlap is not a pause


def test_timing_on_a_timestamped_chat(talk) -> None:
    timing = talk(
        [
            ("customer", "Hi, I need to change the delivery address on my order.", 0),
            ("customer", "It's order 88213.", 20),
            ("agent", "Hi! Happy to help, what's the new address?", 80),
            ("customer", "12 Ash Grove, Leeds LS6 1AA.", 140),
            ("agent", "Thanks, I've updated it.", 170),
            ("customer", "Great, thank you!", 200),
            ("agent", "You're welcome, have a lovely day.", 230),
        ]
    ).signals.timing
    assert timing.timed is True
    # Measured from the first unanswered customer message.
    assert timing.first_response_seconds == 80
    assert timing.median_response_seconds == 30
    assert timing.max_response_seconds == 80
    assert timing.agent_talk_seconds is None
    assert timing.interruptions == 0


def test_untimed_transcript_has_no_timing(talk) -> None:
    timing = talk([("customer", "Hello?"), ("agent", "Hi, how can I help?")]).signals.timing
    assert timing.timed is False
    assert timing.talk_to_listen_ratio is None
    assert timing.median_response_seconds is None


# --- readability -----------------------------------------------------------------------------


def test_plain_language(talk) -> None:
    readability = talk(
        [
            ("customer", "My bill is wrong."),
            (
                "agent",
                "Sorry about that. Send me a photo of the meter and I'll fix the bill today.",
            ),
        ]
    ).signals.readability
    assert readability.plain_language is True
    assert readability.reading_ease > 60
    assert readability.grade_level < 8


def test_jargon_is_hard_to_read_and_the_hardest_turn_is_named(talk) -> None:
    readability = talk(
        [
            ("customer", "My bill is wrong."),
            ("agent", "Sorry about that, let me have a look for you."),
            ("customer", "Thanks."),
            (
                "agent",
                "Pursuant to the aforementioned contractual stipulations, reconciliation of "
                "discrepancies necessitates verification of consumption documentation prior to "
                "adjustment authorisation.",
            ),
        ]
    ).signals.readability
    assert readability.plain_language is False
    assert readability.hardest_turn == "t4"
    assert readability.grade_level > 12


def test_no_agent_words_no_readability(talk) -> None:
    readability = talk([("customer", "Hello, is anyone there?")]).signals.readability
    assert readability.reading_ease is None and readability.plain_language is None


# --- rapport: language style matching --------------------------------------------------------

CUSTOMER_WORDS = [
    "so I've been trying to get my money back for ages and I just don't know what else I can "
    "do, I've called you three times and each time I get told something different, and "
    "honestly I'm really tired of it because I just want it sorted so I can get on with my week",
    "and the thing is I was told on the phone that it would be back by Friday but it wasn't, "
    "and now I'm not even sure if you have my right bank details, so can you just check that "
    "for me please because I really need it before the rent goes out",
]
MIRRORING = [
    "I'm really sorry, I can see you've been going round in circles with us and that's not "
    "okay, so I'm going to sort it for you right now and I'll make sure you don't have to chase "
    "us again this week, because you shouldn't have had to call even once",
    "you're right, I can see the bank details we have are old, so I've just changed them to "
    "the ones you gave me and I've sent the money back today, so you should see it by Friday, "
    "and I'll check in with you then so you know it's all done before your rent",
]
FORMAL = [
    "Refund processing requires verification of account information. Standard processing "
    "timelines apply. Discrepancies in communication are regrettable.",
    "Account records indicate outdated payment credentials. Credentials updated. Reimbursement "
    "issued. Funds availability: three to five working days. Further enquiries: online portal.",
]


def _chat(customer: list[str], agent: list[str]) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for said, answered in zip(customer, agent, strict=True):
        lines += [("customer", said), ("agent", answered)]
    return lines


def test_style_matching_rewards_mirroring(talk) -> None:
    mirrored = talk(_chat(CUSTOMER_WORDS, MIRRORING)).signals.rapport
    formal = talk(_chat(CUSTOMER_WORDS, FORMAL)).signals.rapport
    assert mirrored.enough_words is True
    assert formal.enough_words is False  # the formal agent wrote too few words to judge
    assert 0 <= formal.style_matching < mirrored.style_matching <= 1
    assert mirrored.style_matching > 0.6


def test_short_conversation_is_not_enough_to_judge_style(talk) -> None:
    rapport = talk([("customer", "Where is my parcel?"), ("agent", "It's at the depot.")]).signals
    assert rapport.rapport.enough_words is False


# --- language --------------------------------------------------------------------------------


def test_language_mismatch(talk) -> None:
    language = talk(
        [
            (
                "customer",
                "Bonjour, ma commande n'est toujours pas arrivée et j'en ai besoin pour samedi.",
            ),
            (
                "agent",
                "Hello, I'm sorry but I can only help in English. Could you tell me your order "
                "number?",
            ),
        ]
    ).signals.language
    assert (language.customer, language.agent, language.mismatch) == ("fr", "en", True)


def test_same_language_no_mismatch(talk) -> None:
    language = talk(
        [
            ("customer", "Hola, mi pedido llegó roto y quiero un reembolso."),
            ("agent", "Lo siento mucho, le enviaré un reembolso completo hoy mismo."),
        ]
    ).signals.language
    assert (language.customer, language.agent, language.mismatch) == ("es", "es", False)


def test_conversation_language_stands_in_for_short_customer_turns(talk) -> None:
    language = talk(
        [("customer", "Merci!"), ("agent", "Hello, how can I help you with your order today?")],
        language="fr",
    ).signals.language
    assert (language.customer, language.agent, language.mismatch) == ("fr", "en", True)
