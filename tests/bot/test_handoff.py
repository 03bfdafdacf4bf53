"""Hand-off: when a person is clearly needed (and when clearly not), and what the agent gets."""

from __future__ import annotations

import pytest

from heard.bot import Bot, Decision, HandoffReason, KBIndex, RoutingConfig, find_facts
from heard.conversation import Role, Turn

from .conftest import bot_with

# Conversations where a person is clearly needed, and the reason the bot must give.
NEEDS_A_PERSON: list[tuple[list[str], HandoffReason]] = [
    (["Can I speak to a real person please?"], HandoffReason.ASKED_FOR_PERSON),
    (
        ["How do I return an item?", "I just want to talk to someone, not a bot"],
        HandoffReason.ASKED_FOR_PERSON,
    ),
    (
        [
            "This is absolutely ridiculous, my order #48213 is three weeks late and nobody answers "
            "my emails!"
        ],
        HandoffReason.STRONG_EMOTION,
    ),
    (
        ["I'm furious. You charged my card and the parcel never came. Unacceptable."],
        HandoffReason.STRONG_EMOTION,
    ),
    (
        ["Where is my order?", "I already told you, my order hasn't arrived"],
        HandoffReason.REPEATED_CONCERN,
    ),
    (
        ["Can you recommend a good plumber in my area for a leaking boiler?"],
        HandoffReason.OUT_OF_SCOPE,
    ),
    (
        [
            "How long does delivery take?",
            "that didn't help",
            "How much does delivery cost?",
            "no, that doesn't answer it either",
        ],
        HandoffReason.FAILED_ANSWERS,
    ),
    (["I was charged twice for my order"], HandoffReason.SENSITIVE_TOPIC),
    (["Bonjour, je voudrais retourner ma commande s'il vous plaît"], HandoffReason.LANGUAGE),
]

# Conversations the bot should finish alone.
NO_PERSON_NEEDED: list[list[str]] = [
    ["How do I reset my password?", "thanks, that worked"],
    ["hi", "Do you ship abroad?", "great, thank you"],
    ["How long does delivery take?", "ok thanks", "How much is delivery?", "perfect"],
    ["Can I pay in instalments?", "yes", "bye"],
    ["What payment methods do you accept?"],
    ["I'm a little worried my parcel is late, where is my order?"],
    ["How do I find my size?", "thanks"],
]


@pytest.mark.parametrize(("messages", "reason"), NEEDS_A_PERSON)
def test_hands_off_when_a_person_is_needed(
    bot: Bot, messages: list[str], reason: HandoffReason
) -> None:
    session = bot.session()
    replies = [session.reply(m) for m in messages]
    assert replies[-1].decision is Decision.HANDOFF, [r.text for r in replies]
    assert replies[-1].handoff is reason
    assert all(r.decision is not Decision.HANDOFF for r in replies[:-1])
    assert session.handoff is not None and session.handoff.reason is reason
    assert session.outcome == "handed_off"
    assert "won't need to repeat" in replies[-1].text


@pytest.mark.parametrize("messages", NO_PERSON_NEEDED)
def test_does_not_hand_off_when_no_person_is_needed(bot: Bot, messages: list[str]) -> None:
    session = bot.session()
    replies = [session.reply(m) for m in messages]
    assert all(r.decision is not Decision.HANDOFF for r in replies), [
        (r.decision, r.text) for r in replies
    ]
    assert session.handoff is None and session.outcome == "contained"


def test_two_failed_answers_in_a_row(shop_index: KBIndex) -> None:
    bot = bot_with(shop_index, answer=0.3, confirm=0.2)
    session = bot.session()
    assert session.reply("How long does delivery take?").decision is Decision.ANSWER
    assert session.reply("that didn't help").decision is Decision.CLARIFY
    assert session.reply("What does delivery cost?").decision is Decision.ANSWER
    reply = session.reply("that doesn't answer it")
    assert reply.handoff is HandoffReason.FAILED_ANSWERS
    packet = session.handoff
    assert packet is not None
    assert [(a.decision, a.outcome) for a in packet.tried if a.decision == "answer"] == [
        ("answer", "failed"),
        ("answer", "failed"),
    ]


def test_after_a_hand_off_the_bot_waits_and_keeps_listening(bot: Bot) -> None:
    session = bot.session()
    session.reply("I want to speak to a human")
    reply = session.reply("my order number is 99120")
    assert reply.decision is Decision.HANDOFF and "colleague" in reply.text
    assert session.handoff is not None
    assert [f.value for f in session.handoff.facts] == ["99120"]


def test_the_packet_tells_the_whole_story(bot: Bot) -> None:
    session = bot.session()
    session.greet()
    session.reply("Where is my order?")
    session.reply(
        "It's order #48213, I ordered it on 3 March and it still hasn't arrived. "
        "I need it before Saturday for my daughter's birthday."
    )
    last = session.reply(
        "This is ridiculous, I've asked twice now and nobody helps. I want a refund."
    )
    assert last.decision is Decision.HANDOFF
    packet = session.handoff
    assert packet is not None
    customer = {t.id: t.text for t in session.turns if t.role is Role.CUSTOMER}
    # The issue and what they want, in their own words (exact quotes of their turns).
    assert packet.issue and all(q.text in customer[q.turn_id] for q in packet.issue)
    assert any("still hasn't arrived" in q.text for q in packet.issue)
    assert any("I want a refund" in q.text for q in packet.wants)
    # Facts, each with its quote.
    kinds = {(f.kind, f.value) for f in packet.facts}
    assert ("order_number", "48213") in kinds
    assert ("date", "3 March") in kinds
    assert all(f.quote in customer[f.turn_id] for f in packet.facts)
    # Emotion now, and how it got there.
    assert packet.emotion.emotion in {"anger", "frustration"}
    assert len(packet.trajectory.points) == 3
    assert packet.trajectory.change is not None and packet.trajectory.change < 0
    # What the bot tried, and the urgency.
    assert packet.tried and packet.tried[0].entry_id == "where-is-my-order"
    assert packet.urgency is not None and "Saturday" in packet.urgency.text
    # A first reply that shows they were heard: grounded in their words.
    suggested = packet.suggested_reply
    assert "48213" in suggested.text
    assert suggested.grounded_in
    assert all(q.text in customer[q.turn_id] for q in suggested.grounded_in)
    assert packet.turns == len(session.turns)


def test_routes_by_language_and_skills(shop_index: KBIndex) -> None:
    routing = RoutingConfig.from_data(
        {
            "default_queue": "general",
            "queues": [
                {
                    "name": "billing-en",
                    "languages": ["en"],
                    "skills": ["billing"],
                    "team": "team-billing",
                },
                {"name": "francophone", "languages": ["fr"]},
                {"name": "delivery", "skills": ["delivery"]},
            ],
        }
    )
    bot = Bot(shop_index, routing=routing)
    charged = bot.session()
    charged.reply("I was charged twice for my order")
    assert charged.handoff is not None
    assert charged.handoff.route.queue == "billing-en"
    assert charged.handoff.route.team == "team-billing"
    french = bot.session()
    french.reply("Bonjour, je voudrais retourner ma commande s'il vous plaît")
    assert french.handoff is not None and french.handoff.route.queue == "francophone"
    assert routing.route("de", ["payments"]).queue == "general"
    assert routing.route("en-GB", ["delivery"]).queue == "delivery"


def test_routing_file_errors_say_where(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from heard.bot import RoutingError

    path = tmp_path / "routing.yaml"
    path.write_text("queues:\n  - languages: [en]\n")
    with pytest.raises(RoutingError, match=r"routing\.yaml: queues\.0\.name: Field required"):
        RoutingConfig.from_yaml(path)


def test_facts_keep_the_customers_words() -> None:
    turns = [
        Turn(
            id="t1", role=Role.CUSTOMER, text="Order number is AB-10442, paid £42.50 on 2026-03-02."
        ),
        Turn(id="t2", role=Role.AGENT, text="Order #99999 is mine, not yours."),
        Turn(id="t3", role=Role.CUSTOMER, text="Tracking number JD0002231845 says last Tuesday."),
    ]
    found = {(f.kind, f.value, f.turn_id) for f in find_facts(turns)}
    assert found == {
        ("order_number", "AB-10442", "t1"),
        ("amount", "£42.50", "t1"),
        ("date", "2026-03-02", "t1"),
        ("tracking_number", "JD0002231845", "t3"),
        ("date", "last Tuesday", "t3"),
    }
