"""tabulate() on a Dask DataFrame: partial aggregates per partition, combined as a tree.

Only the aggregated arrays (one value per inner cell) reach the client; the
Table is then built exactly as for pandas, so protect, audit and perturb run
unchanged. Record keys are summed as exact integers modulo 2^32, so cell keys,
and therefore cell-key noise, are identical to the pandas path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .._optional import import_optional
from ..errors import InputValueError
from ._table import Dimension, Table, combine_partials, from_partials, partials


def tabulate_dask(data: Any, *, by: Any, value: str | None, record_key: str | None, top: int, vintage: Any,
                  dimensions: Callable[[dict[str, pd.Series], list[str]], tuple[Dimension, ...]]) -> Table:
    """``dimensions(values, by)`` builds the table's dimensions from the values present in each column
    (tabulate() hands it over, so this adapter needs no hierarchy of its own)."""
    dask = import_optional("dask", purpose="tabulate() on a Dask DataFrame")
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*by, value, record_key] if c is not None and c not in data.columns]
    if missing:
        raise InputValueError(f"columns {missing} are not in the Dask DataFrame; columns are {list(data.columns)}.")
    # the dimensions need the values present: one pass computing unique values per column (small)
    uniques = dask.compute(*[data[c].dropna().unique() for c in by])
    nulls = dask.compute(*[data[c].isna().sum() for c in by])
    for c, n in zip(by, nulls):
        if n:
            raise InputValueError(f"by column {c!r} has {int(n)} missing value(s); fill them (no row is dropped).")
    dims = dimensions({c: pd.Series(u) for c, u in zip(by, uniques)}, by)
    if record_key is not None:
        lo, hi, na = dask.compute(data[record_key].min(), data[record_key].max(), data[record_key].isna().sum())
        if na or lo < 0 or hi >= 1:
            raise InputValueError(f"record_key={record_key!r} must hold keys in [0, 1) without NaN; make them "
                                  f"with segstat.record_keys().")
    if value is not None:
        lo, na = dask.compute(data[value].min(), data[value].isna().sum())
        if na or lo < 0:
            raise InputValueError(f"value={value!r} must be non-negative without NaN.")
    delayed_dims = dask.delayed(dims, pure=True)  # shipped once, referenced by every partition task
    parts = [dask.delayed(partials)(p, delayed_dims, by, value, record_key, top) for p in data.to_delayed()]
    while len(parts) > 1:  # tree reduction: only aggregated arrays move
        parts = [dask.delayed(combine_partials)(parts[i], parts[i + 1]) if i + 1 < len(parts) else parts[i]
                 for i in range(0, len(parts), 2)]
    merged = dask.compute(parts[0])[0]
    return from_partials(dims, merged, by=by, value=value, record_key=record_key, top=top, source=None,
                         vintage=vintage)
