"""Rates with exact intervals, and direct and indirect age standardisation."""

from __future__ import annotations

import numbers
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validation import (check_choice, check_columns, check_counts, check_dataframe, check_not_greater,
                           column_list, examples)
from ..errors import InputTypeError, InputValueError
from . import _intervals

__all__ = ["rates", "standardize", "sweden_standard_population"]


def _check_level(level: float) -> float:
    # any real number: numpy scalars (np.float32, np.int64 ...) register as numbers.Real, so a level taken
    # from an array is accepted; bool is an int but never a confidence level
    if isinstance(level, (bool, np.bool_)) or not isinstance(level, numbers.Real) or not 0 < level < 1:
        raise InputValueError(f"level={level!r} must be a confidence level strictly between 0 and 1, e.g. 0.95 "
                              f"(not a percentage such as 95).")
    return float(level)


def _aggregate(data: pd.DataFrame, cols: list[str], by: list[str]) -> pd.DataFrame:
    for b in by:
        if data[b].isna().any():
            raise InputValueError(f"by column {b!r} is missing in rows {examples(data.index[data[b].isna()].tolist())}; "
                                  f"fill it first (no rows are dropped).")
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
    ci: Literal["exact", "wilson", "exact-binomial"] | None = "exact",
    level: float = 0.95,
) -> pd.DataFrame:
    """Rates per ``per`` persons with confidence intervals.

    Parameters
    ----------
    data : pandas.DataFrame
    events, population : str
        Columns of event counts and population (person-years or persons).
    by : str or list of str, optional
        Sum events and population within these groups first.
    per : float, default 1000
        Rates per this many persons.
    ci : {"exact", "wilson", "exact-binomial", None}, default "exact"
        ``"exact"``: Garwood's exact Poisson interval, for rates. For
        proportions (events are persons among the population, so
        events ≤ population): ``"wilson"`` (score interval) or
        ``"exact-binomial"`` (Clopper-Pearson).
    level : float, default 0.95

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
    check_choice("ci", ci, ("exact", "wilson", "exact-binomial", None))
    level = _check_level(level)
    check_counts(data, [events, population])
    if ci in ("wilson", "exact-binomial"):
        check_not_greater(data, events, population)
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
    elif ci == "exact":
        lo, hi = _intervals.poisson_exact(k, level)
        out["lower"], out["upper"], out["method"] = lo / n * per, hi / n * per, "exact Poisson (Garwood)"
    elif ci == "wilson":
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

    p = population("riket", by="age")
    return pd.Series(p["population"].to_numpy(), index=pd.Index(p["age"].astype(str), name="age"),
                     name="population")


def _standard(standard: Any) -> pd.Series:
    if isinstance(standard, str):
        check_choice("standard", standard, ("sweden2022",))
        return sweden_standard_population().astype(float)
    if isinstance(standard, pd.DataFrame):
        if standard.shape[1] != 1:
            raise InputTypeError("standard as a DataFrame must have one column (population per stratum).")
        standard = standard.iloc[:, 0]
    if not isinstance(standard, pd.Series):
        raise InputTypeError("standard must be 'sweden2022' or a Series of population indexed by stratum.")
    s = standard.astype(float)
    if s.isna().any() or (s < 0).any() or s.sum() <= 0:
        raise InputValueError("standard must hold non-negative population counts (no NaN) with a positive total.")
    if not s.index.is_unique:
        raise InputValueError(f"standard repeats strata: {examples(s.index[s.index.duplicated()].tolist())}.")
    return s


def standardize(
    data: pd.DataFrame,
    *,
    events: str,
    population: str,
    strata: str,
    by: str | list[str],
    standard: str | pd.Series = "sweden2022",
    method: Literal["direct", "indirect"] = "direct",
    per: float = 1000,
    level: float = 0.95,
) -> pd.DataFrame:
    """Direct or indirect standardisation by strata (usually age bands).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group and stratum (rows repeating a group and stratum are
        summed).
    events, population : str
        Count columns.
    strata : str
        Column of strata labels (for the bundled standard: SCB's bands
        ``"0-4 år"`` ... ``"80-år"``).
    by : str or list of str
        Groups to standardise (for example ``"omradestyp"``).
    standard : "sweden2022" or pandas.Series, default "sweden2022"
        ``direct``: the standard population by stratum (Sweden 2022-12-31 by
        default, see :func:`sweden_standard_population`). ``indirect``: the
        standard rates come from the data itself (all groups together) unless
        a Series of standard **rates per person** by stratum is given.
    method : {"direct", "indirect"}, default "direct"
    per : float, default 1000
    level : float, default 0.95

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
    :math:`\\operatorname{var} = \\sum_s (W_s/n_s)^2 d_s`.
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
    check_choice("method", method, ("direct", "indirect"))
    level = _check_level(level)
    check_counts(data, [events, population])
    if data[strata].isna().any():
        raise InputValueError(f"strata column {strata!r} is missing in rows "
                              f"{examples(data.index[data[strata].isna()].tolist())}.")
    cells = _aggregate(data.assign(**{strata: data[strata].astype(str)}), [events, population], [*by, strata])

    if method == "direct":
        std = _standard(standard)
        std.index = std.index.astype(str)
        unknown = sorted(set(cells[strata]) - set(std.index))
        if unknown:
            raise InputValueError(f"strata {examples(unknown)} are not in the standard population (strata: "
                                  f"{examples(std.index.tolist(), 17)}).")
        shares = std / std.sum()
        out_rows = []
        for key, g in cells.groupby(by, sort=True, observed=True):
            key = key if isinstance(key, tuple) else (key,)
            missing = sorted(set(std.index) - set(g[strata]))
            if missing:
                raise InputValueError(f"group {dict(zip(by, key))} has no rows for standard strata {examples(missing)}; "
                                      f"give every stratum (population 0 is not allowed either).")
            n = g[population].to_numpy(float)
            if (n == 0).any():
                raise InputValueError(f"group {dict(zip(by, key))} has zero population in strata "
                                      f"{examples(g.loc[n == 0, strata].tolist())}; the stratum rate is undefined.")
            d = g[events].to_numpy(float)
            w = shares.reindex(g[strata]).to_numpy() / n
            rate, var = float((w * d).sum()), float((w * w * d).sum())
            lo, hi = _intervals.gamma_fay_feuer(rate, var, w.max(), level)
            out_rows.append({**dict(zip(by, key)), "events": d.sum(), "population": n.sum(),
                             "crude_rate": d.sum() / n.sum() * per, "rate": rate * per,
                             "lower": float(lo) * per, "upper": float(hi) * per,
                             "method": "direct, gamma interval (Fay-Feuer)"})
        return pd.DataFrame(out_rows)

    # indirect
    if isinstance(standard, str) and standard == "sweden2022":
        tot = cells.groupby(strata)[[events, population]].sum()
        if (tot[population] == 0).any():
            raise InputValueError("a stratum has zero population over all groups; its standard rate is undefined.")
        lam = tot[events] / tot[population]
        source = "the data's own stratum rates"
    else:
        lam = _standard(standard)
        lam.index = lam.index.astype(str)
        source = "the given standard rates"
    unknown = sorted(set(cells[strata]) - set(lam.index))
    if unknown:
        raise InputValueError(f"strata {examples(unknown)} have no standard rate.")
    cells = cells.assign(expected=cells[population].to_numpy(float) * lam.reindex(cells[strata]).to_numpy())
    g = cells.groupby(by, sort=True, observed=True)[[events, population, "expected"]].sum().reset_index()
    o, e = g[events].to_numpy(float), g["expected"].to_numpy(float)
    if (e == 0).any():
        raise InputValueError(f"expected count is zero for {g.loc[e == 0, by].to_dict('records')}; SMR undefined.")
    lo, hi = _intervals.poisson_exact(o, level)
    return g.rename(columns={events: "events", population: "population"}).assign(
        smr=o / e, lower=lo / e, upper=hi / e, method=f"indirect (SMR), exact Poisson; standard: {source}")
