"""The effects on the start page: segstat.effect's event-study table as a chart over event time, any other effects
table as a table."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._figures import event_study_figure
from ._html import Page, table_html, write_csv
from ._text import EFFECT_TEXT, TEXT, caption, fmt

__all__ = ["effects_section"]

#: decimals in the data table and the text alternative: a ratio needs three (0.982), a difference per 1 000 two
_DIGITS = {"rate_ratio": 3, "rate_difference": 2}


def effects_section(p: Page, work: Path, inp: Any, site: dict[str, Any]) -> None:
    """The effects heading, then the event-study chart with its table and CSV, or the table alone."""
    t = TEXT[site["lang"]]
    p.heading(t["effects"])
    if inp.effect_scale is None:
        eff = inp.effects.copy()
        eff.attrs["lang"] = site["lang"]
        p.add(table_html(eff))
        p.add(f'<p class="note">{html.escape(caption(site, t["effects"]))} '
              f'<a href="data/effects.csv" download>{html.escape(t["download"])}</a></p>')
        write_csv(eff, work, "data/effects.csv")
        return
    _event_study(p, work, inp.effects, inp.effect_scale, inp.effect_per, site)


def _time_word(periods: list[str]) -> str:
    """"year" when the site's periods are years (2019, 2020, ...), else "period"."""
    return "year" if periods and all(re.fullmatch(r"(19|20)\d\d", str(p)) for p in periods) else "period"


def _event_study(p: Page, work: Path, eff: pd.DataFrame, scale: str, per: float | None, site: dict[str, Any]) -> None:
    lang = site["lang"]
    t, e = TEXT[lang], EFFECT_TEXT[lang]
    w = e[_time_word(site["periods"])]
    rows = eff.assign(_t=pd.to_numeric(eff["event_time"])).sort_values("_t", kind="stable")
    times = rows["_t"].to_numpy(float).round().astype(int)
    est, lo, hi = (pd.to_numeric(rows[c], errors="coerce").to_numpy(float) for c in ("estimate", "lower", "upper"))
    info = eff.attrs.get("segstat.effect") or {}
    level = float(info.get("confidence_level", site["cl"]))
    digits = _DIGITS[scale]
    if scale == "rate_ratio":
        reference, y_title, unit = 1.0, e["ratio"], e["ratio_unit"]
    else:
        amount = f"per {fmt(per if per is not None else site['per'], lang, 0)}"
        unit_text = amount + (f" {site['denominator']}" if site.get("denominator") else "")
        reference, y_title, unit = 0.0, e["difference"].format(unit=unit_text), e["difference_unit"].format(
            unit=unit_text)
    fig = event_study_figure(times, est, lo, hi, reference=reference, title=w["title"], x_title=w["x"],
                             y_title=y_title, names=(e["before"], w["reference"], e["after"]),
                             no_effect=e["no_effect"], start=e["start"])

    def listed(mask: np.ndarray) -> str:
        return "; ".join(f"{fmt(k, lang, 0)}: {fmt(v, lang, digits)} " + (
            f"({e['reference']})" if k == -1 else f"({fmt(a, lang, digits)} {e['to']} {fmt(b, lang, digits)})")
            for k, v, a, b in zip(times[mask], est[mask], lo[mask], hi[mask])) or ".."

    alt = e["alt"].format(title=w["title"], scale=unit, before=listed(times < 0), after=listed(times >= 0))
    names = {"event_time": w["x"], "estimate": t["estimate"], "lower": t["lower"], "upper": t["upper"],
             "std_error": e["std_error"], "p_value": e["p_value"], "cells": e["cells"], "scale": e["scale"]}
    data = rows.drop(columns="_t").assign(event_time=[int(k) for k in times])  # whole periods, as int
    table = data.rename(columns=names)
    table.attrs = {"lang": lang, "digits": digits}
    pct = fmt(100 * level, lang, 0 if float(100 * level).is_integer() else 1)
    what = (f"{w['title']}, {t['interval'].format(level=pct)}. {t['unit']}: {unit}. {t['source']}: "
            f"{site['source']}. " + e["note"].format(reference=w["reference"].split(" (")[0]))
    p.chart(fig, alt=alt, caption=what, table=table, csv=write_csv(data, work, "data/effects.csv"))
