"""Synthetic call recordings with known answers, for heard's tests and benchmarks.

Speech is synthesised with espeak-ng and placed with sox (pad, mix, merge into stereo, gain,
added noise, one channel bleeding into the other), so where each line starts and ends is known
to the sample: the expected overlaps, pauses and loudness changes are exact. Needs the Debian
packages ``espeak-ng`` and ``sox`` (``apt-get install -y espeak-ng sox``).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from heard.audio.model import Speaker
from heard.audio.settings import DEFAULT_SETTINGS, AudioSettings

TOOLS = ("espeak-ng", "sox")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


@dataclass(frozen=True)
class Line:
    """One thing said: by whom, from when, and how."""

    role: Speaker
    text: str
    start: float
    pitch: int = 50  # espeak-ng -p, 0–99
    amplitude: int = 60  # espeak-ng -a, 0–200
    speed: int = 165  # words per minute, espeak-ng -s
    gain_db: float = 0.0  # sox gain after synthesis
    monotone: bool = False  # SSML prosody range x-low: a flat delivery
    end: float = 0.0  # filled in once the line is synthesised


@dataclass(frozen=True)
class Say:
    """A line placed ``gap`` seconds after the ``anchor`` ("end" or "start") of line ``ref``
    (default: the line before); a negative gap overlaps it."""

    role: Speaker
    text: str
    gap: float = 0.8
    ref: int | None = None
    anchor: str = "end"
    pitch: int = 50
    amplitude: int = 60
    speed: int = 165
    gain_db: float = 0.0
    monotone: bool = False


@dataclass(frozen=True)
class SyntheticCall:
    path: Path
    lines: list[Line]
    duration: float
    rate: int
    agent_channel: int

    def spans(self, role: Speaker) -> list[tuple[float, float]]:
        return [(line.start, line.end) for line in self.lines if line.role == role]


def _run(*command: str) -> str:
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return done.stdout


class CallBuilder:
    """Builds calls in ``workdir``; synthesised lines are cached there by content."""

    def __init__(self, workdir: Path, *, rate: int = 16000, voices: dict[str, str] | None = None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.rate = rate
        # Two different voices, as on a real call (and so pitch baselines differ).
        self.voices = voices or {"agent": "en-us", "customer": "en+f3"}

    def clip(self, line: Line) -> tuple[Path, float]:
        """The line's speech, trimmed to its first and last sound, and its duration."""
        key = hashlib.sha1(
            repr(
                (
                    line.role,
                    line.text,
                    line.pitch,
                    line.amplitude,
                    line.speed,
                    line.gain_db,
                    line.monotone,
                    self.rate,
                    self.voices[line.role],
                )
            ).encode()
        ).hexdigest()[:16]
        path = self.workdir / f"clip-{key}.wav"
        if not path.exists():
            raw = self.workdir / f"raw-{key}.wav"
            text = line.text
            command = [
                "espeak-ng",
                "-v",
                self.voices[line.role],
                "-p",
                str(line.pitch),
                "-a",
                str(line.amplitude),
                "-s",
                str(line.speed),
                "-w",
                str(raw),
            ]
            if line.monotone:
                command.append("-m")
                text = f'<speak><prosody range="x-low">{text}</prosody></speak>'
            _run(*command, text)
            # Trim silence at both ends, so the line's start and end are where sound is.
            _run(
                "sox",
                str(raw),
                "-r",
                str(self.rate),
                "-c",
                "1",
                "-b",
                "16",
                str(path),
                "silence",
                "1",
                "0.005",
                "0.5%",
                "reverse",
                "silence",
                "1",
                "0.005",
                "0.5%",
                "reverse",
                "gain",
                f"{line.gain_db}",
            )
            raw.unlink()
        return path, float(_run("soxi", "-D", str(path)).strip())

    def _generate(self, target: Path, *effects: str) -> None:
        """A mono 16-bit file at this rate from sox's null input and ``effects``."""
        _run("sox", "-n", "-r", str(self.rate), "-c", "1", "-b", "16", str(target), *effects)

    def place(self, says: Sequence[Say]) -> list[Line]:
        """Lines placed relative to each other: each starts ``gap`` seconds after the end (or
        start) of the line it refers to, so overlaps and pauses are exact by construction."""
        placed: list[Line] = []
        for say in says:
            if say.ref is None and not placed:
                start = say.gap
            else:
                ref = placed[say.ref if say.ref is not None else -1]
                start = (ref.start if say.anchor == "start" else ref.end) + say.gap
            line = Line(
                say.role,
                say.text,
                round(max(start, 0.0), 3),
                say.pitch,
                say.amplitude,
                say.speed,
                say.gain_db,
                say.monotone,
            )
            _, seconds = self.clip(line)
            placed.append(replace(line, end=round(line.start + seconds, 4)))
        return placed

    def build(
        self,
        name: str,
        lines: Sequence[Line],
        *,
        tail: float = 1.0,
        noise: float = 0.0,
        bleed: float = 0.0,
        agent_channel: int = 0,
        mono: bool = False,
        extension: str = "wav",
    ) -> SyntheticCall:
        """A call from ``lines``: stereo (agent on ``agent_channel``) or mono; ``noise`` is the
        white-noise volume added to each channel, ``bleed`` the share of each side leaking
        into the other's channel (0.1 is −20 dB)."""
        placed: list[Line] = []
        padded: dict[str, list[Path]] = {"agent": [], "customer": []}
        for index, line in enumerate(lines):
            clip, seconds = self.clip(line)
            placed.append(replace(line, end=round(line.start + seconds, 4)))
            target = self.workdir / f"{name}-line{index}.wav"
            _run("sox", str(clip), str(target), "pad", f"{line.start}")
            padded[line.role].append(target)
        duration = round(max(line.end for line in placed) + tail, 3)
        silence = self.workdir / f"{name}-silence.wav"
        self._generate(silence, "trim", "0", f"{duration}")
        clean: dict[str, Path] = {}
        for role in ("agent", "customer"):
            out = self.workdir / f"{name}-{role}-clean.wav"
            _mix(out, [(silence, 1.0)] + [(p, 1.0) for p in padded[role]], duration)
            clean[role] = out
        channel: dict[str, Path] = {}
        for role, other in (("agent", "customer"), ("customer", "agent")):
            parts = [(clean[role], 1.0)]
            if bleed:
                parts.append((clean[other], bleed))
            if noise:
                hiss = self.workdir / f"{name}-{role}-noise.wav"
                kind = "whitenoise" if role == "agent" else "pinknoise"
                self._generate(hiss, "synth", f"{duration}", kind, "vol", f"{noise}")
                parts.append((hiss, 1.0))
            out = self.workdir / f"{name}-{role}.wav"
            _mix(out, parts, duration)
            channel[role] = out
        path = self.workdir / f"{name}.{extension}"
        wav = path.with_suffix(".wav") if extension != "wav" else path
        if mono:
            _mix(wav, [(clean["agent"], 1.0), (clean["customer"], 1.0)], duration)
        else:
            ordered = [channel["agent"], channel["customer"]]
            if agent_channel == 1:
                ordered.reverse()
            _run("sox", "-M", *map(str, ordered), str(wav))
        if extension == "flac":
            _run("sox", str(wav), str(path))
        elif extension == "mp3":
            import soundfile

            data, rate = soundfile.read(str(wav))
            soundfile.write(str(path), data, rate, format="MP3")
        for part in (*padded["agent"], *padded["customer"], silence):
            part.unlink(missing_ok=True)
        return SyntheticCall(path, placed, duration, self.rate, agent_channel)


def _mix(out: Path, parts: Sequence[tuple[Path, float]], duration: float) -> None:
    if len(parts) == 1:
        _run("sox", str(parts[0][0]), str(out), "trim", "0", f"{duration}")
        return
    command = ["sox", "-m"]
    for path, volume in parts:
        command += ["-v", f"{volume}", str(path)]
    _run(*command, str(out), "trim", "0", f"{duration}")


@dataclass(frozen=True)
class Expected:
    """What a call built from known lines must measure, by heard's own definitions."""

    interruptions: list[tuple[Speaker, float, float]]  # (by, start, overlap seconds)
    backchannels: list[tuple[Speaker, float]]  # (by, start)
    silences: list[tuple[float, float]]  # (start, end) of gaps ≥ dead air
    pauses: list[float]  # customer end → agent start, no overlap


def expected(lines: Sequence[Line], settings: AudioSettings = DEFAULT_SETTINGS) -> Expected:
    """The answers, from where the lines are. A speaker's lines less than
    ``utterance_gap_seconds`` apart form one utterance, as in the analysis: a speaker who pauses
    briefly and carries on has not started anew."""
    utterances: list[list[Any]] = []  # [role, start, end]
    for line in sorted(lines, key=lambda line: line.start):
        same = [u for u in utterances if u[0] == line.role]
        if same and line.start - same[-1][2] < settings.utterance_gap_seconds:
            same[-1][2] = max(same[-1][2], line.end)
        else:
            utterances.append([line.role, line.start, line.end])
    interruptions: list[tuple[Speaker, float, float]] = []
    backchannels: list[tuple[Speaker, float]] = []
    for role, start, end in utterances:
        for held_role, held_start, held_end in utterances:
            if held_role == role:
                continue
            if not (held_start <= start - settings.lead_seconds and held_end > start):
                continue
            if end - start < settings.backchannel_seconds:
                backchannels.append((role, start))
                continue
            overlap = min(held_end, end) - start
            if overlap >= settings.min_overlap_seconds:
                interruptions.append((role, start, round(overlap, 3)))
    ordered = sorted(lines, key=lambda line: line.start)
    silences: list[tuple[float, float]] = []
    reach = ordered[0].end
    for line in ordered[1:]:
        if line.start - reach >= settings.dead_air_seconds:
            silences.append((reach, line.start))
        reach = max(reach, line.end)
    backchannel_starts = {start for _, start in backchannels}
    talking = [u for u in utterances if u[1] not in backchannel_starts]
    pauses = [
        round(current[1] - previous[2], 3)
        for previous, current in pairwise(talking)
        if previous[0] == "customer"
        and current[0] == "agent"
        and 0 <= current[1] - previous[2] < settings.hold_seconds
    ]
    return Expected(interruptions, backchannels, silences, pauses)
