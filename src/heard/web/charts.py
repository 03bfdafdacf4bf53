"""Chart.js configurations built on the server, with the table behind each chart.

The pages embed each configuration as JSON (``<script type="application/json">``, never
executed) and ``static/charts.js`` draws it with the vendored Chart.js. Every chart has a title,
axis titles with units, colours from the Okabe–Ito palette (told apart with colour blindness)
and the same numbers as an HTML table, so nothing depends on seeing the canvas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Okabe–Ito, without the yellow (too light on white); black first, for "all".
PALETTE = ("#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
GREY = "#6b7280"
MAX_SERIES = 8


@dataclass
class Series:
    name: str
    values: list[float | None]
    dashed: bool = False
    axis: str = "y"
    colour: str | None = None


@dataclass
class Chart:
    """One chart: its Chart.js configuration and the data table for screen readers."""

    key: str
    title: str
    summary: str
    config: dict[str, Any]
    columns: list[str]
    rows: list[list[str]]
    note: str | None = None
    tall: bool = False
    wide: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:.{digits}f}".replace("-", "−")
    return f"{text} {unit}".strip() if unit else text


def _axis(title: str, low: float | None, high: float | None, **extra: Any) -> dict[str, Any]:
    axis: dict[str, Any] = {"title": {"display": True, "text": title}}
    if low is not None:
        axis["min"] = low
    if high is not None:
        axis["max"] = high
    axis.update(extra)
    return axis


def line_chart(
    key: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    x_title: str,
    y_title: str,
    y_range: tuple[float | None, float | None] = (0, 100),
    right_title: str | None = None,
    right_range: tuple[float | None, float | None] = (0, 100),
    bands: Sequence[tuple[str, list[float | None], list[float | None], str]] = (),
    unit: str = "",
    note: str | None = None,
) -> Chart:
    """A line per series over ``labels``; gaps stay gaps. ``bands`` are shaded intervals
    (name, low, high, colour) drawn behind the lines and left out of legend and tooltips."""
    datasets: list[dict[str, Any]] = []
    for index, item in enumerate(series):
        # The first series ("all") is black; the rest cycle through the other colours.
        colour = item.colour or (
            PALETTE[0] if index == 0 else PALETTE[1 + (index - 1) % (len(PALETTE) - 1)]
        )
        datasets.append(
            {
                "label": item.name,
                "data": item.values,
                "borderColor": colour,
                "backgroundColor": colour,
                "borderWidth": 3 if index == 0 and not item.dashed else 2,
                "borderDash": [6, 4] if item.dashed else [],
                "pointRadius": 2 if len(labels) > 30 else 3,
                "spanGaps": False,
                "yAxisID": item.axis,
                "tension": 0,
            }
        )
    for name, low, high, colour in bands:
        datasets.append(
            {
                "label": f"{name} low",
                "data": low,
                "borderWidth": 0,
                "pointRadius": 0,
                "fill": False,
                "band": True,
            }
        )
        datasets.append(
            {
                "label": f"{name} interval",
                "data": high,
                "borderWidth": 0,
                "pointRadius": 0,
                "backgroundColor": colour,
                "fill": "-1",
                "band": True,
            }
        )
    scales: dict[str, Any] = {
        "x": _axis(x_title, None, None),
        "y": _axis(y_title, *y_range),
    }
    if right_title:
        scales["y2"] = _axis(right_title, *right_range, position="right", grid={"display": False})
    config = {
        "type": "line",
        "data": {"labels": list(labels), "datasets": datasets},
        "options": {"scales": scales},
    }
    columns = [x_title, *(s.name for s in series)]
    rows = [
        [label, *(fmt(s.values[i], unit=unit if s.axis == "y" else "") for s in series)]
        for i, label in enumerate(labels)
    ]
    latest = {s.name: next((v for v in reversed(s.values) if v is not None), None) for s in series}
    summary = f"{title}: line chart over {len(labels)} periods; latest " + ", ".join(
        f"{name} {fmt(value)}" for name, value in latest.items()
    )
    return Chart(key, title, summary, config, columns, rows, note)


def bar_chart(
    key: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    value_title: str,
    category_title: str,
    horizontal: bool = False,
    value_range: tuple[float | None, float | None] = (0, None),
    colours: Sequence[str] | None = None,
    counts: Sequence[int] | None = None,
    digits: int = 1,
    note: str | None = None,
) -> Chart:
    value_axis = "x" if horizontal else "y"
    category_axis = "y" if horizontal else "x"
    config = {
        "type": "bar",
        "data": {
            "labels": list(labels),
            "datasets": [
                {
                    "label": value_title,
                    "data": list(values),
                    "backgroundColor": list(colours) if colours else PALETTE[1],
                    "borderWidth": 0,
                }
            ],
        },
        "options": {
            "indexAxis": "y" if horizontal else "x",
            "plugins": {"legend": {"display": False}},
            "scales": {
                value_axis: _axis(value_title, *value_range),
                category_axis: _axis(category_title, None, None),
            },
        },
    }
    columns = [category_title, value_title] + (["n"] if counts is not None else [])
    rows = [
        [label, fmt(value, digits)] + ([str(counts[i])] if counts is not None else [])
        for i, (label, value) in enumerate(zip(labels, values, strict=True))
    ]
    summary = f"{title}: bar chart; " + ", ".join(
        f"{label} {fmt(value, digits)}" for label, value in zip(labels, values, strict=True)
    )
    return Chart(key, title, summary, config, columns, rows, note, tall=horizontal)
