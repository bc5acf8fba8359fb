"""The finest-cell model behind protection and audit.

Every published cell of every (linked) table is a sum of *finest cells*: the
cross-classification of all classifying variables of all tables. A
suppression pattern is safe when, for each suppressed cell, the interval an
intruder can derive from all published cells (linear equalities) and
non-negativity is wide enough.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..errors import InputValueError
from ._table import Dimension, Table, leaf_codes


@dataclass(eq=False)
class Model:
    tables: tuple[Table, ...]
    offsets: np.ndarray        # first global cell id of each table
    values: np.ndarray         # value of every cell (count, or magnitude value)
    M: object                  # scipy.sparse csr: cells x finest
    finest_values: np.ndarray  # value of every finest cell
    equations: list[np.ndarray]  # blocks (1 + children, columns) of global cell ids: parent = sum(children)

    @property
    def n_cells(self) -> int:
        return len(self.values)


def _kron_membership(t: Table):
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
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def functional(a: np.ndarray, b: np.ndarray) -> bool:
        """Whether b is a function of a in the data (as many distinct pairs as distinct values of a)."""
        pairs = len(np.unique(a.astype(np.int64) * (int(b.max()) + 1) + b))
        return pairs == len(np.unique(a))

    for i in range(n):
        for j in range(i + 1, n):
            a, b = variables[i], variables[j]
            if (a.area and b.area) or functional(a.rows, b.rows) or functional(b.rows, a.rows):
                parent[find(i)] = find(j)
    by_root: dict[int, list[int]] = {}
    for i in range(n):
        by_root.setdefault(find(i), []).append(i)
    groups = list(by_root.values())
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


_BANNER_SHOWN = False


def _new_highs(highspy):
    """A silent HiGHS instance (the library prints a banner to file descriptor 1 on first use)."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        import os
        import sys

        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
        finally:
            os.dup2(saved, 1)
            os.close(devnull)
            os.close(saved)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    # only the objective changes between solves: the basis stays primal feasible, so primal simplex
    # continues from it (about 3-4 times faster than the default here)
    h.setOptionValue("simplex_strategy", 4)
    return h


def _equality_lp(highspy, A, rhs: np.ndarray):
    """A silent HiGHS instance holding {x >= 0 : A x = rhs} (``A`` column-wise) with a zero objective."""
    n_col, n_row = A.shape[1], A.shape[0]
    h = _new_highs(highspy)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = np.zeros(n_col)
    lp.col_lower_ = np.zeros(n_col)
    lp.col_upper_ = np.full(n_col, highspy.kHighsInf)
    lp.row_lower_ = np.asarray(rhs, dtype=float)
    lp.row_upper_ = np.asarray(rhs, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    h.passModel(lp)
    return h


def _optimise(h, hs, cols: np.ndarray, senses: tuple[str, ...], offset: float) -> list[float] | None:
    """Minimum and/or maximum of the sum of columns ``cols`` (plus ``offset``), the objective reset after;
    -inf/inf where unbounded, None when HiGHS finds no optimum."""
    cols = np.asarray(cols, dtype=np.int32)
    out = []
    for sense in senses:
        h.changeObjectiveSense(hs.ObjSense.kMinimize if sense == "min" else hs.ObjSense.kMaximize)
        h.changeColsCost(len(cols), cols, np.ones(len(cols)))
        h.run()
        status = h.getModelStatus()
        value = h.getInfo().objective_function_value + offset  # read before the objective is reset
        h.changeColsCost(len(cols), cols, np.zeros(len(cols)))
        if status == hs.HighsModelStatus.kOptimal:
            out.append(value)
        elif status == hs.HighsModelStatus.kUnbounded:
            out.append(np.inf if sense == "max" else -np.inf)
        else:
            return None
    return out


#: constraints with more unknowns than this do not join local neighbourhoods (they still constrain them)
LOCAL_ROW_LIMIT = 24


class Attacker:
    """Bounds an intruder can derive for suppressed cells, by linear programming (HiGHS).

    Unknowns are the finest cells not published on their own; constraints are
    the published cells that contain unknowns. Unknowns are grouped in
    connected components, one LP model each, re-solved with a new objective per
    target (warm start).
    """

    def __init__(self, model: Model, suppressed: np.ndarray) -> None:
        from scipy import sparse

        self.model = model
        M = model.M
        pub = ~suppressed
        row_nnz = np.diff(M.indptr)
        single = pub & (row_nnz == 1)
        known = np.zeros(M.shape[1], dtype=bool)
        known[M.indices[M.indptr[:-1][single]]] = True
        self.known = known
        # published constraints on unknowns
        unknown = ~known
        Mp = M[pub]
        has_unknown = np.asarray(Mp[:, unknown].sum(axis=1)).ravel() > 0
        rows = Mp[has_unknown]
        rhs = model.values[pub][has_unknown] - rows[:, known] @ model.finest_values[known]
        self.A = rows[:, unknown].tocsr()
        self.rhs = rhs
        self.var_of_finest = np.full(M.shape[1], -1, dtype=np.int64)
        self.var_of_finest[unknown] = np.arange(int(unknown.sum()))
        # components: union-find over unknowns through shared constraints and shared suppressed cells
        n = int(unknown.sum())
        parent = np.arange(n)

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        def link(cols: np.ndarray) -> None:
            if len(cols) > 1:
                r0 = find(int(cols[0]))
                for c in cols[1:]:
                    rc = find(int(c))
                    if rc != r0:
                        parent[rc] = r0
        A = self.A
        for r in range(A.shape[0]):
            link(A.indices[A.indptr[r]:A.indptr[r + 1]])
        for c in np.flatnonzero(suppressed):
            cols = self.var_of_finest[M.indices[M.indptr[c]:M.indptr[c + 1]]]
            link(cols[cols >= 0])
        self.component = np.array([find(i) for i in range(n)], dtype=np.int64)
        self._models: dict[int, tuple] = {}
        self._local_models: dict[int, tuple] = {}
        self.truth = model.finest_values[unknown]
        # local neighbourhoods: components through small constraints only (see local_bounds)
        row_nnz = np.diff(A.indptr)
        self.small = row_nnz <= LOCAL_ROW_LIMIT
        lparent = np.arange(n)

        def lfind(i: int) -> int:
            while lparent[i] != i:
                lparent[i] = lparent[lparent[i]]
                i = lparent[i]
            return i

        for r in np.flatnonzero(self.small):
            cols = A.indices[A.indptr[r]:A.indptr[r + 1]]
            if len(cols) > 1:
                r0 = lfind(int(cols[0]))
                for c in cols[1:]:
                    rc = lfind(int(c))
                    if rc != r0:
                        lparent[rc] = r0
        self.local = np.array([lfind(i) for i in range(n)], dtype=np.int64)

    def _solver(self, comp: int):
        if comp in self._models:
            return self._models[comp]
        import highspy

        cols = np.flatnonzero(self.component == comp)
        local = np.full(len(self.component), -1, dtype=np.int64)
        local[cols] = np.arange(len(cols))
        sub = self.A[:, cols]
        rows = np.flatnonzero(np.diff(sub.tocsr().indptr) > 0)
        h = _equality_lp(highspy, sub[rows].tocsc(), self.rhs[rows])
        self._models[comp] = (h, local, highspy)
        return self._models[comp]

    def _solve(self, cell: int, senses: tuple[str, ...]) -> list[float]:
        M = self.model.M
        f = M.indices[M.indptr[cell]:M.indptr[cell + 1]]
        known_part = float(self.model.finest_values[f[self.known[f]]].sum())
        var = self.var_of_finest[f]
        var = var[var >= 0]
        if len(var) == 0:
            return [known_part] * len(senses)
        comp = int(self.component[var[0]])
        h, local, hs = self._solver(comp)
        out = _optimise(h, hs, local[var], senses, known_part)
        if out is None:
            raise InputValueError(f"the intruder's LP could not be solved ({h.getModelStatus()}); the tables do not "
                                  f"add up.")
        return out

    def _local_solver(self, comp: int, relaxed: bool = False):
        if (comp, relaxed) in self._local_models:
            return self._local_models[(comp, relaxed)]
        import highspy

        cols = np.flatnonzero(self.local == comp)
        local = np.full(len(self.local), -1, dtype=np.int64)
        local[cols] = np.arange(len(cols))
        if getattr(self, "_Acsc", None) is None:
            self._Acsc = self.A.tocsc()
        sub = self._Acsc[:, cols].tocsr()
        rows = np.flatnonzero(np.diff(sub.indptr) > 0)
        if relaxed:
            # only the neighbourhood's own small constraints (they hold no unknown outside it): dropping the
            # large ones enlarges the feasible set, so every bound found here lies outside the intruder's
            rows = rows[self.small[rows]]
        sub = sub[rows]
        # unknowns outside the neighbourhood are fixed at their true values: still a feasible point of the
        # intruder's LP, so every bound found here lies inside the intruder's true interval. The true values
        # satisfy every row, so the right-hand side left for the neighbourhood is its own part of the truth.
        h = _equality_lp(highspy, sub.tocsc(), sub @ self.truth[cols])
        self._local_models[(comp, relaxed)] = (h, local, highspy)
        return self._local_models[(comp, relaxed)]

    def local_bounds(self, cell: int, senses: tuple[str, ...] = ("min", "max"), relaxed: bool = False
                     ) -> list[float] | None:
        """Bounds from the cell's local neighbourhood, certified to lie inside the intruder's interval
        (lower >= true lower, upper <= true upper); with ``relaxed``, bounds from the neighbourhood's own
        constraints alone, certified to lie outside it. None when the cell spans several neighbourhoods."""
        M = self.model.M
        f = M.indices[M.indptr[cell]:M.indptr[cell + 1]]
        known_part = float(self.model.finest_values[f[self.known[f]]].sum())
        var = self.var_of_finest[f]
        var = var[var >= 0]
        if len(var) == 0:
            return [known_part] * len(senses)
        comps = np.unique(self.local[var])
        if len(comps) > 1:
            return None
        h, local, hs = self._local_solver(int(comps[0]), relaxed)
        return _optimise(h, hs, local[var], senses, known_part)

    def _cell_maps(self):
        """(M over the unknown finest cells, every cell's known part): a cell's value at a point of the
        intruder's problem is ``known + Mu @ unknowns``."""
        if getattr(self, "_maps", None) is None:
            M = self.model.M
            Mu = M[:, ~self.known].tocsr()
            base = M[:, self.known] @ self.model.finest_values[self.known]
            self._maps = (Mu, np.asarray(base).ravel())
        return self._maps

    def harvest(self, cells: np.ndarray, target: np.ndarray, rounds: int = 4) -> tuple[np.ndarray, np.ndarray]:
        """Values of every cell at a few vertices of the intruder's problem: (lowest, highest) seen.

        For each component, the LP maximises the sum of the ``cells`` whose highest value seen is still below
        their ``target``; every optimum is a point the intruder cannot rule out, so each cell's value there
        lies in its interval. Repeats while a round brings a new cell to its target. Cells that reach it are
        shown safe at the price of one LP for many cells; the rest are left to one LP each.
        """
        Mu, base = self._cell_maps()
        now = base + Mu @ self.truth
        lo, hi = now.copy(), now.copy()
        cells = np.asarray(cells, dtype=np.int64)
        if len(cells) == 0:
            return lo, hi
        comp_of = np.full(len(cells), -1, dtype=np.int64)
        for i, c in enumerate(cells):
            var = self.var_of_finest[self.model.M.indices[self.model.M.indptr[c]:self.model.M.indptr[c + 1]]]
            var = var[var >= 0]
            if len(var):
                comp_of[i] = self.component[var[0]]
        for comp in np.unique(comp_of[comp_of >= 0]):
            mine = cells[comp_of == comp]
            h, local, hs = self._solver(int(comp))
            cols = np.flatnonzero(self.component == comp)
            h.changeObjectiveSense(hs.ObjSense.kMaximize)
            for _ in range(rounds):
                pending = mine[hi[mine] < target[mine]]
                if len(pending) == 0:
                    break
                cost = np.asarray(Mu[pending][:, cols].sum(axis=0)).ravel()
                h.changeColsCost(len(cols), np.arange(len(cols), dtype=np.int32), cost)
                h.run()
                if h.getModelStatus() != hs.HighsModelStatus.kOptimal:
                    break
                x = self.truth.copy()
                x[cols] = np.asarray(h.getSolution().col_value)[:len(cols)]
                vals = base + Mu @ x
                np.maximum(hi, vals, out=hi)
                np.minimum(lo, vals, out=lo)
                if not (vals[pending] >= target[pending]).any():
                    break  # no pending cell reached its target: the rest go one LP each
            h.changeColsCost(len(cols), np.arange(len(cols), dtype=np.int32), np.zeros(len(cols)))
        return lo, hi

    def bounds(self, cell: int) -> tuple[float, float]:
        """[lower, upper] of a suppressed cell's value: the intruder's exact interval.

        Where the cell's local neighbourhood gives the same bounds with the other unknowns held at their true
        values (inside the exact interval) and with the neighbourhood's own constraints alone (outside it),
        those are the exact bounds; otherwise the LP of the whole component decides."""
        inner = self.local_bounds(cell)
        if inner is not None and np.all(np.isfinite(inner)):
            outer = self.local_bounds(cell, relaxed=True)
            if outer is not None and abs(outer[0] - inner[0]) <= 1e-7 and abs(outer[1] - inner[1]) <= 1e-7:
                return inner[0], inner[1]
        lo, hi = self._solve(cell, ("min", "max"))
        return lo, hi

    def upper(self, cell: int) -> float:
        """Upper bound only (enough to verify an upper protection level)."""
        return self._solve(cell, ("max",))[0]
