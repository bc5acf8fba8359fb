"""Plotly figures as plain JSON-ready dicts (no plotly import at build time), and map geometry for the browser.

Maps are drawn in SWEREF 99 TM (EPSG:3006) on an equal-aspect plane, one filled trace per area: no tile
server, no web map projection, no geometry file fetched. Polygons are simplified with
:func:`shapely.simplify` (topology-preserving per area) and rounded to ``digits`` decimals of kilometres,
which is what keeps a county under 20 MB and the country at kommun + RegSO level under 60 MB.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

#: områdestyp colours: distinct hues, none white or near white, readable on a white page.
TYPE_COLOURS = {1: "#a50026", 2: "#f46d43", 3: "#c9a227", 4: "#74add1", 5: "#313695"}
#: five sequential classes (viridis), dark to light; a suppressed area is light grey with a hatch.
VALUE_COLOURS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
SUPPRESSED_COLOUR = "#d9d9d9"
#: tolerance (metres) of the simplification and decimals of the rounded km coordinates.
TOLERANCE = {"regso": 40.0, "kommun": 150.0, "lan": 300.0}
DIGITS = 2


def rings(geom: Any, tolerance: float, digits: int = DIGITS) -> tuple[list[float | None], list[float | None]]:
    """Outer rings of a (multi)polygon, simplified and rounded, as x/y lists in km with None between parts."""
    simple = shapely.simplify(geom, tolerance, preserve_topology=True)
    xs: list[float | None] = []
    ys: list[float | None] = []
    for part in shapely.get_parts(simple):
        if part.is_empty or part.area < (tolerance * 2) ** 2:  # slivers below the drawing resolution
            continue
        c = np.round(np.asarray(part.exterior.coords) / 1000.0, digits)
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(c[:, 0].tolist())
        ys.extend(c[:, 1].tolist())
    if not xs:  # an area smaller than the resolution is still drawn: its unsimplified outline
        c = np.round(np.asarray(shapely.get_parts(geom)[0].exterior.coords) / 1000.0, digits)
        xs, ys = c[:, 0].tolist(), c[:, 1].tolist()
    return xs, ys


def map_figure(shapes: list[tuple[list, list]], colours: list[str], hover: list[str], groups: list[str],
               hatched: list[bool], *, title: str, order: list[str], highlight: list[bool] | None = None) -> dict:
    """A map: one filled trace per area (hover on the fill), legend entries per group in ``order``."""
    data = []
    seen: set[str] = set()
    for i, ((xs, ys), colour, text, group, hatch) in enumerate(zip(shapes, colours, hover, groups, hatched)):
        line_w = 2.0 if highlight and highlight[i] else 0.4
        trace: dict[str, Any] = {
            "type": "scatter", "mode": "lines", "x": xs, "y": ys, "fill": "toself", "fillcolor": colour,
            "line": {"color": "#000000" if highlight and highlight[i] else "#555555", "width": line_w},
            "hoveron": "fills", "text": text, "hoverinfo": "text", "name": group, "legendgroup": group,
            "showlegend": group not in seen, "legendrank": order.index(group) if group in order else 999,
        }
        if hatch:
            trace["fillpattern"] = {"shape": "/", "fgcolor": "#555555", "bgcolor": colour, "size": 6}
        seen.add(group)
        data.append(trace)
    layout = {
        "title": {"text": title, "font": {"size": 15}}, "hovermode": "closest", "height": 620,
        "margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "plot_bgcolor": "#ffffff", "paper_bgcolor": "#ffffff",
        "xaxis": {"visible": False}, "yaxis": {"visible": False, "scaleanchor": "x", "scaleratio": 1},
        "legend": {"orientation": "v", "x": 1.0, "xanchor": "right", "y": 0.0, "bgcolor": "rgba(255,255,255,0.85)"},
        "font": {"family": "system-ui, sans-serif"},
    }
    return {"data": data, "layout": layout}


def lines_figure(series: list[dict], *, title: str, x_title: str, y_title: str, colours: list[str]) -> dict:
    """Lines with error bars: ``series`` items have name, x, y, lower, upper."""
    data = []
    for s, colour in zip(series, colours):
        y = np.asarray(s["y"], dtype=float)
        data.append({
            "type": "scatter", "mode": "lines+markers", "name": s["name"], "x": s["x"], "y": _nulls(y),
            "line": {"color": colour, "width": 2}, "marker": {"color": colour, "size": 7},
            "error_y": {"type": "data", "symmetric": False, "array": _nulls(np.asarray(s["upper"], float) - y),
                        "arrayminus": _nulls(y - np.asarray(s["lower"], float)), "color": colour, "thickness": 1},
            "hovertemplate": "%{x}: %{y:.1f}<extra>" + s["name"] + "</extra>",
        })
    return {"data": data, "layout": _axes_layout(title, x_title, y_title, {"type": "category"})}


def bars_figure(x: list[str], y: list[float], *, title: str, x_title: str, y_title: str, colours: list[str],
                lower: list[float] | None = None, upper: list[float] | None = None) -> dict:
    yy = np.asarray(y, dtype=float)
    trace: dict[str, Any] = {"type": "bar", "x": x, "y": _nulls(yy), "marker": {"color": colours},
                             "hovertemplate": "%{x}: %{y:.1f}<extra></extra>"}
    if lower is not None and upper is not None:
        trace["error_y"] = {"type": "data", "symmetric": False, "array": _nulls(np.asarray(upper, float) - yy),
                            "arrayminus": _nulls(yy - np.asarray(lower, float)), "color": "#222222"}
    return {"data": [trace], "layout": _axes_layout(title, x_title, y_title, {"type": "category"})}


def _axes_layout(title: str, x_title: str, y_title: str, xaxis: dict) -> dict:
    return {"title": {"text": title, "font": {"size": 15}}, "height": 400,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 60}, "font": {"family": "system-ui, sans-serif"},
            "xaxis": {"title": {"text": x_title}, **xaxis}, "yaxis": {"title": {"text": y_title}, "rangemode": "tozero"},
            "legend": {"orientation": "h", "y": -0.25}}


#: event-study colours: leads (before the start) grey, the reference hollow, lags (after the start) dark blue
LEAD_COLOUR, LAG_COLOUR = "#6b6b6b", "#12355b"


def event_study_figure(times: np.ndarray, estimate: np.ndarray, lower: np.ndarray, upper: np.ndarray, *,
                       reference: float, title: str, x_title: str, y_title: str, names: tuple[str, str, str],
                       no_effect: str, start: str) -> dict:
    """Estimates with intervals per event time: leads (< -1), the reference (-1) and lags (>= 0) as three
    traces, a dashed line at no effect (``reference``: 1 for a ratio, 0 for a difference) and a dotted line
    between -1 and 0 marking the start. The values are kept unrounded (the data table rounds them); each point's
    interval is also in ``customdata`` for the hover."""
    data = []
    parts = ((times < -1, names[0], LEAD_COLOUR, "circle-open"), (times == -1, names[1], LEAD_COLOUR, "diamond-open"),
             (times >= 0, names[2], LAG_COLOUR, "circle"))
    for mask, name, colour, symbol in parts:
        if not mask.any():
            continue
        y, lo, hi = estimate[mask], lower[mask], upper[mask]
        data.append({
            "type": "scatter", "mode": "markers", "name": name, "x": [int(v) for v in times[mask]],
            "y": _exact(y), "customdata": [[a, b] for a, b in zip(_exact(lo), _exact(hi))],
            "marker": {"color": colour, "size": 9, "symbol": symbol, "line": {"color": colour, "width": 2}},
            "error_y": {"type": "data", "symmetric": False, "array": _exact(hi - y), "arrayminus": _exact(y - lo),
                        "color": colour, "thickness": 1.5, "width": 6},
            "hovertemplate": "%{x}: %{y:.3f} (%{customdata[0]:.3f}\u2013%{customdata[1]:.3f})<extra>" + name
                             + "</extra>",
        })
    finite = np.concatenate([v[np.isfinite(v)] for v in (estimate, lower, upper)] + [np.array([reference])])
    pad = 0.08 * (finite.max() - finite.min()) or 0.1
    layout = _axes_layout(title, x_title, y_title, {"type": "linear", "dtick": 1, "zeroline": False})
    layout["yaxis"].update({"rangemode": "normal", "range": [float(finite.min() - pad), float(finite.max() + pad)],
                            "zeroline": False})
    layout["shapes"] = [
        {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": reference, "y1": reference,
         "line": {"color": "#a50026", "dash": "dash", "width": 1.5}},
        {"type": "line", "xref": "x", "x0": -0.5, "x1": -0.5, "yref": "paper", "y0": 0, "y1": 1,
         "line": {"color": "#1f1f1f", "dash": "dot", "width": 1.5}},
    ]
    layout["annotations"] = [
        {"xref": "paper", "x": 1, "xanchor": "right", "yref": "y", "y": reference, "yanchor": "bottom",
         "text": no_effect, "showarrow": False, "font": {"color": "#a50026"}},
        {"xref": "x", "x": -0.5, "xanchor": "left", "yref": "paper", "y": 1, "yanchor": "bottom", "text": start,
         "showarrow": False},
    ]
    return {"data": data, "layout": layout}


def _exact(a: np.ndarray) -> list[float | None]:
    """Finite values as they are (an effect of 0.9812 must not be drawn as 0.98), missing as None."""
    return [float(v) if np.isfinite(v) else None for v in np.asarray(a, dtype=float)]


def _nulls(a: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else round(float(v), 4) for v in a]


def classes(values: np.ndarray, k: int = 5) -> np.ndarray:
    """Upper limits of ``k`` quantile classes of the finite values (repeated limits merged)."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return np.array([1.0])
    return np.unique(np.quantile(finite, np.linspace(0, 1, k + 1)[1:]))
