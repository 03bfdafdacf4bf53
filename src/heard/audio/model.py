"""What heard measures in a call recording, as plain data.

The measures travel in ``conversation.metadata["audio"]`` (JSON), so a call read once from its
recording keeps them through native JSONL, the database and the web pages. This module imports
only pydantic: the listening engine, the scorer and the report read the measures without
needing numpy, libsndfile or Praat, which only reading a recording does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

METADATA_KEY = "audio"
MEASURES_VERSION = 1

Speaker = Literal["agent", "customer"]


class Span(BaseModel):
    """A stretch of time, seconds from the start of the recording."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


class Interruption(BaseModel):
    """One speaker started while the other was still talking, for longer than a backchannel."""

    by: Speaker
    start: float = Field(description="When the interrupter started speaking.")
    overlap_seconds: float = Field(description="How long both spoke at once.")
    other_end: float = Field(description="When the interrupted speaker stopped.")
    other_stopped_first: bool = Field(
        description="True when the interrupted speaker gave up the floor (a successful "
        "interruption); false when the interrupter stopped and the other carried on."
    )
    turn_id: str | None = Field(default=None, description="The interrupter's turn.")


class Backchannel(BaseModel):
    """A short sound while the other spoke ("mm-hm", "right"): listening, not interrupting."""

    by: Speaker
    start: float
    end: float


class Silence(BaseModel):
    """Nobody spoke for at least the dead-air threshold."""

    start: float
    end: float
    kind: Literal["dead_air", "hold"]
    after: Speaker | None = Field(default=None, description="Who spoke last before it.")
    announced: bool = Field(
        default=False, description="The agent said they would put the customer on hold."
    )
    turn_id: str | None = Field(default=None, description="The turn just before the silence.")

    @property
    def seconds(self) -> float:
        return self.end - self.start


class Response(BaseModel):
    """The customer stopped and the agent answered after ``pause`` seconds (no overlap)."""

    customer_end: float
    agent_start: float
    pause: float


class ToneFlag(BaseModel):
    """A turn spoken well above the speaker's own baseline loudness (and often pitch)."""

    by: Speaker
    start: float
    end: float
    loudness_db: float = Field(description="Above the speaker's own median, in dB.")
    pitch_semitones: float | None = Field(
        default=None, description="Above the speaker's own median pitch, in semitones."
    )
    turn_id: str | None = None


class Prosody(BaseModel):
    """A speaker's voice: baselines, and how it moved against them."""

    pitch_hz: float | None = Field(default=None, description="Median pitch (the baseline).")
    pitch_variation_semitones: float | None = Field(
        default=None, description="Spread of pitch around the speaker's own median (std)."
    )
    loudness_db: float | None = Field(
        default=None, description="Median loudness of speech, dB full scale (the baseline)."
    )
    arousal_change_db: float | None = Field(
        default=None, description="Loudness of the last third of speech minus the first third."
    )
    arousal_change_semitones: float | None = Field(
        default=None, description="Pitch of the last third of speech minus the first third."
    )
    arousal: Literal["rising", "falling", "steady"] | None = None
    monotone: bool | None = None


class SpeakerMeasures(BaseModel):
    talk_seconds: float = 0.0
    segments: list[Span] = Field(default_factory=list)
    longest_monologue_seconds: float = 0.0
    longest_monologue_start: float | None = None
    longest_monologue_turn: str | None = None
    words: int | None = Field(default=None, description="From the transcript, when given.")
    speech_rate_wpm: float | None = Field(
        default=None, description="Words per minute of speaking time, when words are known."
    )
    prosody: Prosody = Field(default_factory=Prosody)


class AudioMeasures(BaseModel):
    """Everything measured from one call recording."""

    version: int = MEASURES_VERSION
    duration_seconds: float
    sample_rate: int
    channels: int
    source: Literal["stereo", "mono+transcript", "mono"]
    agent_channel: int | None = None
    agent: SpeakerMeasures = Field(default_factory=SpeakerMeasures)
    customer: SpeakerMeasures = Field(default_factory=SpeakerMeasures)
    talk_to_listen_ratio: float | None = Field(
        default=None, description="Agent speaking time / all speaking time (silence excluded)."
    )
    overlaps: list[Span] = Field(default_factory=list)
    interruptions: list[Interruption] = Field(default_factory=list)
    backchannels: list[Backchannel] = Field(default_factory=list)
    silences: list[Silence] = Field(default_factory=list)
    dead_air_seconds: float = 0.0
    hold_seconds: float = 0.0
    responses: list[Response] = Field(default_factory=list)
    patience_seconds: float | None = Field(
        default=None, description="Median pause before the agent answers the customer."
    )
    raised_voice: list[ToneFlag] = Field(default_factory=list)
    settings: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    def speaker(self, role: Speaker) -> SpeakerMeasures:
        return self.agent if role == "agent" else self.customer


_INTERRUPTIONS: TypeAdapter[list[Interruption]] = TypeAdapter(list[Interruption])


def measures_of(metadata: Mapping[str, Any]) -> AudioMeasures | None:
    """The audio measures a conversation carries, or None (absent, or not heard's shape:
    metadata can come from anyone's JSONL, so a malformed entry is ignored, never fatal)."""
    raw = metadata.get(METADATA_KEY)
    if not isinstance(raw, dict):
        return None
    try:
        return AudioMeasures.model_validate(raw)
    except ValidationError:
        return None


def interruptions_of(metadata: Mapping[str, Any]) -> list[Interruption] | None:
    """Only the interruptions (cheap: the detector asks once per agent turn), or None when the
    conversation carries no audio measures."""
    raw = metadata.get(METADATA_KEY)
    if not isinstance(raw, dict):
        return None
    try:
        return _INTERRUPTIONS.validate_python(raw.get("interruptions", []))
    except ValidationError:
        return None


def clock(seconds: float) -> str:
    """``00:03:12``: how evidence names a moment in a call."""
    whole = max(int(seconds), 0)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def describe_interruption(interruption: Interruption) -> str:
    """The evidence sentence: "00:03:12 agent started speaking 1.4 s before the customer
    finished"."""
    other = "customer" if interruption.by == "agent" else "agent"
    when = clock(interruption.start)
    if interruption.other_stopped_first:
        return (
            f"{when} {interruption.by} started speaking {interruption.overlap_seconds:.1f} s "
            f"before the {other} finished"
        )
    return (
        f"{when} {interruption.by} talked over the {other} for "
        f"{interruption.overlap_seconds:.1f} s; the {other} carried on"
    )


def describe_silence(silence: Silence) -> str:
    after = f" after the {silence.after} spoke" if silence.after else ""
    if silence.kind == "hold":
        how = "announced hold" if silence.announced else "unannounced silence (a hold?)"
        return f"{clock(silence.start)} {silence.seconds:.1f} s {how}{after}"
    return f"{clock(silence.start)} {silence.seconds:.1f} s of dead air{after}"


def describe_tone(flag: ToneFlag) -> str:
    pitch = (
        f", pitch {flag.pitch_semitones:+.1f} semitones" if flag.pitch_semitones is not None else ""
    )
    return (
        f"{clock(flag.start)} {flag.by} raised their voice: {flag.loudness_db:+.1f} dB over "
        f"their own baseline{pitch}"
    )
