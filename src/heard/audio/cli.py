"""The command-line side of call recordings: ``--transcript`` and ``--agent-channel``.

Kept here so ``heard analyze`` (and any later command that reads recordings) adds two options
and one call, and every usage mistake about recordings is reported the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

# For annotations only: `heard analyze` imports this module for its options, so every `heard`
# command does, and the readers (and their parsers) should load only when something is read.
if TYPE_CHECKING:
    from heard.readers.base import ReadOptions

TranscriptOption = Annotated[
    Path | None,
    typer.Option(
        "--transcript",
        help="A diarized transcript (any supported format) of the one call recording given: "
        "its words are lined up with the audio by time. Needed for mono recordings.",
        show_default=False,
    ),
]
AgentChannelOption = Annotated[
    int | None,
    typer.Option(
        "--agent-channel",
        min=0,
        max=1,
        help="Stereo call recordings: the channel (0 or 1) that carries the agent; the other is "
        "the customer. Default 0, or whichever matches the transcript.",
        show_default=False,
    ),
]


def recording_options(
    paths: Sequence[Path],
    options: ReadOptions,
    transcript: Path | None,
    agent_channel: int | None,
) -> ReadOptions:
    """``options`` for reading recordings; a one-line error and exit code 2 for a usage
    mistake or a missing audio extra."""
    from heard.cli._common import EXIT_USAGE, stderr
    from heard.readers import expand_paths
    from heard.readers.audio import audio_options, is_audio_path, missing_audio_support

    existing = [path for path in paths if path.exists()]
    hint = missing_audio_support(expand_paths(existing))
    if hint is not None:
        stderr.print(f"[bold red]error[/]: {escape(hint)}")
        raise typer.Exit(EXIT_USAGE)
    if transcript is not None:
        if len(paths) != 1 or not is_audio_path(paths[0]):
            raise typer.BadParameter(
                "a transcript goes with exactly one call recording (.wav, .flac or .mp3)",
                param_hint="--transcript",
            )
        if not transcript.is_file():
            raise typer.BadParameter(f"no such file: {transcript}", param_hint="--transcript")
    return audio_options(options, transcript, agent_channel)
