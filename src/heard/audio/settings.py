"""The thresholds audio analysis uses, in one place, each with why it has its value."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class AudioSettings:
    # Voice activity, per 10 ms frame.
    frame_seconds: float = 0.01
    # webrtcvad aggressiveness 0–3: 2 rejects most line noise without clipping soft speech.
    vad_mode: int = 2
    # A frame is speech only this far above the channel's noise floor…
    snr_db: float = 9.0
    # …and within this range of the channel's loud speech (a near-silent channel with digital
    # silence as its floor would otherwise call every faint click speech).
    dynamic_range_db: float = 35.0
    # Never speech below this level (dB full scale).
    min_level_db: float = -60.0
    # Bleed: a frame is speech on a channel only if it is this much louder than the other
    # channel's speech leaking into it would be (the leak level is measured per call).
    bleed_margin_db: float = 6.0
    # Pauses shorter than this inside one speaker's speech are between words, not silence.
    fill_gap_seconds: float = 0.3
    # Speech shorter than this is a click or a breath.
    min_speech_seconds: float = 0.1
    # A speaker's phrases closer than this form one utterance.
    utterance_gap_seconds: float = 0.6
    # An utterance started over the other speaker shorter than this is a backchannel
    # ("mm-hm", "right"): a sign of listening, never an interruption.
    backchannel_seconds: float = 1.0
    # Both speaking at once for at least this long makes an interruption (shorter is the
    # ordinary overlap of a quick hand-over); the transcript-based detector uses the same.
    min_overlap_seconds: float = 0.5
    # The other speaker must have been talking at least this long already: two people starting
    # at the same moment are not interrupting each other.
    lead_seconds: float = 0.3
    # A speaker's utterances separated by less than this (and nobody else taking the floor)
    # form one turn.
    turn_gap_seconds: float = 1.5
    # Silences: nobody speaking at least this long is dead air (as in the transcript signals)…
    dead_air_seconds: float = 2.0
    # …and at least this long, or announced, a hold.
    hold_seconds: float = 20.0
    # Tone, against each speaker's own baseline (median over the call).
    raised_voice_db: float = 6.0
    raised_voice_min_seconds: float = 1.0
    arousal_db: float = 3.0
    arousal_semitones: float = 1.5
    # Pitch spread (std, semitones) below which delivery is monotone; synthetic and flat
    # read-out speech sit near 0.5, conversational speech well above 1.5.
    monotone_semitones: float = 1.0
    # Tone measures need enough voiced speech to say anything.
    min_tone_seconds: float = 6.0
    pitch_floor_hz: float = 60.0
    pitch_ceiling_hz: float = 500.0

    def as_dict(self) -> dict[str, float]:
        return {key: float(value) for key, value in asdict(self).items()}


DEFAULT_SETTINGS = AudioSettings()
