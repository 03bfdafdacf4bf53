"""Loading recordings: WAV, FLAC and MP3 through libsndfile (the ``soundfile`` package).

Audio is an optional extra (``pip install 'heard[audio]'``); nothing here is imported until a
recording is read, and a missing extra is one clear :class:`AudioUnavailableError` error.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

INSTALL_HINT = "reading call recordings needs the audio extra: pip install 'heard[audio]'"
# Rates webrtcvad accepts; anything else is resampled to 16 kHz for voice activity.
VAD_RATES = (8000, 16000, 32000, 48000)
ANALYSIS_RATE = 16000
# Beyond this a "call" is not a call (and would not fit in memory as float32).
MAX_SECONDS = 6 * 3600

Samples = npt.NDArray[np.float32]


class AudioError(Exception):
    """A recording that cannot be read, with the problem in words."""


class AudioUnavailableError(AudioError):
    """The optional audio libraries are not installed."""

    def __init__(self) -> None:
        super().__init__(INSTALL_HINT)


def require_audio() -> None:
    """Raise :class:`AudioUnavailableError` unless the audio extra is installed."""
    try:
        import parselmouth  # noqa: F401
        import soundfile  # noqa: F401
        import webrtcvad  # noqa: F401
    except (ImportError, OSError) as error:  # OSError: libsndfile itself missing
        raise AudioUnavailableError() from error


def audio_available() -> bool:
    try:
        require_audio()
    except AudioUnavailableError:
        return False
    return True


@dataclass(frozen=True)
class Recording:
    """Samples as (channels, frames) float32 in −1…1, at ``rate`` Hz."""

    samples: Samples
    rate: int
    format: str

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        return float(self.samples.shape[1]) / self.rate


def load_recording(data: bytes | Path | str, name: str = "<input>") -> Recording:
    """Decode a recording; :class:`AudioError` (never anything else) when it cannot be."""
    require_audio()
    import soundfile

    target: Any = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    try:
        with soundfile.SoundFile(target) as sound:
            rate = int(sound.samplerate)
            if rate <= 0 or sound.channels <= 0:
                raise AudioError("the recording has no audio stream")
            if sound.frames > 0 and sound.frames / rate > MAX_SECONDS:
                raise AudioError(
                    f"the recording is longer than {MAX_SECONDS // 3600} hours; split it first"
                )
            frames = sound.read(dtype="float32", always_2d=True)
            kind = str(sound.format)
    except AudioError:
        raise
    except (RuntimeError, ValueError, TypeError, OSError, EOFError, MemoryError) as error:
        # soundfile.LibsndfileError is a RuntimeError; its text names the problem.
        problem = str(error).split(":")[-1].strip() or type(error).__name__
        raise AudioError(f"not a readable WAV, FLAC or MP3 recording ({problem})") from error
    if frames.shape[0] == 0:
        raise AudioError("the recording is empty (no samples)")
    samples = np.ascontiguousarray(frames.T, dtype=np.float32)
    np.nan_to_num(samples, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return Recording(samples=samples, rate=rate, format=kind)


def resample(signal: Samples, rate: int, target: int) -> Samples:
    """A cheap resampler, good enough for voice activity and pitch (speech below 4 kHz).

    Integer ratios average blocks (a box low-pass, then decimation); other ratios smooth over
    the source-to-target ratio and interpolate linearly. Vectorised: a one-hour channel takes
    well under a second.
    """
    if rate == target:
        return signal
    if rate > target and rate % target == 0:
        factor = rate // target
        usable = signal.shape[-1] - signal.shape[-1] % factor
        blocks = signal[..., :usable].reshape(*signal.shape[:-1], -1, factor)
        return np.asarray(blocks.mean(axis=-1), dtype=np.float32)
    if rate > target:
        width = max(round(rate / target), 1)
        kernel = np.ones(width, dtype=np.float32) / width
        signal = np.convolve(signal, kernel, mode="same").astype(np.float32)
    duration = signal.shape[-1] / rate
    count = int(duration * target)
    positions = np.arange(count, dtype=np.float64) * (rate / target)
    return np.interp(positions, np.arange(signal.shape[-1]), signal).astype(np.float32)


def analysis_rate(rate: int) -> int:
    """The rate voice activity runs at: the recording's own when webrtcvad takes it (8 kHz
    telephony stays 8 kHz), else 16 kHz."""
    if rate in (8000, 16000):
        return rate
    return ANALYSIS_RATE
