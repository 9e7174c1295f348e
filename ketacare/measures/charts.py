"""Vega-Lite specs built in Python. Every chart has the same data as a table beside it."""

from __future__ import annotations

from typing import Any

from ketacare.core import instruments

TOPICS = {"gad7": "anxiety", "phq9": "depression"}
MARKERS = ["Baseline", "Reliably worse than best"]
BAND_COLOURS = ["#e8f5ec", "#fff6da", "#ffe6cc", "#fddede", "#f8cccc"]


def _instrument_layer(code: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    definition = instruments.get(code)
    bands = [
        {
            "low": b.low,
            "high": b.high + 1 if b.high < definition.max_total else b.high,
            "band": b.label,
        }
        for b in definition.bands
    ]
    points = [r for r in rows if r["instrument"] == definition.name]
    y = {
        "field": "total",
        "type": "quantitative",
        "title": f"{definition.name} total",
        "scale": {"domain": [0, definition.max_total]},
    }
    return {
        "title": f"{definition.name} ({TOPICS.get(code, definition.recall.lower())})",
        "width": "container",
        "height": 180,
        "layer": [
            {
                "data": {"values": bands},
                "mark": {"type": "rect", "opacity": 0.9},
                "encoding": {
                    "y": {
                        "field": "low",
                        "type": "quantitative",
                        "scale": {"domain": [0, definition.max_total]},
                        "title": None,
                    },
                    "y2": {"field": "high"},
                    "color": {
                        "field": "band",
                        "type": "nominal",
                        "title": None,
                        "legend": {
                            "orient": "bottom",
                            "direction": "horizontal",
                            "symbolType": "square",
                            "columns": 3,
                        },
                        "sort": [b.label for b in definition.bands],
                        "scale": {
                            "domain": [b.label for b in definition.bands],
                            "range": BAND_COLOURS[: len(bands)],
                        },
                    },
                },
            },
            {
                "data": {"values": points},
                "mark": {
                    "type": "line",
                    "point": {"filled": True, "size": 60},
                    "color": "#1f5fa8",
                    "strokeWidth": 2,
                },
                "encoding": {
                    "x": {
                        "field": "at",
                        "type": "temporal",
                        "title": None,
                        "axis": {"format": "%d %b"},
                    },
                    "y": y,
                    "tooltip": [
                        {"field": "date", "title": "Date"},
                        {"field": "total", "title": "Total"},
                        {"field": "band", "title": "Band"},
                    ],
                },
            },
            {
                # Baseline and any reliable worsening from the best, from core.reference_points.
                "data": {"values": [r for r in points if r.get("marker")]},
                "mark": {"type": "point", "filled": True, "size": 140, "opacity": 1},
                "encoding": {
                    "x": {"field": "at", "type": "temporal"},
                    "y": {"field": "total", "type": "quantitative"},
                    "shape": {
                        "field": "marker",
                        "type": "nominal",
                        "title": None,
                        "scale": {
                            "domain": MARKERS,
                            "range": ["diamond", "triangle-up"],
                        },
                        "legend": {"orient": "bottom", "direction": "horizontal"},
                    },
                    "color": {
                        "field": "marker",
                        "type": "nominal",
                        "scale": {"domain": MARKERS, "range": ["#1f5fa8", "#b3261e"]},
                        "legend": None,
                    },
                    "tooltip": [
                        {"field": "date", "title": "Date"},
                        {"field": "total", "title": "Total"},
                        {"field": "marker", "title": "Marked"},
                        {"field": "best", "title": "Best before it"},
                    ],
                },
            },
        ],
        "resolve": {"scale": {"color": "independent", "shape": "independent"}},
    }


def trajectory_spec(
    rows: list[dict[str, Any]], codes: tuple[str, ...] = ("gad7", "phq9")
) -> dict[str, Any]:
    """Return a Vega-Lite spec: one panel per instrument, severity bands shaded."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "Anxiety (GAD-7) and depression (PHQ-9) totals over time, with the "
        "severity bands shaded.",
        "vconcat": [_instrument_layer(code, rows) for code in codes],
        "resolve": {"legend": {"color": "independent"}},
        "config": {
            "font": "system-ui, sans-serif",
            "view": {"stroke": None},
            "axis": {"labelFontSize": 12, "titleFontSize": 12},
        },
    }
