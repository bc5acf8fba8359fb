"""Områdestyp: SCB's official area types (the index behind them: segstat.socioeconomic).

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
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._data import load_table
from ._validation import check_choice, check_columns, check_dataframe, check_scalar, examples
from .errors import CoercedWarning, InputValueError, SegstatWarning, UnknownCodeError
from .geography.codes import _as_series
from ._vintage import carry_vintage, resolve_vintage
from .geography.registry import validate_codes

__all__ = [
    "LABELS_EN",
    "LABELS_SV",
    "attach_omradestyp",
    "omradestyp",
    "omradestyp_years",
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
    return [int(y) for y in _official().columns]


def omradestyp(
    regso: Any,
    *,
    year: int,
    vintage: int | None = None,
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
    vintage : {2018, 2020, 2025}, optional
        Series of the codes: 2018 (RegSO 2020) or 2025 (RegSO 2025). ``None``
        takes it from ``regso.attrs["segstat.vintage"]`` (set by
        :func:`segstat.locate` and the other functions that make codes) and
        otherwise raises :class:`~segstat.errors.VintageError` asking for it;
        a stated vintage that contradicts the carried one is also a
        :class:`~segstat.errors.VintageError`. SCB classified RegSO 2020; RegSO 2025 codes are
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
    >>> segstat.omradestyp(["0114R001", "1480R001"], year=2023, vintage=2018).tolist()
    [4, 2]
    >>> segstat.omradestyp(["0114R001"], year=2023, vintage=2018, labels="en").tolist()
    ['Areas with good socioeconomic conditions']
    """
    return _types(regso, year, vintage, labels, errors, stacklevel=3)


def _types(regso: Any, year: int, vintage: int | None, labels: str | None, errors: str, *,
           stacklevel: int) -> pd.Series:
    """omradestyp(); ``stacklevel`` makes the warnings point at the user's line whichever function is called."""
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
    v = resolve_vintage(vintage, regso, "omradestyp()")
    codes = validate_codes(_as_series(regso), "regso", v, errors=errors)  # type: ignore[arg-type]  # checked above
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
        warnings.warn(msg + " They are <NA>.", CoercedWarning, stacklevel=stacklevel)
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
                SegstatWarning, stacklevel=stacklevel)
    out = pd.Series(pd.array(values, dtype="Int64"), index=codes.index, name=f"omradestyp_{int(year)}")
    return carry_vintage(_relabel(out, labels), v)


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
    vintage: int | None = None,
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
    year, labels, errors
        As in :func:`omradestyp`.
    vintage : {2018, 2020, 2025}, optional
        Series of the RegSO codes. ``None`` takes it from
        ``data.attrs["segstat.vintage"]`` (what :func:`segstat.locate`
        produces carries it); otherwise a
        :class:`~segstat.errors.VintageError` asks for it. A stated vintage
        that contradicts the data's is a :class:`~segstat.errors.VintageError`.
    column : str, optional
        Name of the new column; default ``f"omradestyp_{year}"``.

    Returns
    -------
    pandas.DataFrame
        ``data`` (not modified) with the type column appended, carrying the
        vintage in ``attrs["segstat.vintage"]``.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"regso": ["0114R001", "0180R010"], "n": [5, 7]})
    >>> segstat.attach_omradestyp(d, year=2022, vintage=2018).columns.tolist()
    ['regso', 'n', 'omradestyp_2022']
    """
    data = check_dataframe(data)
    check_columns(data, {"regso": regso})
    v = resolve_vintage(vintage, data, "attach_omradestyp()")
    out = data.copy()
    name = column or f"omradestyp_{year}"
    if name in out.columns:
        raise InputValueError(f"data already has a column {name!r}; pass column= to choose another name.")
    out[name] = _types(data[regso], year, v, labels, errors, stacklevel=3).to_numpy()
    out[name] = out[name].astype(_dtype(labels))
    return carry_vintage(out, v)
