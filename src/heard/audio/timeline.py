"""The timeline of a call: who spoke when, with overlaps, interruptions and silences marked.

:func:`timeline_svg` returns a self-contained inline SVG (no scripts, no external styles), used
by the HTML report and available to any page that shows a conversation; :func:`timeline_data`
returns the same content as JSON-ready data for pages that draw their own. Both take a
conversation's metadata (or the measures) and need nothing but the standard library.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from html import escape
from typing import Any

from heard.audio.model import (
    AudioMeasures,
    Speaker,
    clock,
    describe_interruption,
    describe_silence,
    describe_tone,
    measures_of,
)

COLOURS = {
    "agent": "#0b5cad",
    "customer": "#b45309",
    "overlap": "#dc2626",
    "dead_air": "#9ca3af",
    "hold": "#6b7280",
}
_WIDTH, _LEFT, _RIGHT = 720, 74, 12
_LANE_TOP = {"agent": 14, "customer": 44}
_LANE_HEIGHT = 22
_AXIS_Y = 76
_HEIGHT = 104


def _measures(source: AudioMeasures | Mapping[str, Any]) -> AudioMeasures | None:
    return source if isinstance(source, AudioMeasures) else measures_of(source)


def _nice_step(seconds: float) -> float:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if seconds / step <= 8:
            return float(step)
    return 3600.0 * math.ceil(seconds / 3600 / 8)


def timeline_data(source: AudioMeasures | Mapping[str, Any]) -> dict[str, Any] | None:
    """Lanes, overlaps, silences and interruptions in seconds, or None without audio."""
    measures = _measures(source)
    if measures is None:
        return None
    return {
        "duration": measures.duration_seconds,
        "lanes": {
            role: [[s.start, s.end] for s in measures.speaker(role).segments]
            for role in ("agent", "customer")
        },
        "backchannels": [[b.by, b.start, b.end] for b in measures.backchannels],
        "overlaps": [[o.start, o.end] for o in measures.overlaps],
        "silences": [[s.start, s.end, s.kind] for s in measures.silences],
        "interruptions": [
            {"by": i.by, "at": i.start, "text": describe_interruption(i), "turn_id": i.turn_id}
            for i in measures.interruptions
        ],
        "raised_voice": [
            {"by": f.by, "start": f.start, "end": f.end, "text": describe_tone(f)}
            for f in measures.raised_voice
        ],
    }


def timeline_svg(
    source: AudioMeasures | Mapping[str, Any],
    *,
    title: str = "Who spoke when",
    anchors: Mapping[str, str] | None = None,
) -> str | None:
    """An inline SVG timeline, or None when there are no audio measures. ``anchors`` maps turn
    ids to page anchors, so an interruption marker links to its turn."""
    measures = _measures(source)
    if measures is None:
        return None
    duration = max(measures.duration_seconds, 1.0)
    plot = _WIDTH - _LEFT - _RIGHT

    def x(seconds: float) -> float:
        return round(_LEFT + plot * min(max(seconds, 0.0), duration) / duration, 1)

    def width(start: float, end: float) -> float:
        return max(round(x(end) - x(start), 1), 0.6)

    parts: list[str] = []
    add = parts.append
    description = (
        f"{clock(duration)} call. Agent spoke {measures.agent.talk_seconds:.0f} s, customer "
        f"{measures.customer.talk_seconds:.0f} s; {len(measures.interruptions)} interruptions, "
        f"{len(measures.overlaps)} overlaps, {len(measures.silences)} silences of "
        f"{measures.settings.get('dead_air_seconds', 2.0):.0f} s or more."
    )
    add(
        f'<svg class="call-timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_WIDTH} '
        f'{_HEIGHT}" width="{_WIDTH}" height="{_HEIGHT}" role="img">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
    )
    top, bottom = _LANE_TOP["agent"] - 4, _LANE_TOP["customer"] + _LANE_HEIGHT + 4
    for role, label in (("agent", "Agent"), ("customer", "Customer")):
        y = _LANE_TOP[role]
        add(
            f'<text x="{_LEFT - 8}" y="{y + 15}" text-anchor="end" font-size="12" '
            f'fill="#1f2328">{label}</text>'
        )
        add(f'<rect x="{_LEFT}" y="{y}" width="{plot}" height="{_LANE_HEIGHT}" fill="#f6f8fa"/>')
    for silence in measures.silences:
        add(
            f'<rect x="{x(silence.start)}" y="{top}" width="{width(silence.start, silence.end)}" '
            f'height="{bottom - top}" fill="{COLOURS[silence.kind]}" fill-opacity="0.35">'
            f"<title>{escape(describe_silence(silence))}</title></rect>"
        )
    roles: tuple[Speaker, Speaker] = ("agent", "customer")
    for role in roles:
        y = _LANE_TOP[role]
        for segment in measures.speaker(role).segments:
            add(
                f'<rect x="{x(segment.start)}" y="{y}" width="{width(segment.start, segment.end)}" '
                f'height="{_LANE_HEIGHT}" fill="{COLOURS[role]}">'
                f"<title>{role} {clock(segment.start)}–{clock(segment.end)} "
                f"({segment.seconds:.1f} s)</title></rect>"
            )
    for overlap in measures.overlaps:
        add(
            f'<rect x="{x(overlap.start)}" y="{top}" width="{width(overlap.start, overlap.end)}" '
            f'height="{bottom - top}" fill="{COLOURS["overlap"]}" fill-opacity="0.45">'
            f"<title>both spoke {clock(overlap.start)} ({overlap.seconds:.1f} s)</title></rect>"
        )
    for flag in measures.raised_voice:
        y = _LANE_TOP[flag.by] + _LANE_HEIGHT + 1
        add(
            f'<rect x="{x(flag.start)}" y="{y}" width="{width(flag.start, flag.end)}" height="3" '
            f'fill="#7c3aed"><title>{escape(describe_tone(flag))}</title></rect>'
        )
    for interruption in measures.interruptions:
        cx = x(interruption.start)
        y = _LANE_TOP[interruption.by]
        marker = (
            f'<path d="M{cx - 5},{y - 9} L{cx + 5},{y - 9} L{cx},{y - 1} Z" '
            f'fill="{COLOURS["overlap"]}"><title>{escape(describe_interruption(interruption))}'
            "</title></path>"
        )
        anchor = (anchors or {}).get(interruption.turn_id or "")
        add(f'<a href="#{escape(anchor)}">{marker}</a>' if anchor else marker)
    add(
        f'<line x1="{_LEFT}" x2="{_LEFT + plot}" y1="{_AXIS_Y}" y2="{_AXIS_Y}" '
        'stroke="#57606a" stroke-width="1"/>'
    )
    step = _nice_step(duration)
    tick = 0.0
    while tick <= duration + 1e-9:
        tx = x(tick)
        label = clock(tick)[3:] if duration < 3600 else clock(tick)
        add(
            f'<line x1="{tx}" x2="{tx}" y1="{_AXIS_Y}" y2="{_AXIS_Y + 4}" stroke="#57606a"/>'
            f'<text x="{tx}" y="{_AXIS_Y + 16}" text-anchor="middle" font-size="11" '
            f'fill="#57606a">{label}</text>'
        )
        tick += step
    add("</svg>")
    return "".join(parts)


LEGEND = (
    ("agent", "agent speaking"),
    ("customer", "customer speaking"),
    ("overlap", "both at once (▼ an interruption)"),
    ("dead_air", "dead air"),
    ("hold", "hold"),
)


def legend_html() -> str:
    """The chart's key, as HTML with small SVG swatches (no inline styles needed)."""
    items = []
    for key, label in LEGEND:
        opacity = "0.45" if key in ("overlap", "dead_air", "hold") else "1"
        swatch = (
            '<svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">'
            f'<rect width="12" height="12" fill="{COLOURS[key]}" fill-opacity="{opacity}"/></svg>'
        )
        items.append(f"{swatch} {escape(label)}")
    items.append(
        '<svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true">'
        '<rect y="8" width="12" height="3" fill="#7c3aed"/></svg> raised voice'
    )
    return " · ".join(items)
