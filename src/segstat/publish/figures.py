"""Charts and maps of a report (the ``plot`` extra: matplotlib, drawn with the Agg backend).

Conventions: rate and index axes start at zero; områdestyp has a qualitative palette in which no type is
white or grey (grey means "no value", hatching means "suppressed"); every legend entry is named; the maps of
Göteborgsregionen have an inset of the dense centre.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._optional import import_optional
from . import i18n
from .i18n import Lang

#: områdestyp 1..5: Okabe-Ito colours (distinguishable with colour-vision deficiency); none is white or grey
TYPE_COLOURS: dict[int, str] = {1: "#D55E00", 2: "#E69F00", 3: "#009E73", 4: "#56B4E9", 5: "#0072B2"}
#: areas without a value
MISSING_COLOUR = "#d9d9d9"
#: central Göteborg in SWEREF 99 TM (x0, y0, x1, y1): Gamlestaden to Frölunda, Hisingen's south shore to Mölndal
GOTEBORG_CENTRE = (312_000.0, 6_393_000.0, 324_000.0, 6_405_000.0)


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (no display needed), or a clear error naming the extra."""
    import_optional("matplotlib", purpose="the report's charts and maps")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png_bytes(fig: Any, dpi: int = 100) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def save(fig: Any, path: Path, dpi: int = 110) -> bytes:
    """Write ``fig`` as PNG to ``path`` and return the bytes (for embedding)."""
    png = png_bytes(fig, dpi)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)
    return png


def _labels(frame: pd.DataFrame, columns: Sequence[str], lang: Lang) -> list[str]:
    if not columns:
        return [str(i + 1) for i in range(len(frame))]
    out = []
    for _, r in frame[list(columns)].iterrows():
        parts = []
        for c in columns:
            v = r[c]
            if c == "omradestyp" and str(v).isdigit():
                v = i18n.text("typ", lang, k=str(v))
            parts.append(str(v))
        out.append(", ".join(parts))
    return out


def _decimal_comma(axis: Any, lang: Lang) -> None:
    """Swedish tick labels: matplotlib's own labels with a decimal comma ("0,25", as in the tables)."""
    if lang != "sv":
        return
    from matplotlib.ticker import ScalarFormatter

    class _Comma(ScalarFormatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return str(super().__call__(x, pos)).replace(".", ",")

    axis.set_major_formatter(_Comma())


def rates_chart(frame: pd.DataFrame, label_columns: Sequence[str], *, per: float, title: str, lang: Lang,
                level: float) -> Any:
    """Rates with their intervals, one point per row, y axis from zero."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    x = np.arange(len(frame))
    y = frame["rate"].astype(float).to_numpy()
    lo = frame["lower"].astype(float).to_numpy()
    hi = frame["upper"].astype(float).to_numpy()
    colours = ([TYPE_COLOURS.get(int(t), "#333333") for t in frame["omradestyp"]]
               if list(label_columns) == ["omradestyp"] and frame["omradestyp"].astype(str).str.isdigit().all()
               else ["#333333"] * len(frame))
    for i in range(len(frame)):
        ax.errorbar(x[i], y[i], yerr=[[y[i] - lo[i]], [hi[i] - y[i]]], fmt="o", capsize=4, color=colours[i])
    ax.set_xticks(x)
    ax.set_xticklabels(_labels(frame, label_columns, lang), rotation=0 if len(frame) <= 6 else 45,
                       ha="center" if len(frame) <= 6 else "right")
    if list(label_columns):
        ax.set_xlabel(", ".join(i18n.column(c, lang) for c in label_columns))
    ax.set_ylabel(i18n.text("rates_axis", lang, per=per))
    top = np.nanmax(np.concatenate([hi, y])) if len(y) else 1.0
    ax.set_ylim(0, float(top) * 1.1 if np.isfinite(top) and top > 0 else 1.0)
    ax.set_title(i18n.text("figure_rates_title", lang, title=title, per=per, level=level), fontsize=9)
    ax.grid(axis="y", color="#eeeeee")
    _decimal_comma(ax.yaxis, lang)
    return fig


def estimate_chart(frame: pd.DataFrame, label_columns: Sequence[str], *, title: str, lang: Lang, level: float) -> Any:
    """Horizontal bars of ``estimate`` (with ``lower``/``upper`` when present), axis from zero."""
    plt = pyplot()
    n = len(frame)
    fig, ax = plt.subplots(figsize=(6.5, max(2.0, 0.28 * n + 1.0)))
    y = np.arange(n)[::-1]
    est = frame["estimate"].astype(float).to_numpy()
    ax.barh(y, est, color="#0072B2", height=0.6)
    if {"lower", "upper"} <= set(frame.columns):
        lo = frame["lower"].astype(float).to_numpy()
        hi = frame["upper"].astype(float).to_numpy()
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.errorbar(est[ok], y[ok], xerr=[est[ok] - lo[ok], hi[ok] - est[ok]], fmt="none", ecolor="#333333",
                    capsize=3)
    ax.set_yticks(y)
    ax.set_yticklabels(_labels(frame, label_columns, lang), fontsize=8)
    top = np.nanmax(frame["upper"].astype(float)) if "upper" in frame and frame["upper"].notna().any() else np.nanmax(est)
    ax.set_xlim(0, max(float(top) * 1.1, 1e-9) if np.isfinite(top) else 1.0)
    ax.set_title(i18n.text("figure_seg_title", lang, title=title, level=level), fontsize=9)
    ax.grid(axis="x", color="#eeeeee")
    _decimal_comma(ax.xaxis, lang)
    return fig


def _polys(ax: Any, polygons: Any, colours: Sequence[Any], hatch: Sequence[bool] | None = None,
           bounds: tuple[float, float, float, float] | None = None) -> None:
    """Draw the polygons as two collections (plain and hatched): one artist each, not one per polygon."""
    import shapely
    from matplotlib.collections import PathCollection
    from matplotlib.path import Path as MPath

    polygons = np.asarray(polygons, dtype=object)
    keep = np.ones(len(polygons), dtype=bool)
    if bounds is not None:  # an inset draws only what it shows
        keep = shapely.intersects(polygons, shapely.box(*bounds))
    paths: dict[bool, list[Any]] = {False: [], True: []}
    faces: dict[bool, list[Any]] = {False: [], True: []}
    for i in map(int, np.flatnonzero(keep)):
        hatched = bool(hatch is not None and hatch[i])
        for part in shapely.get_parts(polygons[i]):
            rings = [np.asarray(part.exterior.coords)] + [np.asarray(r.coords) for r in part.interiors]
            verts = np.concatenate(rings)
            codes = np.concatenate([[MPath.MOVETO] + [MPath.LINETO] * (len(r) - 2) + [MPath.CLOSEPOLY] for r in rings])
            paths[hatched].append(MPath(verts, codes))
            faces[hatched].append(colours[i])
    for hatched in (False, True):
        if paths[hatched]:
            ax.add_collection(PathCollection(paths[hatched], facecolors=faces[hatched], edgecolors="#555555",
                                             linewidths=0.2, hatch="////" if hatched else None))
    x0, y0, x1, y1 = bounds if bounds is not None else shapely.total_bounds(polygons)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def _inset(fig: Any, ax: Any, polygons: Any, colours: Sequence[Any], hatch: Sequence[bool] | None,
           place: str, lang: Lang, bounds: tuple[float, float, float, float]) -> None:
    """An inset of ``bounds`` (the dense centre) in the upper right, with its outline on the main map."""
    from matplotlib.patches import Rectangle

    sub = ax.inset_axes([0.58, 0.58, 0.42, 0.42])
    _polys(sub, polygons, colours, hatch, bounds=bounds)
    sub.set_title(i18n.text("inset", lang, place=place), fontsize=7)
    for s in sub.spines.values():
        s.set_edgecolor("#222222")
    x0, y0, x1, y1 = bounds
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#222222", linewidth=0.8))


def omradestyp_map(codes: Sequence[str], polygons: Any, types: Any, *, year: int, lang: Lang = "sv",
                   inset: tuple[float, float, float, float] | None = GOTEBORG_CENTRE, place: str = "Göteborg",
                   title: str | None = None) -> Any:
    """RegSO coloured by områdestyp, each legend entry named with SCB's label, with an inset of the centre."""
    from matplotlib.patches import Patch

    from ..classify import LABELS_EN, LABELS_SV

    plt = pyplot()
    labels = LABELS_SV if lang == "sv" else LABELS_EN
    colours = [TYPE_COLOURS.get(int(t), MISSING_COLOUR) if pd.notna(t) else MISSING_COLOUR for t in types]
    fig, ax = plt.subplots(figsize=(7, 7))
    _polys(ax, polygons, colours)
    if inset is not None:
        _inset(fig, ax, polygons, colours, None, place, lang, inset)
    handles = [Patch(facecolor=c, edgecolor="#555555", label=f"{k} {labels[k]}") for k, c in TYPE_COLOURS.items()]
    if any(c == MISSING_COLOUR for c in colours):
        handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor="#555555", label=i18n.text("no_value", lang)))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.01), fontsize=7, frameon=False)
    ax.set_title(title or i18n.text("omradestyp_map_title", lang, year=str(year)), fontsize=9)
    return fig


def value_map(polygons: Any, values: Sequence[float], suppressed: Sequence[bool], *, label: str, title: str,
              lang: Lang = "sv", inset: tuple[float, float, float, float] | None = GOTEBORG_CENTRE,
              place: str = "Göteborg") -> Any:
    """A choropleth from zero; suppressed areas hatched (legend: "Undertryckt (..)"), areas without a value grey."""
    from matplotlib.patches import Patch

    plt = pyplot()
    vals = np.asarray(values, dtype=float)
    hidden = np.asarray(suppressed, dtype=bool)
    finite = vals[np.isfinite(vals) & ~hidden]
    vmax = float(np.quantile(finite, 0.98)) if len(finite) else 1.0
    vmax = vmax if vmax > 0 else 1.0
    cmap = plt.get_cmap("viridis")
    colours = ["#ffffff" if hidden[i] else MISSING_COLOUR if not np.isfinite(v) else cmap(min(v / vmax, 1.0))
               for i, v in enumerate(vals)]
    fig, ax = plt.subplots(figsize=(7, 7))
    _polys(ax, polygons, colours, hatch=list(hidden))
    if inset is not None:
        _inset(fig, ax, polygons, colours, list(hidden), place, lang, inset)
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, vmax))
    bar = fig.colorbar(sm, ax=ax, shrink=0.5, label=label, location="left")
    _decimal_comma(bar.ax.yaxis, lang)
    handles = [Patch(facecolor="#ffffff", edgecolor="#555555", hatch="////", label=i18n.text("suppressed_area", lang))]
    if (~np.isfinite(vals) & ~hidden).any():
        handles.append(Patch(facecolor=MISSING_COLOUR, edgecolor="#555555", label=i18n.text("no_value", lang)))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.01), fontsize=7, frameon=False)
    ax.set_title(title, fontsize=9)
    return fig
