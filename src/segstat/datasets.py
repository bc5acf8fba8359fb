"""Bundled SCB tables and generated example data.

``population()`` gives Sweden's population on 2022-12-31 (SCB, CC0) per DeSO
2018 aggregated to any level of the 2018/2020 series. The provenance of every
bundled table is in :func:`info`; :func:`verify` checks their checksums.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ._data import load_table, registry, table_info, verify
from ._validation import check_choice, check_level
from .errors import VintageError
from .geography.codes import LEVELS
from .geography.registry import _hierarchy, check_vintage

__all__ = ["age_bands", "info", "population", "verify"]

#: the five-year age bands of SCB's DeSO population table, youngest first
_AGE_BANDS = ("0-4 år", "5-9 år", "10-14 år", "15-19 år", "20-24 år", "25-29 år", "30-34 år", "35-39 år",
              "40-44 år", "45-49 år", "50-54 år", "55-59 år", "60-64 år", "65-69 år", "70-74 år", "75-79 år", "80-år")
_BACKGROUND = ("swedish", "foreign")


def age_bands() -> pd.CategoricalDtype:
    """The 17 five-year age bands of SCB's population tables as an ordered categorical dtype."""
    return pd.CategoricalDtype(list(_AGE_BANDS), ordered=True)


def info() -> pd.DataFrame:
    """Provenance of every bundled table: file, source, date, vintage, licence, rows, sha256.

    Examples
    --------
    >>> import segstat
    >>> segstat.datasets.info().loc["deso2018_age", ["rows", "licence"]].tolist()
    [5984, 'CC0-1.0']
    """
    return pd.DataFrame(registry()["tables"]).T.rename_axis("table")


def population(
    level: str = "deso",
    *,
    by: Literal["age", "background"] | None = None,
    vintage: int = 2018,
) -> pd.DataFrame:
    """Sweden's population on 2022-12-31 by area, from SCB's DeSO 2018 tables.

    Parameters
    ----------
    level : {"deso", "regso", "kommun", "lan", "riket"}, default "deso"
        Level to aggregate to (RegSO means RegSO 2020).
    by : {None, "age", "background"}, default None
        Also split by SCB's 17 five-year age bands (``age``, ordered
        categorical) or by Swedish/foreign background (``background``:
        ``swedish``, ``foreign``). SCB publishes the two splits separately, so
        they cannot be combined.
    vintage : {2018, 2020}, default 2018
        The table exists for the DeSO 2018 / RegSO 2020 series only; to use it
        with DeSO 2025 areas, move it with :func:`segstat.crosswalk`.

    Returns
    -------
    pandas.DataFrame
        Columns: the level's code column (named after the level), the ``by``
        column if asked, and ``population`` (int64). One row per area (and
        band), sorted.

    Examples
    --------
    >>> import segstat
    >>> int(segstat.population("riket")["population"].sum())
    10521556
    >>> segstat.population("lan").head(1).to_dict("records")
    [{'lan': '01', 'population': 2440027}]
    """
    level = check_level(level, (*LEVELS, "riket"))
    check_choice("by", by, (None, "age", "background"))
    if check_vintage(vintage) != 2018:
        raise VintageError(
            f"vintage={vintage!r}: the bundled population table is on DeSO 2018 / RegSO 2020 codes. "
            f"Use vintage=2018 and move the counts to DeSO 2025 with segstat.crosswalk(..., weights=...)."
        )
    if by == "background":
        tab = load_table("deso2018_foreignborn")
        cols = list(_BACKGROUND)
    else:
        tab = load_table("deso2018_age")
        cols = list(_AGE_BANDS) if by == "age" else ["total"]
    values = tab[cols].astype("int64")
    h = _hierarchy(2018).set_index("deso")
    keys = tab["deso"] if level == "deso" else (
        pd.Series("SE", index=tab.index) if level == "riket" else h[level].reindex(tab["deso"]).to_numpy())
    values.insert(0, level, np.asarray(keys))
    agg = values.groupby(level, sort=True)[cols].sum()
    if by is None:
        out = agg.rename(columns={"total": "population"}).reset_index()
    else:
        out = agg.rename_axis(columns=by).stack().rename("population").reset_index()
        out[by] = out[by].astype(age_bands() if by == "age" else pd.CategoricalDtype(list(_BACKGROUND)))
        out = out.sort_values([level, by], ignore_index=True)
    out[level] = out[level].astype("string")
    out["population"] = out["population"].astype("int64")
    return out


# re-exported for convenience: ``segstat.datasets.verify()`` checks every bundled table
verify = verify
table_info = table_info
