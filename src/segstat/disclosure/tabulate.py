"""Tabulate microdata into every published cell: inner cells and all margins over hierarchies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_columns, check_dataframe, examples
from .._vintage import carry_vintage, carried_vintage, check_vintage, resolve_vintage
from ..errors import InputTypeError, InputValueError, VintageError

__all__ = ["Dimension", "Table", "tabulate", "TOTAL"]

#: label of the grand total in every dimension
TOTAL = "Total"
_AREA_LEVELS = ("deso", "regso", "kommun", "lan")
_KEY_SCALE = 2**32


@dataclass(frozen=True, eq=False)
class Dimension:
    """One classifying variable with its hierarchy.

    ``nodes`` lists leaves first (in order), then aggregates, the total last.
    ``members[i]`` are the leaf positions summed by node ``i``; ``children[i]``
    the node positions directly below it; ``level[i]`` a level name.
    """

    name: str
    nodes: tuple[Any, ...]
    n_leaves: int
    members: tuple[np.ndarray, ...]
    children: tuple[tuple[int, ...], ...]
    level: tuple[str, ...]

    @property
    def leaves(self) -> tuple[Any, ...]:
        return self.nodes[: self.n_leaves]

    def membership(self):
        """Sparse 0/1 matrix nodes x leaves."""
        from scipy import sparse

        rows = np.concatenate([np.full(len(m), i) for i, m in enumerate(self.members)])
        cols = np.concatenate(self.members)
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(self.nodes), self.n_leaves))


def _tree_dimension(name: str, leaves: list[Any], parent: dict[Any, Any], levels: dict[Any, str]) -> Dimension:
    """Build a Dimension from leaves and a child -> parent mapping (roots go under TOTAL)."""
    nodes = list(leaves)
    pos = {v: i for i, v in enumerate(nodes)}
    aggregates: list[Any] = []
    for leaf in leaves:
        p = parent.get(leaf, TOTAL)
        seen = {leaf}
        while p is not None:
            if p in seen:
                raise InputValueError(f"hierarchy of {name!r} has a cycle through {p!r}.")
            seen.add(p)
            if p not in pos:
                pos[p] = None
                aggregates.append(p)
            p = None if p == TOTAL else parent.get(p, TOTAL)
    aggregates = [a for a in aggregates if a != TOTAL]
    # order aggregates from the bottom up: by depth, deepest first
    def depth(node: Any) -> int:
        d, p = 0, parent.get(node, TOTAL)
        while p != TOTAL:
            d, p = d + 1, parent.get(p, TOTAL)
        return d
    aggregates.sort(key=lambda a: (-depth(a), str(a)))
    nodes += aggregates + [TOTAL]
    pos = {v: i for i, v in enumerate(nodes)}
    children: list[list[int]] = [[] for _ in nodes]
    for v in nodes[:-1]:
        children[pos[parent.get(v, TOTAL)]].append(pos[v])
    members: list[np.ndarray] = [None] * len(nodes)  # type: ignore[list-item]
    for i in range(len(leaves)):
        members[i] = np.array([i])
    for i in range(len(leaves), len(nodes)):  # bottom-up order: children come before parents
        members[i] = np.sort(np.concatenate([members[c] for c in children[i]]))
    lev = tuple(levels.get(v, "leaf" if i < len(leaves) else ("total" if v == TOTAL else "aggregate"))
                for i, v in enumerate(nodes))
    return Dimension(name, tuple(nodes), len(leaves), tuple(members), tuple(tuple(c) for c in children), lev)


def _area_dimension(name: str, level: str, values: pd.Series, vintage: int) -> Dimension:
    from ..errors import UnknownCodeError
    from ..geography.registry import _areas, check_vintage, validate_codes

    v = check_vintage(vintage)
    uniq = pd.Series(pd.unique(values.astype(str) if not isinstance(values.dtype, pd.CategoricalDtype)
                               else values.cat.categories[pd.unique(values.cat.codes[values.cat.codes >= 0])].astype(str)))
    try:
        codes = validate_codes(uniq, level, v)
    except UnknownCodeError as e:
        # the registry's own advice (errors='coerce') is not an option here: a table accounts for every row
        raise UnknownCodeError(f"column {name!r}: {str(e).split('. Check the codes')[0]}. Correct those codes "
                               f"or remove their rows before tabulating (tabulate counts every row).") from None
    kommuner = set(codes.str[:4]) if level in ("deso", "regso", "kommun") else None
    table = _areas(level, v)
    if level == "lan":
        leaves = sorted(set(codes.astype(str)))
        parent: dict[Any, Any] = {}
        levels = {c: "lan" for c in leaves}
    else:
        rows = table[table["code"].str[:4].isin(kommuner)] if level != "kommun" else table[table["code"].isin(kommuner)]
        leaves = sorted(rows["code"].astype(str))
        parent = {}
        levels = {c: level for c in leaves}
        chain = {"deso": ["regso", "kommun", "lan"], "regso": ["kommun", "lan"], "kommun": ["lan"]}[level]
        cols = {c: rows[c].astype(str).tolist() for c in ["code", *chain]}
        for a, b in zip(["code", *chain], chain):
            for child, par in zip(cols[a], cols[b]):
                parent[child] = par
                levels[par] = b
    levels[TOTAL] = "riket" if level != "lan" or len(leaves) == 21 else "total"
    return _tree_dimension(name, leaves, parent, levels)


def _plain_dimension(name: str, values: pd.Series, hierarchy: Any) -> Dimension:
    present = pd.unique(values)
    if hierarchy is None:
        leaves = sorted(present.tolist(), key=lambda v: (str(type(v)), v))
        if isinstance(values.dtype, pd.CategoricalDtype):
            leaves = [c for c in values.cat.categories]
        return _tree_dimension(name, leaves, {}, {})
    if isinstance(hierarchy, (list, tuple)):  # explicit leaf order, total only
        missing = [v for v in present if v not in set(hierarchy)]
        if missing:
            raise InputValueError(f"values of {name!r} not in its hierarchy list: {examples(missing)}.")
        return _tree_dimension(name, list(hierarchy), {}, {})
    if not isinstance(hierarchy, dict):
        raise InputTypeError(f"hierarchies[{name!r}] must be a dict child -> parent, a list of leaves, or None.")
    parents = set(hierarchy.values())
    leaves = [c for c in hierarchy if c not in parents]
    unknown = [v for v in present if v not in set(leaves)]
    if unknown:
        raise InputValueError(
            f"values of {name!r} are not leaves of its hierarchy: {examples(unknown)}. Every value in the data "
            f"must be a leaf (a key of the mapping that is nobody's parent).")
    return _tree_dimension(name, leaves, {k: v for k, v in hierarchy.items()}, {})


@dataclass(frozen=True, eq=False)
class Table:
    """Every published cell of a table: inner cells and all margins.

    Attributes
    ----------
    dims : tuple of Dimension
    cells : pandas.DataFrame
        One row per cell: the dimension columns (node labels; margins carry
        their parent code or ``"Total"``), ``<dim>_level`` columns, ``count``
        and, for magnitude tables, ``value``, ``n_contributors``, ``top1``,
        ``top2`` ...; with record keys also ``cell_key`` in [0, 1).
    inner : numpy.ndarray
        Counts of the inner cells (leaf combinations), C-ordered.
    kind : {"frequency", "magnitude"}
    """

    dims: tuple[Dimension, ...]
    cells: pd.DataFrame
    inner: np.ndarray
    kind: str
    source: Any = field(repr=False, default=None)
    by: tuple[str, ...] = ()
    value_column: str | None = None
    vintage: int | dict[str, int] | None = None

    def to_frame(self) -> pd.DataFrame:
        """The cells (a copy)."""
        return self.cells.copy()

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(d.nodes) for d in self.dims)

    def __len__(self) -> int:
        return len(self.cells)

    def __repr__(self) -> str:
        dims = " x ".join(f"{d.name}({d.n_leaves}+{len(d.nodes) - d.n_leaves})" for d in self.dims)
        return f"Table({self.kind}, {dims} = {len(self.cells)} cells, total {self.cells['count'].iloc[-1]:,})"

    def node_index(self) -> np.ndarray:
        """cells x dims array of node positions (C order of the node product)."""
        return np.stack(np.unravel_index(np.arange(len(self.cells)), self.shape), axis=1)


def _aggregate(tensor: np.ndarray, dims: tuple[Dimension, ...]) -> np.ndarray:
    """Sum leaf tensor over every dimension's hierarchy -> node tensor."""
    out = tensor
    for axis, d in enumerate(dims):
        m = d.membership()
        moved = np.moveaxis(out, axis, 0)
        flat = moved.reshape(moved.shape[0], -1)
        res = np.asarray(m @ flat).reshape((len(d.nodes),) + moved.shape[1:])
        out = np.moveaxis(res, 0, axis)
    return out


def _aggregate_top(top: np.ndarray, dims: tuple[Dimension, ...], k: int) -> np.ndarray:
    """Top-k contributions of every node cell from the leaves' top-k lists (last axis)."""
    out = top
    for axis, d in enumerate(dims):
        moved = np.moveaxis(out, axis, 0)
        res = np.empty((len(d.nodes),) + moved.shape[1:])
        res[: d.n_leaves] = moved
        for i in range(d.n_leaves, len(d.nodes)):
            stacked = np.concatenate([moved[j] for j in d.members[i]], axis=-1)
            res[i] = -np.sort(-stacked, axis=-1)[..., :k]
        out = np.moveaxis(res, 0, axis)
    return out


def leaf_codes(data: pd.DataFrame, dims: tuple[Dimension, ...], by: list[str]) -> np.ndarray:
    """Flat inner-cell index of every row."""
    idx = []
    for d, col in zip(dims, by):
        s = data[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes, uniques = s.cat.codes.to_numpy(), s.cat.categories
        else:
            codes, uniques = pd.factorize(s)
        area = d.level[0] in _AREA_LEVELS
        pos = {v: i for i, v in enumerate(d.leaves)}
        lookup = np.array([pos.get(str(u) if area else u, -1) for u in uniques] + [-1], dtype=np.int64)
        leaf = lookup[codes]  # code -1 (missing) maps to the trailing -1
        if (leaf < 0).any():
            bad = s[leaf < 0]
            raise InputValueError(f"{col!r} has values outside its hierarchy: {examples(pd.unique(bad).tolist())}.")
        idx.append(leaf)
    return np.ravel_multi_index(idx, tuple(d.n_leaves for d in dims))


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
        "20-64": "20+", "65+": "20+"}}``.
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
        How many largest contributions to keep per cell.

    Returns
    -------
    Table

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"sex": ["m", "k", "k"], "age": ["young", "old", "old"]})
    >>> t = segstat.tabulate(d, by=["sex", "age"])
    >>> t.cells[["sex", "age", "count"]].values.tolist()
    [['k', 'old', 2], ['k', 'young', 0], ['k', 'Total', 2], ['m', 'old', 0], ['m', 'young', 1], ['m', 'Total', 1], ['Total', 'old', 2], ['Total', 'young', 1], ['Total', 'Total', 3]]
    """
    vintage = _table_vintage(vintage, data)
    if type(data).__module__.startswith("dask"):
        from ._dask_tabulate import tabulate_dask

        return tabulate_dask(data, by=by, value=value, hierarchies=hierarchies, vintage=vintage,
                             record_key=record_key, top=top)
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
                   if str(col).lower() in ("deso", "regso", "kommun", "lan") or vintage is not None and col in
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
    from ..errors import CodeError
    from ..geography.codes import detect_level

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
                level = col if col in _AREA_LEVELS else detect_level(pd.Series(pd.unique(values)).astype("string"))
            except CodeError as e:
                raise CodeError(f"column {col!r} is given a vintage but does not hold area codes: {e}") from None
            dims.append(_area_dimension(col, level, values, per_column[col]))
        elif col in _AREA_LEVELS:
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


def partials(data: pd.DataFrame, dims: tuple[Dimension, ...], by: list[str], value: str | None,
             record_key: str | None, top: int) -> dict[str, np.ndarray]:
    """Mergeable partial aggregates of one chunk of microdata (pure: runs on Dask workers).

    Counts and value sums add; key sums add modulo 2^32 (exact integers, so the order of chunks does not
    matter); the top-k lists merge by keeping the k largest.
    """
    flat = leaf_codes(data, dims, by)
    size = int(np.prod([d.n_leaves for d in dims]))
    out = {"count": np.bincount(flat, minlength=size).astype(np.int64)}
    if value is not None:
        v = data[value].to_numpy(dtype=float)
        out["value"] = np.bincount(flat, weights=v, minlength=size)
        order = np.lexsort((-v, flat))
        f_sorted, v_sorted = flat[order], v[order]
        start = np.searchsorted(f_sorted, np.arange(size))
        tops = np.zeros((size, top))
        for j in range(top):
            pos = start + j
            ok = (pos < len(f_sorted)) & (f_sorted[np.minimum(pos, len(f_sorted) - 1)] == np.arange(size))
            tops[ok, j] = v_sorted[pos[ok]]
        out["top"] = tops
    if record_key is not None:
        ikeys = np.floor(data[record_key].to_numpy(dtype=float) * _KEY_SCALE).astype(np.uint64)
        key_sum = np.zeros(size, dtype=np.uint64)
        np.add.at(key_sum, flat, ikeys)
        out["key"] = key_sum % _KEY_SCALE
    return out


def combine_partials(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Merge two partial aggregates (associative and commutative)."""
    out = {"count": a["count"] + b["count"]}
    if "value" in a:
        out["value"] = a["value"] + b["value"]
        k = a["top"].shape[1]
        out["top"] = -np.sort(-np.concatenate([a["top"], b["top"]], axis=1), axis=1)[:, :k]
    if "key" in a:
        out["key"] = (a["key"] + b["key"]) % _KEY_SCALE
    return out


def from_partials(dims: tuple[Dimension, ...], parts: dict[str, np.ndarray], *, by: list[str], value: str | None,
                  record_key: str | None, top: int, source: Any, vintage: int | None) -> Table:
    """Build the Table (every cell and margin) from merged partial aggregates."""
    leaf_shape = tuple(d.n_leaves for d in dims)
    counts = parts["count"].reshape(leaf_shape)
    node_counts = _aggregate(counts.astype(float), dims)
    grids = np.unravel_index(np.arange(node_counts.size), node_counts.shape)
    cells = {}
    for d, g in zip(dims, grids):
        cells[d.name] = np.asarray(d.nodes, dtype=object)[g]
    for d, g in zip(dims, grids):
        cells[f"{d.name}_level"] = np.asarray(d.level, dtype=object)[g]
    frame = pd.DataFrame(cells)
    frame["count"] = np.rint(node_counts.ravel()).astype(np.int64)
    kind = "frequency"
    if value is not None:
        kind = "magnitude"
        frame["value"] = _aggregate(parts["value"].reshape(leaf_shape), dims).ravel()
        frame["n_contributors"] = frame["count"]
        node_tops = _aggregate_top(parts["top"].reshape(leaf_shape + (top,)), dims, top).reshape(-1, top)
        for j in range(top):
            frame[f"top{j + 1}"] = node_tops[:, j]
    if record_key is not None:
        node_keys = _aggregate_keys(parts["key"].reshape(leaf_shape), dims)
        frame["cell_key"] = (node_keys.ravel() % _KEY_SCALE).astype(float) / _KEY_SCALE
    if isinstance(vintage, int):
        carry_vintage(frame, vintage)
    return Table(dims=dims, cells=frame, inner=counts.ravel(), kind=kind, source=source, by=tuple(by),
                 value_column=value, vintage=vintage)


def _aggregate_keys(tensor: np.ndarray, dims: tuple[Dimension, ...]) -> np.ndarray:
    """Integer key sums over hierarchies, modulo 2^32 (exact)."""
    out = tensor.astype(np.uint64) % _KEY_SCALE
    for axis, d in enumerate(dims):
        moved = np.moveaxis(out, axis, 0)
        res = np.empty((len(d.nodes),) + moved.shape[1:], dtype=np.uint64)
        for i, m in enumerate(d.members):
            res[i] = moved[m].sum(axis=0) % _KEY_SCALE
        out = np.moveaxis(res, 0, axis)
    return out
