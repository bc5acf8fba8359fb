"""Change of a rate between two periods split into change within places and reclassification of places
(:func:`decompose_change`), beside the other rate measures.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from .._validation import check_choice, check_columns, check_counts, check_dataframe, examples
from ..errors import InputValueError
from .rates import _check_per

__all__ = ["decompose_change"]


def decompose_change(
    data: pd.DataFrame,
    *,
    area: str,
    period: str,
    events: str,
    population: str,
    subgroup: str,
    start: Any,
    end: Any,
    reference: Literal["start", "end", "average"] = "start",
    per: float = 1000,
) -> pd.DataFrame:
    """Split the change of a rate per områdestyp into reclassification and within-area change.

    Parameters
    ----------
    data : pandas.DataFrame
        Long format, one row per area and period (for example a year), with
        the area's type in that period in column ``subgroup``.
    area, events, population : str
        Column names.
    period : str
        Column of the time period (for example ``"year"``).
    subgroup : str
        Column of the area's type (områdestyp) in each period.
    start, end : year values
        The two periods compared (values of ``period``).
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
        follow the order of a categorical ``subgroup`` column (1-5, or SCB's
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
    >>> r = segstat.decompose_change(d, area="regso", period="year", events="e", population="n",
    ...                              subgroup="typ", start=2022, end=2023)
    >>> r.loc[1, ["rate_start", "rate_end", "within", "reclassification"]].tolist()
    [40.0, 21.0, -10.0, -9.0]
    """
    data = check_dataframe(data)
    check_columns(data, {"area": area, "period": period, "events": events, "population": population, "subgroup": subgroup})
    check_choice("reference", reference, ("start", "end", "average"))
    per = _check_per(per)
    check_counts(data, [events, population])
    rows = {}
    for label, y in (("start", start), ("end", end)):
        part = data[data[period] == y]
        if part.empty:
            raise InputValueError(f"{label}={y!r}: no rows with {period!r} == {y!r}; periods present: "
                                  f"{examples(sorted(data[period].unique().tolist()))}.")
        dup = part[area].duplicated()
        if dup.any():
            raise InputValueError(f"{area!r} repeats within period {y!r}: {examples(part.loc[dup, area].tolist())}; "
                                  f"one row per area and period.")
        if part[subgroup].isna().any():
            raise InputValueError(f"{subgroup!r} is missing for period {y!r} in rows "
                                  f"{examples(part.index[part[subgroup].isna()].tolist())}.")
        rows[label] = part.set_index(area)
    s, e = rows["start"], rows["end"]
    only = sorted(set(s.index) ^ set(e.index), key=str)
    if only:
        raise InputValueError(f"areas present in only one of the two periods: {examples(only)}. "
                              f"The decomposition needs every area in both periods.")
    e = e.reindex(s.index)
    c0, c1 = s[subgroup], e[subgroup]

    def rate(frame: pd.DataFrame, cls: pd.Series) -> pd.Series:
        g = pd.DataFrame({"k": cls.to_numpy(), "e": frame[events].to_numpy(float),
                          "n": frame[population].to_numpy(float)}).groupby("k", observed=True)[["e", "n"]].sum()
        # a type whose areas have no population has no rate: NaN (as documented), never e / 0 = inf
        return (g["e"] / g["n"].where(g["n"] > 0)) * per

    r00, r11 = rate(s, c0), rate(e, c1)
    r10, r01 = rate(e, c0), rate(s, c1)
    present = set(r00.index) | set(r11.index)
    dtype = data[subgroup].dtype
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
    }, index=pd.CategoricalIndex(ks, dtype=dtype, name=subgroup) if isinstance(dtype, pd.CategoricalDtype)
       else pd.Index(ks, name=subgroup))
    return out
