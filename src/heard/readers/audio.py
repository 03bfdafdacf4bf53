"""Reader: call recordings (``.wav``, ``.flac``, ``.mp3``), analysed from the sound itself.

A stereo recording has the agent on one channel and the customer on the other (channel 0 is
the agent unless ``--agent-channel 1``, ``--agent ch_1`` or a transcript says otherwise). A mono
recording needs a diarized transcript (``--transcript``) in any format heard reads. The
conversation's turns are the stretches of speech found in the audio (text empty), or the
transcript's turns lined up with the recording; ``metadata["audio"]`` holds every measure
(see ``docs/audio.md``). Needs the audio extra: ``pip install 'heard[audio]'``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from heard.conversation import Channel, Conversation, Role, Turn
from heard.readers.base import Reader, ReadError, ReadIssue, ReadOptions, Source
from heard.readers.registry import register

AUDIO_EXTENSIONS = ("wav", "flac", "mp3")
# The shortest recording worth analysing; anything shorter is a click or a broken file.
MIN_SECONDS = 0.2


@dataclass(frozen=True)
class AudioReadOptions(ReadOptions):
    """:class:`ReadOptions` plus what only recordings need. Other readers ignore the extras."""

    transcript: Path | None = None
    transcript_format: str = "auto"
    agent_channel: int | None = None


def audio_options(
    base: ReadOptions, transcript: Path | None, agent_channel: int | None
) -> ReadOptions:
    """``base`` with a transcript and channel mapping for recordings (``base`` unchanged when
    neither is given). ``--agent-channel N`` also names ``ch_N`` the agent for transcripts
    that label speakers by channel (AWS, Deepgram multichannel)."""
    if transcript is None and agent_channel is None:
        return base
    values: dict[str, Any] = {f.name: getattr(base, f.name) for f in fields(ReadOptions)}
    if agent_channel is not None:
        values["agent"] = base.agent | {f"ch_{agent_channel}"}
        values["customer"] = base.customer | {f"ch_{1 - agent_channel}"}
    return AudioReadOptions(**values, transcript=transcript, agent_channel=agent_channel)


def is_audio_path(path: Path) -> bool:
    return path.suffix.lower()[1:] in AUDIO_EXTENSIONS


def missing_audio_support(paths: Iterable[Path]) -> str | None:
    """The install hint when some input is a recording and the audio extra is missing."""
    if not any(is_audio_path(path) for path in paths):
        return None
    from heard.audio.load import INSTALL_HINT, audio_available

    return None if audio_available() else INSTALL_HINT


def _agent_channel(options: ReadOptions) -> int | None:
    if isinstance(options, AudioReadOptions) and options.agent_channel is not None:
        return options.agent_channel
    for channel in (0, 1):
        if f"ch_{channel}" in options.agent:
            return channel
        if f"ch_{channel}" in options.customer:
            return 1 - channel
    return None


@register
class AudioReader(Reader):
    name = "audio"
    description = "call recordings: WAV, FLAC, MP3 (stereo, or mono with --transcript)"
    extensions = AUDIO_EXTENSIONS

    def sniff(self, source: Source) -> float:
        head = source.head()
        if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
            return 0.95
        if head[:4] == b"fLaC":
            return 0.95
        if head[:3] == b"ID3" and source.suffix == "mp3":
            return 0.9
        if len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and source.suffix == "mp3":
            return 0.8
        return 0.0

    def read(self, source: Source, options: ReadOptions) -> Iterator[Conversation | ReadIssue]:
        from heard.audio.analysis import NeedsTranscriptError, analyze_recording
        from heard.audio.load import AudioError, load_recording

        transcript, transcript_conversation = self._transcript(source, options)
        try:
            recording = load_recording(
                source.path if source.path is not None else source.read_bytes(), source.name
            )
        except AudioError as error:
            raise ReadError(str(error), source=source.name) from None
        if recording.duration < MIN_SECONDS:
            raise ReadError(
                f"the recording is {recording.duration:.2f} s long: too short to analyse",
                source=source.name,
            )
        channel = _agent_channel(options)
        try:
            result = analyze_recording(recording, agent_channel=channel, transcript=transcript)
        except NeedsTranscriptError as error:
            raise ReadError(str(error), source=source.name) from None
        yield self._conversation(source, result, channel, transcript_conversation)

    @staticmethod
    def _transcript(
        source: Source, options: ReadOptions
    ) -> tuple[list[Any] | None, Conversation | None]:
        if not isinstance(options, AudioReadOptions) or options.transcript is None:
            return None, None
        from heard.audio.analysis import TranscriptTurn
        from heard.readers import read_source

        path = options.transcript
        plain = ReadOptions(agent=options.agent, customer=options.customer)
        try:
            items = list(read_source(Source.from_path(path), options.transcript_format, plain))
        except ReadError as error:
            raise ReadError(f"transcript {error.issue}", source=source.name) from None
        conversation = next((item for item in items if isinstance(item, Conversation)), None)
        if conversation is None:
            problem = next((str(item) for item in items if isinstance(item, ReadIssue)), "empty")
            raise ReadError(f"transcript {path}: {problem}", source=source.name)
        timed = [
            TranscriptTurn(
                role="agent" if turn.role is Role.AGENT else "customer",
                start=turn.start,
                end=turn.end,
                text=turn.text,
                id=turn.id,
            )
            for turn in conversation.turns
            if turn.start is not None
            and turn.end is not None
            and turn.role in (Role.AGENT, Role.CUSTOMER)
        ]
        if not timed:
            raise ReadError(
                f"transcript {path} has no times, so it cannot be lined up with the recording",
                source=source.name,
            )
        return timed, conversation

    @staticmethod
    def _conversation(
        source: Source,
        result: Any,
        channel: int | None,
        transcript: Conversation | None,
    ) -> Conversation:
        measures = result.measures
        if result.transcript is not None and transcript is not None:
            by_id = {turn.id: turn for turn in transcript.turns}
            turns = []
            for aligned in result.transcript:
                original = by_id[aligned.id]
                turns.append(
                    original.model_copy(update={"start": aligned.start, "end": aligned.end})
                )
            base_metadata = dict(transcript.metadata)
        else:
            turns = [
                Turn(
                    role=Role.AGENT if turn.role == "agent" else Role.CUSTOMER,
                    speaker=_speaker_label(measures, turn.role),
                    text="",
                    start=round(turn.start, 2),
                    end=round(turn.end, 2),
                )
                for turn in result.turns
            ]
            base_metadata = {}
        conversation = Conversation(
            id=Path(source.name).stem or "call",
            channel=Channel.VOICE,
            language=transcript.language if transcript is not None else None,
            agent_id=transcript.agent_id if transcript is not None else None,
            team_id=transcript.team_id if transcript is not None else None,
            customer_id=transcript.customer_id if transcript is not None else None,
            started_at=transcript.started_at if transcript is not None else None,
            turns=turns,
        )
        link_turns(measures, conversation.turns)
        metadata: dict[str, Any] = {
            **base_metadata,
            "source_format": "audio",
            "duration_seconds": measures.duration_seconds,
        }
        if transcript is None and channel is None and measures.source == "stereo":
            metadata.update(
                roles_inferred=True,
                roles_reason="channel 0 was taken as the agent (the default); "
                "name the agent's channel with --agent-channel",
            )
        metadata["audio"] = measures.model_dump(mode="json")
        conversation.metadata = metadata
        return conversation


def _speaker_label(measures: Any, role: str) -> str | None:
    if measures.agent_channel is None:
        return None
    channel = measures.agent_channel if role == "agent" else 1 - measures.agent_channel
    return f"ch_{channel}"


def _best_turn(turns: Sequence[Turn], role: Role | None, start: float, end: float) -> Turn | None:
    """The turn (of ``role``) overlapping [start, end] most, else the one starting nearest."""
    candidates = [
        t
        for t in turns
        if (role is None or t.role is role) and t.start is not None and t.end is not None
    ]
    if not candidates:
        return None

    def overlap(turn: Turn) -> float:
        return min(turn.end or 0.0, end) - max(turn.start or 0.0, start)

    best = max(candidates, key=overlap)
    if overlap(best) > 0:
        return best
    return min(candidates, key=lambda t: abs((t.start or 0.0) - start))


def link_turns(measures: Any, turns: Sequence[Turn]) -> None:
    """Name the turn behind each interruption, silence, raised voice and monologue, so the
    scorecard's evidence can point at (and quote) it."""
    role_of = {"agent": Role.AGENT, "customer": Role.CUSTOMER}
    for interruption in measures.interruptions:
        turn = _best_turn(
            turns, role_of[interruption.by], interruption.start, interruption.start + 1.0
        )
        interruption.turn_id = turn.id if turn is not None else None
    for flag in measures.raised_voice:
        turn = _best_turn(turns, role_of[flag.by], flag.start, flag.end)
        flag.turn_id = turn.id if turn is not None else None
    for silence in measures.silences:
        before = [t for t in turns if t.end is not None and t.end <= silence.start + 0.3]
        silence.turn_id = max(before, key=lambda t: t.end or 0.0).id if before else None
    for role in ("agent", "customer"):
        speaker = measures.speaker(role)
        if speaker.longest_monologue_start is not None:
            turn = _best_turn(
                turns,
                role_of[role],
                speaker.longest_monologue_start,
                speaker.longest_monologue_start + speaker.longest_monologue_seconds,
            )
            speaker.longest_monologue_turn = turn.id if turn is not None else None
