"""locate() on a Dask DataFrame: the point index is shipped to the workers once."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._optional import import_optional
from ..errors import InputValueError
from .boundaries import Boundaries, boundaries as _load_boundaries
from .locate import STATUSES, LocateSummary, _chunk, _codes_frame, _transformer
from .registry import check_vintage


def _partition(part: pd.DataFrame, index: Any, b: Boundaries, x: str, y: str, crs: Any, geographic: bool,
               max_distance: float | None, level: str, vintage: int) -> pd.DataFrame:
    transformer, _ = _transformer(crs)
    xs = part[x].to_numpy(dtype=float, na_value=np.nan)
    ys = part[y].to_numpy(dtype=float, na_value=np.nan)
    poly, status = _chunk(xs, ys, index, transformer, geographic, max_distance, threads=1)
    out = _codes_frame(poly, b, level, vintage, part.index)
    out["status"] = pd.Categorical.from_codes(status, categories=list(STATUSES))
    return out


def _ship(dask: Any, obj: Any) -> Any:
    """``obj`` for every partition, sent once: scattered to all workers when a distributed client is running
    (so it does not travel inside the task graph), else one delayed task the local scheduler shares."""
    try:
        from distributed import get_client

        client = get_client()
    except (ImportError, ValueError):
        return dask.delayed(obj, pure=True)
    return client.scatter(obj, broadcast=True)


def locate_dask(data: Any, *, x: str, y: str, crs: Any, level: str, vintage: int, boundaries: Boundaries | None,
                max_distance: float | None, chunk_size: int) -> Any:
    dask = import_optional("dask", purpose="locate() on a Dask DataFrame")
    for col in (x, y):
        if col not in data.columns:
            raise InputValueError(f"column {col!r} is not in the Dask DataFrame; columns are {list(data.columns)}.")
    v = check_vintage(vintage)
    b = boundaries if boundaries is not None else _load_boundaries(level, vintage=v)  # checked by locate()
    _, source_crs = _transformer(crs)
    index = _ship(dask, b.index)
    light = Boundaries(b.level, b.vintage, b.codes, b.polygons[:0], b.source)  # codes only, for the output
    levels = ["deso", "regso", "kommun", "lan"][["deso", "regso", "kommun", "lan"].index(level):]
    meta = pd.DataFrame({c: pd.Series(dtype="string") for c in levels})
    meta["status"] = pd.Series(pd.Categorical([], categories=list(STATUSES)))
    meta.attrs["segstat_vintage"] = v  # read back by locate_summary (the collection itself has no attrs)
    return data.map_partitions(_partition, index, light, x, y, crs, source_crs.is_geographic, max_distance,
                               level, v, meta=meta)


def locate_summary(result: Any) -> LocateSummary:
    """The placed/unplaced summary of a locate() result, pandas or Dask (counted across all partitions)."""
    if isinstance(result, pd.DataFrame) and "segstat_locate" in result.attrs:
        return result.attrs["segstat_locate"]
    counts = result["status"].value_counts()
    if hasattr(counts, "compute"):
        counts = counts.compute()
    full = {s: int(counts.get(s, 0)) for s in STATUSES}
    level = next(c for c in ("deso", "regso") if c in result.columns)
    vintage = getattr(getattr(result, "_meta", None), "attrs", {}).get("segstat_vintage", 0)
    return LocateSummary(n=sum(full.values()), counts=full, level=level, vintage=vintage, source="dask")
