"""Panels on one geography: counts by area and period moved onto one DeSO/RegSO vintage (:func:`harmonize`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_columns, check_counts, check_dataframe, column_list, examples
from .._vintage import VINTAGE_ATTR, carried_vintage, check_vintage, require_vintage
from ..errors import InputValueError, VintageError
from ._panel import carry_provenance

__all__ = ["harmonize"]


def _period_vintages(data: pd.DataFrame, area: str, period: str, vintage: Any) -> dict[Any, int]:
    """The code vintage of each period: one for all, a {period: vintage} mapping, or the data's own."""
    periods = sorted(pd.unique(data[period]).tolist())
    if isinstance(vintage, dict):
        missing = [p for p in periods if p not in vintage]
        if missing:
            raise VintageError(f"vintage= gives no vintage for the periods {examples(missing)}; give one per period "
                               f"present in {period!r} (2018 or 2025).")
        return {p: check_vintage(vintage[p], f"vintage[{p!r}]") for p in periods}
    if vintage is None:
        carried = carried_vintage(data)
        if carried is None:
            raise VintageError(
                f"vintage is not stated and the data carries none (attrs[{VINTAGE_ATTR!r}]); a panel may mix "
                f"DeSO 2018 codes (early periods) and DeSO 2025 codes (from 2025). {_guess(data, area, period)}"
                f"Pass vintage=2018 or vintage=2025 when every period uses one series, or a mapping such as "
                f"vintage={{2023: 2018, 2025: 2025}} giving each period's series. segstat never guesses the series.")
        return {p: carried for p in periods}
    v = check_vintage(vintage)
    return {p: v for p in periods}


def _guess(data: pd.DataFrame, area: str, period: str) -> str:
    """A hint for the error message: which periods hold codes found only in one series."""
    from ..geography.registry import _areas

    old = set(_areas("deso", 2018)["code"].astype(str))
    new = set(_areas("deso", 2025)["code"].astype(str))
    only_old, only_new = [], []
    for p, codes in data.groupby(period, sort=True)[area]:
        s = set(codes.astype(str))
        if s & (old - new):
            only_old.append(p)
        if s & (new - old):
            only_new.append(p)
    if only_old and only_new:
        return (f"Periods {examples(only_old)} hold codes found only in DeSO 2018, periods {examples(only_new)} "
                f"codes found only in DeSO 2025. ")
    return ""


def harmonize(
    data: pd.DataFrame,
    *,
    area: str,
    period: str,
    counts: str | list[str],
    to_vintage: int | None,
    vintage: int | dict | None = None,
    level: str = "deso",
    weights: pd.Series | pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Move a panel of DeSO counts (area × period) onto one code vintage.

    Early periods of a panel use DeSO 2018 / RegSO 2020 codes, periods from 2025 on
    DeSO 2025 / RegSO 2025 codes. Each period is moved with
    :func:`segstat.crosswalk` (SCB's change log): exactly where areas were merged,
    recoded or left alone, by ``weights`` where an area's territory was divided,
    and refused (:class:`~segstat.errors.CrosswalkError`) otherwise.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format: one row per DeSO and period.
    area : str
        Column of DeSO codes.
    period : str
        Column of the time period (for example the year).
    counts : str or list of str
        Count columns to move (events, persons). Rates and shares are refused.
    to_vintage : {2018, 2025}
        The vintage every period is moved onto (required).
    vintage : {2018, 2025} or dict, optional
        The series of the codes: one for all periods, or a mapping
        ``{period value: vintage}``. ``None`` takes it from
        ``data.attrs["segstat.vintage"]``, otherwise a
        :class:`~segstat.errors.VintageError` asks for it (and names the periods
        whose codes exist only in one series).
    level : {"deso", "regso"}, default "deso"
        Level of the result: ``"regso"`` sums the moved DeSO counts into the
        RegSO of ``to_vintage``.
    weights : Series or DataFrame, optional
        The allocation of divided areas, as in :func:`segstat.crosswalk`.

    Returns
    -------
    pandas.DataFrame
        ``period``, ``area`` (codes of ``to_vintage`` at ``level``) and the
        count columns, sorted by period and area. ``attrs["segstat.vintage"]``
        is ``to_vintage``; ``attrs["segstat.harmonize"]`` reports, per period,
        the source vintage, the crosswalk methods used (count of target areas per
        method) and the totals before and after (equal: nothing is lost). SCB
        provenance in ``attrs["segstat.provenance"]`` (with its CKM flag) is kept.

    Raises
    ------
    VintageError
        The series of the codes is neither stated nor carried.
    CrosswalkError
        A divided area without ``weights``; a merged area with only some of its
        sources in a period.

    See Also
    --------
    segstat.crosswalk : the move of one table.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"deso": ["0114C1060", "0114C1061", "0114C1062"], "year": [2024, 2025, 2025],
    ...                   "persons": [2000, 1200, 900]})
    >>> h = segstat.harmonize(d, area="deso", period="year", counts="persons", to_vintage=2018,
    ...                       vintage={2024: 2018, 2025: 2025})
    >>> h.to_dict("records")
    [{'year': 2024, 'deso': '0114C1060', 'persons': 2000}, {'year': 2025, 'deso': '0114C1060', 'persons': 2100}]
    """
    from ..geography.crosswalk import crosswalk
    from ..geography.registry import to_level

    data = check_dataframe(data)
    counts = column_list(counts)
    if not counts:
        raise InputValueError("counts is empty; name at least one count column.")
    check_columns(data, {"area": area, "period": period, "counts": counts})
    if level not in ("deso", "regso"):
        raise InputValueError(f"level={level!r}: harmonize() gives 'deso' or 'regso' areas.")
    check_counts(data, counts)
    if data[period].isna().any():
        rows = data.index[data[period].isna()].tolist()
        raise InputValueError(f"{period!r} is missing in rows {examples(rows)}; every row needs its period.")
    dst = require_vintage(to_vintage, "harmonize()", keyword="to_vintage")
    vintages = _period_vintages(data, area, period, vintage)
    fractional = any(not np.allclose(data[c].to_numpy(float), np.round(data[c].to_numpy(float))) for c in counts)

    parts, report = [], {}
    for p, part in data.groupby(period, sort=True):
        src = vintages[p]
        frame = part[[area, *counts]].copy()
        frame.attrs = {}
        moved = crosswalk(frame, area=area, counts=counts, from_vintage=src, to_vintage=dst,
                          weights=weights, fractional=fractional)
        out = moved.data
        if level == "regso":
            out = out.assign(**{area: to_level(out[area], "regso", vintage=dst).to_numpy()})
            out = out.groupby(area, sort=True)[counts].sum().reset_index()
        out.insert(0, period, p)
        parts.append(out)
        before = {c: float(part[c].sum()) for c in counts}
        after = {c: float(out[c].sum()) for c in counts}
        report[p] = {"from_vintage": src, "methods": moved.report["method"].value_counts().to_dict(),
                     "totals_before": before, "totals_after": after,
                     "conserved": all(np.isclose(before[c], after[c]) for c in counts)}
    result = pd.concat(parts, ignore_index=True)
    result[area] = result[area].astype("string")
    result.attrs = {}
    carry_provenance(result, data)
    result.attrs[VINTAGE_ATTR] = dst
    result.attrs["segstat.harmonize"] = {"to_vintage": dst, "level": level, "periods": report}
    return result
