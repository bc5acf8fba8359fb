"""Rates with exact intervals, and direct and indirect age standardisation."""

from __future__ import annotations

import math
import numbers
import unicodedata
import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validation import (
    check_choice,
    check_columns,
    check_counts,
    check_dataframe,
    check_not_greater,
    column_list,
    examples,
    require_whole,
)
from ..errors import InputTypeError, InputValueError, SegstatWarning
from . import _intervals
from ._inputs import check_confidence_level
from ._split import check_by

__all__ = ["rates", "standardize", "sweden_standard_population"]


#: the largest ``per``: rates per a billion persons; beyond it the variances (rate x per) only overflow
MAX_PER = 1e9


def _check_per(per: Any) -> float:
    """``per``: a positive, finite real number up to :data:`MAX_PER` (rates per this many persons)."""
    if (isinstance(per, (bool, np.bool_)) or not isinstance(per, numbers.Real)
            or not (math.isfinite(per) and 0 < float(per) <= MAX_PER)):
        raise InputValueError(f"per={per!r} must be a positive number up to {MAX_PER:.0e}: rates are given per "
                              f"this many persons, e.g. per=1000 (per=1 for proportions).")
    return float(per)


def _whole_counts(data: pd.DataFrame, column: str, why: str, fix: str) -> None:
    """Refuse weighted counts in a column that an interval counts (events, or persons for proportions)."""
    require_whole(data, [column], f"{why}, so weighted counts would give an interval of the wrong width. {fix}")


def _labels(values: Any) -> list[str]:
    """Stratum labels as strings in one Unicode form (NFC): "80-år" typed on one system and read from a file
    written on another can differ in their bytes while looking the same."""
    return [unicodedata.normalize("NFC", str(v)) for v in values]


def _aggregate(data: pd.DataFrame, cols: list[str], by: list[str]) -> pd.DataFrame:
    """Sums of ``cols`` by ``by`` (checked by the caller: see :func:`._split.check_by`)."""
    if not by:
        return data[cols].sum().to_frame().T
    return data.groupby(by, sort=True, observed=True)[cols].sum().reset_index()


def rates(
    data: pd.DataFrame,
    *,
    events: str,
    population: str,
    by: str | list[str] | None = None,
    per: float = 1000,
    ci: Literal["analytic"] | None = "analytic",
    interval: Literal["exact-poisson", "wilson", "exact-binomial"] = "exact-poisson",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Rates per ``per`` persons with confidence intervals.

    Parameters
    ----------
    data : pandas.DataFrame
    events, population : str
        Columns of event counts and population (person-years or persons).
    by : str or list of str, optional
        Sum events and population within these groups first (not named like
        a result column).
    per : float, default 1000
        Rates per this many persons, a positive number.
    ci : {"analytic", None}, default "analytic"
        ``"analytic"``: intervals by the formula in ``interval``; ``None``
        gives the rates alone. Intervals count events (and, for proportions,
        persons), so they need whole counts: fractional (weighted) counts are
        refused, naming the rows.
    interval : {"exact-poisson", "wilson", "exact-binomial"}, default "exact-poisson"
        ``"exact-poisson"``: Garwood's exact Poisson interval, for rates. For
        proportions (events are persons among the population, so
        events ≤ population): ``"wilson"`` (score interval) or
        ``"exact-binomial"`` (Clopper-Pearson).
    confidence_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``events``, ``population``, ``rate``, ``lower``,
        ``upper``, ``method``.

    References
    ----------
    Garwood (1936) Biometrika 28:437; Wilson (1927) JASA 22:209; Clopper &
    Pearson (1934) Biometrika 26:404.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"typ": [1, 5], "cases": [10, 0], "pop": [1000, 2000]})
    >>> segstat.rates(d, events="cases", population="pop", by="typ").round(3)[["rate", "lower", "upper"]].values.tolist()
    [[10.0, 4.795, 18.39], [0.0, 0.0, 1.844]]
    """
    data = check_dataframe(data)
    by = column_list(by)
    check_columns(data, {"events": events, "population": population, "by": by})
    check_by(data, by, ("events", "population", "rate", "lower", "upper", "method"))
    check_choice("ci", ci, ("analytic", None))
    check_choice("interval", interval, ("exact-poisson", "wilson", "exact-binomial"))
    level = check_confidence_level(confidence_level)
    per = _check_per(per)
    check_counts(data, [events, population])
    if ci is not None:
        fix = "Pass the unweighted counts, or ci=None for the rates alone."
        _whole_counts(data, events, "the interval counts events", fix)
    if ci is not None and interval in ("wilson", "exact-binomial"):
        check_not_greater(data, events, population)
        _whole_counts(data, population, f"interval={interval!r} counts persons", fix)
    agg = _aggregate(data, [events, population], by)
    k, n = agg[events].to_numpy(float), agg[population].to_numpy(float)
    zero = n == 0
    if zero.any():
        where = agg.loc[zero, by].to_dict("records") if by else "the total"
        raise InputValueError(f"population is zero for {where}: the rate is undefined there. Remove or merge those groups.")
    out = agg.rename(columns={events: "events", population: "population"}).copy()
    out["rate"] = k / n * per
    if ci is None:
        out["lower"] = out["upper"] = np.nan
        out["method"] = "none"
    elif interval == "exact-poisson":
        lo, hi = _intervals.poisson_exact(k, level)
        out["lower"], out["upper"], out["method"] = lo / n * per, hi / n * per, "exact Poisson (Garwood)"
    elif interval == "wilson":
        lo, hi = _intervals.wilson(k, n, level)
        out["lower"], out["upper"], out["method"] = lo * per, hi * per, "Wilson score"
    else:
        lo, hi = _intervals.binomial_exact(k, n, level)
        out["lower"], out["upper"], out["method"] = lo * per, hi * per, "exact binomial (Clopper-Pearson)"
    return out


def sweden_standard_population() -> pd.Series:
    """Sweden's population on 2022-12-31 by SCB's 17 five-year age bands (SCB, CC0).

    The sum over all DeSO of the bundled table; total 10,521,556.

    Examples
    --------
    >>> import segstat
    >>> s = segstat.sweden_standard_population()
    >>> int(s.sum()), s.index[0], s.index[-1]
    (10521556, '0-4 år', '80-år')
    """
    from ..datasets import population

    p = population("riket", by="age", vintage=2018)
    return pd.Series(p["population"].to_numpy(), index=pd.Index(p["age"].astype(str), name="age"),
                     name="population")


def _standard(standard: Any, kind: str) -> pd.Series:
    """The standard by stratum as a float Series with NFC string labels. ``kind``: "population" (direct) or
    "rates" (indirect: rates per person), for the messages."""
    what = "population by stratum" if kind == "population" else "rates per person by stratum"
    if isinstance(standard, str):
        check_choice("standard", standard, ("sweden2022",))
        s = sweden_standard_population().astype(float)
        return s.set_axis(_labels(s.index))
    if isinstance(standard, dict):
        standard = pd.Series(standard)
    if isinstance(standard, pd.DataFrame):
        if standard.shape[1] != 1:
            column = "population" if kind == "population" else "rate"
            raise InputTypeError(f"standard as a DataFrame must have one column ({what}), indexed by stratum; this "
                                 f"one has {standard.shape[1]} columns ({examples(standard.columns)}): use e.g. "
                                 f"standard=df.set_index('age')['{column}'].")
        standard = standard.iloc[:, 0]
    if not isinstance(standard, pd.Series):
        raise InputTypeError(f"standard must be a Series of {what} (or a dict stratum -> value), got "
                             f"{type(standard).__name__}: wrap the values as pd.Series(values, index=strata).")
    try:
        v = pd.to_numeric(standard, errors="raise").astype(float)
    except (TypeError, ValueError) as err:
        raise InputTypeError(f"standard must hold numbers ({what}); got dtype {standard.dtype} ({err}).") from None
    bad = v.isna().to_numpy() | ~np.isfinite(v.to_numpy()) | (v.to_numpy() < 0)
    if bad.any() or not v.sum() > 0:
        where = examples(v.index[bad].tolist()) if bad.any() else "none, but the total is 0"
        raise InputValueError(f"standard must hold non-negative, finite {what} with a positive total; "
                              f"strata with NaN, infinite or negative values: {where}.")
    v.index = _labels(v.index)
    if not v.index.is_unique:
        raise InputValueError(f"standard repeats strata: {examples(v.index[v.index.duplicated()].tolist())}.")
    return v


def standardize(
    data: pd.DataFrame,
    *,
    events: str,
    population: str,
    strata: str,
    by: str | list[str],
    standard: str | pd.Series | dict | None = None,
    method: Literal["direct", "indirect"] = "direct",
    per: float = 1000,
    ci: Literal["analytic"] | None = "analytic",
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Direct or indirect standardisation by strata (usually age bands).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group and stratum (rows repeating a group and stratum are
        summed).
    events, population : str
        Count columns. With ``ci="analytic"`` events must be whole counts (the
        intervals count them); fractional (weighted) counts are refused,
        naming the rows.
    strata : str
        Column of strata labels (for the bundled standard: SCB's bands
        ``"0-4 år"`` ... ``"80-år"``). Labels are compared as text in one
        Unicode form, so "år" from files written on different systems match.
    by : str or list of str
        Groups to standardise (for example ``"omradestyp"``); not ``strata``
        and not the name of a result column.
    standard : "sweden2022", Series, dict or None, default None
        ``direct``: the standard **population** by stratum; None or
        ``"sweden2022"`` is Sweden 2022-12-31 (see
        :func:`sweden_standard_population`). Every stratum with a positive
        standard population must be in every group, with population > 0;
        data that cover only some bands (ages 25-64) standardise to those
        bands of the standard, e.g.
        ``segstat.sweden_standard_population().loc[["25-29 år", ...]]``.
        ``indirect``: standard **rates per person** by stratum; None takes
        the data's own stratum rates (all groups together). ``"sweden2022"``
        (a population) is refused here, and rates above 1 per person get a
        warning (rates per 1000, or a population, passed by mistake).
    method : {"direct", "indirect"}, default "direct"
    per : float, default 1000
        A positive number.
    ci : {"analytic", None}, default "analytic"
        ``"analytic"``: Fay-Feuer gamma intervals (direct) or exact Poisson
        intervals of the SMR (indirect); ``None`` gives the standardised
        rates or SMR without intervals (for weighted counts).
    confidence_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        ``direct``: ``by`` columns, events, population, ``crude_rate``,
        ``rate`` (standardised), ``lower``, ``upper`` (Fay-Feuer gamma),
        ``method``. ``indirect``: events (observed), ``expected``, ``smr``,
        ``lower``, ``upper`` (exact Poisson on observed), ``method``.

    Notes
    -----
    Direct: :math:`R^{dir} = \\sum_s W_s d_s / n_s` with standard shares
    :math:`W_s`; interval by Fay & Feuer's gamma method with
    :math:`\\operatorname{var} = \\sum_s (W_s/n_s)^2 d_s`. Strata with a
    standard weight of 0 add nothing to the rate; they still count in the
    crude rate.
    Indirect: :math:`E = \\sum_s n_s \\lambda_s`, SMR = :math:`O/E`, interval
    :math:`[L(O)/E, U(O)/E]` with :math:`L, U` Garwood's limits.

    References
    ----------
    Fay, M. P. & Feuer, E. J. (1997). Statistics in Medicine 16, 791-801.
    Breslow, N. E. & Day, N. E. (1987). Statistical Methods in Cancer Research
    II, IARC.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"g": ["a", "a", "b", "b"], "age": ["young", "old"] * 2,
    ...                   "e": [1, 10, 2, 5], "n": [100, 100, 100, 50]})
    >>> std = pd.Series({"young": 1.0, "old": 1.0})
    >>> segstat.standardize(d, events="e", population="n", strata="age", by="g", standard=std, per=100)["rate"].round(6).tolist()
    [5.5, 6.0]
    """
    data = check_dataframe(data)
    by = column_list(by)
    if not by:
        raise InputValueError("by is empty; name the column(s) of the groups to standardise.")
    check_columns(data, {"events": events, "population": population, "strata": strata, "by": by})
    if strata in by:
        raise InputValueError(f"strata={strata!r} is also a by column; the groups (by) must be other columns.")
    check_by(data, by, ("events", "population", "crude_rate", "rate", "expected", "smr", "lower", "upper",
                        "method"))
    check_choice("method", method, ("direct", "indirect"))
    check_choice("ci", ci, ("analytic", None))
    level = check_confidence_level(confidence_level)
    per = _check_per(per)
    check_counts(data, [events, population])
    has_ci = ci is not None
    if has_ci:
        _whole_counts(data, events, "the interval counts events",
                       "Pass the unweighted event counts, or ci=None for the standardised values alone.")
    if data[strata].isna().any():
        raise InputValueError(f"strata column {strata!r} is missing in rows "
                              f"{examples(data.index[data[strata].isna()].tolist())}.")
    cells = _aggregate(data.assign(**{strata: _labels(data[strata])}), [events, population], [*by, strata])
    if method == "direct":
        bundled = standard is None or isinstance(standard, str)
        std = _standard("sweden2022" if standard is None else standard, "population")
        return _direct(cells, std, bundled, events, population, strata, by, per, level, has_ci)
    return _indirect(cells, standard, events, population, strata, by, level, has_ci)


def _direct(cells: pd.DataFrame, std: pd.Series, bundled: bool, events: str, population: str, strata: str,
            by: list, per: float, level: float, ci: bool) -> pd.DataFrame:
    unknown = sorted(set(cells[strata]) - set(std.index))
    if unknown:
        raise InputValueError(f"strata {examples(unknown)} are not in the standard population (strata: "
                              f"{examples(std.index.tolist(), 17)}).")
    shares = std / std.sum()
    used = shares[shares > 0]  # a stratum the standard gives no weight need not be in the data
    in_data = set(cells[strata])
    out_rows = []
    for key, g in cells.groupby(by, sort=True, observed=True):
        key = key if isinstance(key, tuple) else (key,)
        group = dict(zip(by, key))
        present = set(g[strata])
        missing = [s for s in used.index if s not in present]
        if missing:
            have = [s for s in std.index if s in in_data]
            subset = ("segstat.sweden_standard_population()" if bundled else "standard") + f".loc[{have!r}]"
            raise InputValueError(
                f"group {group} has no rows for strata {examples(missing)} of the standard. Give every stratum of "
                f"the standard (with population > 0), or standardise to the strata the data has: "
                f"standard={subset}.")
        weighted = g[g[strata].isin(used.index)]
        n = weighted[population].to_numpy(float)
        if (n == 0).any():
            raise InputValueError(f"group {group} has zero population in strata "
                                  f"{examples(weighted.loc[n == 0, strata].tolist())}; the stratum rate is undefined "
                                  f"(merge the band with a neighbour, or give it no weight in the standard).")
        d = weighted[events].to_numpy(float)
        w = used.reindex(weighted[strata]).to_numpy() / n
        rate, var = float((w * d).sum()), float((w * w * d).sum())
        lo, hi = _intervals.gamma_fay_feuer(rate, var, w.max(), level) if ci else (np.nan, np.nan)
        events_all, population_all = g[events].sum(), g[population].sum()
        out_rows.append({**group, "events": events_all, "population": population_all,
                         "crude_rate": events_all / population_all * per, "rate": rate * per,
                         "lower": float(lo) * per, "upper": float(hi) * per,
                         "method": "direct, gamma interval (Fay-Feuer)" if ci else "direct, no interval"})
    return pd.DataFrame(out_rows)


def _indirect(cells: pd.DataFrame, standard: Any, events: str, population: str, strata: str, by: list,
              level: float, ci: bool) -> pd.DataFrame:
    empty = (cells[population] == 0) & (cells[events] > 0)
    if empty.any():
        raise InputValueError(f"events without population in {cells.loc[empty, [*by, strata]].to_dict('records')[:5]}: "
                              f"their expected count is 0, so they would only raise the SMR. Correct the population "
                              f"(or the events) of those cells.")
    if standard is None:
        tot = cells.groupby(strata)[[events, population]].sum()
        if (tot[population] == 0).any():
            raise InputValueError(f"strata {examples(tot.index[tot[population] == 0].tolist())} have zero population "
                                  f"over all groups; their standard rate is undefined.")
        lam = tot[events] / tot[population]
        source = "the data's own stratum rates"
    elif isinstance(standard, str):
        raise InputValueError(f"standard={standard!r} is a population, for method='direct'; indirect "
                              f"standardisation takes standard rates per person by stratum (a Series), or "
                              f"standard=None for the data's own stratum rates.")
    else:
        lam = _standard(standard, "rates")
        high = lam > 1
        if high.any():
            warnings.warn(f"standard rates above 1 per person in strata {examples(lam.index[high].tolist())} "
                          f"(e.g. {lam[high].iloc[0]:g}): method='indirect' takes rates per person, not per 1000 "
                          f"and not a population (fine for events that repeat, such as visits per person-year).",
                          SegstatWarning, stacklevel=3)
        source = "the given standard rates"
    unknown = sorted(set(cells[strata]) - set(lam.index))
    if unknown:
        raise InputValueError(f"strata {examples(unknown)} have no standard rate (the standard has strata "
                              f"{examples(lam.index.tolist(), 17)}).")
    cells = cells.assign(expected=cells[population].to_numpy(float) * lam.reindex(cells[strata]).to_numpy())
    g = cells.groupby(by, sort=True, observed=True)[[events, population, "expected"]].sum().reset_index()
    o, e = g[events].to_numpy(float), g["expected"].to_numpy(float)
    if (e == 0).any():
        raise InputValueError(f"expected count is zero for {g.loc[e == 0, by].to_dict('records')}; SMR undefined.")
    lo, hi = _intervals.poisson_exact(o, level) if ci else (np.full(len(o), np.nan), np.full(len(o), np.nan))
    interval = "exact Poisson" if ci else "no interval"
    return g.rename(columns={events: "events", population: "population"}).assign(
        smr=o / e, lower=lo / e, upper=hi / e, method=f"indirect (SMR), {interval}; standard: {source}")
