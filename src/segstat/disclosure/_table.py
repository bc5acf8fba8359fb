"""The table model of disclosure control: dimensions with hierarchies, every cell and margin, and the
mergeable partial aggregates that tabulate (pandas or Dask) builds it from.

Hierarchies are data: a mapping child -> parent, a list of leaves, or a frame with one row per node
(``code``, ``level``, ``parent``). Nothing here knows which hierarchy is geographic.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._vintage import carry_vintage
from .._validation import examples
from ..errors import InputTypeError, InputValueError

#: label of the grand total in every dimension
TOTAL = "Total"
_KEY_SCALE = 2**32


@dataclass(frozen=True, eq=False)
class Dimension:
    """One classifying variable with its hierarchy.

    ``nodes`` lists leaves first (in order), then aggregates, the total last.
    ``members[i]`` are the leaf positions summed by node ``i``; ``children[i]``
    the node positions directly below it; ``level[i]`` a level name.
    ``source`` identifies the hierarchy frame the dimension was cut from (its
    ``attrs["segstat.vintage"]``), None for a mapping or a list: dimensions
    with the same source are nested, so a leaf of one lies in one node of the
    other. Their values are matched as text.
    """

    name: str
    nodes: tuple[Any, ...]
    n_leaves: int
    members: tuple[np.ndarray, ...]
    children: tuple[tuple[int, ...], ...]
    level: tuple[str, ...]
    source: Any = None

    @property
    def leaves(self) -> tuple[Any, ...]:
        return self.nodes[: self.n_leaves]

    @property
    def from_frame(self) -> bool:
        """Whether the dimension was cut from a hierarchy frame (its values are then matched as text)."""
        return self.source is not None

    @functools.cached_property
    def _up(self) -> tuple[dict[Any, int], dict[int, int]]:
        """(node -> position, position -> parent position), built once."""
        return ({v: i for i, v in enumerate(self.nodes)},
                {c: p for p, cs in enumerate(self.children) for c in cs})

    def ancestors(self, node: Any) -> list[Any]:
        """The nodes above ``node`` (its parent first), up to and without the total."""
        pos, up = self._up
        out, i = [], pos[node]
        while i in up and self.nodes[up[i]] != TOTAL:
            i = up[i]
            out.append(self.nodes[i])
        return out

    def membership(self) -> Any:
        """Sparse 0/1 matrix nodes x leaves."""
        from scipy import sparse

        rows = np.concatenate([np.full(len(m), i) for i, m in enumerate(self.members)])
        cols = np.concatenate(self.members)
        return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(self.nodes), self.n_leaves))


def _tree_dimension(name: str, leaves: list[Any], parent: dict[Any, Any], levels: dict[Any, str],
                    source: Any = None) -> Dimension:
    """Build a Dimension from leaves and a child -> parent mapping (roots go under TOTAL)."""
    nodes = list(leaves)
    pos: dict[Any, int | None] = {v: i for i, v in enumerate(nodes)}
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
    index = {v: i for i, v in enumerate(nodes)}
    children: list[list[int]] = [[] for _ in nodes]
    for v in nodes[:-1]:
        children[index[parent.get(v, TOTAL)]].append(index[v])
    members: list[np.ndarray] = [None] * len(nodes)  # type: ignore[list-item]
    for i in range(len(leaves)):
        members[i] = np.array([i])
    for i in range(len(leaves), len(nodes)):  # bottom-up order: children come before parents
        members[i] = np.sort(np.concatenate([members[c] for c in children[i]]))
    lev = tuple(levels.get(v, "leaf" if i < len(leaves) else ("total" if v == TOTAL else "aggregate"))
                for i, v in enumerate(nodes))
    return Dimension(name, tuple(nodes), len(leaves), tuple(members), tuple(tuple(c) for c in children), lev,
                     source)


def _frame_dimension(name: str, frame: pd.DataFrame) -> Dimension:
    """A Dimension from a hierarchy frame: one row per node with ``code``, ``level`` and ``parent`` (missing
    for the nodes directly under the whole), leaves first. ``attrs["segstat.top_level"]`` names the level of
    the whole (default ``"total"``)."""
    missing = [c for c in ("code", "level", "parent") if c not in frame.columns]
    if missing:
        raise InputValueError(f"the hierarchy frame of {name!r} lacks columns {missing}; it needs one row per "
                              f"node with 'code', 'level' and 'parent'.")
    code = frame["code"].astype(str).tolist()
    parent_col = frame["parent"]
    parent = {c: str(p) for c, p in zip(code, parent_col) if not pd.isna(p)}
    parents = set(parent.values())
    leaves = [c for c in code if c not in parents]
    levels = dict(zip(code, frame["level"].astype(str)))
    levels[TOTAL] = str(frame.attrs.get("segstat.top_level", "total"))
    return _tree_dimension(name, leaves, parent, levels, source=frame.attrs.get("segstat.vintage", name))


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
    if isinstance(hierarchy, pd.DataFrame):
        dim = _frame_dimension(name, hierarchy)
        text = {str(v) for v in present}
        unknown = sorted(text - set(dim.leaves))
        if unknown:
            raise InputValueError(f"values of {name!r} are not leaves of its hierarchy: {examples(unknown)}.")
        return dim
    if not isinstance(hierarchy, dict):
        raise InputTypeError(f"hierarchies[{name!r}] must be a dict child -> parent, a list of leaves, a frame "
                             f"(code, level, parent) or None.")
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
        pos = {v: i for i, v in enumerate(d.leaves)}
        lookup = np.array([pos.get(str(u) if d.from_frame else u, -1) for u in uniques] + [-1], dtype=np.int64)
        leaf = lookup[codes]  # code -1 (missing) maps to the trailing -1
        if (leaf < 0).any():
            bad = s[leaf < 0]
            raise InputValueError(f"{col!r} has values outside its hierarchy: {examples(pd.unique(bad).tolist())}.")
        idx.append(leaf)
    return np.ravel_multi_index(idx, tuple(d.n_leaves for d in dims))


def partials(data: pd.DataFrame, dims: tuple[Dimension, ...], by: list[str], value: str | None,
             record_key: str | None, top: int) -> dict[str, np.ndarray]:
    """Mergeable partial aggregates of one chunk of microdata (pure: runs on Dask workers).

    Counts and value sums add; key sums add modulo 2^32 (exact integers, so the order of chunks does not
    matter); the top-k lists merge by keeping the k largest.
    """
    flat = leaf_codes(data, dims, by)
    size = int(np.prod([d.n_leaves for d in dims]))
    out: dict[str, np.ndarray] = {"count": np.bincount(flat, minlength=size).astype(np.int64)}
    if value is not None:
        v = data[value].to_numpy(dtype=float)
        out["value"] = np.bincount(flat, weights=v, minlength=size)
        order = np.lexsort((-v, flat))
        f_sorted, v_sorted = flat[order], v[order]
        start = np.searchsorted(f_sorted, np.arange(size))
        tops: np.ndarray = np.zeros((size, top))
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
                  record_key: str | None, top: int, source: Any, vintage: int | dict[str, int] | None) -> Table:
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
        carry_vintage(frame, vintage)  # the cells carry the codes' vintage, as the data did
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
