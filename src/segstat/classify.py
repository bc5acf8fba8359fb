"""Områdestyp: SCB's official area types, the socioeconomic index, and change over time.

SCB classifies every RegSO each year into five *områdestyper* from a
socioeconomic index (Statistikdatabasen table 000005QX, footnote updated
2025-01-31: the five types and the standard-deviation rule; the bundled export
reproduces it). The index is the mean of three percentages with equal weights
(SCB, "Indelning i områdestyper efter socioekonomiskt index", 2025-01-13, as
summarised in segstat's data notes; the table footnote itself says only that
the indicators are weighted together):

* V1, the share of all persons with low economic standard (household
  disposable income per consumption unit below 60 % of the national median),
* V2, the share of persons aged 20-64 whose highest education is förgymnasial,
* V3, the share of persons aged 20-64 with ekonomiskt bistånd for at least 10
  months and/or unemployed for more than 6 months.

Higher is worse. A RegSO's type depends on how many standard deviations its
index lies from the mean of that year: 1 ≥ μ+2σ, 2 in [μ+σ, μ+2σ),
3 in [μ, μ+σ), 4 in [μ−σ, μ), 5 < μ−σ.
"""

from __future__ import annotations

import functools
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._data import load_table
from ._validation import check_choice, check_columns, check_counts, check_dataframe, check_scalar, examples
from .errors import CoercedWarning, InputTypeError, InputValueError, SegstatWarning, UnknownCodeError
from .geography.codes import _as_series
from .geography.registry import _known, check_vintage, validate_codes

__all__ = [
    "LABELS_EN",
    "LABELS_SV",
    "ClassifiedAreas",
    "attach_omradestyp",
    "classify_areas",
    "decompose_change",
    "omradestyp",
    "omradestyp_years",
    "socioeconomic_index",
]

#: SCB's Swedish labels of the five områdestyper
LABELS_SV = {
    1: "Områden med stora socioekonomiska utmaningar",
    2: "Områden med socioekonomiska utmaningar",
    3: "Socioekonomiskt blandade områden",
    4: "Områden med goda socioekonomiska förutsättningar",
    5: "Områden med mycket goda socioekonomiska förutsättningar",
}
#: English translations of the labels
LABELS_EN = {
    1: "Areas with major socioeconomic challenges",
    2: "Areas with socioeconomic challenges",
    3: "Socioeconomically mixed areas",
    4: "Areas with good socioeconomic conditions",
    5: "Areas with very good socioeconomic conditions",
}
_TYPES = pd.CategoricalDtype([1, 2, 3, 4, 5], ordered=True)


def _dtype(labels: str | None) -> pd.CategoricalDtype:
    if labels is None:
        return _TYPES
    mapping = LABELS_SV if labels == "sv" else LABELS_EN
    return pd.CategoricalDtype([mapping[k] for k in range(1, 6)], ordered=True)


def _relabel(types: pd.Series, labels: str | None) -> pd.Series:
    if labels is None:
        return types.astype(_TYPES)
    mapping = LABELS_SV if labels == "sv" else LABELS_EN
    return types.map(mapping).astype(_dtype(labels))


# ---------------------------------------------------------------- official types

@functools.lru_cache(maxsize=1)
def _official() -> pd.DataFrame:
    """Official types, wide: index RegSO 2020 code, one int column per year."""
    t = load_table("omradestyp")
    years = {int(m.group(1)): c for c in t.columns if (m := re.fullmatch(r"omradestyp_(\d{4})", c))}
    out = pd.DataFrame({y: t[c].astype(int).to_numpy() for y, c in sorted(years.items())},
                       index=pd.Index(t["regsokod"], name="regso"))
    return out


def omradestyp_years() -> list[int]:
    """The years for which SCB's official områdestyp is bundled.

    Examples
    --------
    >>> import segstat
    >>> segstat.omradestyp_years()
    [2022, 2023]
    """
    return list(_official().columns)


def omradestyp(
    regso: Any,
    *,
    year: int,
    vintage: int = 2018,
    labels: Literal["sv", "en"] | None = None,
    errors: Literal["raise", "coerce"] = "raise",
) -> pd.Series:
    """SCB's official områdestyp of RegSO codes for a year.

    Parameters
    ----------
    regso : list, array or Series of str
        RegSO codes. Statistikdatabasen suffixes (``_RegSO2025``) are stripped.
    year : int
        Reference year; see :func:`omradestyp_years` (2022 and 2023 bundled).
    vintage : {2018, 2020, 2025}, default 2018
        Series of the codes. SCB classified RegSO 2020; RegSO 2025 codes are
        accepted where the code exists in both series, and get the type of
        the RegSO 2020 area with that code. 311 of the codes in both series lost or gained
        territory in the 2025 revision (SCB's DeSO change log), so for them
        that is the type of a somewhat different area: a warning names them.
        2523R011 (new in 2025) has no official type: it is an error (or
        ``<NA>`` with ``errors="coerce"``), never a guess.
    labels : {None, "sv", "en"}, default None
        ``None`` gives the type numbers 1-5; ``"sv"`` SCB's Swedish labels;
        ``"en"`` English labels. Always an ordered categorical, 1 (major
        challenges) first.
    errors : {"raise", "coerce"}, default "raise"
        What to do with codes that have no official type. With ``"coerce"``
        they become ``<NA>`` with a warning that counts them (unknown codes,
        and values that are not RegSO codes at all, such as DeSO codes).

    Returns
    -------
    pandas.Series
        Ordered categorical aligned with the input (same index for a Series).

    References
    ----------
    SCB, Statistikdatabasen table 000005QX (områdestyp per RegSO), footnote
    updated 2025-01-31; CC0.

    Examples
    --------
    >>> import segstat
    >>> segstat.omradestyp(["0114R001", "1480R001"], year=2023).tolist()
    [4, 2]
    >>> segstat.omradestyp(["0114R001"], year=2023, labels="en").tolist()
    ['Areas with good socioeconomic conditions']
    """
    table = _official()
    check_scalar("year", year, "int", must=f"an integer year such as {table.columns[-1]} "
                                            f"(see segstat.omradestyp_years())")
    if int(year) not in table.columns:
        raise InputValueError(
            f"year={year!r}: no official områdestyp bundled for that year; available years: "
            f"{', '.join(map(str, table.columns))} (segstat.omradestyp_years())."
        )
    check_choice("labels", labels, (None, "sv", "en"))
    check_choice("errors", errors, ("raise", "coerce"))
    v = check_vintage(vintage)
    codes = validate_codes(_as_series(regso), "regso", v, errors=errors)
    present = codes.notna().to_numpy()
    keys = codes.astype(object).where(codes.notna(), None)
    values = table[int(year)].reindex(keys).to_numpy(dtype=float)
    missing = present & np.isnan(values)
    if missing.any():
        bad = pd.unique(codes[missing].astype(str)).tolist()
        msg = (f"{len(bad)} RegSO {2025 if v == 2025 else 2020} code(s) have no official områdestyp: "
               f"{examples(bad)}. SCB classified RegSO 2020; codes created in 2025 (such as 2523R011 after "
               f"the Kiruna/Gällivare boundary change) have no official type for {year}.")
        if errors == "raise":
            raise UnknownCodeError(msg + " Pass errors='coerce' to get <NA> for them.")
        warnings.warn(msg + " They are <NA>.", CoercedWarning, stacklevel=2)
    if v == 2025:
        moved = sorted(set(codes[present & ~np.isnan(values)].astype(str)) & _moved_in_2025())
        if moved:
            warnings.warn(
                f"{len(moved)} RegSO 2025 code(s) lost or gained territory in the 2025 revision (e.g. "
                f"{examples(moved, 3)}; SCB's change log): their type is the one SCB gave the RegSO 2020 area "
                f"with the same code, which covered a somewhat different area. For records with coordinates, "
                f"placing them in DeSO 2018 / RegSO 2020 (locate(..., vintage=2018) with boundaries from "
                f"segstat.download_boundaries('deso', vintage=2018) or an SCB file) attaches the type of the "
                f"area SCB classified.",
                SegstatWarning, stacklevel=2)
    out = pd.Series(pd.array(values, dtype="Int64"), index=codes.index, name=f"omradestyp_{int(year)}")
    return _relabel(out, labels)


#: start of the warning for RegSO 2025 codes whose territory changed (callers that state the caveat
#: themselves filter on it)
MOVED_2025_WARNING = r"\d+ RegSO 2025 code\(s\) lost or gained territory"


@functools.lru_cache(maxsize=1)
def _moved_in_2025() -> frozenset:
    """RegSO codes (in both series) whose territory changed in 2025: a row of SCB's DeSO change log dated 2025
    moves land from a DeSO 2018 in one RegSO 2020 code to a DeSO 2025 in another RegSO 2025 code (313 codes)."""
    from .geography.crosswalk import change_log
    from .geography.registry import to_level

    log = change_log()
    log = log[log["date"] >= "2025"]
    before = to_level(log["from_deso"], "regso", vintage=2018).astype(str).to_numpy()
    after = to_level(log["to_deso"], "regso", vintage=2025).astype(str).to_numpy()
    moved = before != after
    return frozenset(before[moved]) | frozenset(after[moved])


def attach_omradestyp(
    data: pd.DataFrame,
    *,
    regso: str = "regso",
    year: int,
    vintage: int = 2018,
    labels: Literal["sv", "en"] | None = None,
    column: str | None = None,
    errors: Literal["raise", "coerce"] = "raise",
) -> pd.DataFrame:
    """A copy of ``data`` with SCB's områdestyp of each row's RegSO.

    Parameters
    ----------
    data : pandas.DataFrame
    regso : str, default "regso"
        Column with RegSO codes.
    year, vintage, labels, errors
        As in :func:`omradestyp`.
    column : str, optional
        Name of the new column; default ``f"omradestyp_{year}"``.

    Returns
    -------
    pandas.DataFrame
        ``data`` (not modified) with the type column appended.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"regso": ["0114R001", "0180R010"], "n": [5, 7]})
    >>> segstat.attach_omradestyp(d, year=2022).columns.tolist()
    ['regso', 'n', 'omradestyp_2022']
    """
    data = check_dataframe(data)
    check_columns(data, {"regso": regso})
    out = data.copy()
    name = column or f"omradestyp_{year}"
    if name in out.columns:
        raise InputValueError(f"data already has a column {name!r}; pass column= to choose another name.")
    out[name] = omradestyp(data[regso], year=year, vintage=vintage, labels=labels, errors=errors).to_numpy()
    out[name] = out[name].astype(_dtype(labels))
    return out


# ---------------------------------------------------------------- the index

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
    x = _as_series(index)
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
    series = _as_series(weights)
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

def decompose_change(
    data: pd.DataFrame,
    *,
    area: str,
    year: str,
    events: str,
    population: str,
    types: str,
    start: Any,
    end: Any,
    reference: Literal["start", "end", "average"] = "start",
    per: float = 1000,
) -> pd.DataFrame:
    """Split the change of a rate per områdestyp into reclassification and within-area change.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format, one row per area and year, with the area's
        year-specific type in column ``types``.
    area, year, events, population, types : str
        Column names.
    start, end : year values
        The two years compared.
    reference : {"start", "end", "average"}, default "start"
        Which classification is held fixed for the within part (see Notes).
    per : float, default 1000
        Rates per this many persons.

    Returns
    -------
    pandas.DataFrame
        One row per type: ``rate_start`` :math:`R_k(t_0, c_0)`, ``rate_end``
        :math:`R_k(t_1, c_1)`, ``change`` (their difference), ``within``,
        ``reclassification`` (``within + reclassification == change``),
        ``areas_in``/``areas_out`` (areas that entered/left the type). Rows
        follow the order of a categorical ``types`` column (1-5, or SCB's
        labels in type order), otherwise sorted. A rate is NaN where it has no
        persons: a type with no areas in one year (all its areas moved), or
        areas with population 0; the parts that need it are NaN too.

    Notes
    -----
    With :math:`R_k(t, c) = \\sum_{i: c_i = k} e_{it} / \\sum_{i: c_i = k} n_{it}`
    the rate of type :math:`k` in year :math:`t` under classification :math:`c`
    (:math:`c_0` = types of the start year, :math:`c_1` = of the end year), the
    total change :math:`R_k(t_1, c_1) - R_k(t_0, c_0)` is split as

    * ``reference="start"``: within :math:`= R_k(t_1, c_0) - R_k(t_0, c_0)` (the
      change in the areas classified as :math:`k` at the start, fixed
      classification), reclassification :math:`= R_k(t_1, c_1) - R_k(t_1, c_0)`;
    * ``reference="end"``: reclassification :math:`= R_k(t_0, c_1) - R_k(t_0, c_0)`,
      within :math:`= R_k(t_1, c_1) - R_k(t_0, c_1)`;
    * ``"average"``: the mean of the two (a Shapley decomposition).

    Each is exactly additive. The fixed-classification rate follows the same
    places; the year-specific rate follows the type as SCB publishes it.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"regso": ["A", "B", "A", "B"], "year": [2022, 2022, 2023, 2023],
    ...                   "e": [10, 40, 12, 30], "n": [1000, 1000, 1000, 1000], "typ": [2, 1, 1, 1]})
    >>> r = segstat.decompose_change(d, area="regso", year="year", events="e", population="n",
    ...                              types="typ", start=2022, end=2023)
    >>> r.loc[1, ["rate_start", "rate_end", "within", "reclassification"]].tolist()
    [40.0, 21.0, -10.0, -9.0]
    """
    data = check_dataframe(data)
    check_columns(data, {"area": area, "year": year, "events": events, "population": population, "types": types})
    check_choice("reference", reference, ("start", "end", "average"))
    per = check_scalar("per", per, "real", low=0, low_open=True,
                       must="a positive number: rates are given per this many persons, e.g. per=1000 (per=1 for "
                            "proportions)")
    check_counts(data, [events, population])
    rows = {}
    for label, y in (("start", start), ("end", end)):
        part = data[data[year] == y]
        if part.empty:
            raise InputValueError(f"{label}={y!r}: no rows with {year!r} == {y!r}; years present: "
                                  f"{examples(sorted(data[year].unique().tolist()))}.")
        dup = part[area].duplicated()
        if dup.any():
            raise InputValueError(f"{area!r} repeats within year {y!r}: {examples(part.loc[dup, area].tolist())}; "
                                  f"one row per area and year.")
        if part[types].isna().any():
            raise InputValueError(f"{types!r} is missing for year {y!r} in rows "
                                  f"{examples(part.index[part[types].isna()].tolist())}.")
        rows[label] = part.set_index(area)
    s, e = rows["start"], rows["end"]
    only = sorted(set(s.index) ^ set(e.index), key=str)
    if only:
        raise InputValueError(f"areas present in only one of the two years: {examples(only)}. "
                              f"The decomposition needs every area in both years.")
    e = e.reindex(s.index)
    c0, c1 = s[types], e[types]

    def rate(frame: pd.DataFrame, cls: pd.Series) -> pd.Series:
        g = pd.DataFrame({"k": cls.to_numpy(), "e": frame[events].to_numpy(float),
                          "n": frame[population].to_numpy(float)}).groupby("k", observed=True)[["e", "n"]].sum()
        return g["e"] / g["n"] * per

    r00, r11 = rate(s, c0), rate(e, c1)
    r10, r01 = rate(e, c0), rate(s, c1)
    present = set(r00.index) | set(r11.index)
    dtype = data[types].dtype
    if isinstance(dtype, pd.CategoricalDtype):  # the types' own order (labels would sort as text: 4, 5, 2, 1, 3)
        ks = [k for k in dtype.categories if k in present]
    else:
        ks = sorted(present)
    r00, r11, r10, r01 = (x.reindex(ks) for x in (r00, r11, r10, r01))
    within_s, reclass_s = r10 - r00, r11 - r10
    reclass_e, within_e = r01 - r00, r11 - r01
    if reference == "start":
        within, reclass = within_s, reclass_s
    elif reference == "end":
        within, reclass = within_e, reclass_e
    else:
        within, reclass = (within_s + within_e) / 2, (reclass_s + reclass_e) / 2
    c0v, c1v = c0.to_numpy(), c1.to_numpy()
    out = pd.DataFrame({
        "rate_start": r00, "rate_end": r11, "change": r11 - r00, "within": within,
        "reclassification": reclass,
        "areas_in": [int(((c1v == k) & (c0v != k)).sum()) for k in ks],
        "areas_out": [int(((c0v == k) & (c1v != k)).sum()) for k in ks],
    }, index=pd.CategoricalIndex(ks, dtype=dtype, name=types) if isinstance(dtype, pd.CategoricalDtype)
       else pd.Index(ks, name=types))
    return out
