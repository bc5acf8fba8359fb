"""segstat.barometer: build the static site (start page, map, kommun and län pages, comparison)."""

from __future__ import annotations

import html
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from .._files import folder_in_place
from .._validation import check_choice
from ..errors import InputTypeError, InputValueError, VintageError
from ._figures import TYPE_COLOURS
from ._html import CSS, Page, write_csv
from ._inputs import validate
from ._text import TEXT, caption, fmt, pct, type_label

__all__ = ["barometer"]


def barometer(
    results: Mapping[str, Any],
    *,
    out: str | os.PathLike,
    title: str,
    lang: Literal["sv", "en"] = "sv",
    indicator: str | None = None,
    denominator: str | None = None,
    per: float = 1000,
    data_source: str | None = None,
    year: int | None = None,
    vintage: int | None = None,
    regso_boundaries: Any = None,
    confidence_level: float = 0.95,
    synthetic: bool = False,
) -> Path:
    """Build an agency's own segregation barometer: a static site that works offline, from protected results.

    The site has a start page (the indicator by områdestyp over time and the gap between the types
    with its interval), a map page (RegSO by områdestyp and by the indicator, kommuner by the
    indicator; hover shows name, code, type, value or "..", interval), a page per kommun (its RegSO
    over the types, the population share per type, the indicator by type, its segregation index)
    and per län, and a comparison of every kommun with its län and the whole area. Every chart has a
    text alternative, a data table and a CSV download. Everything the pages need (Plotly's script,
    geometry, styles) is in the folder; nothing is fetched, so the site can be opened from disk or
    put on an intranet. Fonts are the reader's system fonts.

    Parameters
    ----------
    results : mapping of str to DataFrame
        ``panel`` (required): omradestyp, period, events, population, rate,
        lower, upper. Optional: ``gap`` (period, estimate, lower, upper),
        ``areas`` (area, period, events, population, rate, lower, upper,
        suppressed) with ``counts`` (the :class:`ProtectedTables` the area
        events come from; an unprotected count table is refused),
        ``segregation`` (kommun, estimate, lower, upper, index) and
        ``effects`` (a table; :func:`segstat.effect`'s ``event_study`` is also
        drawn as a chart over event time, no effect at 1 for a rate ratio and
        0 for a difference). See :mod:`segstat.barometer._inputs`;
        :func:`segstat.barometer.area_rates` builds ``areas``.
    out : path
        Folder to write (replaced if it exists; written aside, then moved in).
    title : str
        Site title.
    lang : {"sv", "en"}, default "sv"
        Language of the pages.
    indicator : str, optional
        The indicator's name (e.g. "Sjukpenning"); the title by default.
    denominator : str, optional
        Who the rate counts (e.g. "invånare 16–64 år"); the unit is then
        "per 1 000 invånare 16–64 år".
    per : float, default 1000
        Rate multiplier of the inputs (shown in the unit).
    data_source : str, optional
        Source of the indicator, printed under every chart.
    year : int, optional
        Områdestyp year of the RegSO (see :func:`segstat.omradestyp_years`);
        the latest bundled year by default.
    vintage : {2018, 2025}, optional
        Code vintage of the RegSO; None takes it from
        ``results["areas"].attrs["segstat.vintage"]``.
    regso_boundaries : Boundaries, optional
        RegSO polygons for the maps; the bundled Göteborgsregionen RegSO
        2025 by default (vintage 2025). Areas without a polygon are listed
        in the tables.
    confidence_level : float, default 0.95
        Level of the intervals the barometer computes (gap, kommun sums).
    synthetic : bool, default False
        Put a "synthetic data" banner on every page.

    Returns
    -------
    pathlib.Path
        The site's start page (``out/index.html``).
    """
    check_choice("lang", lang, ("sv", "en"))
    if not isinstance(title, str) or not title.strip():
        raise InputTypeError(f"title={title!r}: give the site's title as text.")
    inp = validate(results)
    if inp.areas is not None:
        if vintage is None and inp.vintage is None:
            raise VintageError("results['areas'] carries no vintage (attrs['segstat.vintage']): say which RegSO "
                               "series its codes are, vintage=2018 (RegSO 2020) or vintage=2025 (RegSO 2025).")
        if vintage is not None and inp.vintage is not None and int(vintage) != inp.vintage:
            raise VintageError(f"vintage={vintage} contradicts results['areas'], whose codes are of vintage "
                               f"{inp.vintage}; drop vintage= or convert the codes with segstat.crosswalk.")
        vintage = int(vintage if vintage is not None else inp.vintage)  # type: ignore[arg-type]
    from ..classify import omradestyp_years

    year = max(omradestyp_years()) if year is None else year
    if year not in omradestyp_years():
        raise InputValueError(f"year={year!r}: områdestyp is bundled for {omradestyp_years()}.")
    t = TEXT[lang]
    from .._version import __version__

    site: dict[str, Any] = {
        "lang": lang, "title": title, "synthetic": synthetic, "per": per, "cl": confidence_level, "year": year,
        "indicator": indicator or title, "vintage": vintage, "denominator": denominator, "periods": inp.periods,
        "unit": f"per {fmt(per, lang, 0)}" + (f" {denominator}" if denominator else ""),
        "source": data_source or ("Myndighetens egna registeruppgifter" if lang == "sv" else "The agency's own register"),
        "nav": [("start", "index.html"), ("map", "map.html"), ("kommuner", "kommun/index.html"),
                ("lan", "lan/index.html"), ("compare", "compare.html")],
        "footer": html.escape(t["made_with"].format(version=__version__)),
    }
    if out is None:
        raise InputValueError("out is None: give the folder to write the site to, e.g. out='barometer'.")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputValueError(f"out={str(out)!r} is a file; the barometer writes a folder. Give a folder name.")
    out.parent.mkdir(parents=True, exist_ok=True)
    with folder_in_place(out, ".segstat-barometer-") as work:
        _assets(work)
        from ._maps import Geometry, map_page
        from ._pages import area_pages

        geo = Geometry(regso_boundaries, vintage)
        _start_page(work, inp, site)
        data = area_pages(work, inp, site, geo)
        map_page(work, data, site, geo)
    return out / "index.html"


def _assets(work: Path) -> None:
    """Plotly's script, copied once from the installed plotly package, and the style sheet."""
    from .._optional import import_optional

    plotly = import_optional("plotly", purpose="the barometer's charts (its plotly.min.js)")
    src = Path(str(plotly.__file__)).parent / "package_data" / "plotly.min.js"
    if not src.exists():
        raise InputValueError(f"the installed plotly has no {src}; reinstall it with pip install 'segstat[site]'.")
    (work / "assets").mkdir()
    shutil.copyfile(src, work / "assets" / "plotly.min.js")
    (work / "assets" / "style.css").write_text(CSS, encoding="utf-8")


def _start_page(work: Path, inp: Any, site: dict) -> None:
    from ._aggregate import gap_by_period
    from ._figures import bars_figure, lines_figure

    lang, t = site["lang"], TEXT[site["lang"]]
    p = Page("index.html", site["title"], site=site)
    panel = inp.panel
    latest = site["periods"][-1]
    heading = t["by_type"].format(indicator=site["indicator"])
    p.heading(f"{heading} {t['over_time']}")
    types = sorted(panel["omradestyp"].unique())
    series = [{"name": type_label(k, lang), "x": panel.loc[panel["omradestyp"] == k, "period"].tolist(),
               **{c: panel.loc[panel["omradestyp"] == k, c].to_numpy(float) for c in ("y", "lower", "upper")
                  if c != "y"}, "y": panel.loc[panel["omradestyp"] == k, "rate"].to_numpy(float)} for k in types]
    fig = lines_figure(series, title=heading, x_title=t["period"], y_title=site["unit"],
                       colours=[TYPE_COLOURS[int(k)] for k in types])
    last = panel[panel["period"] == latest]
    alt = t["alt_lines"].format(indicator=site["indicator"], period=latest, values="; ".join(
        f"{t['type']} {int(k)} {fmt(v, lang)}" for k, v in zip(last["omradestyp"], last["rate"])))
    table = _panel_table(panel, lang)
    csv = write_csv(panel, work, "data/panel.csv")
    p.chart(fig, alt=alt, caption=caption(site, heading + ", " + t["interval"].format(level=pct(site))),
            table=table, csv=csv)

    gap = inp.gap if inp.gap is not None else gap_by_period(panel, site["periods"], per=site["per"],
                                                            confidence_level=site["cl"])
    dis, adv = int(min(types)), int(max(types))
    gap_title = t["gap"].format(dis=dis, adv=adv)
    p.heading(gap_title)
    gfig = bars_figure(gap["period"].tolist(), gap["estimate"].tolist(), title=gap_title, x_title=t["period"],
                       y_title=site["unit"], colours=["#12355b"] * len(gap), lower=gap["lower"].tolist(),
                       upper=gap["upper"].tolist())
    measure = str(gap["measure"].iloc[0]) if "measure" in gap.columns and len(gap) else "D"
    note = t["gap_note"].format(unit=site["unit"], dis=dis, adv=adv, measure=measure, level=pct(site))
    gtable = pd.DataFrame({t["period"]: gap["period"], t["estimate"]: gap["estimate"], t["lower"]: gap["lower"],
                           t["upper"]: gap["upper"]})
    gtable.attrs["lang"] = lang
    p.chart(gfig, alt=t["alt_gap"].format(dis=dis, adv=adv, value=fmt(gap["estimate"].iloc[-1], lang)),
            caption=caption(site, note), table=gtable, csv=write_csv(gap, work, "data/gap.csv"))
    if inp.effects is not None:
        from ._effects import effects_section

        effects_section(p, work, inp, site)
    p.write(work)


def _panel_table(panel: pd.DataFrame, lang: str) -> pd.DataFrame:
    t = TEXT[lang]
    table = pd.DataFrame({t["period"]: panel["period"], t["type"]: panel["omradestyp"].map(lambda k: type_label(k, lang)),
                          t["events"]: panel["events"], t["population"]: panel["population"],
                          t["value"]: panel["rate"], t["lower"]: panel["lower"], t["upper"]: panel["upper"]})
    table.attrs["lang"] = lang
    return table
