"""A corpus for the distributed engine's tests.

The corpus is built so that every part of the engine has something to do: one agent repeats
the same empathy line in many conversations (the reduce step must mark it scripted across
partitions), others vary theirs, some conversations have no agent; the JSONL file is big enough
to be cut into many byte ranges, and has bad lines and blank lines in the middle.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from heard.conversation import Channel, Conversation, Role, Turn

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTED_LINE = "I completely understand how frustrating that must be."
PERSONAL_LINES = [
    "Oh no, with your daughter's party on Saturday that must be really stressful.",
    "I'm sorry, being charged twice right before your trip is awful.",
    "That sounds exhausting, especially after waiting ten days.",
]
ISSUES = [
    "My order hasn't arrived and it's been ten days. I'm really upset.",
    "I was charged twice for the same delivery, this is so annoying.",
    "The app keeps logging me out every few minutes.",
    "My replacement headphones are faulty too. I'm worried it won't be sorted in time.",
]
SOLUTIONS = [
    "I've arranged a replacement that will arrive by Thursday, and I'll email you tomorrow.",
    "I've refunded the duplicate charge; you'll see it within 3 to 5 working days.",
    "Just to confirm, the app logs you out on the phone and on the tablet?",
]


def make_conversation(number: int) -> Conversation:
    """Conversation ``number``: agent-lena (every third one) always says SCRIPTED_LINE."""
    agent = ["agent-lena", "agent-omar", "agent-ines", None][number % 4 if number % 3 else 0]
    line = SCRIPTED_LINE if agent == "agent-lena" else PERSONAL_LINES[number % 3]
    if number % 7 == 0 and agent == "agent-omar":
        line = SCRIPTED_LINE  # the same words from another agent, twice: not scripted for him
    start = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=number)
    texts = [
        (Role.CUSTOMER, ISSUES[number % len(ISSUES)]),
        (Role.AGENT, line),
        (Role.CUSTOMER, "Okay. Order " + str(10_000 + number) + "."),
        (Role.AGENT, SOLUTIONS[number % len(SOLUTIONS)]),
        (Role.CUSTOMER, "Thanks."),
    ]
    return Conversation(
        id=f"c-{number:04d}",
        channel=Channel.CHAT,
        agent_id=agent,
        team_id="team-a" if agent else None,
        turns=[
            Turn(role=role, text=text, time=start + timedelta(seconds=30 * position))
            for position, (role, text) in enumerate(texts)
        ],
    )


def write_corpus(path: Path, count: int, *, bad_lines: bool = True) -> Path:
    """``count`` conversations as JSONL, with bad and blank lines among them when asked."""
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        for number in range(count):
            stream.write(make_conversation(number).to_json() + "\n")
            if bad_lines and number in (17, 90):
                stream.write("{not json\n\n")
            if bad_lines and number == 150:
                stream.write('{"id": "no-turns", "turns": "nope"}\n')
    return path
