"""The finest-cell model behind protection and audit.

Every published cell of every (linked) table is a sum of *finest cells*: the
cross-classification of all classifying variables of all tables. A
suppression pattern is safe when, for each suppressed cell, the interval an
intruder can derive from all published cells (linear equalities) and
non-negativity is wide enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..errors import InputValueError
from ._table import Dimension, Table, leaf_codes


@dataclass(eq=False)
class Model:
    tables: tuple[Table, ...]
    offsets: np.ndarray        # first global cell id of each table
    values: np.ndarray         # value of every cell (count, or magnitude value)
    M: Any                     # scipy.sparse csr: cells x finest
    finest_values: np.ndarray  # value of every finest cell
    equations: list[np.ndarray]  # blocks (1 + children, columns) of global cell ids: parent = sum(children)

    @property
    def n_cells(self) -> int:
        return len(self.values)


def _kron_membership(t: Table) -> Any:
    from scipy import sparse

    m = None
    for d in t.dims:
        a = d.membership().tocsr()
        m = a if m is None else sparse.kron(m, a, format="csr")
    return m


def _equations(t: Table, offset: int) -> list[np.ndarray]:
    shape = t.shape
    ids = np.arange(int(np.prod(shape))).reshape(shape)
    blocks = []
    for axis, d in enumerate(t.dims):
        moved = np.moveaxis(ids, axis, 0).reshape(shape[axis], -1)
        for n, kids in enumerate(d.children):
            if kids:
                blocks.append(np.vstack([moved[n][None, :], moved[list(kids)]]) + offset)
    return blocks


def build_model(tables: Table | list[Table] | tuple[Table, ...]) -> Model:
    from scipy import sparse

    tables = (tables,) if isinstance(tables, Table) else tuple(tables)
    if not tables:
        raise InputValueError("no tables to protect.")
    for t in tables:
        if not isinstance(t, Table):
            raise InputValueError(f"protect() takes tables from segstat.tabulate(), got {type(t).__name__}.")
    kinds = {t.kind for t in tables}
    if len(kinds) > 1:
        raise InputValueError("linked tables must all be frequency tables or all magnitude tables.")
    value_col = "value" if tables[0].kind == "magnitude" else "count"
    offsets = np.cumsum([0] + [len(t.cells) for t in tables])[:-1]
    values = np.concatenate([t.cells[value_col].to_numpy(float) for t in tables])
    equations = [b for t, off in zip(tables, offsets) for b in _equations(t, int(off))]
    if len(tables) == 1:
        t = tables[0]
        M = _kron_membership(t)
        finest_values = t.cells[value_col].to_numpy(float)[_leaf_cell_ids(t)]
        return Model(tables, offsets, values, M, finest_values, equations)
    src = tables[0].source
    if any(t.source is not src for t in tables) or src is None:
        raise InputValueError("linked tables must be made by segstat.tabulate() from the same DataFrame object, "
                              "so that their cells can be matched person by person.")
    variables, per_table = _variables(src, tables)
    finest_of_row, combos = _finest_cells(variables)
    nf = len(combos)
    if tables[0].kind == "magnitude":
        v = src[tables[0].value_column].to_numpy(float)
        finest_values = np.bincount(finest_of_row, weights=v, minlength=nf)
    else:
        finest_values = np.bincount(finest_of_row, minlength=nf).astype(float)
    blocks = []
    for t, var_ids in zip(tables, per_table):
        leaf = np.ravel_multi_index([combos[:, v] for v in var_ids], tuple(d.n_leaves for d in t.dims))
        P = sparse.csr_matrix((np.ones(nf), (leaf, np.arange(nf))), shape=(len(t.inner), nf))
        blocks.append(_kron_membership(t) @ P)
    M = sparse.vstack(blocks, format="csr")
    M.data[:] = 1.0
    return Model(tables, offsets, values, M, finest_values, equations)


#: linked tables whose full cross-classification exceeds this many finest cells fall back to the observed
#: combinations (see _finest_cells)
MAX_FINEST = 5_000_000


class _Variable(NamedTuple):
    """One classifying variable of linked tables."""

    column: str
    leaves: tuple
    area: bool
    rows: np.ndarray                     # leaf index of every row of the source frame
    dim: Dimension                       # its dimension (a hierarchy frame's ``source`` makes it nested)


def _variables(src: pd.DataFrame, tables: tuple[Table, ...]) -> tuple[list[_Variable], list[list[int]]]:
    """The classifying variables of linked tables, one per distinct column and leaf list, and for each table
    the variable of each of its dimensions."""
    variables: list[_Variable] = []
    keys: dict[tuple, int] = {}
    per_table = []
    for t in tables:
        ids = []
        for d, col in zip(t.dims, t.by):
            key = (col, d.leaves)
            if key not in keys:
                keys[key] = len(variables)
                variables.append(_Variable(col, d.leaves, d.from_frame, leaf_codes(src, (d,), [col]), d))
            ids.append(keys[key])
        per_table.append(ids)
    return variables, per_table


def _area_combinations(variables: list[_Variable], group: list[int]) -> np.ndarray | None:
    """Every structurally possible combination of a group of variables cut from one hierarchy frame (a DeSO
    with its RegSO and kommun): the finest variable's leaves, each with its ancestor in every other. None when
    the group holds anything else (another hierarchy, a variable without one)."""
    sources = [variables[i].dim.source for i in group]
    if any(s is None for s in sources) or len(set(sources)) != 1:
        return None
    base = max(range(len(group)), key=lambda k: len(variables[group[k]].leaves))
    base_dim = variables[group[base]].dim
    leaves = variables[group[base]].leaves
    up = [[leaf, *base_dim.ancestors(leaf)] for leaf in leaves]
    cols = []
    for k, i in enumerate(group):
        if k == base:
            cols.append(np.arange(len(leaves)))
            continue
        pos = {str(c): j for j, c in enumerate(variables[i].leaves)}
        cols.append(np.array([next((pos[str(a)] for a in chain if str(a) in pos), -1) for chain in up],
                             dtype=np.int64))
    combos = np.stack(cols, axis=1)
    return combos[(combos >= 0).all(axis=1)]


def _finest_cells(variables: list[_Variable]) -> tuple[np.ndarray, np.ndarray]:
    """Finest cells of linked tables: (finest cell of every row, leaf index of every variable per finest cell).

    An empty finest cell is an unknown to the intruder like any other, unless the combination is impossible
    by structure, which the intruder knows too: a DeSO lies in one RegSO, a RegSO has one områdestyp, a
    2025 DeSO comes from particular 2018 DeSO. Variables are therefore grouped: two area columns always, and
    two columns of which one is a function of the other in the data (each RegSO has one områdestyp). Inside
    a group only the combinations seen in the data exist; across groups every combination does, seen or
    not. Treating every unseen combination as a known zero (as a first version did) is safe for the
    intervals but hides group disclosure from the repair: a row of zeros and one suppressed cell looks
    harmless when the zeros are "known" anyway, and protected zeros could never be widened.
    """
    n = len(variables)

    def functional(a: np.ndarray, b: np.ndarray) -> bool:
        """Whether b is a function of a in the data (as many distinct pairs as distinct values of a)."""
        pairs = len(np.unique(a.astype(np.int64) * (int(b.max()) + 1) + b))
        return pairs == len(np.unique(a))

    linked = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = variables[i], variables[j]
            linked[i, j] = (a.area and b.area) or functional(a.rows, b.rows) or functional(b.rows, a.rows)
    from scipy.sparse.csgraph import connected_components

    _, label = connected_components(linked, directed=False)
    by_label: dict[int, list[int]] = {}
    for i in range(n):
        by_label.setdefault(int(label[i]), []).append(i)
    groups = list(by_label.values())
    seen, row_of = [], []
    for g in groups:
        observed = np.stack([variables[i].rows for i in g], axis=1)
        if len(g) == 1:  # every category, persons or not: a DeSO nobody in the data lives in still exists
            possible = np.arange(len(variables[g[0]].leaves))[:, None]
        else:  # the combinations seen, and for areas of one vintage every one their codes allow
            structural = _area_combinations(variables, g)
            possible = observed if structural is None else np.concatenate([observed, structural])
        combos, inverse = np.unique(np.concatenate([observed, possible]), axis=0, return_inverse=True)
        seen.append(combos)
        row_of.append(inverse.ravel()[:len(observed)])
    sizes = [len(c) for c in seen]
    if float(np.prod(sizes, dtype=float)) > MAX_FINEST:
        import warnings

        from ..errors import SegstatWarning

        warnings.warn(f"the linked tables cross-classify into {float(np.prod(sizes, dtype=float)):.3g} finest cells, "
                      f"more than {MAX_FINEST:,}; only the combinations seen in the data are used, so "
                      f"combinations absent from the data count as known zeros (the intervals stay safe, but a row "
                      f"of such zeros beside one hidden cell is not repaired). Link fewer or coarser variables.",
                      SegstatWarning, stacklevel=4)
        combos, finest_of_row = np.unique(np.stack([v.rows for v in variables], axis=1), axis=0, return_inverse=True)
        return finest_of_row.ravel(), combos
    # every combination of the groups' seen combinations, in ravel order of the group indices
    grid = np.stack(np.meshgrid(*[np.arange(k) for k in sizes], indexing="ij"), axis=-1).reshape(-1, len(sizes))
    combos = np.empty((len(grid), n), dtype=np.int64)
    for gi, g in enumerate(groups):
        combos[:, g] = seen[gi][grid[:, gi]]
    finest_of_row = np.ravel_multi_index(row_of, tuple(sizes))
    return finest_of_row, combos


def _leaf_cell_ids(t: Table) -> np.ndarray:
    """Cell id of every inner (leaf-combination) cell, in inner order."""
    leaf_shape = tuple(d.n_leaves for d in t.dims)
    idx = np.unravel_index(np.arange(int(np.prod(leaf_shape))), leaf_shape)
    return np.ravel_multi_index(idx, t.shape)
