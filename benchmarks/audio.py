"""Call recordings: interruption precision/recall, timing error, and speed (× real time).

    .venv/bin/python benchmarks/audio.py [--calls 40] [--seed 7] [--minutes 30]

Needs espeak-ng and sox (Debian packages) and the audio extra. Generates ``--calls`` stereo
calls from a seeded random script: lines from a pool of customer-service sentences, each placed
after the previous one with a gap drawn from four kinds (an interruption: 0.6–2.5 s of overlap;
a quick hand-over: up to 0.3 s of overlap; an ordinary pause: 0.2–1.5 s; dead air: 2.5–6 s),
plus backchannels ("mm-hm", "right", "okay") dropped inside long lines. Each call is then
rendered under one of five conditions: clean; white/pink line noise; −20 dB bleed; noise with
−10 dB bleed; 8 kHz telephone audio with noise and bleed. Because every line's start and end are
known to the sample, the expected interruptions, backchannels, pauses and silences are exact
(``heard.audio.synthetic.expected``: the same definitions the analysis uses).

A found interruption matches an expected one when it is by the same speaker and starts within
0.3 s of it. Timing error: |found − expected| for the start and the overlap of matched
interruptions, for each agent response's pause (patience), and for dead-air boundaries.

Speed: CPU time (``time.process_time``, one process, so "per core") of the voice-activity and
overlap analysis (frame levels, webrtcvad, bleed suppression, smoothing, segments, overlaps,
interruptions, turns, silences, pauses) on a ``--minutes``-long stereo call made by repeating
the generated calls; and of the whole analysis (decoding, pitch with Praat, tone) for context.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from heard.audio.analysis import analyze_recording  # noqa: E402
from heard.audio.load import Recording, analysis_rate, load_recording, resample  # noqa: E402
from heard.audio.model import Speaker  # noqa: E402
from heard.audio.settings import DEFAULT_SETTINGS  # noqa: E402
from heard.audio.synthetic import CallBuilder, Line, Say, expected, missing_tools  # noqa: E402
from heard.audio.timing import (  # noqa: E402
    build_timeline,
    overlaps_and_interruptions,
    responses,
    silences,
    turns,
)
from heard.audio.vad import channel_activity, smooth, suppress_bleed  # noqa: E402

AGENT_LINES = [
    "Thank you for calling, my name is Alex, how can I help you today?",
    "I am sorry to hear that, let me pull up your account.",
    "Could you confirm the postcode on the account for me please?",
    "I can see the payment was taken twice on the fourth of June.",
    "I have raised a refund and it should reach your bank within five working days.",
    "Is there anything else I can help you with today?",
    "That is no problem at all, I will send you a confirmation by email.",
    "The engineer can come on Thursday morning between eight and twelve.",
]
CUSTOMER_LINES = [
    "Hi, I am calling because my internet has been down since Monday.",
    "Yes, it is four five six seven, and the postcode is LS1 4AB.",
    "I was charged twice this month and I would like my money back.",
    "I already tried restarting the router twice and nothing changed.",
    "That is fine, Thursday works for me.",
    "No, that is everything, thank you for your help.",
    "I have been waiting on hold for forty minutes before this.",
]
BACKCHANNELS = ["mm-hm", "right", "okay", "yeah"]
CONDITIONS = {
    "clean": {},
    "noise": {"noise": 0.02},
    "bleed −20 dB": {"bleed": 0.1},
    "noise + bleed −10 dB": {"noise": 0.02, "bleed": 0.3},
    "8 kHz + noise + bleed": {"noise": 0.015, "bleed": 0.15, "rate": 8000},
}
MATCH_SECONDS = 0.3


def _other(role: Speaker) -> Speaker:
    return "agent" if role == "customer" else "customer"


def _pool(role: Speaker) -> list[str]:
    return AGENT_LINES if role == "agent" else CUSTOMER_LINES


def script(rng: random.Random, lines: int) -> list[Say]:
    says: list[Say] = [Say("agent", AGENT_LINES[0], 0.5)]
    role: Speaker = "customer"
    for _ in range(lines - 1):
        kind = rng.choices(["interrupt", "handover", "pause", "dead"], [0.25, 0.15, 0.45, 0.15])[0]
        gap = {
            "interrupt": -rng.uniform(0.6, 2.5),
            "handover": -rng.uniform(0.0, 0.3),
            "pause": rng.uniform(0.2, 1.5),
            "dead": rng.uniform(2.5, 6.0),
        }[kind]
        says.append(Say(role, rng.choice(_pool(role)), round(gap, 2)))
        if rng.random() < 0.3:
            # A backchannel from the listener 1–2 s into this line; the listener's next line
            # then follows this line's end, not the backchannel.
            main_line = len(says) - 1
            listener = _other(role)
            says.append(
                Say(
                    listener,
                    rng.choice(BACKCHANNELS),
                    round(rng.uniform(1.0, 2.0), 2),
                    ref=main_line,
                    anchor="start",
                )
            )
            says.append(
                Say(
                    listener,
                    rng.choice(_pool(listener)),
                    round(rng.uniform(0.3, 1.2), 2),
                    ref=main_line,
                )
            )
            role = listener
        role = _other(role)
    return says


Found = tuple[str, float, float]


def match(found: Sequence[Found], truth: Sequence[Found]) -> list[tuple[Found, Found]]:
    pairs = []
    unused = list(truth)
    for by, start, overlap in found:
        best = min(
            (t for t in unused if t[0] == by and abs(t[1] - start) <= MATCH_SECONDS),
            key=lambda t: abs(t[1] - start),
            default=None,
        )
        if best is not None:
            unused.remove(best)
            pairs.append(((by, start, overlap), best))
    return pairs


def vad_and_overlap(recording: Recording) -> None:
    """The part held to ≥ 100× real time: everything but decoding and tone."""
    settings = DEFAULT_SETTINGS
    rate = analysis_rate(recording.rate)
    signals = [resample(recording.samples[i], recording.rate, rate) for i in range(2)]
    first, second = (channel_activity(s, rate, settings) for s in signals)
    a, b, _ = suppress_bleed(first, second, settings)
    agent, customer = smooth(a, settings), smooth(b, settings)
    timeline = build_timeline(agent, customer, recording.duration, settings)
    overlaps_and_interruptions(timeline, agent, customer, settings)
    turn_list = turns(timeline, settings)
    silences(timeline, settings)
    responses(turn_list, settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--lines", type=int, default=14)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--minutes", type=float, default=30.0)
    args = parser.parse_args()
    if missing_tools():
        sys.exit(f"needs {', '.join(missing_tools())}: apt-get install -y espeak-ng sox")
    rng = random.Random(args.seed)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, found, expected
    start_errors: list[float] = []
    overlap_errors: list[float] = []
    pause_errors: list[float] = []
    silence_errors: list[float] = []
    backchannel_false_alarms = 0
    backchannels_total = 0
    audio_seconds = 0.0
    recordings: list[Recording] = []
    with tempfile.TemporaryDirectory() as work:
        builders: dict[int, CallBuilder] = {}
        names = list(CONDITIONS)
        for index in range(args.calls):
            condition = names[index % len(names)]
            options = dict(CONDITIONS[condition])
            rate = int(options.pop("rate", 16000))
            builder = builders.setdefault(rate, CallBuilder(Path(work) / str(rate), rate=rate))
            lines: list[Line] = builder.place(script(rng, args.lines))
            call = builder.build(f"call{index}", lines, **options)  # type: ignore[arg-type]
            recording = load_recording(call.path)
            recordings.append(recording)
            audio_seconds += recording.duration
            measures = analyze_recording(recording, agent_channel=0).measures
            truth = expected(lines)
            found = [(i.by, i.start, i.overlap_seconds) for i in measures.interruptions]
            pairs = match(found, truth.interruptions)
            for key in (condition, "all"):
                counts[key][0] += len(pairs)
                counts[key][1] += len(found)
                counts[key][2] += len(truth.interruptions)
            for (_, start, overlap), (_, true_start, true_overlap) in pairs:
                start_errors.append(abs(start - true_start))
                overlap_errors.append(abs(overlap - true_overlap))
            backchannels_total += len(truth.backchannels)
            backchannel_false_alarms += sum(
                1
                for by, start in truth.backchannels
                if any(f[0] == by and abs(f[1] - start) <= MATCH_SECONDS for f in found)
            )
            measured_pauses = [r.pause for r in measures.responses]
            if len(measured_pauses) == len(truth.pauses):
                pause_errors += [
                    abs(a - b) for a, b in zip(measured_pauses, truth.pauses, strict=True)
                ]
            dead = [(s.start, s.end) for s in measures.silences]
            for true_start, true_end in truth.silences:
                near = min(dead, key=lambda s: abs(s[0] - true_start), default=None)
                if near is not None and abs(near[0] - true_start) < 1.0:
                    silence_errors += [abs(near[0] - true_start), abs(near[1] - true_end)]

    print(f"{args.calls} calls, {audio_seconds / 60:.1f} minutes of audio, seed {args.seed}\n")
    print("| condition | expected | found | precision | recall |")
    print("|---|---|---|---|---|")
    for key in [*names, "all"]:
        tp, found_n, expected_n = counts[key]
        precision = tp / found_n if found_n else 1.0
        recall = tp / expected_n if expected_n else 1.0
        print(f"| {key} | {expected_n} | {found_n} | {precision:.3f} | {recall:.3f} |")
    print(f"\nbackchannels: {backchannels_total}, ", end="")
    print(f"counted as interruptions: {backchannel_false_alarms}")

    def describe(errors: list[float]) -> str:
        if not errors:
            return "–"
        ordered = sorted(errors)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        mean, median = statistics.mean(errors), statistics.median(errors)
        return (
            f"mean {mean * 1000:.0f} ms, median {median * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms (n={len(errors)})"
        )

    print("\n| timing error | |")
    print("|---|---|")
    print(f"| interruption start | {describe(start_errors)} |")
    print(f"| interruption overlap | {describe(overlap_errors)} |")
    print(f"| patience (pause before the agent answers) | {describe(pause_errors)} |")
    print(f"| dead-air start and end | {describe(silence_errors)} |")

    # Speed: one long stereo call made of the 16 kHz calls, end to end.
    wide = [r for r in recordings if r.rate == 16000]
    joined = np.concatenate([r.samples for r in wide], axis=1)
    repeat = max(1, int(np.ceil(args.minutes * 60 * 16000 / joined.shape[1])))
    long_call = Recording(
        np.tile(joined, (1, repeat))[:, : int(args.minutes * 60 * 16000)], 16000, "WAV"
    )
    narrow = [r for r in recordings if r.rate == 8000]
    rows = []
    candidates = (("16 kHz", long_call), ("8 kHz", _long(narrow, args.minutes, 8000)))
    for label, maybe in candidates:
        if maybe is None:
            continue
        recording = maybe
        started = time.process_time()
        vad_and_overlap(recording)
        vad = time.process_time() - started
        started = time.process_time()
        analyze_recording(recording, agent_channel=0)
        whole = time.process_time() - started
        rows.append((label, recording.duration, vad, whole))
    print(
        "\n| stereo call | audio | voice activity + overlaps | × real time "
        "| whole analysis (+ pitch, tone) | × real time |"
    )
    print("|---|---|---|---|---|---|")
    for label, duration, vad, whole in rows:
        print(
            f"| {label} | {duration / 60:.0f} min | {vad:.2f} s CPU | **{duration / vad:.0f}×** | "
            f"{whole:.2f} s CPU | {duration / whole:.0f}× |"
        )


def _long(recordings: list[Recording], minutes: float, rate: int) -> Recording | None:
    if not recordings:
        return None
    joined = np.concatenate([r.samples for r in recordings], axis=1)
    size = int(minutes * 60 * rate)
    repeat = max(1, int(np.ceil(size / joined.shape[1])))
    return Recording(np.tile(joined, (1, repeat))[:, :size], rate, "WAV")


if __name__ == "__main__":
    main()
