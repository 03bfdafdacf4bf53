"""Calls analysed from the recording itself: who talked over whom, silences, patience, tone.

>>> from heard.audio import analyze_file
>>> measures = analyze_file("call.wav", agent_channel=0)
>>> measures.interruptions, measures.patience_seconds, measures.talk_to_listen_ratio

Reading a recording needs the audio extra (``pip install 'heard[audio]'``: libsndfile through
soundfile, webrtcvad, Praat through parselmouth). The measures themselves (``heard.audio.model``)
and the timeline chart (``heard.audio.timeline``) need only the standard library and pydantic,
so the engine, the scorer and the report read them anywhere. See ``docs/audio.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from heard.audio.model import AudioMeasures, measures_of
from heard.audio.settings import DEFAULT_SETTINGS, AudioSettings
from heard.audio.timeline import timeline_data, timeline_svg

if TYPE_CHECKING:  # the analysis needs numpy; importing heard.audio must not
    from heard.audio.analysis import TranscriptTurn

__all__ = [
    "AudioMeasures",
    "AudioSettings",
    "analyze_file",
    "measures_of",
    "timeline_data",
    "timeline_svg",
]


def analyze_file(
    path: str | Path,
    *,
    agent_channel: int | None = None,
    transcript: Sequence[TranscriptTurn] | None = None,
    settings: AudioSettings = DEFAULT_SETTINGS,
) -> AudioMeasures:
    """Every audio measure of one recording (see :mod:`heard.audio.analysis` for transcripts)."""
    from heard.audio.analysis import analyze_recording
    from heard.audio.load import load_recording

    recording = load_recording(Path(path))
    return analyze_recording(
        recording, agent_channel=agent_channel, transcript=transcript, settings=settings
    ).measures
