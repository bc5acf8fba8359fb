"""SCB's socioeconomic index and the classification of areas into områdestyper from it.

The index is the mean of three percentages with equal weights; a RegSO's type depends on how many
standard deviations its index lies from the mean of that year (see :mod:`segstat.classify` for the
definitions and sources).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._validation import check_choice, check_columns, check_dataframe, check_scalar, examples
from .classify import _TYPES
from .errors import InputTypeError, InputValueError
from .geography.codes import _as_series

__all__ = ["ClassifiedAreas", "classify_areas", "socioeconomic_index"]


def socioeconomic_index(
    data: pd.DataFrame,
    *,
    low_economic_standard: str,
    low_education: str,
    assistance_or_unemployment: str,
    unit: Literal["percent", "proportion"],
    check_range: bool = True,
) -> pd.Series:
    """SCB's socioeconomic index: the mean of three percentages with equal weights.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per area.
    low_economic_standard : str
        Column with V1, the share of all persons with low economic standard
        (household disposable income per consumption unit below 60 % of the
        national median).
    low_education : str
        Column with V2, the share of persons aged 20-64 whose highest
        education is förgymnasial.
    assistance_or_unemployment : str
        Column with V3, the share of persons aged 20-64 with ekonomiskt
        bistånd at least 10 months and/or unemployed more than 6 months.
    unit : {"percent", "proportion"}
        The unit of the three columns, declared by the caller; it is never
        guessed. Percentages lie in [0, 100], proportions in [0, 1].
    check_range : bool, default True
        With ``unit="percent"``, refuse data where every value is at most 1
        (almost certainly proportions). Turn off only for genuinely tiny
        percentages.

    Returns
    -------
    pandas.Series
        The index in percent (SCB's scale), aligned with ``data``, named
        ``socioeconomic_index``.

    Notes
    -----
    :math:`I = (V_1 + V_2 + V_3) / 3`, each :math:`V` in percent. Higher values
    mean weaker socioeconomic conditions.

    References
    ----------
    SCB, "Indelning i områdestyper efter socioekonomiskt index" (2025-01-13):
    the three indicators and their equal weights; Statistikdatabasen table
    000005QX, footnote (updated 2025-01-31): the types.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"v1": [30.0, 6.0], "v2": [24.0, 9.0], "v3": [18.0, 3.0]})
    >>> segstat.socioeconomic_index(d, low_economic_standard="v1", low_education="v2",
    ...                             assistance_or_unemployment="v3", unit="percent").tolist()
    [24.0, 6.0]
    """
    data = check_dataframe(data)
    cols = {"low_economic_standard": low_economic_standard, "low_education": low_education,
            "assistance_or_unemployment": assistance_or_unemployment}
    check_columns(data, cols)
    check_choice("unit", unit, ("percent", "proportion"))
    top = 100.0 if unit == "percent" else 1.0
    values = {}
    for keyword, col in cols.items():
        s = data[col]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            raise InputTypeError(f"{keyword}={col!r} must hold numbers, got dtype {s.dtype}; convert it with "
                                 f"pandas.to_numeric(data[{col!r}]).")
        v = s.to_numpy(dtype=float, na_value=np.nan)
        nan = np.isnan(v)
        if nan.any():
            raise InputValueError(
                f"{keyword}={col!r} is missing (NaN) in rows {examples(data.index[nan].tolist())}. The index is "
                f"undefined there; fill the indicator or remove those areas explicitly."
            )
        out_of_range = (v < 0) | (v > top)
        if out_of_range.any():
            hint = " Did you mean unit='percent'?" if unit == "proportion" and (v <= 100).all() else ""
            raise InputValueError(
                f"{keyword}={col!r} has values outside [0, {top:g}] for unit={unit!r} in rows "
                f"{examples(data.index[out_of_range].tolist())} (e.g. {v[out_of_range][0]:g}).{hint}"
            )
        values[keyword] = v
    if unit == "percent" and check_range:
        small = [k for k, v in values.items() if (v <= 1).all()]
        if len(small) == len(values):
            raise InputValueError(
                "unit='percent' but every indicator value is at most 1: these look like proportions. Pass "
                "unit='proportion', or check_range=False if they really are percentages below 1."
            )
        if small:  # one column in proportions beside others in percent
            top = max(float(v.max()) for k, v in values.items() if k not in small)
            raise InputValueError(
                f"{', '.join(f'{k}={cols[k]!r}' for k in small)} is at most 1 everywhere while the other "
                f"indicator(s) reach {top:g}: it looks like a proportion among percentages. Multiply it by 100, "
                f"or pass check_range=False if it really is a percentage below 1."
            )
    scale = 1.0 if unit == "percent" else 100.0
    index = (values["low_economic_standard"] + values["low_education"] + values["assistance_or_unemployment"]) / 3
    return pd.Series(index * scale, index=data.index, name="socioeconomic_index")


# ---------------------------------------------------------------- classification

@dataclass(frozen=True)
class ClassifiedAreas:
    """Områdestyper computed from index values.

    Attributes
    ----------
    types : pandas.Series
        Ordered categorical 1-5 aligned with the index values.
    index : pandas.Series
        The index values classified.
    mean, std : float
        μ and σ used for the breaks.
    breaks : dict
        ``{"mu+2sd": ..., "mu+sd": ..., "mu": ..., "mu-sd": ...}``.
    weighted : bool
        Whether μ and σ were weighted.
    ddof : int
        Delta degrees of freedom of σ.
    """

    types: pd.Series
    index: pd.Series
    mean: float
    std: float
    breaks: dict[str, float]
    weighted: bool
    ddof: int
    counts: dict[int, int] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Index value, standard score and type per area."""
        return pd.DataFrame({"index": self.index, "z": (self.index - self.mean) / self.std,
                             "omradestyp": self.types})

    def __repr__(self) -> str:
        w = "population-weighted" if self.weighted else "unweighted"
        return (f"ClassifiedAreas(n={len(self.types)}, mean={self.mean:.4g}, sd={self.std:.4g} ({w}, "
                f"ddof={self.ddof}), counts per type={self.counts})")


def classify_areas(
    index: Any,
    *,
    weights: Any = None,
    ddof: int = 1,
) -> ClassifiedAreas:
    """Classify areas into the five områdestyper by standard deviations from the mean.

    Parameters
    ----------
    index : Series or array of float
        Index values (higher = weaker conditions), for example from
        :func:`socioeconomic_index`.
    weights : Series or array, optional
        Population per area (persons: frequency weights). When given, μ and σ
        are population-weighted (each person counts once); by default each
        area counts once. A Series is matched to an ``index`` Series by
        label (an error names labels on one side only); arrays by position.
        With ``ddof=1`` σ assumes persons (Σw − 1); for weights in another
        unit (shares, thousands) pass ``ddof=0``.
    ddof : int, default 1
        Delta degrees of freedom of σ. Unweighted: σ² = Σ(x−μ)² / (n − ddof).
        Weighted (frequency weights): σ² = Σw(x−μ)² / (Σw − ddof).

    Returns
    -------
    ClassifiedAreas
        Types (ordered categorical), breaks, μ, σ and the options.

    Notes
    -----
    Types: 1 if :math:`x \\ge \\mu + 2\\sigma`; 2 if :math:`\\mu+\\sigma \\le x < \\mu+2\\sigma`;
    3 if :math:`\\mu \\le x < \\mu+\\sigma`; 4 if :math:`\\mu-\\sigma \\le x < \\mu`;
    5 if :math:`x < \\mu-\\sigma`. A value exactly on a break goes to the worse type. "Exactly" allows for
    rounding (1e-9 of the index's scale): 0.3 is μ+σ of 0.1, 0.2, 0.3 although
    floating point computes it a few units in the last place below.

    SCB says only that types depend on "how many standard deviations from the
    index mean a RegSO lies"; it does not say whether the mean is weighted by
    population. The default (unweighted) treats each RegSO as one unit, as the
    description of RegSO-level deviations suggests. Weighting by population
    moves μ toward the large RegSO and usually narrows σ, which changes the
    number of areas in each type; compare both as a sensitivity check. With
    3,363 RegSO the choice of ``ddof`` changes σ by about 0.015 %.

    References
    ----------
    SCB, Statistikdatabasen table 000005QX, footnote (updated 2025-01-31).

    Examples
    --------
    >>> import segstat
    >>> r = segstat.classify_areas([10, 12, 8, 14, 6], weights=[6, 1, 1, 1, 1], ddof=0)
    >>> (r.mean, r.std, r.types.tolist())
    (10.0, 2.0, [3, 2, 4, 1, 5])
    """
    if isinstance(index, dict):  # area -> value: the values are classified, the keys label them
        index = pd.Series(index, dtype=object if not index else None)
    x = _numbers(index, "index", "index values (one per area)")
    labels = x.index if isinstance(index, pd.Series) else pd.RangeIndex(len(x))
    try:
        v = pd.to_numeric(x, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InputTypeError(f"index must hold numbers: {exc}") from exc
    if len(v) < 2:
        raise InputValueError(f"index has {len(v)} value(s); at least 2 areas are needed for a standard deviation.")
    nan = np.isnan(v)
    if nan.any():
        raise InputValueError(
            f"index is missing (NaN) for {int(nan.sum())} area(s) at {examples(labels[nan].tolist())}. "
            f"Remove them explicitly before classifying; the mean and SD would otherwise depend on them."
        )
    if not np.isfinite(v).all():
        raise InputValueError(f"index is infinite at {examples(labels[~np.isfinite(v)].tolist())}; an index value "
                              f"is a mean of percentages, so check how it was computed.")
    check_scalar("ddof", ddof, "int", low=0, must="a non-negative integer (0 or 1)")
    huge = np.abs(v) > 1e150
    if huge.any():  # their squares overflow: the standard deviation would be inf, every type undefined
        raise InputValueError(f"index is beyond ±1e150 at {examples(labels[huge].tolist())} (e.g. {v[huge][0]:g}); "
                              f"an index value is a mean of percentages, so check how it was computed.")
    if weights is None:
        mu = float(v.mean())
        denom = len(v) - ddof
        var = float(((v - mu) ** 2).sum() / denom) if denom > 0 else np.nan
    else:
        w = _weights(weights, index, labels)
        if not w.sum() > ddof:
            raise InputValueError(f"weights sum to {w.sum():g}, not more than ddof={ddof}: weights count persons "
                                  f"(frequency weights). Pass the population per area, or ddof=0 for shares.")
        mu = float((w * v).sum() / w.sum())
        var = float((w * (v - mu) ** 2).sum() / (w.sum() - ddof))
    sd = float(np.sqrt(var))
    # a constant index computed in floating point can keep a spread of a few ulps (0.2 as 0.20000000000000004)
    if not np.isfinite(sd) or sd <= 1e-12 * max(1.0, abs(mu)):
        raise InputValueError("every area has the same index value (σ = 0, up to rounding); the types are "
                              "undefined.")
    breaks = {"mu+2sd": mu + 2 * sd, "mu+sd": mu + sd, "mu": mu, "mu-sd": mu - sd}
    # "on a break" allows for rounding: 0.3 is mu + sd for 0.1, 0.2, 0.3, but floating point puts it a few
    # ulps below; a tolerance of 1e-9 of the index's scale is far below any published precision
    tol = 1e-9 * max(1.0, abs(mu), sd)
    t = np.select([v >= breaks["mu+2sd"] - tol, v >= breaks["mu+sd"] - tol, v >= breaks["mu"] - tol,
                   v >= breaks["mu-sd"] - tol], [1, 2, 3, 4], default=5)
    types = pd.Series(pd.Categorical(t, dtype=_TYPES), index=labels, name="omradestyp")
    counts = {k: int((t == k).sum()) for k in range(1, 6)}
    return ClassifiedAreas(types=types, index=pd.Series(v, index=labels, name="index"), mean=mu, std=sd,
                           breaks=breaks, weighted=weights is not None, ddof=int(ddof), counts=counts)


def _numbers(values: Any, name: str, what: str) -> pd.Series:
    """``values`` as a Series of numbers, refusing what only looks like them: a DataFrame (iterating it gives
    its column labels, which would be classified instead of its values) and booleans (True is not 1)."""
    if isinstance(values, pd.DataFrame):
        cols = values.columns.tolist()
        raise InputTypeError(f"{name} must be one column of {what}, got a DataFrame with columns {examples(cols)}: "
                             f"pass one of them, e.g. {name}=df[{cols[0]!r}]." if cols else
                             f"{name} must be a Series or array of {what}, got an empty DataFrame.")
    if isinstance(values, (str, bytes)) or np.isscalar(values):
        raise InputTypeError(f"{name} must be a Series, array or list of {what}, got the single value {values!r}.")
    series = _as_series(values, name)
    text = [v for v in series.tolist() if isinstance(v, (str, bytes))]
    if text:
        raise InputTypeError(f"{name} holds text ({examples(text, 3)}), not {what}: convert it explicitly, e.g. "
                             f"pandas.to_numeric({name}), after checking why numbers were read as text.")
    if pd.api.types.is_bool_dtype(series) or any(isinstance(v, (bool, np.bool_)) for v in series.tolist()):
        raise InputTypeError(f"{name} holds booleans (True/False), not {what}: convert them explicitly if they "
                             f"are meant as 0/1 (e.g. {name}.astype(int)).")
    return series


def _weights(weights: Any, index: Any, labels: pd.Index) -> np.ndarray:
    """Population weights as floats in the order of the index values: a Series with labels is matched to an
    index Series by label (never by position), anything else by position."""
    if isinstance(weights, pd.Series) and isinstance(index, pd.Series):
        if not weights.index.is_unique or not labels.is_unique:
            raise InputValueError("weights and index must have unique labels to be matched (or pass arrays).")
        missing = labels.difference(weights.index)
        extra = weights.index.difference(labels)
        if len(missing) or len(extra):
            raise InputValueError(
                f"weights are matched to the index by label, but {len(missing)} index label(s) have no weight "
                f"({examples(missing.tolist(), 3)}) and {len(extra)} weight label(s) are not in the index "
                f"({examples(extra.tolist(), 3)}). Give one weight per area, labelled like the index.")
        weights = weights.reindex(labels)
    if isinstance(weights, dict):
        weights = pd.Series(weights)
    series = _numbers(weights, "weights", "the population of each area")
    try:
        w = pd.to_numeric(series, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise InputTypeError(f"weights must hold numbers (population per area): {exc}") from exc
    if len(w) != len(labels):
        raise InputValueError(f"weights has {len(w)} values but index has {len(labels)}; give one weight per area.")
    for bad, what in ((np.isnan(w), "missing (NaN)"), (~np.isfinite(w) & ~np.isnan(w), "infinite"),
                      (w < 0, "negative")):
        if bad.any():
            raise InputValueError(f"weights are {what} at {examples(labels[bad].tolist())}; weights are the "
                                  f"population of each area.")
    return w


# ---------------------------------------------------------------- change over time
