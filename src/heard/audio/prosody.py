"""Tone of voice against each speaker's own baseline: pitch (Praat, via parselmouth) and
loudness per 10 ms frame, then raised voice, arousal climbing or falling, and monotone delivery.

Baselines are per speaker and per call (the median of their own speech), because voices differ:
a naturally loud customer is not shouting, and a deep voice is not flat. Only frames where the
speaker talks alone are used, so the other side's voice never colours the measure.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from heard.audio.load import Samples, resample
from heard.audio.model import Prosody, Speaker, ToneFlag
from heard.audio.settings import AudioSettings
from heard.audio.timing import Utterance
from heard.audio.vad import Levels, Mask

# Praat needs no more than this to find pitch below 500 Hz; less data is faster.
_PITCH_RATE = 16000
Pitch = npt.NDArray[np.float64]


def pitch_track(signal: Samples, rate: int, frames: int, settings: AudioSettings) -> Pitch:
    """Fundamental frequency per analysis frame (Hz; NaN where unvoiced), Praat's algorithm."""
    import parselmouth

    if rate > _PITCH_RATE:
        signal = resample(signal, rate, _PITCH_RATE)
        rate = _PITCH_RATE
    sound = parselmouth.Sound(signal.astype(np.float64), sampling_frequency=float(rate))
    pitch = sound.to_pitch(
        time_step=settings.frame_seconds,
        pitch_floor=settings.pitch_floor_hz,
        pitch_ceiling=settings.pitch_ceiling_hz,
    )
    values = np.asarray(pitch.selected_array["frequency"], dtype=np.float64)
    times = np.asarray(pitch.xs(), dtype=np.float64)
    track = np.full(frames, np.nan)
    index = np.round(times / settings.frame_seconds - 0.5).astype(np.int64)
    inside = (index >= 0) & (index < frames) & (values > 0)
    track[index[inside]] = values[inside]
    return track


def _median(values: npt.NDArray[np.float64]) -> float | None:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if len(finite) else None


def speaker_prosody(
    role: Speaker,
    alone: Mask,
    levels: Levels,
    pitch: Pitch,
    phrases: list[Utterance],
    settings: AudioSettings,
) -> tuple[Prosody, list[ToneFlag]]:
    """Baselines, spread and trend of one speaker's voice, and where it was raised."""
    frame = settings.frame_seconds
    voiced = alone & np.isfinite(pitch)
    if alone.sum() * frame < settings.min_tone_seconds:
        return Prosody(), []
    loudness = levels[alone]
    baseline_db = float(np.median(loudness))
    baseline_hz = _median(pitch[voiced])
    semitones = 12.0 * np.log2(pitch / baseline_hz) if baseline_hz else np.full(len(pitch), np.nan)
    enough_pitch = voiced.sum() * frame >= settings.min_tone_seconds
    variation = float(np.nanstd(semitones[voiced])) if enough_pitch else None

    # Trend: the last third of this speaker's speech against the first third.
    speech_frames = np.flatnonzero(alone)
    third = len(speech_frames) // 3
    early, late = speech_frames[:third], speech_frames[-third:]
    change_db = float(np.median(levels[late]) - np.median(levels[early])) if third else None
    early_st, late_st = _median(semitones[early]), _median(semitones[late])
    change_st = late_st - early_st if early_st is not None and late_st is not None else None
    arousal: Literal["rising", "falling", "steady"] = "steady"
    up = (change_db or 0.0) >= settings.arousal_db or (
        change_st or 0.0
    ) >= settings.arousal_semitones
    down = (change_db or 0.0) <= -settings.arousal_db or (
        change_st or 0.0
    ) <= -settings.arousal_semitones
    if up and not down:
        arousal = "rising"
    elif down and not up:
        arousal = "falling"

    flags: list[ToneFlag] = []
    for phrase in phrases:
        a = round(phrase.start / frame)
        b = round(phrase.end / frame)
        own = alone[a:b]
        if own.sum() * frame < settings.raised_voice_min_seconds:
            continue
        raised = float(np.median(levels[a:b][own])) - baseline_db
        if raised < settings.raised_voice_db:
            continue
        pitch_up = _median(semitones[a:b][voiced[a:b]])
        if flags and phrase.start - flags[-1].end < settings.turn_gap_seconds:
            last = flags[-1]
            last.end = phrase.end
            last.loudness_db = round(max(last.loudness_db, raised), 1)
            continue
        flags.append(
            ToneFlag(
                by=role,
                start=phrase.start,
                end=phrase.end,
                loudness_db=round(raised, 1),
                pitch_semitones=None if pitch_up is None else round(pitch_up, 1),
            )
        )
    prosody = Prosody(
        pitch_hz=None if baseline_hz is None else round(baseline_hz, 1),
        pitch_variation_semitones=None if variation is None else round(variation, 2),
        loudness_db=round(baseline_db, 1),
        arousal_change_db=None if change_db is None else round(change_db, 1),
        arousal_change_semitones=None if change_st is None else round(change_st, 2),
        arousal=arousal,
        monotone=None if variation is None else variation < settings.monotone_semitones,
    )
    return prosody, flags
