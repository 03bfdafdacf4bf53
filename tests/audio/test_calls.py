"""Real audio: synthesised calls with known overlaps, pauses and loudness, measured back."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from heard.audio.analysis import analyze_recording
from heard.audio.load import load_recording
from heard.audio.model import AudioMeasures
from heard.audio.synthetic import Say, SyntheticCall, expected

from .conftest import BASIC_SCRIPT

# Onsets and offsets land within a few 10 ms frames of the truth (soft consonants at the
# edges of a line are the usual cause); durations within a little more.
TIME_TOLERANCE = 0.12


def measure(call: SyntheticCall, agent_channel: int | None = None) -> AudioMeasures:
    channel = call.agent_channel if agent_channel is None else agent_channel
    return analyze_recording(load_recording(call.path), agent_channel=channel).measures


def check_against_truth(call: SyntheticCall, measures: AudioMeasures) -> None:
    truth = expected(call.lines)
    assert len(measures.interruptions) == len(truth.interruptions)
    for found, (by, start, overlap) in zip(
        measures.interruptions, truth.interruptions, strict=True
    ):
        assert found.by == by
        assert found.start == pytest.approx(start, abs=TIME_TOLERANCE)
        assert found.overlap_seconds == pytest.approx(overlap, abs=TIME_TOLERANCE)
    agent_backchannels = [b.start for b in measures.backchannels if b.by == "agent"]
    assert agent_backchannels == pytest.approx(
        [s for by, s in truth.backchannels if by == "agent"], abs=TIME_TOLERANCE
    )
    dead_air = [s for s in measures.silences if s.kind == "dead_air"]
    assert len(dead_air) == len(truth.silences)
    for found_silence, (start, end) in zip(dead_air, truth.silences, strict=True):
        assert found_silence.start == pytest.approx(start, abs=TIME_TOLERANCE)
        assert found_silence.end == pytest.approx(end, abs=TIME_TOLERANCE)
    assert [r.pause for r in measures.responses] == pytest.approx(truth.pauses, abs=TIME_TOLERANCE)


def test_basic_call_interruptions_backchannels_dead_air_and_patience(
    basic_call: SyntheticCall,
) -> None:
    measures = measure(basic_call)
    check_against_truth(basic_call, measures)
    lines = basic_call.lines
    # The agent cut in 1.4 s before the customer finished; the customer did it back for 1.0 s.
    agent_cut, customer_cut = measures.interruptions
    assert (agent_cut.by, agent_cut.other_stopped_first) == ("agent", True)
    assert agent_cut.overlap_seconds == pytest.approx(1.4, abs=0.05)
    assert customer_cut.overlap_seconds == pytest.approx(1.0, abs=0.05)
    # "mm-hm" inside the customer's complaint is listening, not interrupting.
    assert measures.backchannels[0].start == pytest.approx(lines[2].start, abs=0.05)
    # 4.0 s of dead air; patience is the median of 0.6, 1.2 and 0.9 s.
    assert measures.dead_air_seconds == pytest.approx(4.0, abs=0.1)
    assert measures.patience_seconds == pytest.approx(0.9, abs=0.05)
    # Talk-to-listen: the lines' own durations (pauses inside a line aside).
    agent_talk = sum(line.end - line.start for line in lines if line.role == "agent")
    customer_talk = sum(line.end - line.start for line in lines if line.role == "customer")
    assert measures.talk_to_listen_ratio == pytest.approx(
        agent_talk / (agent_talk + customer_talk), abs=0.03
    )
    assert measures.agent.talk_seconds == pytest.approx(agent_talk, rel=0.1)
    # The longest agent stretch without the customer taking the floor.
    longest = max(line.end - line.start for line in lines if line.role == "agent")
    assert measures.agent.longest_monologue_seconds == pytest.approx(longest, abs=0.15)
    assert not measures.notes


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("noise", {"noise": 0.02}),
        ("bleed-20db", {"bleed": 0.1}),
        ("noise-bleed-10db", {"noise": 0.02, "bleed": 0.3}),
        ("swapped", {"agent_channel": 1, "bleed": 0.1}),
        ("telephone-8k", {"noise": 0.01, "bleed": 0.1}),
    ],
)
def test_robust_to_line_noise_bleed_and_channel_order(
    make_call: Callable[..., SyntheticCall], name: str, options: dict[str, object]
) -> None:
    if name == "telephone-8k":
        from heard.audio.synthetic import CallBuilder

        builder = CallBuilder(make_call("basic", BASIC_SCRIPT).path.parent / "8k", rate=8000)
        call = builder.build(name, builder.place(BASIC_SCRIPT), **options)  # type: ignore[arg-type]
    else:
        call = make_call(f"basic-{name}", BASIC_SCRIPT, **options)
    measures = measure(call)
    check_against_truth(call, measures)
    assert measures.agent_channel == call.agent_channel


def test_flac_and_mp3_read_the_same_as_wav(make_call: Callable[..., SyntheticCall]) -> None:
    for extension in ("flac", "mp3"):
        call = make_call(f"basic-{extension}", BASIC_SCRIPT, extension=extension)
        assert call.path.suffix == f".{extension}"
        check_against_truth(call, measure(call))


TONE_SCRIPT = [
    Say("agent", "Good morning, you are through to Acme support, my name is Sam.", 0.5),
    Say("customer", "Hello, I am calling about a bill I received last week.", 0.8, pitch=45),
    Say("agent", "Of course, can you give me the account number on the bill please?", 0.8),
    Say(
        "customer",
        "Yes it is seven seven one two, but the amount is much too high.",
        0.8,
        pitch=52,
        gain_db=2,
    ),
    Say("agent", "I can see a charge for roaming data in France last month.", 0.8),
    Say(
        "customer",
        "I have never been to France in my life, this is ridiculous.",
        0.8,
        pitch=62,
        gain_db=5,
    ),
    # The agent loses patience: much louder and higher than their own usual voice.
    Say(
        "agent",
        "Well that is what the system says, so you will have to pay it.",
        0.8,
        pitch=75,
        gain_db=10,
    ),
    Say(
        "customer",
        "I want to speak to your manager right now, this is not acceptable.",
        0.8,
        pitch=75,
        gain_db=9,
    ),
    Say("agent", "I understand, let me look at the roaming records again for you.", 0.8),
]


def test_raised_voice_and_climbing_arousal_against_each_speakers_baseline(
    make_call: Callable[..., SyntheticCall],
) -> None:
    call = make_call("tone", TONE_SCRIPT, noise=0.005, bleed=0.1)
    measures = measure(call)
    shouted = call.lines[6]
    agent_flags = [f for f in measures.raised_voice if f.by == "agent"]
    assert len(agent_flags) == 1
    assert agent_flags[0].start == pytest.approx(shouted.start, abs=0.15)
    assert agent_flags[0].loudness_db >= 6.0
    assert (agent_flags[0].pitch_semitones or 0) > 2.0
    # The customer grew louder and higher call-long: arousal climbs.
    customer = measures.customer.prosody
    assert customer.arousal == "rising"
    assert (customer.arousal_change_db or 0) >= 3.0
    # A normal (synthetic) delivery is not monotone; baselines are each speaker's own.
    assert measures.agent.prosody.monotone is False
    assert measures.customer.prosody.pitch_hz is not None
    assert measures.agent.prosody.pitch_hz is not None
    assert measures.customer.prosody.pitch_hz > measures.agent.prosody.pitch_hz


MONOTONE_SCRIPT = [
    Say("agent", "Thank you for calling. Your call is important to us.", 0.5, monotone=True),
    Say("customer", "Hi, I need to change my delivery address please.", 0.8),
    Say("agent", "I can help with that. Please tell me the new address.", 0.8, monotone=True),
    Say("customer", "It is twelve High Street in Leeds.", 0.8),
    Say(
        "agent",
        "Thank you. The address has been changed. Is there anything else?",
        0.8,
        monotone=True,
    ),
]


def test_monotone_agent_delivery_is_flagged(make_call: Callable[..., SyntheticCall]) -> None:
    measures = measure(make_call("monotone", MONOTONE_SCRIPT, noise=0.005))
    assert measures.agent.prosody.monotone is True
    assert (measures.agent.prosody.pitch_variation_semitones or 9) < 1.0
    # The customer said too little (under 6 s) for tone to be judged at all.
    assert measures.customer.prosody.monotone is None
