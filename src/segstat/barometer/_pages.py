"""Kommun pages, län pages, their index pages and the comparison view."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._aggregate import group_rates, regso_frame, totals, whole
from ._figures import TYPE_COLOURS, bars_figure, lines_figure
from ._html import Page, write_csv
from ._maps import Geometry, kommun_map, kommun_table, regso_maps, regso_table
from ._text import TEXT, caption, fmt, type_label


def area_pages(work: Path, inp: Any, site: dict, geo: Geometry) -> dict[str, Any]:
    """Write kommun/*.html, lan/*.html, their index pages and compare.html; return what the map page needs."""
    from ..geography.registry import areas as registry

    per, cl, latest = site["per"], site["cl"], site["periods"][-1]
    wh = whole(inp.panel, per=per, confidence_level=cl)
    wh["period"] = wh["period"].astype(str)
    data: dict[str, Any] = {}
    kommun_names = registry("kommun", vintage=2025).set_index("code")["name"].astype(str)
    lan_names = registry("lan", vintage=2025).set_index("code")["name"].astype(str)
    seg = inp.segregation
    if inp.areas is not None:
        regso = regso_frame(inp.areas, site["vintage"], site["year"])
        ktot = totals(inp.areas, regso, "kommun", per=per, confidence_level=cl)
        ltot = totals(inp.areas, regso, "lan", per=per, confidence_level=cl)
        ktype = group_rates(regso, ["kommun", "omradestyp", "period"], per=per, confidence_level=cl)
        ltype = group_rates(regso, ["lan", "omradestyp", "period"], per=per, confidence_level=cl)
        all_regso = registry("regso", vintage=site["vintage"])
        all_regso = all_regso[all_regso["kommun"].isin(set(regso["kommun"]))]
        all_regso = regso_frame(pd.DataFrame({"area": all_regso["code"].astype(str), "level": "regso"}),
                                site["vintage"], site["year"])
        kommuner = sorted(set(regso["kommun"]) | set(ktot["kommun"]) | (set(seg["kommun"]) if seg is not None else set()))
        data["regso_latest"] = regso[regso["period"] == latest].reset_index(drop=True)
    else:
        regso = ktot = ltot = ktype = ltype = all_regso = None  # type: ignore[assignment]
        kommuner = sorted(set(seg["kommun"])) if seg is not None else []
    lan_of = {k: k[:2] for k in kommuner}
    lans = sorted(set(lan_of.values()))
    kl = pd.DataFrame({"kommun": kommuner, "name": [kommun_names.get(k, k) for k in kommuner]})
    if ktot is not None:
        last = ktot[ktot["period"] == latest].set_index("kommun")
        for c in ("rate", "lower", "upper"):
            kl[c] = kl["kommun"].map(last[c]).astype(float)
        kl["suppressed"] = kl["rate"].isna()
        data["kommun_latest"] = kl
    t = TEXT[site["lang"]]
    parts = [_split(f, "kommun") for f in (regso, ktot, ktype, all_regso, seg)]
    for k in kommuner:
        r, kt, kty, ar, sg = (None if f is None else part.get(k, f.iloc[:0])
                              for f, part in zip((regso, ktot, ktype, all_regso, seg), parts))
        _kommun_page(work, k, kommun_names.get(k, k), lan_names.get(k[:2], k[:2]), site, geo, r, kt, ltot, kty, ar,
                     sg, wh, kl)
    for code in lans:
        _lan_page(work, code, lan_names.get(code, code), site, geo, ltot, ltype, wh,
                  kl[kl["kommun"].str[:2] == code])
    _index_page(work, "kommun/index.html", t["kommuner"], {f"{k} {kommun_names.get(k, k)}": f"{k}.html"
                                                          for k in kommuner}, site)
    _index_page(work, "lan/index.html", t["lan"], {f"{c} {lan_names.get(c, c)}": f"{c}.html" for c in lans}, site)
    _compare_page(work, site, kl, ltot, lan_names, wh)
    return data


def _split(frame: pd.DataFrame | None, key: str) -> dict[str, pd.DataFrame]:
    """The rows of each kommun, split once (a page per kommun would otherwise scan the whole frame)."""
    return {} if frame is None else {str(k): g for k, g in frame.groupby(key, sort=False)}


def _series(frame: pd.DataFrame | None, key: str, code: str, periods: list[str]) -> pd.DataFrame:
    """rate, lower, upper of one area in every period (NaN where missing); key "" takes every row of frame."""
    found: dict[str, tuple] = {}
    if frame is not None:
        part = frame if key == "" else frame[frame[key] == code]
        for row in zip(part["period"].tolist(), part["rate"].tolist(), part["lower"].tolist(), part["upper"].tolist()):
            found.setdefault(str(row[0]), row[1:])
    rows = [found.get(p, (np.nan, np.nan, np.nan)) for p in periods]
    return pd.DataFrame({"period": periods, "rate": [float(r[0]) for r in rows], "lower": [float(r[1]) for r in rows],
                         "upper": [float(r[2]) for r in rows]})


def _kommun_page(work: Path, code: str, name: str, lan_name: str, site: dict, geo: Geometry, regso: Any,
                 ktot: Any, ltot: Any, ktype: Any, all_regso: Any, seg: Any, wh: pd.DataFrame,
                 kl: pd.DataFrame) -> None:
    t, lang, latest = TEXT[site["lang"]], site["lang"], site["periods"][-1]
    p = Page(f"kommun/{code}.html", t["kommun_page"].format(name=name), site=site)
    p.add(f'<p class="note">{html.escape(t["code"])}: {code}. {html.escape(t["lan"])}: '
          f'<a href="../lan/{code[:2]}.html">{html.escape(lan_name)}</a>.</p>')
    stem = f"data/kommun/{code}"
    if regso is not None:
        rows = regso[regso["period"] == latest]  # the kommun's own rows (split by area_pages)
        csv = write_csv(rows.drop(columns=["level"]), work, f"{stem}_regso.csv")
        drawn = regso_maps(p, geo, rows, site, csv, regso_table(rows, site), by_value=True)
        if not drawn:
            kommun_map(p, geo, kl[kl["kommun"].str[:2] == code[:2]], site, None,
                       kommun_table(kl[kl["kommun"].str[:2] == code[:2]], site), highlight=code)
            p.paragraph(t["no_map"], "note")
        # the kommun's RegSO over the types (every RegSO of the kommun in the registry)
        counts = all_regso["omradestyp"].value_counts(dropna=False)
        labels = [type_label(k, lang) for k in range(1, 6)]
        n = [float(counts.get(float(k), 0)) for k in range(1, 6)]
        what = t["regso_per_type"]
        table = pd.DataFrame({t["type"]: labels, t["n_regso"]: n})
        table.attrs["lang"] = lang
        fig = bars_figure(labels, n, title=what, x_title=t["type"], y_title=t["n_regso"],
                          colours=[TYPE_COLOURS[k] for k in range(1, 6)])
        p.heading(what)
        src = ("SCB, områdestyp " if lang == "sv" else "Statistics Sweden, områdestyp ") + str(site["year"])
        p.chart(fig, alt=t["alt_bars"].format(what=what, values="; ".join(f"{a}: {int(b)}" for a, b in zip(labels, n))),
                caption=f"{what}. {t['unit']}: {t['n_regso']}. {t['source']}: {src}.", table=table,
                csv=write_csv(table, work, f"{stem}_regso_per_type.csv"))
        # population share per type, latest period
        pop = rows.groupby("omradestyp")["population"].sum()
        share = [float(100 * pop.get(float(k), 0.0) / pop.sum()) if pop.sum() else np.nan for k in range(1, 6)]
        what = t["pop_share"].format(period=latest)
        table = pd.DataFrame({t["type"]: labels, t["population"]: [float(pop.get(float(k), 0.0)) for k in range(1, 6)],
                              t["share"]: share})
        table.attrs["lang"] = lang
        p.heading(what)
        p.chart(bars_figure(labels, share, title=what, x_title=t["type"], y_title=t["share"],
                            colours=[TYPE_COLOURS[k] for k in range(1, 6)]),
                alt=t["alt_bars"].format(what=what, values="; ".join(f"{a}: {fmt(b, lang)} %" for a, b in
                                                                   zip(labels, share))),
                caption=f"{what}. {t['unit']}: %. {t['source']}: {site['source']}.", table=table,
                csv=write_csv(table, work, f"{stem}_population_share.csv"))
        # the indicator by type, latest period
        _by_type_chart(p, work, ktype[ktype["period"] == latest], labels, latest, site, stem,
                       note=" " + t["suppressed"] + ".")
    _segregation(p, work, code, seg, site, stem)
    # comparison: the kommun, its län and the whole area over time
    p.heading(t["comparison"].format(name=name))
    ks = _series(ktot, "", code, site["periods"])  # ktot holds this kommun's rows only
    ls = _series(ltot, "lan", code[:2], site["periods"])
    ws = wh[["period", "rate", "lower", "upper"]]
    _comparison_chart(p, work, site, [(name, ks), (lan_name, ls), (t["all"], ws)], f"{stem}_comparison.csv", name)
    p.write(work)


def _segregation(p: Page, work: Path, code: str, seg: Any, site: dict, stem: str) -> None:
    t, lang = TEXT[site["lang"]], site["lang"]
    p.heading(t["segregation"])
    rows = seg[seg["kommun"] == code] if seg is not None else seg
    if rows is None or not len(rows):
        p.paragraph(t["no_seg"], "note")
        return
    names = rows["index"].astype(str).tolist()
    table = pd.DataFrame({t["name"]: names, t["estimate"]: rows["estimate"].to_numpy(float),
                          t["lower"]: rows["lower"].to_numpy(float), t["upper"]: rows["upper"].to_numpy(float)})
    table.attrs["lang"] = lang
    what = t["seg_note"].format(index=", ".join(names), level=fmt(100 * site["cl"], lang, 0))
    fig = bars_figure(names, rows["estimate"].tolist(), title=t["segregation"], x_title="", y_title=t["estimate"],
                      colours=["#12355b"] * len(rows), lower=rows["lower"].tolist(), upper=rows["upper"].tolist())
    p.chart(fig, alt=t["alt_bars"].format(what=t["segregation"], values="; ".join(
        f"{a}: {fmt(b, lang, 3)} ({fmt(c, lang, 3)}–{fmt(d, lang, 3)})" for a, b, c, d in
        zip(names, rows["estimate"], rows["lower"], rows["upper"]))),
        caption=f"{what} {t['unit']}: index 0–1. {t['source']}: {site['source']}.", table=table,
        csv=write_csv(rows, work, f"{stem}_segregation.csv"))


def _comparison_chart(p: Page, work: Path, site: dict, series: list[tuple[str, pd.DataFrame]], csv_name: str,
                      name: str) -> None:
    t, lang = TEXT[site["lang"]], site["lang"]
    items = [{"name": n, "x": s["period"].tolist(), "y": s["rate"].to_numpy(float),
              "lower": s["lower"].to_numpy(float), "upper": s["upper"].to_numpy(float)} for n, s in series]
    fig = lines_figure(items, title=t["comparison"].format(name=name), x_title=t["period"], y_title=site["unit"],
                       colours=["#a50026", "#313695", "#555555"])
    long = pd.DataFrame({"area": [n for n, s in series for _ in range(len(s))],
                         **{c: [v for _, s in series for v in s[c].tolist()] for c in ("period", "rate", "lower",
                                                                                     "upper")}})
    table = long.rename(columns={"area": t["name"], "period": t["period"], "rate": t["value"], "lower": t["lower"],
                                 "upper": t["upper"]})
    table.attrs["lang"] = lang
    alt = t["alt_compare"].format(name=name, values="; ".join(f"{n} {fmt(s['rate'].iloc[-1], lang)}"
                                                              for n, s in series))
    p.chart(fig, alt=alt, caption=caption(site, t["comparison"].format(name=name)) + " " + t["country_note"],
            table=table, csv=write_csv(long, work, csv_name))


def _lan_page(work: Path, code: str, name: str, site: dict, geo: Geometry, ltot: Any, ltype: Any, wh: pd.DataFrame,
              kl: pd.DataFrame) -> None:
    t, lang, latest = TEXT[site["lang"]], site["lang"], site["periods"][-1]
    p = Page(f"lan/{code}.html", t["lan_page"].format(name=name), site=site)
    stem = f"data/lan/{code}"
    if "rate" in kl.columns and len(kl):
        kommun_map(p, geo, kl, site, write_csv(kl, work, f"{stem}_kommuner.csv"), kommun_table(kl, site))
    p.heading(t["kommuner_in_lan"])
    p.add("<ul class='cols'>" + "".join(f'<li><a href="../kommun/{k}.html">{html.escape(n)}</a></li>'
                                        for k, n in zip(kl["kommun"], kl["name"])) + "</ul>")
    if ltype is not None:
        labels = [type_label(k, lang) for k in range(1, 6)]
        _by_type_chart(p, work, ltype[(ltype["lan"] == code) & (ltype["period"] == latest)], labels, latest, site,
                       stem)
    p.heading(t["comparison"].format(name=name))
    _comparison_chart(p, work, site, [(name, _series(ltot, "lan", code, site["periods"])),
                                      (t["all"], wh[["period", "rate", "lower", "upper"]])],
                      f"{stem}_comparison.csv", name)
    p.write(work)


def _index_page(work: Path, path: str, title: str, links: dict[str, str], site: dict) -> None:
    p = Page(path, title, site=site)
    p.add("<ul class='cols'>" + "".join(f'<li><a href="{href}">{html.escape(text)}</a></li>'
                                        for text, href in links.items()) + "</ul>")
    p.write(work)


def _compare_page(work: Path, site: dict, kl: pd.DataFrame, ltot: Any, lan_names: pd.Series,
                  wh: pd.DataFrame) -> None:
    t, lang, latest = TEXT[site["lang"]], site["lang"], site["periods"][-1]
    title = t["compare_title"].format(period=latest)
    p = Page("compare.html", t["compare"], site=site)
    if "rate" not in kl.columns or not len(kl):
        p.paragraph(t["no_map"], "note")
        p.write(work)
        return
    lan_last = ltot[ltot["period"] == latest].set_index("lan")["rate"] if ltot is not None else pd.Series(dtype=float)
    w = float(wh.loc[wh["period"] == latest, "rate"].iloc[0])
    frame = pd.DataFrame({"kommun": kl["kommun"], "name": kl["name"], "rate": kl["rate"], "lower": kl["lower"],
                          "upper": kl["upper"], "lan": kl["kommun"].str[:2],
                          "lan_rate": kl["kommun"].str[:2].map(lan_last).astype(float), "whole_rate": w})
    table = pd.DataFrame({t["code"]: frame["kommun"], t["name"]: frame["name"], t["value"]: frame["rate"],
                          t["lower"]: frame["lower"], t["upper"]: frame["upper"],
                          t["lan_total"]: frame["lan"].map(lambda c: lan_names.get(c, c)),
                          f"{t['lan_total']} ({t['value'].lower()})": frame["lan_rate"],
                          t["all"]: frame["whole_rate"]})
    table.attrs["lang"] = lang
    fig = bars_figure(frame["name"].tolist(), frame["rate"].tolist(), title=title, x_title=t["kommun_total"],
                      y_title=site["unit"], colours=["#313695"] * len(frame), lower=frame["lower"].tolist(),
                      upper=frame["upper"].tolist())
    fig["layout"]["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": w, "y1": w,
                                "line": {"color": "#a50026", "dash": "dash"}}]
    alt = t["alt_bars"].format(what=title, values="; ".join(f"{n} {fmt(v, lang)}" for n, v in
                                                            zip(frame["name"], frame["rate"])))
    p.chart(fig, alt=alt, caption=caption(site, title) + f" {t['all']}: {fmt(w, lang)} (---). " + t["country_note"],
            table=table, csv=write_csv(frame, work, "data/compare.csv"),
            table_frame=table)
    p.add(f"<p class='note'>{html.escape(t['kommuner'])}: " + ", ".join(
        f'<a href="kommun/{k}.html">{html.escape(n)}</a>' for k, n in zip(frame["kommun"], frame["name"])) + "</p>")
    p.write(work)


def _by_type_chart(p: Any, work: Path, rows: pd.DataFrame, labels: list[str], latest: Any, site: dict[str, Any],
                   stem: str, note: str = "") -> None:
    """The indicator by områdestyp in the latest period (kommun and län pages): bars with intervals, their table
    and CSV."""
    lang = site["lang"]
    t = TEXT[lang]
    by = rows.set_index("omradestyp")
    vals = [by["rate"].get(float(k), np.nan) for k in range(1, 6)]
    lo = [by["lower"].get(float(k), np.nan) for k in range(1, 6)]
    hi = [by["upper"].get(float(k), np.nan) for k in range(1, 6)]
    what = t["kommun_by_type"].format(indicator=site["indicator"], period=latest)
    table = pd.DataFrame({t["type"]: labels, t["value"]: vals, t["lower"]: lo, t["upper"]: hi})
    table.attrs["lang"] = lang
    p.heading(what)
    p.chart(bars_figure(labels, vals, title=what, x_title=t["type"], y_title=site["unit"],
                        colours=[TYPE_COLOURS[k] for k in range(1, 6)], lower=lo, upper=hi),
            alt=t["alt_bars"].format(what=what, values="; ".join(f"{a}: {fmt(b, lang)}" for a, b in
                                                               zip(labels, vals))),
            caption=caption(site, what) + note, table=table, csv=write_csv(table, work, f"{stem}_by_type.csv"))
