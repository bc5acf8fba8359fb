"""Map of crude beside smoothed rates, suppressed areas hatched (``plot`` extra)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._optional import import_optional
from ..errors import InputValueError
from .smooth import TARGETING_ATTR

__all__ = ["plot_map"]


def _draw(ax: Any, polygons: np.ndarray, colours: list[Any], hatch: list[bool]) -> None:
    import shapely
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    for poly, colour, h in zip(polygons, colours, hatch):
        for part in shapely.get_parts(poly):
            rings = [np.asarray(part.exterior.coords)] + [np.asarray(r.coords) for r in part.interiors]
            codes = np.concatenate([[MPath.MOVETO] + [MPath.LINETO] * (len(r) - 2) + [MPath.CLOSEPOLY] for r in rings])
            ax.add_patch(PathPatch(MPath(np.concatenate(rings), codes), facecolor=colour, edgecolor="#555555",
                                   linewidth=0.2, hatch="////" if h else None))
    x0, y0, x1, y1 = shapely.total_bounds(polygons)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_axis_off()


def plot_map(smoothed: pd.DataFrame, boundaries: Any, *, protected: Any = None, lang: str = "sv") -> Any:
    """Two maps side by side: the crude and the smoothed rate on one colour scale; areas the publication
    suppresses (``protected``, from :func:`segstat.protect_rates`) hatched grey on both.

    ``boundaries``: a :class:`segstat.Boundaries` covering the areas (areas without a polygon are an error).
    With ``protected`` the right map shows the published (rounded) rates. Returns the matplotlib Figure.
    """
    import_optional("matplotlib", purpose="plot_map")
    import matplotlib.pyplot as plt

    area = smoothed.attrs.get(TARGETING_ATTR, {}).get("area")
    if area is None or area not in smoothed.columns:
        raise InputValueError("smoothed has no attrs['segstat.targeting']; pass the result of segstat.smooth_rates.")
    frame = smoothed.assign(_code=smoothed[area].astype(str)).set_index("_code")
    codes = pd.Index(np.asarray(boundaries.codes).astype(str))
    missing = ~frame.index.isin(codes)
    if missing.any():
        raise InputValueError(f"{int(missing.sum())} area(s) have no polygon in boundaries, e.g. "
                              f"{frame.index[missing][0]!r}; pass boundaries that cover them.")
    keep = codes.isin(frame.index)
    polygons = np.asarray(boundaries.polygons)[keep]
    frame = frame.loc[codes[keep]]
    crude = frame["crude"].to_numpy(float)
    right = frame["smoothed"].to_numpy(float)
    hidden = np.zeros(len(frame), dtype=bool)
    if protected is not None:
        pub = protected.published.assign(_code=protected.published[area].astype(str)).set_index("_code")
        right = pub["rate"].reindex(frame.index).to_numpy(float)
        hidden = np.isnan(right)
    vmax = float(np.nanquantile(np.r_[crude, right], 0.98)) or 1.0
    cmap = plt.get_cmap("viridis")
    fig, axes = plt.subplots(1, 2, figsize=(11, 6))
    sv = lang == "sv"
    titles = (("Observerad takt", "Utjämnad takt" + (" (publicerad)" if protected is not None else ""))
              if sv else ("Crude rate", "Smoothed rate" + (" (published)" if protected is not None else "")))
    for ax, values, title in zip(axes, (crude, right), titles):
        colours = ["#cccccc" if h else cmap(min(v / vmax, 1.0)) for v, h in zip(values, hidden)]
        _draw(ax, polygons, colours, list(hidden))
        ax.set_title(title, fontsize=10)
    per = smoothed.attrs[TARGETING_ATTR]["per"]
    label = f"per {per:g} invånare" if sv else f"per {per:g} persons"
    fig.colorbar(plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, vmax)), ax=list(axes), shrink=0.6,
                 label=label)
    if hidden.any():
        fig.text(0.5, 0.04, "Skrafferat: undertryckt (röjanderisk)" if sv else "Hatched: suppressed (disclosure risk)",
                 ha="center", fontsize=8)
    return fig
