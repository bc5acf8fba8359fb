"""The barometer's inputs: plain, documented DataFrames, validated once, and the protected counts behind them.

``results`` is a mapping of these frames (see :func:`segstat.barometer.barometer`):

``panel`` (required)
    The indicator by områdestyp and period: ``omradestyp`` (1-5), ``period``, ``events``, ``population``,
    ``rate``, ``lower``, ``upper`` — what ``segstat.rates(..., by=["omradestyp", "period"])`` returns.
``gap`` (optional)
    The gap between the types by period: ``period``, ``estimate``, ``lower``, ``upper`` (and ``measure``);
    without it the barometer computes HEAT's difference D per period with :func:`segstat.disparity`.
``areas`` (optional, needs ``counts``)
    The indicator by area and period: ``area`` (RegSO, kommun or län codes, as text), ``period``,
    ``events``, ``population``, ``rate``, ``lower``, ``upper``, ``suppressed`` (bool; a suppressed row has
    no events, rate or interval). :func:`area_rates` builds it from protected counts.
``counts`` (required with ``areas``)
    The protected count table the ``areas`` events come from: a :class:`segstat.disclosure.protect.ProtectedTables`
    or its ``to_frame()`` (a frame with a ``status`` column). Every published events value of ``areas``
    must be a published cell of it; a count table without a status is refused as unprotected.
``segregation`` (optional)
    A segregation index per kommun with its interval: ``kommun``, ``estimate``, ``lower``, ``upper``
    (and ``index``), as :func:`segstat.dissimilarity` with ``by="kommun"`` returns.
``effects`` (optional)
    Any table with ``estimate``, ``lower``, ``upper`` and label columns (an effects table), shown as a table.
    The event-study table of :func:`segstat.effect` (``Effect.event_study``: ``event_time``, ``estimate``,
    ``lower``, ``upper``, ...) is also drawn as a chart. Its ``estimate`` is a rate ratio or a rate
    difference; which one is read, in this order, from a ``scale`` column (``"rate_ratio"`` or
    ``"rate_difference"``, as ``Effect.overall`` has), from ``attrs["segstat.effect"]["regression"]``
    (``"poisson"``: ratio, ``"linear"``: difference) and from the reference row (event time -1, fixed at
    no effect: estimate = lower = upper = 1 for a ratio, 0 for a difference, which a CSV keeps). Sources that
    disagree, or none, are an error. A difference is per ``attrs["segstat.effect"]["per"]``, else per the
    barometer's ``per``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ColumnError, DisclosureRiskError, InputTypeError, InputValueError

__all__ = ["Inputs", "area_rates", "validate"]

KEYS = ("panel", "gap", "areas", "counts", "segregation", "effects")
_COLUMNS = {
    "panel": ("omradestyp", "period", "events", "population", "rate", "lower", "upper"),
    "gap": ("period", "estimate", "lower", "upper"),
    "areas": ("area", "period", "events", "population", "rate", "lower", "upper", "suppressed"),
    "segregation": ("kommun", "estimate", "lower", "upper"),
    "effects": ("estimate", "lower", "upper"),
}
_LEVEL_OF_LENGTH = {2: "lan", 4: "kommun", 8: "regso"}


@dataclass(frozen=True)
class Inputs:
    """The validated inputs, with periods as text in their order."""

    panel: pd.DataFrame
    gap: pd.DataFrame | None
    areas: pd.DataFrame | None
    segregation: pd.DataFrame | None
    effects: pd.DataFrame | None
    periods: list[str]
    vintage: int | None
    #: "rate_ratio" or "rate_difference" when ``effects`` is an event-study table, else None; and its ``per``
    effect_scale: str | None = None
    effect_per: float | None = None


def _frame(key: str, value: Any) -> pd.DataFrame:
    if not isinstance(value, pd.DataFrame):
        raise InputTypeError(f"results[{key!r}] is a {type(value).__name__}; give a pandas DataFrame with the "
                             f"columns {list(_COLUMNS[key])}.")
    missing = [c for c in _COLUMNS[key] if c not in value.columns]
    if missing:
        raise ColumnError(f"results[{key!r}] lacks the columns {missing}; it has {list(value.columns)}. "
                          f"The barometer needs {list(_COLUMNS[key])} (see segstat.barometer's docstring).")
    return value.copy()


def _numbers(key: str, frame: pd.DataFrame, cols: tuple[str, ...], rows: pd.Series | None = None) -> None:
    for c in cols:
        vals = pd.to_numeric(frame[c], errors="coerce")
        bad = vals.isna() & frame[c].notna() if rows is None else vals.isna() & rows
        if bad.any():
            raise InputValueError(f"results[{key!r}][{c!r}] must be numbers; rows {frame.index[bad].tolist()[:5]} "
                                  f"hold {frame.loc[bad, c].tolist()[:5]}. Convert or fill them.")
        frame[c] = vals.astype(float)


def _period_order(values: pd.Series) -> list[Any]:
    return sorted(pd.unique(values).tolist(), key=lambda v: (str(type(v)), v))


def validate(results: Any) -> Inputs:
    """Check the results mapping and return the frames in the barometer's form."""
    if not isinstance(results, Mapping):
        raise InputTypeError(f"results is a {type(results).__name__}; give a dict of DataFrames with the keys "
                             f"{list(KEYS)} ('panel' required).")
    unknown = [k for k in results if k not in KEYS]
    if unknown:
        raise InputValueError(f"results has unknown keys {unknown}; the barometer reads {list(KEYS)}.")
    if "panel" not in results:
        raise InputValueError("results has no 'panel': give the indicator by områdestyp and period "
                              "(omradestyp, period, events, population, rate, lower, upper).")
    panel = _frame("panel", results["panel"])
    types = pd.to_numeric(panel["omradestyp"].astype("string").str.strip(), errors="coerce")
    if types.isna().any() or not types.isin([1, 2, 3, 4, 5]).all():
        bad = panel.loc[types.isna() | ~types.isin([1, 2, 3, 4, 5]), "omradestyp"].tolist()
        raise InputValueError(f"results['panel']['omradestyp'] holds {bad[:5]}; områdestyp is 1, 2, 3, 4 or 5.")
    panel["omradestyp"] = types.astype(int)
    _numbers("panel", panel, ("events", "population", "rate", "lower", "upper"))
    if panel[["omradestyp", "period"]].duplicated().any():
        dup = panel.loc[panel[["omradestyp", "period"]].duplicated(), ["omradestyp", "period"]].values.tolist()
        raise InputValueError(f"results['panel'] has several rows for (omradestyp, period) {dup[:3]}; give one "
                              f"row per type and period.")
    order = _period_order(panel["period"])
    periods = [str(p) for p in order]
    panel["period"] = panel["period"].map(str)
    panel = panel.sort_values(["period", "omradestyp"], key=lambda s: s.map(periods.index) if s.name == "period"
                              else s).reset_index(drop=True)

    gap = None
    if results.get("gap") is not None:
        gap = _frame("gap", results["gap"])
        _numbers("gap", gap, ("estimate", "lower", "upper"))
        gap["period"] = gap["period"].map(str)
        extra = sorted(set(gap["period"]) - set(periods))
        if extra:
            raise InputValueError(f"results['gap'] has periods {extra} that the panel lacks ({periods}).")

    areas, vintage = None, None
    if results.get("areas") is not None:
        if results.get("counts") is None:
            raise DisclosureRiskError("results['areas'] comes without results['counts']: the barometer publishes "
                                      "area figures only from protected counts. Protect the count table with "
                                      "segstat.protect(segstat.tabulate(...)) and pass it as results['counts'] "
                                      "(segstat.barometer.area_rates builds 'areas' from it).")
        areas = _areas(_frame("areas", results["areas"]), periods)
        vintage = results["areas"].attrs.get("segstat.vintage")
        _check_protected(areas, results["counts"])
    elif results.get("counts") is not None:
        raise InputValueError("results['counts'] is given without results['areas']; build the area rates with "
                              "segstat.barometer.area_rates(protected, population_table, area=..., period=...) and pass both.")

    seg = None
    if results.get("segregation") is not None:
        seg = _frame("segregation", results["segregation"])
        seg["kommun"] = seg["kommun"].astype("string")
        bad = seg.loc[seg["kommun"].str.len() != 4, "kommun"].tolist()
        if bad:
            raise InputValueError(f"results['segregation']['kommun'] holds {bad[:5]}; kommun codes have four "
                                  f"digits, as text ('0114').")
        _numbers("segregation", seg, ("estimate", "lower", "upper"))
        if "index" not in seg.columns:
            seg["index"] = "index"
    effects, scale, effect_per = None, None, None
    if results.get("effects") is not None:
        value = results["effects"]
        if not isinstance(value, pd.DataFrame) and isinstance(getattr(value, "event_study", None), pd.DataFrame):
            raise InputTypeError(f"results['effects'] is a {type(value).__name__}; give one of its tables, e.g. "
                                 f"results['effects'] = effect.event_study (drawn as an event-study chart).")
        effects = _frame("effects", value)
        if "event_time" in effects.columns:
            scale, effect_per = _event_study(effects)
    return Inputs(panel, gap, areas, seg, effects, periods, int(vintage) if vintage is not None else None,
                  scale, effect_per)


_SCALE_OF_REGRESSION = {"poisson": "rate_ratio", "linear": "rate_difference"}


def _event_study(eff: pd.DataFrame) -> tuple[str, float | None]:
    """Check an event-study table (segstat.effect's) and say whether its estimate is a rate ratio or a rate
    difference, and per how many (None: the barometer's ``per``). See the module docstring for the rule."""
    _numbers("effects", eff, ("event_time", "estimate", "lower", "upper"))
    times = pd.to_numeric(eff["event_time"], errors="coerce")
    if times.isna().any() or not np.allclose(times, np.round(times)):
        bad = eff.loc[times.isna() | (times != np.round(times)), "event_time"].tolist()
        raise InputValueError(f"results['effects']['event_time'] holds {bad[:5]}; event times are whole numbers of "
                              f"periods from the start (-1 the period before it), as segstat.effect gives them.")
    dup = times[times.duplicated()].tolist()
    if dup:
        raise InputValueError(f"results['effects'] has event times {sorted({int(v) for v in dup})[:5]} more than "
                              f"once; give one event-study table (one row per event time).")
    found: dict[str, str] = {}
    if "scale" in eff.columns:
        values = set(eff["scale"].dropna().astype(str))
        if len(values) != 1 or not values <= {"rate_ratio", "rate_difference"}:
            raise InputValueError(f"results['effects']['scale'] holds {sorted(values)}; give one of "
                                  f"'rate_ratio' or 'rate_difference' on every row.")
        found["the column 'scale'"] = values.pop()
    info = eff.attrs.get("segstat.effect") or {}
    if info.get("regression") in _SCALE_OF_REGRESSION:
        found["attrs['segstat.effect']['regression']"] = _SCALE_OF_REGRESSION[info["regression"]]
    ref = eff[times == -1]
    if len(ref):
        e, lo, hi = (float(pd.to_numeric(ref[c]).iloc[0]) for c in ("estimate", "lower", "upper"))
        if e == lo == hi and e in (0.0, 1.0):
            found["the reference row (event time -1)"] = "rate_ratio" if e == 1.0 else "rate_difference"
    if not found:
        raise InputValueError(
            "results['effects'] is an event-study table (it has 'event_time') but does not say whether 'estimate' "
            "is a rate ratio or a rate difference: add a column scale = 'rate_ratio' (regression='poisson') or "
            "'rate_difference' (regression='linear'), or pass segstat.effect's event_study with its attrs.")
    if len(set(found.values())) > 1:
        raise InputValueError(f"results['effects'] contradicts itself on its scale: "
                              f"{'; '.join(f'{k} says {v!r}' for k, v in found.items())}. Fix the one that is wrong.")
    scale = next(iter(found.values()))
    est = pd.to_numeric(eff["estimate"], errors="coerce")
    if scale == "rate_ratio" and (est <= 0).any():
        raise InputValueError(f"results['effects'] is a rate ratio but 'estimate' holds {est[est <= 0].tolist()[:5]}; "
                              f"a ratio is above 0. Is it a rate difference (scale='rate_difference')?")
    per = info.get("per")
    return scale, (float(per) if per is not None and scale == "rate_difference" else None)


def _areas(areas: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    if not pd.api.types.is_string_dtype(areas["area"]) and not pd.api.types.is_object_dtype(areas["area"]):
        raise InputTypeError(f"results['areas']['area'] has dtype {areas['area'].dtype}; area codes are text "
                             f"('0114R006', '0114', '01'), so leading zeros stay. Convert with .astype(str) from "
                             f"the codes as SCB writes them.")
    areas["area"] = areas["area"].astype(str)
    level = areas["area"].str.len().map(_LEVEL_OF_LENGTH)
    if level.isna().any():
        bad = areas.loc[level.isna(), "area"].unique().tolist()
        raise InputValueError(f"results['areas']['area'] holds {bad[:5]}: the barometer shows RegSO (8 "
                              f"characters, '1480R001'), kommun ('1480') and län ('14') codes.")
    areas["level"] = level
    sup = areas["suppressed"]
    if sup.isna().any() or not set(pd.unique(sup)) <= {True, False}:
        raise InputValueError("results['areas']['suppressed'] must be True or False in every row.")
    areas["suppressed"] = sup.astype(bool)
    _numbers("areas", areas, ("population",))
    _numbers("areas", areas, ("events", "rate", "lower", "upper"), rows=~areas["suppressed"])
    shown = areas["suppressed"] & areas[["events", "rate"]].notna().any(axis=1)
    if shown.any():
        raise DisclosureRiskError(f"results['areas'] rows {areas.index[shown].tolist()[:5]} are suppressed but "
                                  f"carry events or a rate; a suppressed row must hold none (NaN).")
    areas["period"] = areas["period"].map(str)
    extra = sorted(set(areas["period"]) - set(periods))
    if extra:
        raise InputValueError(f"results['areas'] has periods {extra} that the panel lacks ({periods}).")
    return areas.reset_index(drop=True)


def _counts_frame(counts: Any) -> pd.DataFrame:
    from ..disclosure.protect import ProtectedTables

    if isinstance(counts, ProtectedTables):
        return counts.to_frame()
    if isinstance(counts, pd.DataFrame):
        if "status" not in counts.columns:
            raise DisclosureRiskError("results['counts'] is a count table without a 'status' column: it has not "
                                      "been through disclosure control. Protect it with segstat.protect("
                                      "segstat.tabulate(records, by=[...])) and pass the ProtectedTables (or its "
                                      "to_frame()).")
        bad = sorted(set(counts["status"].astype(str)) - {"published", "primary", "secondary"})
        if bad:
            raise InputValueError(f"results['counts']['status'] holds {bad}; the protected table's statuses are "
                                  f"'published', 'primary' and 'secondary'.")
        return counts
    raise InputTypeError(f"results['counts'] is a {type(counts).__name__}; give segstat.protect's ProtectedTables.")


def _table_of(f: pd.DataFrame, column: str) -> pd.DataFrame:
    """Of linked tables (a ``table`` column), the rows of the table(s) with ``column``, without the others' columns."""
    if "table" not in f.columns:
        return f
    part = f[f[column].notna()]
    return part.drop(columns=[c for c in part.columns if part[c].isna().all() and c != "count"] + ["table"])


def _check_protected(areas: pd.DataFrame, counts: Any) -> None:
    """Every published events value of ``areas`` must be a published cell of the protected counts."""
    f = _counts_frame(counts)
    value = "count" if "count" in f.columns else "value" if "value" in f.columns else None
    if value is None or "period" not in f.columns:
        raise ColumnError(f"results['counts'] has the columns {list(f.columns)}; the barometer needs the protected "
                          f"table of events by area and 'period' (tabulate by=[area column, 'period']).")
    dims = [c for c in f.columns if c not in (value, "status", "rule", "table", "period")
            and not str(c).endswith("_level")]
    area_col = next((c for c in dims if f[c].astype(str).isin(areas["area"]).any()), None)
    if area_col is None:
        raise InputValueError(f"results['counts'] holds none of the areas of results['areas'] in its columns {dims}.")
    f = _table_of(f, area_col)
    dims = [c for c in f.columns if c not in (value, "status", "rule", "period") and not str(c).endswith("_level")]
    others = [c for c in dims if c != area_col]
    keep = np.ones(len(f), dtype=bool)
    for c in others:  # the other dimensions at their total: the cells of area x period
        keep &= (f[c].astype(str) == "Total").to_numpy()
    cells = f.loc[keep, [area_col, "period", value, "status"]].copy()
    cells["key"] = cells[area_col].astype(str) + "\x1f" + cells["period"].astype(str)
    cells = cells.drop_duplicates("key").set_index("key")
    published = areas[~areas["suppressed"]]
    keys = published["area"] + "\x1f" + published["period"]
    status = keys.map(cells["status"].astype(str))
    missing = keys[status.isna()]
    if len(missing):
        raise DisclosureRiskError(f"results['areas'] publishes {len(missing)} (area, period) values that the protected "
                                  f"counts do not hold, e.g. {missing.str.replace(chr(31), ', ').tolist()[:3]}; "
                                  f"every published area figure must be a published cell of results['counts'].")
    hidden = keys[status != "published"]
    if len(hidden):
        raise DisclosureRiskError(f"results['areas'] shows {len(hidden)} values that disclosure control suppressed, "
                                  f"e.g. {hidden.str.replace(chr(31), ', ').tolist()[:3]}; mark them suppressed=True "
                                  f"with NaN events and rate (segstat.barometer.area_rates does).")
    differ = published["events"].to_numpy() != pd.to_numeric(keys.map(cells[value]), errors="coerce").to_numpy(float)
    if differ.any():
        raise DisclosureRiskError(f"results['areas'] events differ from the protected counts in "
                                  f"{int(differ.sum())} rows, e.g. {published.loc[differ, 'area'].tolist()[:3]}; "
                                  f"build 'areas' from the protected table (segstat.barometer.area_rates).")


def area_rates(protected: Any, population_table: pd.DataFrame, *, area: str, period: str,
               per: float = 1000, confidence_level: float = 0.95) -> pd.DataFrame:
    """The barometer's ``areas`` frame from protected counts and the population behind them.

    Parameters
    ----------
    protected : ProtectedTables
        Events tabulated by ``[area, period]`` (with SCB's hierarchy: RegSO,
        kommun and län totals) and protected by :func:`segstat.protect`.
    population_table : pandas.DataFrame
        Columns ``area``, ``period`` and ``population`` (persons at risk) for
        every area and period of the counts, kommun and län totals included.
    area, period : str
        Column names in both.
    per : float, default 1000
    confidence_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        ``area``, ``period``, ``events``, ``population``, ``rate``, ``lower``,
        ``upper`` (Garwood's exact Poisson interval, :func:`segstat.rates`)
        and ``suppressed``; suppressed cells have NaN events, rate and interval.
    """
    from ..measures.rates import rates

    f = _counts_frame(protected)
    if area not in f.columns or period not in f.columns:
        raise ColumnError(f"counts has the columns {list(f.columns)}; area={area!r} and period={period!r} must be "
                          f"two of them.")
    for c in (area, period, "population"):
        if c not in population_table.columns:
            raise ColumnError(f"population_table lacks the column {c!r}; it has {list(population_table.columns)}.")
    value = "count" if "count" in f.columns else "value"
    f = _table_of(f, area)
    dims = [c for c in f.columns if c not in (value, "status", "rule", area, period)
            and not str(c).endswith("_level")]  # to_frame() keeps each dimension's level column
    keep = (f[area].astype(str) != "Total") & (f[period].astype(str) != "Total")
    for c in dims:
        keep &= f[c].astype(str) == "Total"
    cells = f.loc[keep, [area, period, value, "status"]].rename(columns={area: "area", period: "period",
                                                                       value: "events"})
    cells["area"] = cells["area"].astype(str)
    cells["period"] = cells["period"].astype(str)
    pop = population_table[[area, period, "population"]].rename(columns={area: "area", period: "period"})
    pop = pop.assign(area=pop["area"].astype(str), period=pop["period"].astype(str))
    pop = pop.groupby(["area", "period"], as_index=False)["population"].sum()
    out = cells.merge(pop, on=["area", "period"], how="left")
    lost = out["population"].isna()
    if lost.any():
        raise InputValueError(f"population_table lacks {int(lost.sum())} (area, period) cells of the counts, e.g. "
                              f"{out.loc[lost, ['area', 'period']].values.tolist()[:3]}; give the population of every "
                              f"area and period (kommun and län totals too).")
    out["suppressed"] = (out["status"].astype(str) != "published").to_numpy()
    ok = ~out["suppressed"] & (out["population"] > 0)
    r = rates(out[ok].assign(events=out.loc[ok, "events"].astype(int)), events="events", population="population",
              per=per, confidence_level=confidence_level, by=["area", "period"])
    out = out.drop(columns="status").merge(r[["area", "period", "rate", "lower", "upper"]], on=["area", "period"],
                                           how="left")
    out["events"] = pd.to_numeric(out["events"], errors="coerce").astype(float)
    out.loc[out["suppressed"], "events"] = np.nan
    out = out[["area", "period", "events", "population", "rate", "lower", "upper", "suppressed"]]
    vintage = getattr(protected, "tables", None)
    if vintage:
        v = vintage[0].cells.attrs.get("segstat.vintage")
        if isinstance(v, dict):
            v = v.get(area)
        if v is not None:
            out.attrs["segstat.vintage"] = int(v)
    return out.reset_index(drop=True)
