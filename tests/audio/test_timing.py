"""Timing measures from hand-made speech masks: exact, and needing no audio tools."""

from __future__ import annotations

import numpy as np

from heard.audio.model import Backchannel, Interruption, Span
from heard.audio.settings import AudioSettings
from heard.audio.timing import (
    Timeline,
    Utterance,
    build_timeline,
    mask_from_spans,
    overlaps_and_interruptions,
    responses,
    silences,
    turns,
)
from heard.audio.vad import Mask, smooth

SETTINGS = AudioSettings()
FRAME = SETTINGS.frame_seconds


Spans = list[tuple[float, float]]


def masks(agent: Spans, customer: Spans, seconds: float = 40.0) -> tuple[Mask, Mask, float]:
    frames = int(seconds / FRAME)
    return mask_from_spans(agent, frames, FRAME), mask_from_spans(customer, frames, FRAME), seconds


def measure(
    agent: Spans, customer: Spans
) -> tuple[Timeline, list[Span], list[Interruption], list[Backchannel], list[Utterance]]:
    a, c, seconds = masks(agent, customer)
    timeline = build_timeline(a, c, seconds, SETTINGS)
    overlaps, interruptions, backchannels = overlaps_and_interruptions(timeline, a, c, SETTINGS)
    turn_list = turns(timeline, SETTINGS)
    return timeline, overlaps, interruptions, backchannels, turn_list


def test_an_agent_starting_over_the_customer_is_an_interruption_with_its_overlap() -> None:
    _, overlaps, interruptions, backchannels, _ = measure([(0, 3), (6.6, 10)], [(4, 8)])
    assert [(i.by, i.start, i.overlap_seconds, i.other_stopped_first) for i in interruptions] == [
        ("agent", 6.6, 1.4, True)
    ]
    assert not backchannels
    assert [(o.start, o.end) for o in overlaps] == [(6.6, 8.0)]


def test_a_short_sound_over_the_other_is_a_backchannel_not_an_interruption() -> None:
    _, _, interruptions, backchannels, turn_list = measure([(0, 8)], [(3, 3.6)])
    assert not interruptions
    assert [(b.by, b.start, b.end) for b in backchannels] == [("customer", 3.0, 3.6)]
    # The agent keeps the floor: one agent turn, and the backchannel a short turn inside it.
    assert [(t.role, t.start, t.end, t.backchannel) for t in turn_list] == [
        ("agent", 0.0, 8.0, False),
        ("customer", 3.0, 3.6, True),
    ]


def test_backchannel_length_is_a_setting() -> None:
    a, c, seconds = masks([(0, 8)], [(3, 4.5)])
    strict = AudioSettings(backchannel_seconds=2.0)
    timeline = build_timeline(a, c, seconds, strict)
    _, interruptions, backchannels = overlaps_and_interruptions(timeline, a, c, strict)
    assert not interruptions and len(backchannels) == 1
    timeline = build_timeline(a, c, seconds, SETTINGS)
    _, interruptions, _ = overlaps_and_interruptions(timeline, a, c, SETTINGS)
    assert [(i.by, i.overlap_seconds, i.other_stopped_first) for i in interruptions] == [
        ("customer", 1.5, False)
    ]


def test_a_quick_hand_over_and_a_simultaneous_start_are_not_interruptions() -> None:
    # The agent starts 0.2 s before the customer stops: ordinary turn-taking.
    _, _, interruptions, _, _ = measure([(0, 3), (5.8, 9)], [(3.5, 6.0)])
    assert not interruptions
    # Both start at once after a silence: nobody interrupted anybody.
    _, _, interruptions, _, _ = measure([(10, 14)], [(10.1, 13)])
    assert not interruptions


def test_silences_are_dead_air_or_holds_and_ignore_the_ends_of_the_recording() -> None:
    a, c, seconds = masks([(1, 3), (7, 9), (40, 41)], [(3.5, 5)], seconds=45)
    timeline = build_timeline(a, c, seconds, SETTINGS)
    found = silences(timeline, SETTINGS)
    assert [(s.start, s.end, s.kind, s.after) for s in found] == [
        (5.0, 7.0, "dead_air", "customer"),
        (9.0, 40.0, "hold", "agent"),
    ]


def test_patience_is_the_pause_before_the_agent_answers() -> None:
    a, c, seconds = masks([(0, 2), (4.6, 6), (9.2, 11)], [(2.5, 4), (7, 8)])
    timeline = build_timeline(a, c, seconds, SETTINGS)
    found = responses(turns(timeline, SETTINGS), SETTINGS)
    assert [r.pause for r in found] == [0.6, 1.2]


def test_smoothing_bridges_pauses_between_words_and_drops_clicks() -> None:
    frames = 500
    mask = mask_from_spans([(0.5, 1.0), (1.2, 2.0), (3.0, 3.05)], frames, FRAME)
    smoothed = smooth(mask, SETTINGS)
    spans = np.flatnonzero(np.diff(np.concatenate(([0], smoothed.astype(int), [0]))))
    assert (spans * FRAME).round(2).tolist() == [0.5, 2.0]
