"""A generated corpus of realistic 12-turn support conversations, for speed benchmarks.

Deterministic for a seed; every conversation differs (products, order numbers, feelings,
agent styles), so caches and repeated strings do not flatter the figures.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from heard.conversation import Channel, Conversation, Role, Turn

PRODUCTS = [
    "blender",
    "router",
    "laptop",
    "sofa",
    "phone case",
    "kettle",
    "tent",
    "printer",
    "jacket",
    "monitor",
]
PROBLEMS = [
    "hasn't arrived yet",
    "arrived damaged",
    "stopped working after a week",
    "was charged twice",
    "is the wrong size",
    "keeps disconnecting every evening",
]
EVENTS = [
    "my daughter's party on Saturday",
    "a trip next week",
    "work on Monday",
    "my exam tomorrow",
    "",
]
FEELINGS = [
    "I'm really frustrated.",
    "This is so annoying.",
    "I'm worried it won't be sorted in time.",
    "Honestly I'm quite upset about it.",
    "",
]
AGENT_OPENERS = [
    "Thanks for getting in touch, I'm sorry to hear about the {product}.",
    "Hi, I can see why that's frustrating, let me help.",
    "Hello. Order number?",
    "I understand. Let me check.",
]
AGENT_MIDDLE = [
    "Just to confirm, your {product} from order {order} {problem} and you need it for {event}?",
    "Can you tell me when you first noticed the problem?",
    "Did you try restarting it?",
    "I've checked your order: the courier has it at the depot.",
    "That must be really stressful with {event} coming up.",
    "As I already said, it's with the courier.",
]
AGENT_SOLUTIONS = [
    "I've arranged a replacement that will arrive by Thursday, "
    "and I'll email you tomorrow to confirm.",
    "I've refunded the duplicate charge; you'll see it within 3 to 5 working days.",
    "Please unplug it for ten seconds, then hold the reset button until the light flashes.",
    "There's nothing I can do, that's our policy.",
]
CUSTOMER_REPLIES = [
    "Yes, that's right.",
    "About three days ago, after the update.",
    "I already told you, it {problem}.",
    "The tracking just says in transit since Monday.",
    "No, I haven't tried that yet.",
    "Okay, thank you, that helps a lot.",
]
CLOSINGS = [
    "Did that solve it for you?",
    "Is there anything else I can help with?",
    "Anything else?",
]


def conversation(index: int, rng: random.Random) -> Conversation:
    product = rng.choice(PRODUCTS)
    order = rng.randint(10000, 99999)
    problem = rng.choice(PROBLEMS)
    event = rng.choice(EVENTS) or "next week"
    fill = {"product": product, "order": order, "problem": problem, "event": event}
    texts = [
        (Role.CUSTOMER, f"Hi, my {product} from order {order} {problem}. {rng.choice(FEELINGS)}"),
        (Role.AGENT, rng.choice(AGENT_OPENERS)),
        (Role.CUSTOMER, f"I need it for {event}." if event else "I need this sorted quickly."),
        (Role.AGENT, rng.choice(AGENT_MIDDLE)),
        (Role.CUSTOMER, rng.choice(CUSTOMER_REPLIES)),
        (Role.AGENT, rng.choice(AGENT_MIDDLE)),
        (Role.CUSTOMER, rng.choice(CUSTOMER_REPLIES)),
        (Role.AGENT, rng.choice(AGENT_SOLUTIONS)),
        (Role.CUSTOMER, rng.choice(CUSTOMER_REPLIES)),
        (Role.AGENT, rng.choice(AGENT_SOLUTIONS)),
        (Role.CUSTOMER, rng.choice(["Thanks, bye.", "Okay.", "Still not happy but fine."])),
        (Role.AGENT, rng.choice(CLOSINGS)),
    ]
    start = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=index)
    turns = []
    moment = start
    for role, text in texts:
        moment += timedelta(seconds=rng.randint(5, 90))
        turns.append(Turn(role=role, text=text.format(**fill), time=moment))
    return Conversation(
        id=f"bench-{index}",
        channel=Channel.CHAT,
        agent_id=f"agent-{index % 40}",
        team_id=f"team-{index % 5}",
        turns=turns,
    )


def corpus(count: int, seed: int = 7) -> Iterator[Conversation]:
    rng = random.Random(seed)
    for index in range(count):
        yield conversation(index, rng)
