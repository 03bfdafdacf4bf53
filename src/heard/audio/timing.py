"""Who spoke when, and what that says: overlaps, interruptions (not backchannels), silences,
patience, talk-to-listen ratio and the longest monologue, from two per-frame speech masks.

Units: a speaker's *segments* are stretches of speech (pauses between words bridged); an
*utterance* is segments closer than ``utterance_gap_seconds``; a *turn* is utterances of one
speaker until the other takes the floor (says more than a backchannel) or a long pause.
"""

from __future__ import annotations

import bisect
import itertools
import statistics
from dataclasses import dataclass, field

import numpy as np

from heard.audio.model import Backchannel, Interruption, Response, Silence, Span, Speaker
from heard.audio.settings import AudioSettings
from heard.audio.vad import Mask, runs

ROLES: tuple[Speaker, Speaker] = ("agent", "customer")


def other(role: Speaker) -> Speaker:
    return "customer" if role == "agent" else "agent"


@dataclass
class Utterance:
    role: Speaker
    start: float
    end: float
    segments: list[Span] = field(default_factory=list)
    backchannel: bool = False

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class Timeline:
    """Everything the timing measures are built from."""

    segments: dict[Speaker, list[Span]]
    utterances: list[Utterance]
    duration: float


def spans_of(mask: Mask, frame_seconds: float) -> list[Span]:
    return [
        Span(start=round(float(a) * frame_seconds, 3), end=round(float(b) * frame_seconds, 3))
        for a, b in runs(mask)
    ]


def utterances_of(role: Speaker, segments: list[Span], gap: float) -> list[Utterance]:
    out: list[Utterance] = []
    for segment in segments:
        if out and segment.start - out[-1].end < gap:
            out[-1].end = segment.end
            out[-1].segments.append(segment)
        else:
            out.append(Utterance(role, segment.start, segment.end, [segment]))
    return out


def build_timeline(
    agent: Mask, customer: Mask, duration: float, settings: AudioSettings
) -> Timeline:
    segments = {
        "agent": spans_of(agent, settings.frame_seconds),
        "customer": spans_of(customer, settings.frame_seconds),
    }
    utterances = [
        utterance
        for role in ROLES
        for utterance in utterances_of(role, segments[role], settings.utterance_gap_seconds)
    ]
    utterances.sort(key=lambda u: (u.start, u.role))
    return Timeline(segments=segments, utterances=utterances, duration=duration)  # type: ignore[arg-type]


def _containing(
    utterances: list[Utterance], starts: list[float], moment: float
) -> Utterance | None:
    """The utterance (of one speaker, sorted) that is going on at ``moment``."""
    index = bisect.bisect_right(starts, moment) - 1
    if index >= 0 and utterances[index].start <= moment < utterances[index].end:
        return utterances[index]
    return None


def overlaps_and_interruptions(
    timeline: Timeline, agent: Mask, customer: Mask, settings: AudioSettings
) -> tuple[list[Span], list[Interruption], list[Backchannel]]:
    """Overlapping speech; each start over the other speaker is an interruption, a backchannel,
    or (overlap too short) an ordinary quick hand-over. Marks backchannel utterances."""
    overlaps = [
        span
        for span in spans_of(agent & customer, settings.frame_seconds)
        if span.seconds >= settings.min_speech_seconds
    ]
    by_role = {role: [u for u in timeline.utterances if u.role == role] for role in ROLES}
    starts = {role: [u.start for u in by_role[role]] for role in ROLES}
    interruptions: list[Interruption] = []
    backchannels: list[Backchannel] = []
    for utterance in timeline.utterances:
        held = _containing(
            by_role[other(utterance.role)], starts[other(utterance.role)], utterance.start
        )
        if held is None or utterance.start - held.start < settings.lead_seconds:
            continue
        if utterance.seconds < settings.backchannel_seconds:
            utterance.backchannel = True
            backchannels.append(
                Backchannel(by=utterance.role, start=utterance.start, end=utterance.end)
            )
            continue
        overlap = min(held.end, utterance.end) - utterance.start
        if overlap < settings.min_overlap_seconds:
            continue
        interruptions.append(
            Interruption(
                by=utterance.role,
                start=utterance.start,
                overlap_seconds=round(overlap, 2),
                other_end=held.end,
                other_stopped_first=held.end <= utterance.end,
            )
        )
    return overlaps, interruptions, backchannels


def turns(timeline: Timeline, settings: AudioSettings) -> list[Utterance]:
    """Utterances grouped into turns: a speaker's utterances until the other takes the floor
    or a pause of ``turn_gap_seconds``. A backchannel stays a short turn of its own, inside the
    other's turn, and does not end it."""
    result: list[Utterance] = []
    current: Utterance | None = None
    for utterance in sorted(timeline.utterances, key=lambda u: (u.start, u.role)):
        if utterance.backchannel:
            result.append(
                Utterance(
                    utterance.role, utterance.start, utterance.end, list(utterance.segments), True
                )
            )
            continue
        if (
            current is not None
            and current.role == utterance.role
            and utterance.start - current.end < settings.turn_gap_seconds
        ):
            current.end = max(current.end, utterance.end)
            current.segments.extend(utterance.segments)
            continue
        current = Utterance(
            utterance.role, utterance.start, utterance.end, list(utterance.segments)
        )
        result.append(current)
    result.sort(key=lambda u: (u.start, u.role))
    return result


def silences(timeline: Timeline, settings: AudioSettings) -> list[Silence]:
    """Stretches where nobody spoke, between the first and the last speech."""
    spoken = sorted(
        ((s.start, s.end, role) for role in ROLES for s in timeline.segments[role]),
        key=lambda item: item[0],
    )
    found: list[Silence] = []
    if not spoken:
        return found
    reach, last_role = spoken[0][1], spoken[0][2]
    for start, end, role in spoken[1:]:
        gap = start - reach
        if gap >= settings.dead_air_seconds:
            kind = "hold" if gap >= settings.hold_seconds else "dead_air"
            found.append(
                Silence(start=round(reach, 3), end=round(start, 3), kind=kind, after=last_role)
            )
        if end >= reach:
            reach, last_role = end, role
    return found


def responses(turn_list: list[Utterance], settings: AudioSettings) -> list[Response]:
    """Customer turn ends, then the agent starts with no overlap: the pause is patience."""
    found: list[Response] = []
    taking = [t for t in turn_list if not t.backchannel]
    for previous, current in itertools.pairwise(taking):
        if previous.role != "customer" or current.role != "agent":
            continue
        pause = current.start - previous.end
        if 0 <= pause < settings.hold_seconds:
            found.append(
                Response(
                    customer_end=round(previous.end, 3),
                    agent_start=round(current.start, 3),
                    pause=round(pause, 3),
                )
            )
    return found


def longest_monologue(turn_list: list[Utterance], role: Speaker) -> tuple[float, float | None]:
    """The longest turn of one speaker (backchannels from the other do not end it)."""
    best, start = 0.0, None
    for turn in turn_list:
        if turn.role == role and not turn.backchannel and turn.seconds > best:
            best, start = turn.seconds, turn.start
    return round(best, 2), start


def talk_seconds(segments: list[Span]) -> float:
    return round(sum(s.seconds for s in segments), 2)


def patience(found: list[Response]) -> float | None:
    return round(statistics.median(r.pause for r in found), 2) if found else None


def mask_from_spans(spans: list[tuple[float, float]], frames: int, frame_seconds: float) -> Mask:
    """A per-frame mask painted from time spans (seconds)."""
    marks = np.zeros(frames + 1, dtype=np.int32)
    for start, end in spans:
        a = min(max(round(start / frame_seconds), 0), frames)
        b = min(max(round(end / frame_seconds), 0), frames)
        if b > a:
            marks[a] += 1
            marks[b] -= 1
    return np.cumsum(marks[:-1]) > 0
