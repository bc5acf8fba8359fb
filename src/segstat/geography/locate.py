"""Place records with coordinates in DeSO/RegSO and their parents, accounting for every row."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._optional import import_optional
from .._validation import check_columns, check_dataframe, check_level, check_scalar, examples
from .._vintage import carry_vintage, check_vintage, require_vintage
from ..errors import InputTypeError, InputValueError, UnplacedWarning
from .boundaries import Boundaries, boundaries as _load_boundaries
from .codes import LEVELS
from .outlines import SWEDEN_TOLERANCE, in_sweden
from .registry import parents, vintage_label

__all__ = ["LocateSummary", "STATUSES", "locate", "locate_summary"]

N_KOMMUNER = 290  # kommuner since 2020 (no change up to 2025)

#: every status a row can get, in this order
STATUSES = ("placed", "boundary", "snapped", "missing_coordinates", "outside_coverage", "outside_sweden",
            "swapped_axes")


@dataclass(frozen=True)
class LocateSummary:
    """How every input row was placed. ``counts`` maps each status to its number of rows."""

    n: int
    counts: dict[str, int]
    level: str
    vintage: int
    source: str
    examples: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def placed(self) -> int:
        """Rows with an area: placed in a polygon, on a boundary (rule applied) or snapped."""
        return sum(self.counts.get(s, 0) for s in ("placed", "boundary", "snapped"))

    @property
    def unplaced(self) -> int:
        return self.n - self.placed

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"status": list(self.counts), "rows": list(self.counts.values())})

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v}" for k, v in self.counts.items() if v)
        return f"LocateSummary({self.n} rows: {parts}; {vintage_label(self.level, self.vintage)})"


def _transformer(crs: Any) -> tuple[Any, Any]:
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        source = CRS.from_user_input(crs)
    except CRSError as exc:
        raise InputValueError(f"crs={crs!r} is not a coordinate reference system pyproj knows: {exc}. "
                              f"Use for example 'EPSG:3006' (SWEREF 99 TM) or 'EPSG:4326' (WGS84).") from exc
    if source.to_epsg() == 3006:
        return None, source
    return Transformer.from_crs(source, CRS.from_epsg(3006), always_xy=True), source


def _chunk(x: np.ndarray, y: np.ndarray, index: Any, transformer: Any, geographic: bool,
           max_distance: float | None, threads: int) -> tuple[np.ndarray, np.ndarray]:
    """Polygon index (-1 none) and status code (index into STATUSES) of one chunk. Pure: ships to workers.

    A point in a polygon is placed. Any other point is in Sweden if it lies within SWEDEN_TOLERANCE of SCB's
    national outline (``outside_coverage``); if not, but it would with x and y swapped, its axes are swapped
    (``swapped_axes``, in any CRS: WGS84 latitude in x, SWEREF 99 TM northing in x); else ``outside_sweden``.
    ``geographic`` is kept for the callers' signature: the swap test needs no CRS-specific box.
    """
    n = len(x)
    status = np.full(n, STATUSES.index("placed"), dtype=np.int8)
    missing = ~(np.isfinite(x) & np.isfinite(y))
    if transformer is None:
        tx, ty = x, y
    else:
        with np.errstate(invalid="ignore"):
            tx, ty = (np.asarray(c, float) for c in transformer.transform(x, y))
    poly = np.full(n, -1, dtype=np.int64)
    on_edge = np.zeros(n, dtype=bool)
    sel = np.flatnonzero(~missing)
    poly[sel], on_edge[sel] = index.query(tx[sel], ty[sel], threads=threads)
    status[on_edge] = STATUSES.index("boundary")
    nowhere = ~missing & (poly < 0)
    outside_sweden = np.zeros(n, dtype=bool)
    swapped = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(nowhere)
    if len(idx):
        outside_sweden[idx] = ~in_sweden(tx[idx], ty[idx])
        far = idx[outside_sweden[idx]]
        if len(far):
            sx, sy = y[far], x[far]
            if transformer is not None:
                with np.errstate(invalid="ignore"):
                    sx, sy = (np.asarray(c, float) for c in transformer.transform(sx, sy))
            swapped[far] = in_sweden(sx, sy)
            outside_sweden &= ~swapped
    if max_distance is not None and (nowhere & ~swapped).any():
        import shapely

        idx = np.flatnonzero(nowhere & ~swapped)
        pts = shapely.points(tx[idx], ty[idx])
        pi, ti = index.tree.query_nearest(pts, max_distance=max_distance, all_matches=True)
        if len(pi):
            order = np.lexsort((index.rank[ti], pi))        # ties: smallest code
            pi, ti = pi[order], ti[order]
            first = np.r_[True, pi[1:] != pi[:-1]]
            poly[idx[pi[first]]] = ti[first]
            status[idx[pi[first]]] = STATUSES.index("snapped")
            nowhere[idx[pi[first]]] = False
    status[nowhere] = STATUSES.index("outside_coverage")
    status[nowhere & outside_sweden] = STATUSES.index("outside_sweden")
    status[swapped] = STATUSES.index("swapped_axes")
    status[missing] = STATUSES.index("missing_coordinates")
    return poly, status


def _check_arguments(level: Any, vintage: Any, boundaries: Any, max_distance: Any, chunk_size: Any,
                     threads: Any) -> tuple[str, int, Boundaries, float | None]:
    """The checks of locate()'s arguments, the same for pandas and Dask input; returns the level, the vintage,
    the boundaries (loaded if not given) and max_distance (None for no snapping)."""
    level = check_level(level, ("deso", "regso"))
    if vintage is None and isinstance(boundaries, Boundaries):
        vintage = boundaries.vintage  # the polygons carry their series
    v = require_vintage(vintage, "locate()") if boundaries is None else check_vintage(vintage)
    if boundaries is None:
        boundaries = _load_boundaries(level, vintage=v)
    elif not isinstance(boundaries, Boundaries):
        raise InputTypeError("boundaries must come from segstat.boundaries() or segstat.download_boundaries().")
    if (boundaries.level, boundaries.vintage) != (level, v):
        raise InputValueError(
            f"boundaries are {vintage_label(boundaries.level, boundaries.vintage)} but level={level!r}, "
            f"vintage={vintage!r} was asked; pass matching boundaries.")
    check_scalar("max_distance", max_distance, "real", low=0, allow_none=True,
                 must="a non-negative number of metres (or None for no snapping)")
    check_scalar("chunk_size", chunk_size, "int", low=1, must="a positive integer")
    check_scalar("n_jobs", threads, "int", low=1, allow_none=True,
                 must="a positive integer (or None for every core)")
    return level, v, boundaries, (None if max_distance == 0 else max_distance)  # 0 m of snapping is none


def _check_numeric(dtype: Any, col: str, keyword: str) -> None:
    if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        raise InputTypeError(f"{keyword}={col!r} must hold numbers, got dtype {dtype}. "
                             f"Convert it with pandas.to_numeric(data[{col!r}]).")


def _coords(data: pd.DataFrame, col: str, keyword: str) -> np.ndarray:
    s = data[col]
    _check_numeric(s.dtype, col, keyword)
    return s.to_numpy(dtype=float, na_value=np.nan)


def locate(
    data: Any,
    *,
    x: str = "x",
    y: str = "y",
    crs: Any = "EPSG:3006",
    level: str = "deso",
    vintage: int | None = None,
    boundaries: Boundaries | None = None,
    append: bool = False,
    max_distance: float | None = None,
    chunk_size: int = 2_000_000,
    progress: bool = False,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Place every record with coordinates in its area and all parent areas.

    Parameters
    ----------
    data : pandas.DataFrame or dask.dataframe.DataFrame
        Records with coordinate columns. Not modified. A Dask DataFrame is
        processed partition by partition (``segstat[dask]``).
    x, y : str, default "x", "y"
        Coordinate columns: easting/northing, or longitude/latitude for
        geographic CRS.
    crs : str, int or pyproj.CRS, default "EPSG:3006"
        CRS of the coordinates, for example ``"EPSG:3006"`` (SWEREF 99 TM),
        ``"EPSG:4326"`` (WGS84, x = longitude) or ``"EPSG:3021"`` (RT90 2.5 gon V).
    level : {"deso", "regso"}, default "deso"
        Level of the polygons to place in; coarser levels follow from the
        registry.
    vintage : {2018, 2020, 2025}, optional
        Series of the polygons: 2018 (DeSO 2018 / RegSO 2020) or 2025 (DeSO
        2025 / RegSO 2025). Required unless ``boundaries`` are given (they
        carry it). The result carries it in ``attrs["segstat.vintage"]``, so
        :func:`segstat.attach_omradestyp`, :func:`segstat.tabulate` and
        :func:`segstat.to_level` read it without being told again.
    boundaries : Boundaries, optional
        Polygons to use; default the bundled ones for ``level`` and ``vintage``
        (DeSO/RegSO 2025 of Göteborgsregionen).
    append : bool, default False
        Return ``data`` with the code and status columns appended instead of
        the code columns alone. pandas drops ``attrs`` (and so the vintage)
        when it joins a frame without them, so ``data.join(locate(data))``
        loses the vintage; ``locate(data, append=True)`` keeps it.
    max_distance : float, optional
        Place points outside every polygon but within this many metres of one
        (address points just off the coast) in the nearest area, with status
        ``snapped``. Off by default.
    chunk_size : int, default 2,000,000
        Rows per chunk; memory stays bounded on large inputs.
    progress : bool, default False
        Show a progress bar (``segstat[progress]``).
    n_jobs : int, optional
        Threads for exact boundary tests (all cores by default; the answer
        does not depend on it).

    Returns
    -------
    pandas.DataFrame
        Aligned with ``data`` (same index, same order, no row dropped or
        repeated): one ``string`` column per level from ``level`` up
        (``deso``, ``regso``, ``kommun``, ``lan``), ``<NA>`` where unplaced, and
        ``status`` (categorical, see :data:`STATUSES`). The summary is in
        ``result.attrs["segstat_locate"]`` (a :class:`LocateSummary`), the
        vintage in ``result.attrs["segstat.vintage"]``. With ``append=True``,
        a copy of ``data`` with those columns appended.

    Warns
    -----
    UnplacedWarning
        When rows could not be placed, with counts and example row labels.

    Raises
    ------
    InputValueError
        Every coordinate lies in Sweden only with x and y swapped, or every
        one lies outside Sweden (wrong ``crs``).

    Notes
    -----
    A point in no polygon is ``outside_coverage`` if it lies within 5 km
    of SCB's generalised national outline (bundled), ``swapped_axes`` if it
    does only with x and y swapped, else ``outside_sweden``.
    A point inside a polygon gets that polygon. A point exactly on a shared
    edge or vertex gets the covering polygon with the smallest code (status
    ``boundary``), so the answer never depends on row order or chunking.
    See the methods page for the grid index.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> pts = pd.DataFrame({"x": [319_500.0, float("nan")], "y": [6_399_500.0, 6_400_000.0]})
    >>> out = segstat.locate(pts, vintage=2025)  # doctest: +SKIP
    """
    level, v, boundaries, max_distance = _check_arguments(level, vintage, boundaries, max_distance, chunk_size,
                                                          n_jobs)
    if not isinstance(append, bool):
        raise InputTypeError(f"append={append!r} must be True or False.")
    if type(data).__module__.startswith("dask"):
        if append:
            raise InputValueError("append=True is for pandas input; for a Dask DataFrame join the result: "
                                  "data.join(locate(data, ...)), and pass vintage= to the functions that read it.")
        for col, keyword in ((x, "x"), (y, "y")):  # the partitions' dtypes are known before anything runs
            if col in data.columns:
                _check_numeric(data[col].dtype, col, keyword)
        return _locate_dask(data, x=x, y=y, crs=crs, level=level, vintage=v, boundaries=boundaries,
                            max_distance=max_distance)
    data = check_dataframe(data, allow_empty=True)
    check_columns(data, {"x": x, "y": y})
    if append:  # refused before the work is done
        _check_clash(data, [*LEVELS[LEVELS.index(level):], "status"])
    transformer, source_crs = _transformer(crs)
    xs, ys = _coords(data, x, "x"), _coords(data, y, "y")
    index = boundaries.index
    nthreads = n_jobs or os.cpu_count() or 1

    n = len(data)
    poly = np.empty(n, dtype=np.int64)
    status = np.empty(n, dtype=np.int8)
    starts = range(0, n, int(chunk_size))
    if progress and n:
        tqdm = import_optional("tqdm", purpose="locate(progress=True)").tqdm
        starts = tqdm(starts, total=len(starts), unit="chunk", desc="locate")
    for s in starts:
        e = min(s + int(chunk_size), n)
        poly[s:e], status[s:e] = _chunk(xs[s:e], ys[s:e], index, transformer, source_crs.is_geographic,
                                        max_distance, nthreads)
    out = carry_vintage(_finish(data.index, poly, status, boundaries, level, v, (x, y, crs)), v)
    return _appended(data, out) if append else out


def _check_clash(data: pd.DataFrame, columns: list[str]) -> None:
    clash = [c for c in columns if c in data.columns]
    if clash:
        raise InputValueError(f"data already has column(s) {examples(clash)} that locate(append=True) would "
                              f"overwrite; rename them, or call locate without append=True.")


def _appended(data: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``data`` with the columns of ``out`` appended and its attrs (vintage, summary) added."""
    full = data.copy()
    for col in out.columns:
        full[col] = out[col].array  # same rows in the same order (also with a repeated index)
    full.attrs.update(out.attrs)
    return full


def _advice(counts: dict[str, int], b: Boundaries, x: str, y: str, crs: Any) -> str:
    """What to do about each kind of unplaced row: the advice follows the status."""
    hint = ""
    if counts["swapped_axes"]:
        hint += (f" Rows with status 'swapped_axes' lie in Sweden once x and y are swapped (northing or latitude "
                 f"in {x!r}): swap x and y for them.")
    if counts["outside_sweden"]:
        hint += (f" Rows with status 'outside_sweden' lie more than {SWEDEN_TOLERANCE / 1000:g} km outside Sweden's "
                 f"outline when read as crs={crs!r}: check their coordinates and crs=; other boundaries will not "
                 f"place them.")
    if counts["outside_coverage"]:
        covered = len(pd.unique(pd.Series(b.codes, dtype=str).str[:4]))
        if covered < N_KOMMUNER:
            hint += (f" Rows with status 'outside_coverage' lie in Sweden but in none of these boundaries' polygons, "
                     f"which cover {covered} of {N_KOMMUNER} kommuner ({b.source}): for the whole country use "
                     f"segstat.download_boundaries() (or pass boundaries= from an SCB file); points just off the "
                     f"coast of the covered kommuner are placed with max_distance=.")
        else:
            hint += (" Rows with status 'outside_coverage' lie in Sweden (within the tolerance of its outline) but in "
                     "no polygon of these national boundaries: points just off the coast or across a border; "
                     "max_distance= places them in the nearest area.")
    return hint


def _codes_frame(poly: np.ndarray, b: Boundaries, level: str, v: int, index: pd.Index) -> pd.DataFrame:
    """Area and parent codes by polygon number: parents are looked up once per polygon, not per row."""
    per_poly = parents(pd.Series(b.codes, dtype="string"), level, v).reset_index(drop=True)  # once per polygon
    out = {}
    for col in per_poly.columns:
        cats = pd.unique(per_poly[col].astype(str))
        pos = pd.Index(cats).get_indexer(per_poly[col].astype(str))
        codes = np.where(poly >= 0, pos[np.clip(poly, 0, None)] if len(pos) else -1, -1)
        out[col] = pd.array(list(cats), dtype="string").take(codes, allow_fill=True)
    return pd.DataFrame(out, index=index)


def _finish(index: pd.Index, poly: np.ndarray, status: np.ndarray, b: Boundaries, level: str, v: int,
            how: tuple) -> pd.DataFrame:
    n = len(poly)
    out = _codes_frame(poly, b, level, v, index)
    out["status"] = pd.Categorical.from_codes(status.astype(np.int64), categories=pd.Index(STATUSES))
    counts = {s: int((status == i).sum()) for i, s in enumerate(STATUSES)}
    ex = {s: index[status == i][:5].tolist() for i, s in enumerate(STATUSES) if counts[s] and s not in
          ("placed", "boundary")}
    summary = LocateSummary(n=n, counts=counts, level=level, vintage=v, source=b.source, examples=ex)
    x, y, crs = how
    total = n or 1
    have = n - counts["missing_coordinates"]  # rows without coordinates say nothing about the CRS
    if counts["swapped_axes"] == have and have:
        raise InputValueError(
            f"every coordinate lies in Sweden only with x and y swapped (northing or latitude in {x!r}, easting "
            f"or longitude in {y!r}). Swap them: locate(data, x={y!r}, y={x!r}, crs={crs!r}).")
    if counts["outside_sweden"] == have and have:
        raise InputValueError(
            f"every coordinate lies outside Sweden after reading them as crs={crs!r} (e.g. rows "
            f"{examples(ex['outside_sweden'])}). Check crs= (SWEREF 99 TM is 'EPSG:3006', WGS84 'EPSG:4326' "
            f"with x = longitude, RT90 'EPSG:3021') and the coordinates themselves.")
    unplaced = summary.unplaced
    if unplaced:
        detail = "; ".join(
            f"{s}: {counts[s]} (rows {examples(ex[s][:3], 3)}{f', and {counts[s] - 3} more' if counts[s] > 3 else ''})"
            for s in STATUSES[3:] if counts[s])
        warnings.warn(f"{unplaced} of {n} rows ({unplaced / total:.1%}) were not placed and are <NA>: "
                      f"{detail}.{_advice(counts, b, x, y, crs)}", UnplacedWarning, stacklevel=3)
    out.attrs["segstat_locate"] = summary
    return out


def _partition(part: pd.DataFrame, index: Any, b: Boundaries, x: str, y: str, crs: Any, geographic: bool,
               max_distance: float | None, level: str, vintage: int) -> pd.DataFrame:
    """locate() of one Dask partition (pure: runs on the workers)."""
    transformer, _ = _transformer(crs)
    xs = part[x].to_numpy(dtype=float, na_value=np.nan)
    ys = part[y].to_numpy(dtype=float, na_value=np.nan)
    poly, status = _chunk(xs, ys, index, transformer, geographic, max_distance, threads=1)
    out = _codes_frame(poly, b, level, vintage, part.index)
    out["status"] = pd.Categorical.from_codes(status.astype(np.int64), categories=pd.Index(STATUSES))
    return out


def _locate_dask(data: Any, *, x: str, y: str, crs: Any, level: str, vintage: int, boundaries: Boundaries,
                 max_distance: float | None) -> Any:
    """locate() on a Dask DataFrame: the point index is shipped to the workers once."""
    from ._dask_locate import map_partitions_shipped

    for col in (x, y):
        if col not in data.columns:
            raise InputValueError(f"column {col!r} is not in the Dask DataFrame; columns are {list(data.columns)}.")
    _, source_crs = _transformer(crs)
    light = Boundaries(boundaries.level, boundaries.vintage, boundaries.codes, boundaries.polygons[:0],
                       boundaries.source)  # codes only, for the output
    meta = pd.DataFrame({c: pd.Series(dtype="string") for c in LEVELS[LEVELS.index(level):]})
    meta["status"] = pd.Series(pd.Categorical([], categories=list(STATUSES)))
    meta.attrs["segstat_vintage"] = vintage  # read back by locate_summary (the collection itself has no attrs)
    return map_partitions_shipped(data, _partition, boundaries.index, light, x, y, crs, source_crs.is_geographic,
                                  max_distance, level, vintage, meta=meta, purpose="locate() on a Dask DataFrame")


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
