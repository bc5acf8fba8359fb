"""Tabulate microdata into every published cell: inner cells and all margins over hierarchies.

This is where area codes meet disclosure control: a column of DeSO, RegSO, kommun or län codes (with
``vintage=``) gets SCB's hierarchy from :func:`segstat.geography.registry.area_hierarchy`, as data; the
table model (``_table``), protect and audit only ever see hierarchies.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_columns, check_dataframe, check_scalar, examples
from .._vintage import carried_vintage, check_vintage, resolve_vintage
from ..errors import CodeError, InputValueError, UnknownCodeError, VintageError
from ..geography.codes import LEVELS, detect_level
from ..geography.registry import area_hierarchy
from ._table import TOTAL, Dimension, Table, _frame_dimension, _plain_dimension, from_partials, partials

__all__ = ["Dimension", "Table", "tabulate", "TOTAL"]


def tabulate(
    data: pd.DataFrame,
    *,
    by: str | list[str],
    value: str | None = None,
    hierarchies: dict[str, Any] | None = None,
    vintage: int | dict[str, int] | None = None,
    record_key: str | None = None,
    top: int = 2,
) -> Table:
    """Count (or sum) microdata into every published cell: inner cells and all margins.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person (or contributor). Not modified.
    by : str or list of str
        Classifying columns. A column named ``deso``, ``regso``, ``kommun``
        or ``lan`` (with ``vintage`` given) gets SCB's hierarchy automatically:
        DeSO < RegSO < kommun < län < riket, with every area of the kommuner
        present (empty areas are zero cells, not missing cells).
    value : str, optional
        Magnitude column (e.g. SEK paid). Cells then also hold the number of
        contributors and the largest contributions (``top1``, ``top2`` ...),
        for dominance rules. Without it, rows are counted.
    hierarchies : dict, optional
        Per column: a mapping child -> parent (parents may have parents;
        roots go under the total), a list giving the leaves' order, or None
        (leaves and a total). Example: ``{"age": {"0-4": "0-19", "5-19": "0-19",
        "20-64": "20+", "65+": "20+"}}``. Or a frame with one row per node
        (``code``, ``level``, ``parent``), such as
        :func:`segstat.geography.registry.area_hierarchy` builds: the way to
        pass an area hierarchy in yourself instead of ``vintage=``.
    vintage : {2018, 2020, 2025} or dict, optional
        Needed for area columns. ``None`` takes it from
        ``data.attrs["segstat.vintage"]`` (set by :func:`segstat.locate` and
        :func:`segstat.attach_omradestyp`); a stated vintage that contradicts
        it is a :class:`~segstat.errors.VintageError`. The cells carry it in
        ``attrs["segstat.vintage"]``. A dict gives each area column its own
        vintage, and makes a column of any name an area column (its level is
        read off the codes), so two vintages can be tabulated from one frame:
        ``vintage={"deso": 2018, "deso_2025": 2025}``.
    record_key : str, optional
        Column of per-record keys in [0, 1) (see
        :func:`segstat.disclosure.perturb.record_keys`); cells then carry
        ``cell_key`` = (sum of their records' keys) mod 1, for the cell-key
        method.
    top : int, default 2
        How many largest contributions to keep per cell, 1 to 100.

    Returns
    -------
    Table

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"sex": ["m", "k", "k"], "age": ["young", "old", "old"]})
    >>> t = segstat.tabulate(d, by=["sex", "age"])
    >>> t.cells[["sex", "age", "count"]].values.tolist()[:4]
    [['k', 'old', 2], ['k', 'young', 0], ['k', 'Total', 2], ['m', 'old', 0]]
    >>> t.cells[["sex", "age", "count"]].values.tolist()[-3:]
    [['Total', 'old', 2], ['Total', 'young', 1], ['Total', 'Total', 3]]
    """
    check_scalar("top", top, "int", low=1, high=100, must="an integer from 1 to 100 (how many largest "
                 "contributions to keep per cell, e.g. 2 for the dominance rule (2, 85))")
    vintage = _table_vintage(vintage, data)
    if type(data).__module__.startswith("dask"):
        from ._dask_tabulate import tabulate_dask

        hierarchies_d = dict(hierarchies or {})
        return tabulate_dask(data, by=by, value=value, record_key=record_key, top=top, vintage=vintage,
                             dimensions=lambda values, cols: _dimensions(values, cols, hierarchies_d, vintage))
    data = check_dataframe(data)
    by = [by] if isinstance(by, str) else list(by)
    if not by:
        raise InputValueError("by is empty; name at least one classifying column.")
    if len(set(by)) != len(by):
        raise InputValueError(f"by repeats columns: {by}.")
    check_columns(data, {"by": by, "value": value, "record_key": record_key})
    hierarchies = dict(hierarchies or {})
    unknown_h = [k for k in hierarchies if k not in by]
    if unknown_h:
        raise InputValueError(f"hierarchies given for columns not in by: {unknown_h}.")
    for col in by:
        if data[col].isna().any():
            fix = (f"area codes cannot be invented: decide about those records explicitly (place them, or "
                   f"leave them out with data[data[{col!r}].notna()] and report how many)"
                   if str(col).lower() in LEVELS or vintage is not None and col in
                   (vintage if isinstance(vintage, dict) else {}) else
                   "fill it (e.g. 'unknown') so no row is dropped")
            raise InputValueError(f"by column {col!r} is missing in rows {examples(data.index[data[col].isna()].tolist())}; "
                                  f"{fix}.")
    dims_t = _dimensions(data, by, hierarchies, vintage)
    if record_key is not None:
        keys = data[record_key].to_numpy(dtype=float, na_value=np.nan)
        bad = np.isnan(keys) | (keys < 0) | (keys >= 1)
        if bad.any():
            raise InputValueError(f"record_key={record_key!r} must hold keys in [0, 1) without NaN; rows "
                                  f"{examples(data.index[bad].tolist())} hold {examples(pd.unique(keys[bad]).tolist(), 3)}. "
                                  f"Make the keys with segstat.record_keys(ids, seed=...).")
    if value is not None:
        from .._validation import count_arrays

        count_arrays(data, [value])
    parts = partials(data, dims_t, by, value, record_key, top)
    return from_partials(dims_t, parts, by=by, value=value, record_key=record_key, top=top, source=data,
                         vintage=vintage)


def _table_vintage(vintage: Any, data: Any) -> int | dict[str, int] | None:
    """The vintage stated, else the one the data carries (``attrs["segstat.vintage"]``); a stated int that
    contradicts the carried one is a VintageError. A dict (one vintage per column) is taken as stated."""
    if isinstance(vintage, dict):
        return {col: check_vintage(v, f"vintage[{col!r}]") for col, v in vintage.items()}
    if not isinstance(data, pd.DataFrame):  # Dask frames carry no attrs: the vintage is stated or absent
        return None if vintage is None else check_vintage(vintage)
    if vintage is None and carried_vintage(data) is None:
        return None  # needed only for area columns: _dimensions asks for it there
    return resolve_vintage(vintage, data, "tabulate()")


def _dimensions(data: Any, by: list[str], hierarchies: dict[str, Any], vintage: Any) -> tuple[Dimension, ...]:
    """The dimensions of a table from the values present (``data`` may be a pandas frame or a dict of
    column -> unique values)."""
    per_column = vintage if isinstance(vintage, dict) else None
    if per_column is not None:
        unknown = [c for c in per_column if c not in by]
        if unknown:
            raise InputValueError(f"vintage names columns that are not in by: {examples(unknown)}; name the area "
                                  f"columns of by, e.g. vintage={{\"deso\": 2018, \"deso_2025\": 2025}}.")
    dims = []
    for col in by:
        values = data[col] if not isinstance(data, dict) else pd.Series(data[col])
        if col in hierarchies:
            dims.append(_plain_dimension(col, values, hierarchies[col]))
        elif per_column is not None and col in per_column:
            # an area column of any name: its level is read off the codes (DeSO, RegSO, kommun or län)
            try:
                level = col if col in LEVELS else detect_level(pd.Series(pd.unique(values)).astype("string"))
            except CodeError as e:
                raise CodeError(f"column {col!r} is given a vintage but does not hold area codes: {e}") from None
            dims.append(_area_dimension(col, level, values, per_column[col]))
        elif col in LEVELS:
            if per_column is not None:
                raise VintageError(f"column {col!r} holds area codes but vintage={per_column!r} does not name it: "
                                   f"add {col!r}: 2018 or 2025 to the dict, or pass hierarchies={{{col!r}: None}} "
                                   f"for a flat dimension.")
            if vintage is None:
                raise VintageError(f"column {col!r} holds area codes and the data carries no vintage "
                                   f"(attrs['segstat.vintage'], set by segstat.locate() and attach_omradestyp()): "
                                   f"pass vintage=2018 (DeSO 2018 / RegSO 2020) or vintage=2025 (DeSO 2025 / "
                                   f"RegSO 2025), or a dict column -> vintage, so segstat can build its hierarchy, "
                                   f"or hierarchies={{{col!r}: None}} for a flat dimension. pandas drops attrs in "
                                   f"merge/join/concat: use locate(data, ..., append=True) instead of "
                                   f"data.join(locate(data, ...)).")
            dims.append(_area_dimension(col, col, values, vintage))
        else:
            dims.append(_plain_dimension(col, values, None))
    return tuple(dims)




def _area_dimension(name: str, level: str, values: pd.Series, vintage: int) -> Dimension:
    """The dimension of an area column: SCB's hierarchy over every area of the kommuner present."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # the categories present, not every category
        codes = values.cat.codes
        uniq = pd.Series(pd.unique(values.cat.categories[np.asarray(pd.unique(codes[codes >= 0]))].astype(str)))
    else:
        uniq = pd.Series(pd.unique(values.astype(str)))
    try:
        frame = area_hierarchy(level, vintage, codes=uniq)
    except UnknownCodeError as e:
        # the registry's own advice (errors='coerce') is not an option here: a table accounts for every row
        raise UnknownCodeError(f"column {name!r}: {str(e).split('. Check the codes')[0]}. Correct those codes "
                               f"or remove their rows before tabulating (tabulate counts every row).") from None
    return _frame_dimension(name, frame)
