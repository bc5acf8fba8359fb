"""The map page and the map blocks of kommun and län pages: RegSO by områdestyp and by the indicator,
kommuner by the indicator. Geometry is simplified once per build and shared by every page."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._figures import (SUPPRESSED_COLOUR, TOLERANCE, TYPE_COLOURS, VALUE_COLOURS, classes, map_figure, rings)
from ._html import Page, write_csv
from ._text import TEXT, caption, fmt, pct, type_label

NO_TYPE_COLOUR = "#9e9e9e"


class Geometry:
    """Simplified outlines (km, rounded) of the RegSO with boundaries and of every kommun and län."""

    def __init__(self, regso_boundaries: Any, vintage: int | None) -> None:
        self.regso: dict[str, tuple[list, list]] = {}
        self.regso_area: dict[str, float] = {}
        b = regso_boundaries
        if b is None and vintage == 2025:
            from ..geography.boundaries import boundaries

            b = boundaries("regso", vintage=2025)
        if b is not None:
            if getattr(b, "level", None) != "regso":
                from ..errors import InputTypeError

                raise InputTypeError(f"regso_boundaries={b!r}: give RegSO Boundaries (segstat.boundaries('regso', "
                                     f"vintage=...)).")
            if vintage is not None and b.vintage != vintage:
                from ..errors import VintageError

                raise VintageError(f"regso_boundaries are of vintage {b.vintage}, the results of vintage {vintage}; "
                                   f"give boundaries of the same vintage.")
            import shapely

            for code, poly, area in zip(b.codes, b.polygons, shapely.area(b.polygons)):
                self.regso[str(code)] = rings(poly, TOLERANCE["regso"])
                self.regso_area[str(code)] = float(area)
        self._outlines: dict[str, pd.DataFrame] = {}

    @functools.cache
    def outline(self, level: str, code: str) -> tuple[list, list]:
        frame = self.outlines(level)
        geom = frame.loc[frame["code"] == code, "geometry"]
        return rings(geom.iloc[0], TOLERANCE[level]) if len(geom) else ([], [])

    def outlines(self, level: str) -> pd.DataFrame:
        if level not in self._outlines:
            from ..geography.outlines import national_outlines

            self._outlines[level] = national_outlines(level)
        return self._outlines[level]


def hover(site: dict, name: str, code: str, type_text: str, value: float, lower: float, upper: float) -> str:
    t, lang = TEXT[site["lang"]], site["lang"]
    interval = ".." if not np.isfinite(value) else f"{fmt(lower, lang)}–{fmt(upper, lang)}"
    return (f"<b>{name}</b><br>{t['code']}: {code}<br>{t['type']}: {type_text}<br>{site['indicator']}: "
            f"{fmt(value, lang)} {site['unit']}<br>{t['interval'].format(level=pct(site))}: {interval}")


def value_classes(values: np.ndarray, lang: str) -> tuple[np.ndarray, list[str]]:
    """Class limits and their legend labels."""
    limits = classes(values)
    labels, low = [], np.nanmin(values) if np.isfinite(values).any() else 0.0
    for up in limits:
        labels.append(f"{fmt(low, lang)}–{fmt(up, lang)}")
        low = up
    return limits, labels


def regso_maps(page: Page, geo: Geometry, rows: pd.DataFrame, site: dict, csv: str | None, table: pd.DataFrame,
               *, by_type: bool = True, by_value: bool = True) -> int:
    """RegSO maps of ``rows`` (area, name, omradestyp, rate, lower, upper, suppressed; one period). Returns the
    number of areas drawn (0: no boundaries, nothing added)."""
    t, lang = TEXT[site["lang"]], site["lang"]
    rows = rows[np.fromiter((c in geo.regso for c in rows["area"]), bool, len(rows))].copy()
    if not len(rows):
        return 0
    rows["_area"] = rows["area"].map(geo.regso_area)
    rows = rows.sort_values("_area", ascending=False)  # large areas first: enclosed ones are drawn on top
    shapes = [geo.regso[c] for c in rows["area"]]
    types = rows["omradestyp"].to_numpy(float)
    labels = [type_label(k, lang) for k in types]
    texts = [hover(site, str(n), str(c), lab, v, lo, hi) for n, c, lab, v, lo, hi in
             zip(rows["name"], rows["area"], labels, rows["rate"].to_numpy(float), rows["lower"].to_numpy(float),
                 rows["upper"].to_numpy(float))]
    sup = rows["suppressed"].to_numpy(bool)
    if by_type:
        colours = [TYPE_COLOURS[int(k)] if np.isfinite(k) else NO_TYPE_COLOUR for k in types]
        title = t["map_types"].format(year=site["year"])
        order = [type_label(k, lang) for k in range(1, 6)] + [".."]
        fig = map_figure(shapes, colours, texts, labels, [False] * len(rows), title=title, order=order)
        alt = t["alt_map"].format(n=len(rows), what=title)
        t_src = "SCB" if lang == "sv" else "Statistics Sweden"
        page.chart(fig, alt=alt, caption=f"{title}. {t['unit']}: {t['type']} 1–5. {t['source']}: {t_src}.",
                   table=table, csv=csv)
    if by_value:
        vals = rows["rate"].to_numpy(float)
        limits, names = value_classes(vals, lang)
        cls = np.minimum(np.searchsorted(limits, vals, side="left"), len(limits) - 1)
        colours = [SUPPRESSED_COLOUR if s or not np.isfinite(v) else VALUE_COLOURS[min(int(c), 4)]
                   for s, v, c in zip(sup, vals, cls)]
        groups = [t["suppressed"] if s or not np.isfinite(v) else names[int(c)] for s, v, c in zip(sup, vals, cls)]
        title = t["map_value"].format(indicator=site["indicator"], period=site["periods"][-1])
        fig = map_figure(shapes, colours, texts, groups, list(sup), title=title, order=names + [t["suppressed"]])
        page.chart(fig, alt=t["alt_map"].format(n=len(rows), what=title),
                   caption=caption(site, title) + " " + t["map_note"], table=table, csv=csv)
    return len(rows)


def kommun_map(page: Page, geo: Geometry, rows: pd.DataFrame, site: dict, csv: str | None, table: pd.DataFrame,
               *, highlight: str | None = None) -> None:
    """Kommun outlines (``rows``: kommun, name, rate, lower, upper, suppressed) coloured by the indicator."""
    t, lang = TEXT[site["lang"]], site["lang"]
    shapes = [geo.outline("kommun", k) for k in rows["kommun"]]
    vals = rows["rate"].to_numpy(float)
    limits, names = value_classes(vals, lang)
    cls = np.minimum(np.searchsorted(limits, vals, side="left"), len(limits) - 1)
    sup = ~np.isfinite(vals)
    colours = [SUPPRESSED_COLOUR if s else VALUE_COLOURS[min(int(c), 4)] for s, c in zip(sup, cls)]
    groups = [t["suppressed"] if s else names[int(c)] for s, c in zip(sup, cls)]
    texts = [hover(site, str(n), str(k), "–", v, lo, hi).replace(f"<br>{t['type']}: –", "")
             for n, k, v, lo, hi in zip(rows["name"], rows["kommun"], vals, rows["lower"].to_numpy(float),
                                        rows["upper"].to_numpy(float))]
    title = t["map_kommun"].format(indicator=site["indicator"], period=site["periods"][-1])
    fig = map_figure(shapes, colours, texts, groups, list(sup), title=title, order=names + [t["suppressed"]],
                     highlight=[k == highlight for k in rows["kommun"]] if highlight else None)
    page.chart(fig, alt=t["alt_map"].format(n=len(rows), what=title), caption=caption(site, title), table=table,
               csv=csv)


def regso_table(rows: pd.DataFrame, site: dict) -> pd.DataFrame:
    t, lang = TEXT[site["lang"]], site["lang"]
    table = pd.DataFrame({t["code"]: rows["area"], t["name"]: rows["name"],
                          t["type"]: [type_label(k, lang) for k in rows["omradestyp"]],
                          t["value"]: rows["rate"], t["lower"]: rows["lower"], t["upper"]: rows["upper"]})
    table.attrs["lang"] = lang
    return table


def map_page(work: Path, data: dict, site: dict, geo: Geometry) -> None:
    """map.html: every RegSO with boundaries by områdestyp and by the indicator; the kommuner by the indicator."""
    t = TEXT[site["lang"]]
    page = Page("map.html", t["map"], site=site)
    regso = data.get("regso_latest")
    if regso is not None and len(regso):
        csv = write_csv(regso.drop(columns=["level"], errors="ignore"), work, "data/regso.csv")
        if not regso_maps(page, geo, regso, site, csv, regso_table(regso, site)):
            page.paragraph(t["no_map"], "note")
        if site["vintage"] == 2025:
            page.paragraph("Områdestyp avser RegSO 2020; RegSO 2025 med samma kod får samma typ (SCB)."
                           if site["lang"] == "sv" else
                           "Områdestyp is defined for RegSO 2020; a RegSO 2025 with the same code takes its type "
                           "(SCB).", "note")
    kommun = data.get("kommun_latest")
    if kommun is not None and len(kommun):
        csv = write_csv(kommun, work, "data/kommun.csv")
        kommun_map(page, geo, kommun, site, csv, kommun_table(kommun, site))
    if regso is None and kommun is None:
        page.paragraph(t["no_map"], "note")
    page.write(work)


def kommun_table(rows: pd.DataFrame, site: dict) -> pd.DataFrame:
    t, lang = TEXT[site["lang"]], site["lang"]
    table = pd.DataFrame({t["code"]: rows["kommun"], t["name"]: rows["name"], t["value"]: rows["rate"],
                          t["lower"]: rows["lower"], t["upper"]: rows["upper"]})
    table.attrs["lang"] = lang
    return table
