"""One call recording in, every audio measure out (``AudioMeasures``), plus the turns it found.

Stereo recordings (agent on one channel, customer on the other) need nothing else. A mono
recording needs a diarized transcript: voice activity says *when* someone spoke, the
transcript says *who*. A transcript given with a stereo recording supplies the words (speech
rate, quotes in the evidence) and, when ``agent_channel`` is not given, which channel is the
agent's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from heard.audio.load import Recording, analysis_rate, resample
from heard.audio.model import AudioMeasures, Speaker, SpeakerMeasures, ToneFlag
from heard.audio.prosody import Pitch, pitch_track, speaker_prosody
from heard.audio.settings import DEFAULT_SETTINGS, AudioSettings
from heard.audio.timing import (
    Utterance,
    build_timeline,
    longest_monologue,
    mask_from_spans,
    overlaps_and_interruptions,
    patience,
    responses,
    silences,
    talk_seconds,
    turns,
)
from heard.audio.vad import Levels, Mask, channel_activity, smooth, suppress_bleed

# How far a transcript's clock may be off the recording's, and the step tried.
MAX_OFFSET_SECONDS = 3.0
_OFFSET_STEP_SECONDS = 0.05
# Transcript times are approximate: a speaker's span is widened this much before it is
# intersected with the voice activity.
_TRANSCRIPT_SLACK_SECONDS = 0.15
# The agent saying this before a silence makes it an announced hold.
HOLD_CUES = re.compile(
    r"\b(?:hold|one moment|a moment|bear with me|just a (?:sec|second|minute|moment)|"
    r"let me (?:check|look|see|find|pull)|give me a (?:sec|second|minute|moment))\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@dataclass(frozen=True)
class TranscriptTurn:
    """A transcript turn as audio analysis needs it."""

    role: Speaker
    start: float
    end: float
    text: str
    id: str = ""


@dataclass
class CallAnalysis:
    measures: AudioMeasures
    turns: list[Utterance]
    # Transcript turns after any offset correction (None without a transcript).
    transcript: list[TranscriptTurn] | None = None


class NeedsTranscriptError(ValueError):
    """A recording whose speakers cannot be separated without a diarized transcript."""


def analyze_recording(
    recording: Recording,
    *,
    agent_channel: int | None = None,
    transcript: Sequence[TranscriptTurn] | None = None,
    settings: AudioSettings = DEFAULT_SETTINGS,
) -> CallAnalysis:
    rate = analysis_rate(recording.rate)
    frame_seconds = settings.frame_seconds
    signals = [
        resample(recording.samples[i], recording.rate, rate)
        for i in range(min(recording.channels, 2))
    ]
    frames = min(len(s) for s in signals) // round(rate * frame_seconds)
    notes: list[str] = []
    if recording.channels > 2:
        notes.append(f"{recording.channels} channels: only the first two were used")
    transcript_turns = list(transcript) if transcript else None

    activities = [channel_activity(s, rate, settings) for s in signals]
    same_signal = False
    if len(activities) == 2:
        first, second, bleed_notes = suppress_bleed(activities[0], activities[1], settings)
        notes.extend(bleed_notes)
        same_signal = bool(bleed_notes)
        masks = [smooth(first[:frames], settings), smooth(second[:frames], settings)]

    if transcript_turns is not None:
        voiced_any = smooth(np.logical_or.reduce([a.speech[:frames] for a in activities]), settings)
        offset = transcript_offset(transcript_turns, voiced_any, frame_seconds)
        if offset:
            transcript_turns = [
                TranscriptTurn(
                    t.role, max(t.start + offset, 0.0), max(t.end + offset, 0.0), t.text, t.id
                )
                for t in transcript_turns
            ]
            notes.append(f"transcript times shifted by {offset:+.2f} s to match the recording")

    levels: dict[Speaker, Levels]
    own_signal: dict[Speaker, int]
    source: Literal["stereo", "mono+transcript"]
    if len(activities) == 2 and not same_signal:
        source = "stereo"
        if agent_channel is None:
            agent_channel = 0
            if transcript_turns is not None:
                agent_channel = best_agent_channel(transcript_turns, masks, frame_seconds)
                notes.append(f"channel {agent_channel} matched the transcript's agent")
        agent_mask, customer_mask = masks[agent_channel], masks[1 - agent_channel]
        own_signal = {"agent": agent_channel, "customer": 1 - agent_channel}
        levels = {role: activities[index].levels[:frames] for role, index in own_signal.items()}
    else:
        if transcript_turns is None:
            raise NeedsTranscriptError(
                "a mono recording: who spoke cannot be told apart without a diarized "
                "transcript (give one with --transcript) or a stereo recording"
            )
        source = "mono+transcript"
        agent_channel = None
        voiced = smooth(activities[0].speech[:frames], settings)
        agent_mask, customer_mask = (
            smooth(voiced & mask, settings)
            for mask in speaker_masks(transcript_turns, frames, frame_seconds)
        )
        own_signal = {"agent": 0, "customer": 0}
        levels = {role: activities[0].levels[:frames] for role in ("agent", "customer")}

    timeline = build_timeline(agent_mask, customer_mask, frames * frame_seconds, settings)
    overlaps, interruptions, backchannels = overlaps_and_interruptions(
        timeline, agent_mask, customer_mask, settings
    )
    turn_list = turns(timeline, settings)
    quiet = silences(timeline, settings)
    answered = responses(turn_list, settings)

    speakers: dict[Speaker, SpeakerMeasures] = {}
    tone_flags: list[ToneFlag] = []
    pitch_cache: dict[int, Pitch] = {}
    sides: tuple[tuple[Speaker, Mask, Mask], ...] = (
        ("agent", agent_mask, customer_mask),
        ("customer", customer_mask, agent_mask),
    )
    for role, own, theirs in sides:
        index = own_signal[role]
        if index not in pitch_cache:
            pitch_cache[index] = pitch_track(signals[index], rate, frames, settings)
        phrases = [u for u in timeline.utterances if u.role == role and not u.backchannel]
        prosody, flags = speaker_prosody(
            role, own & ~theirs, levels[role], pitch_cache[index], phrases, settings
        )
        tone_flags.extend(flags)
        monologue, monologue_start = longest_monologue(turn_list, role)
        talk = talk_seconds(timeline.segments[role])
        words = None
        rate_wpm = None
        if transcript_turns is not None:
            words = sum(len(_WORD.findall(t.text)) for t in transcript_turns if t.role == role)
            rate_wpm = round(words / talk * 60.0, 1) if talk and words else None
        speakers[role] = SpeakerMeasures(
            talk_seconds=talk,
            segments=timeline.segments[role],
            longest_monologue_seconds=monologue,
            longest_monologue_start=monologue_start,
            words=words,
            speech_rate_wpm=rate_wpm,
            prosody=prosody,
        )
    if transcript_turns is not None:
        for silence in quiet:
            before = [
                t for t in transcript_turns if t.role == "agent" and t.start <= silence.start + 0.5
            ]
            if (
                before
                and silence.start - before[-1].end < 5.0
                and HOLD_CUES.search(before[-1].text)
            ):
                silence.announced = True
                silence.kind = "hold"
    total = speakers["agent"].talk_seconds + speakers["customer"].talk_seconds
    measures = AudioMeasures(
        duration_seconds=round(recording.duration, 3),
        sample_rate=recording.rate,
        channels=recording.channels,
        source=source,
        agent_channel=agent_channel,
        agent=speakers["agent"],
        customer=speakers["customer"],
        talk_to_listen_ratio=round(speakers["agent"].talk_seconds / total, 3) if total else None,
        overlaps=overlaps,
        interruptions=interruptions,
        backchannels=backchannels,
        silences=quiet,
        dead_air_seconds=round(sum(s.seconds for s in quiet if s.kind == "dead_air"), 2),
        hold_seconds=round(sum(s.seconds for s in quiet if s.kind == "hold"), 2),
        responses=answered,
        patience_seconds=patience(answered),
        raised_voice=tone_flags,
        settings=settings.as_dict(),
        notes=notes,
    )
    return CallAnalysis(measures=measures, turns=turn_list, transcript=transcript_turns)


def role_mask(
    transcript: Sequence[TranscriptTurn], role: Speaker, frames: int, frame_seconds: float
) -> Mask:
    slack = _TRANSCRIPT_SLACK_SECONDS
    return mask_from_spans(
        [(t.start - slack, t.end + slack) for t in transcript if t.role == role],
        frames,
        frame_seconds,
    )


def speaker_masks(
    transcript: Sequence[TranscriptTurn], frames: int, frame_seconds: float
) -> tuple[Mask, Mask]:
    """Who the transcript says is speaking, per frame. Each span is widened by a little slack
    (transcript times are approximate), but only into time no other speaker's span claims:
    both sides count as speaking at once only where the transcript itself says so."""
    exact = {
        role: mask_from_spans(
            [(t.start, t.end) for t in transcript if t.role == role], frames, frame_seconds
        )
        for role in ("agent", "customer")
    }
    roles: tuple[Speaker, Speaker] = ("agent", "customer")
    widened = {role: role_mask(transcript, role, frames, frame_seconds) for role in roles}
    return (
        exact["agent"] | (widened["agent"] & ~exact["customer"]),
        exact["customer"] | (widened["customer"] & ~exact["agent"]),
    )


def transcript_offset(
    transcript: Sequence[TranscriptTurn], voiced: Mask, frame_seconds: float
) -> float:
    """The shift (seconds) that best lines the transcript's speech up with the recording's,
    within ±``MAX_OFFSET_SECONDS``; 0 unless it clearly beats no shift."""
    step = max(round(_OFFSET_STEP_SECONDS / frame_seconds), 1)
    frames = len(voiced) - len(voiced) % step
    if frames == 0:
        return 0.0
    coarse = voiced[:frames].reshape(-1, step).mean(axis=1) * 2 - 1
    spoken = mask_from_spans([(t.start, t.end) for t in transcript], len(voiced), frame_seconds)
    said = spoken[:frames].reshape(-1, step).mean(axis=1) * 2 - 1
    reach = int(MAX_OFFSET_SECONDS / (step * frame_seconds))
    scores = (
        {
            shift: float(np.dot(np.roll(said, shift)[reach:-reach], coarse[reach:-reach]))
            for shift in range(-reach, reach + 1)
        }
        if len(said) > 2 * reach + 1
        else {0: 0.0}
    )
    best = max(scores, key=lambda s: (scores[s], -abs(s)))
    # A shift must explain clearly more speech than none: a few frames' gain is noise.
    if best == 0 or scores[best] - scores.get(0, 0.0) < 0.01 * len(said):
        return 0.0
    return round(best * step * frame_seconds, 2)


def best_agent_channel(
    transcript: Sequence[TranscriptTurn], masks: Sequence[Mask], frame_seconds: float
) -> int:
    frames = len(masks[0])
    agent = role_mask(transcript, "agent", frames, frame_seconds)
    customer = role_mask(transcript, "customer", frames, frame_seconds)
    fits = [int((agent & masks[c]).sum() + (customer & masks[1 - c]).sum()) for c in (0, 1)]
    return 0 if fits[0] >= fits[1] else 1
