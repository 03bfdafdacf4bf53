"""Synthetic calls with known answers, built once per test session with espeak-ng and sox.

Every call's lines are placed relative to each other (a negative gap overlaps the line
before), so the expected interruptions, pauses and silences are exact by construction.
Without espeak-ng or sox the tests that need them skip (saying which package is missing);
in CI (``CI`` set) they fail instead, since CI installs both.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from heard.audio.load import audio_available
from heard.audio.synthetic import CallBuilder, Say, SyntheticCall, missing_tools

# The script most tests use: every kind of moment a call has, each at a known time.
#   0 agent greets
#   1 customer answers after 0.7 s; 2 agent "mm-hm" inside it (a backchannel)
#   3 agent starts 1.4 s before the customer finishes (an interruption)
#   4 customer starts 1.0 s before the agent finishes (the customer interrupts)
#   5 agent answers after 0.6 s; 6 customer after 4.0 s of dead air
#   7 agent answers after 1.2 s, overlapping nothing; 8 customer overlaps 0.2 s (a quick
#     hand-over, not an interruption); 9 agent answers after 0.9 s
BASIC_SCRIPT = [
    Say("agent", "Thank you for calling Acme, this is Sam. How can I help you today?", 0.5),
    Say(
        "customer",
        "Hi Sam. My parcel never arrived and I have been waiting for three weeks now.",
        0.7,
    ),
    Say("agent", "mm-hm", 1.5, ref=1, anchor="start"),
    Say("agent", "I am so sorry about that, let me look at the order for you.", -1.4, ref=1),
    Say("customer", "It was order four eight two one three, placed on the second of May.", -1.0),
    Say("agent", "Thank you. I can see it was sent to the wrong depot.", 0.6),
    Say("customer", "So what happens now?", 4.0),
    Say("agent", "I will send a new parcel today by express delivery at no cost.", 1.2),
    Say("customer", "That is great, thank you very much for sorting it out.", -0.2),
    Say("agent", "You are welcome. Is there anything else I can help with?", 0.9),
]


def _require_tools() -> None:
    if not audio_available():
        reason = "the audio extra is not installed (pip install 'heard[audio]')"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI installs it with the dev extra")
        pytest.skip(reason)
    missing = missing_tools()
    if missing:
        reason = (
            f"{', '.join(missing)} not installed: the audio tests synthesise speech with them "
            "(apt-get install -y espeak-ng sox)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must install them")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def builder(tmp_path_factory: pytest.TempPathFactory) -> CallBuilder:
    _require_tools()
    return CallBuilder(tmp_path_factory.mktemp("calls"))


@pytest.fixture(scope="session")
def make_call(builder: CallBuilder) -> Callable[..., SyntheticCall]:
    """Build (once per session) a call from a script and options."""
    cache: dict[str, SyntheticCall] = {}

    def make(name: str, script: list[Say], **options: object) -> SyntheticCall:
        if name not in cache:
            lines = builder.place(script)
            cache[name] = builder.build(name, lines, **options)  # type: ignore[arg-type]
        return cache[name]

    return make


@pytest.fixture(scope="session")
def basic_call(make_call: Callable[..., SyntheticCall]) -> SyntheticCall:
    return make_call("basic", BASIC_SCRIPT)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
