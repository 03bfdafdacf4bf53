"""`heard analyze call.wav`: the reader, transcripts lined up by time, the scorecard's evidence,
the timeline in the report, and clear errors for what cannot be read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heard.analysis import analyze
from heard.audio.model import measures_of
from heard.audio.synthetic import SyntheticCall
from heard.audio.timeline import timeline_data, timeline_svg
from heard.cli.app import app
from heard.conversation import Conversation, Role
from heard.readers import ReadIssue, Source, detect, read
from heard.readers.audio import AudioReadOptions

from .conftest import BASIC_SCRIPT

runner = CliRunner()


def write_transcript(call: SyntheticCall, path: Path, *, shift: float = 0.0) -> Path:
    """A diarized transcript of the call in heard's native JSONL (times shifted if asked)."""
    turns = [
        {
            "role": line.role,
            "speaker": line.role,
            "text": line.text,
            "start": round(line.start + shift, 3),
            "end": round(line.end + shift, 3),
        }
        for line in call.lines
    ]
    path.write_text(json.dumps({"id": "call-1", "channel": "voice", "turns": turns}) + "\n")
    return path


def only_conversation(items: list[Conversation | ReadIssue]) -> Conversation:
    issues = [str(item) for item in items if isinstance(item, ReadIssue)]
    assert not issues, issues
    (conversation,) = items
    assert isinstance(conversation, Conversation)
    return conversation


def test_recordings_are_detected_by_content(make_call: Callable[..., SyntheticCall]) -> None:
    for extension in ("wav", "flac", "mp3"):
        name = "basic" if extension == "wav" else f"basic-{extension}"
        call = make_call(name, BASIC_SCRIPT, extension=extension)
        assert detect(Source.from_path(call.path)).name == "audio"


def test_stereo_call_becomes_a_voice_conversation_with_measures(basic_call: SyntheticCall) -> None:
    conversation = only_conversation(list(read(basic_call.path)))
    assert conversation.channel.value == "voice"
    assert conversation.metadata["source_format"] == "audio"
    assert conversation.metadata["roles_inferred"] is True  # channel 0 by default
    measures = measures_of(conversation.metadata)
    assert measures is not None and measures.source == "stereo"
    roles = [turn.role for turn in conversation.turns]
    assert roles.count(Role.AGENT) >= 5 and roles.count(Role.CUSTOMER) >= 4
    assert all(turn.text == "" and turn.start is not None for turn in conversation.turns)
    # Every interruption names the interrupter's turn, which starts when they did.
    turns = {turn.id: turn for turn in conversation.turns}
    for interruption in measures.interruptions:
        assert interruption.turn_id is not None
        assert turns[interruption.turn_id].start == pytest.approx(interruption.start, abs=0.05)


def test_audio_measures_feed_the_scorecard_with_timestamped_evidence(
    basic_call: SyntheticCall,
) -> None:
    conversation = only_conversation(list(read(basic_call.path)))
    analysis = analyze(conversation)
    no_interruption = analysis.components["no_interruption"]
    # One interruption by the agent (the customer's own does not count against the agent).
    assert no_interruption.score == 75.0
    (evidence,) = no_interruption.evidence
    assert evidence.reason == "00:00:08 agent started speaking 1.4 s before the customer finished"
    assert evidence.effect == -25.0
    # Dead air (4 s, under the 5 s limit) costs nothing; patience is given as context.
    attention = analysis.components["attention"]
    assert attention.score == 100.0
    assert any("patience" in e.reason and e.effect == 0 for e in attention.evidence)
    timing = analysis.signals.timing
    assert timing.patience_seconds == pytest.approx(0.9, abs=0.05)
    assert timing.dead_air_seconds == pytest.approx(4.0, abs=0.1)
    assert timing.interruptions == 1
    # Without words, what was said cannot be judged: those components do not apply.
    for name in ("clarification", "paraphrase", "empathy", "solution", "follow_up"):
        assert analysis.components[name].score is None


def test_raised_voice_costs_attention(make_call: Callable[..., SyntheticCall]) -> None:
    from .test_calls import TONE_SCRIPT

    call = make_call("tone", TONE_SCRIPT, noise=0.005, bleed=0.1)
    analysis = analyze(only_conversation(list(read(call.path))))
    attention = analysis.components["attention"]
    reasons = [(e.reason, e.effect) for e in attention.evidence]
    assert any("agent raised their voice" in reason and effect == -15 for reason, effect in reasons)
    assert any(
        "customer's voice grew louder" in reason and effect == -5 for reason, effect in reasons
    )
    assert attention.score == 80.0


def test_mono_recording_with_a_transcript_is_aligned_and_quoted(
    make_call: Callable[..., SyntheticCall], tmp_path: Path
) -> None:
    call = make_call("basic-mono", BASIC_SCRIPT, mono=True)
    transcript = write_transcript(call, tmp_path / "call.jsonl")
    options = AudioReadOptions(transcript=transcript)
    conversation = only_conversation(list(read(call.path, options=options)))
    measures = measures_of(conversation.metadata)
    assert measures is not None and measures.source == "mono+transcript"
    assert [(i.by, round(i.start, 1)) for i in measures.interruptions] == [
        ("agent", round(call.lines[3].start, 1)),
        ("customer", round(call.lines[4].start, 1)),
    ]
    assert measures.agent.speech_rate_wpm is not None and 100 < measures.agent.speech_rate_wpm < 260
    analysis = analyze(conversation)
    (evidence,) = analysis.components["no_interruption"].evidence
    assert evidence.quote == "I am so sorry about that, let me look at the order for you."
    assert evidence.reason.startswith("00:00:08 agent started speaking 1.4 s before")
    # Now the words are there, every component can be judged.
    assert analysis.components["solution"].score is not None


def test_transcript_clock_offset_is_corrected(
    make_call: Callable[..., SyntheticCall], tmp_path: Path
) -> None:
    call = make_call("basic-mono", BASIC_SCRIPT, mono=True)
    transcript = write_transcript(call, tmp_path / "late.jsonl", shift=1.0)
    conversation = only_conversation(
        list(read(call.path, options=AudioReadOptions(transcript=transcript)))
    )
    measures = measures_of(conversation.metadata)
    assert measures is not None
    assert any("shifted by -1.00 s" in note for note in measures.notes)
    assert len(measures.interruptions) == 2
    assert conversation.turns[0].start == pytest.approx(call.lines[0].start, abs=0.06)


def test_stereo_transcript_picks_the_agent_channel(
    make_call: Callable[..., SyntheticCall], tmp_path: Path
) -> None:
    call = make_call("basic-swapped", BASIC_SCRIPT, agent_channel=1, bleed=0.1)
    transcript = write_transcript(call, tmp_path / "swapped.jsonl")
    conversation = only_conversation(
        list(read(call.path, options=AudioReadOptions(transcript=transcript)))
    )
    measures = measures_of(conversation.metadata)
    assert measures is not None and measures.agent_channel == 1
    assert "channel 1 matched the transcript's agent" in measures.notes
    assert measures.agent.words == sum(
        len(line.text.split()) for line in call.lines if line.role == "agent"
    )


def test_mono_without_transcript_and_broken_files_are_clear_issues(
    make_call: Callable[..., SyntheticCall], tmp_path: Path
) -> None:
    mono = make_call("basic-mono", BASIC_SCRIPT, mono=True)
    (issue,) = list(read(mono.path))
    assert isinstance(issue, ReadIssue) and "transcript" in issue.problem
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(40)))
    text = tmp_path / "notes.mp3"
    text.write_text("this is not audio at all\n" * 20)
    empty = tmp_path / "empty.flac"
    empty.write_bytes(b"")
    for path in (broken, text, empty):
        (problem,) = list(read(path))
        assert isinstance(problem, ReadIssue), path
        assert problem.source == str(path)
        assert "Traceback" not in problem.problem
    untimed = tmp_path / "untimed.jsonl"
    untimed.write_text(
        json.dumps({"id": "x", "turns": [{"role": "agent", "text": "Hello"}]}) + "\n"
    )
    (issue,) = list(read(mono.path, options=AudioReadOptions(transcript=untimed)))
    assert isinstance(issue, ReadIssue) and "no times" in issue.problem


def test_cli_analyze_recording_with_transcript_and_html_timeline(
    make_call: Callable[..., SyntheticCall], tmp_path: Path
) -> None:
    call = make_call("basic-swapped", BASIC_SCRIPT, agent_channel=1, bleed=0.1)
    result = runner.invoke(app, ["analyze", str(call.path), "--agent-channel", "1", "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.splitlines()[0])
    assert record["components"]["no_interruption"]["score"] == 75.0
    assert record["signals"]["timing"]["interruptions"] == 1

    transcript = write_transcript(call, tmp_path / "t.jsonl")
    html = tmp_path / "report.html"
    result = runner.invoke(
        app,
        ["analyze", str(call.path), "--transcript", str(transcript), "-f", "html", "-o", str(html)],
    )
    assert result.exit_code == 0, result.output
    page = html.read_text()
    assert '<svg class="call-timeline"' in page
    assert "Who spoke when" in page
    assert "agent started speaking 1.4 s before the customer finished" in page

    # A transcript goes with one recording, not a folder or a chat export.
    result = runner.invoke(app, ["analyze", str(transcript), "--transcript", str(transcript)])
    assert result.exit_code == 2


def test_missing_audio_extra_is_one_line_and_exit_2(
    basic_call: SyntheticCall, monkeypatch: pytest.MonkeyPatch
) -> None:
    import heard.audio.load as load

    monkeypatch.setattr(load, "audio_available", lambda: False)
    result = runner.invoke(app, ["analyze", str(basic_call.path)])
    assert result.exit_code == 2
    assert "pip install 'heard[audio]'" in result.output
    assert "Traceback" not in result.output


def test_timeline_for_the_web_view(basic_call: SyntheticCall) -> None:
    conversation = only_conversation(list(read(basic_call.path)))
    data = timeline_data(conversation.metadata)
    assert data is not None
    assert set(data["lanes"]) == {"agent", "customer"}
    assert len(data["interruptions"]) == 2
    assert data["silences"][0][2] == "dead_air"
    svg = timeline_svg(conversation.metadata, anchors={"t4": "turn-4"})
    assert svg is not None and svg.startswith('<svg class="call-timeline"')
    assert timeline_svg({}) is None and timeline_data({"audio": "junk"}) is None


def test_the_web_conversation_view_shows_the_call_timeline(
    basic_call: SyntheticCall, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from heard.service import create_app
    from heard.service.auth import create_key
    from heard.store import Database
    from service.conftest import make_settings
    from web.conftest import sign_in

    database = Database(str(tmp_path / "calls.db"))
    with database.session() as session:
        key = create_key(session, "ops", "admin")
    app = create_app(make_settings(), database, background=False)
    with TestClient(app, follow_redirects=False) as browser:
        added = browser.post(
            f"/v1/conversations?filename={basic_call.path.name}",
            content=basic_call.path.read_bytes(),
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/octet-stream"},
        )
        assert added.status_code == 201, added.text
        conversation_id = added.json()["stored"][0]["id"]
        sign_in(browser, key)
        page = browser.get(f"/conversations/{conversation_id}")
        assert page.status_code == 200
        assert "Who spoke when" in page.text and '<svg class="call-timeline"' in page.text
    database.dispose()
