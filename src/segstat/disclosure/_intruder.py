"""The intruder: what someone who knows every published cell of linked tables (and that counts are
non-negative) can derive about each suppressed cell, by linear programming (HiGHS).

Used by protect (to find the cells a pattern leaves unsafe) and by audit (to report the intervals); neither
reaches into the other.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InputValueError
from ._cubes import certified_bounds
from ._model import Model


def _incidence(groups: list[np.ndarray], n: int) -> Any:
    """Sparse rows x n 0/1 matrix, one row per group of columns."""
    from scipy import sparse

    rows = np.concatenate([np.full(len(g), i) for i, g in enumerate(groups)]) if groups else np.zeros(0, int)
    cols = np.concatenate(groups) if groups else np.zeros(0, int)
    return sparse.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(len(groups), n))


def _components(rows: Any, n: int) -> np.ndarray:
    """Connected components of n columns linked when they share a row of the sparse matrix ``rows`` (the
    bipartite graph of columns and rows, so a long row costs its length, not its square); each component is
    labelled by its smallest column."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    r = sparse.csr_matrix(rows, shape=(rows.shape[0], n)).astype(bool).astype(np.int8)
    graph = sparse.bmat([[None, r.T], [r, None]], format="csr", dtype=np.int8) if r.shape[0] else \
        sparse.csr_matrix((n, n), dtype=np.int8)
    _, labels = connected_components(graph, directed=False)
    labels = labels[:n]
    first = np.full(int(labels.max()) + 1 if n else 0, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n))
    return first[labels]


_BANNER_SHOWN = False


def _new_highs(highspy: Any) -> Any:
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


def _equality_lp(highspy: Any, A: Any, rhs: np.ndarray) -> Any:
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
        # components: unknowns linked through shared constraints and shared suppressed cells
        n = int(unknown.sum())
        A = self.A
        cols_of_sup = [self.var_of_finest[M.indices[M.indptr[c]:M.indptr[c + 1]]] for c in np.flatnonzero(suppressed)]
        links = sparse.vstack([A.astype(bool), _incidence([c[c >= 0] for c in cols_of_sup], n)]).tocsr()
        self.component = _components(links, n)
        self._models: dict[int, tuple] = {}
        self._local_models: dict[tuple[int, bool], tuple] = {}
        self.truth = model.finest_values[unknown]
        # local neighbourhoods: components through small constraints only (see local_bounds)
        row_nnz = np.diff(A.indptr)
        self.small = row_nnz <= LOCAL_ROW_LIMIT
        self.local = _components(A[self.small], n)

    def _solver(self, comp: int) -> tuple:
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

    def _local_solver(self, comp: int, relaxed: bool = False) -> tuple:
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

    def _cell_maps(self) -> tuple[Any, np.ndarray]:
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

    def lower(self, cell: int) -> float:
        """Lower bound only."""
        return self._solve(cell, ("min",))[0]


def _certified_safe(model: Model, suppressed: np.ndarray, primary: np.ndarray, required: np.ndarray,
                    certificates: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells shown safe by certificates, and the inner bounds they give (see ``_cubes.certified_bounds``):
    a primary cell's upper bound reaches value + level, any other suppressed cell can move at all."""
    lo, hi = certified_bounds(model, suppressed, certificates)
    moves = hi - lo > 1e-9
    ok = suppressed & moves & np.where(primary, hi >= model.values + required - 1e-9, True)
    return ok, lo, hi


def _bounds_all(model: Model, suppressed: np.ndarray, required: np.ndarray | None = None,
                primary: np.ndarray | None = None, exact: bool = False, certificates: Any = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intervals of every suppressed cell and whether each is the exact intruder interval.

    Without ``exact``, an interval that already shows the cell safe is used: from certificates (moves of the
    finest cells that leave every published cell unchanged) or else from an LP over the cell's local
    neighbourhood. Either lies inside the intruder's interval, so the true interval is at least as wide.
    Otherwise (and with ``exact``) the full LP gives the intruder's exact interval."""
    lo = np.full(model.n_cells, np.nan)
    hi = np.full(model.n_cells, np.nan)
    is_exact = np.zeros(model.n_cells, dtype=bool)
    req = np.zeros(model.n_cells) if required is None else required
    prim = np.zeros(model.n_cells, dtype=bool) if primary is None else primary
    todo = np.flatnonzero(suppressed)
    if certificates is not None and not exact:
        ok, clo, chi = _certified_safe(model, suppressed, prim, req, certificates)
        lo[ok], hi[ok] = clo[ok], chi[ok]
        todo = np.flatnonzero(suppressed & ~ok)
    if not len(todo):
        return lo, hi, is_exact
    att = Attacker(model, suppressed)
    if not exact and len(todo) > 1:
        # points of the intruder's problem found by one LP for many cells: cells they show safe keep the
        # interval those points span (an inner interval, like the others)
        target = model.values + np.where(prim, req, 1e-7)
        plo, phi = att.harvest(todo, target)
        ok = (phi[todo] >= target[todo] - 1e-9) & (phi[todo] - plo[todo] > 1e-9)
        lo[todo[ok]], hi[todo[ok]] = plo[todo[ok]], phi[todo[ok]]
        todo = todo[~ok]
    for c in todo:
        if not exact:
            quick = att.local_bounds(int(c))
            if quick is not None:
                need = req[c] if prim[c] else 1e-7
                if quick[1] >= model.values[c] + need - 1e-9 and quick[1] - quick[0] > 1e-9:
                    lo[c], hi[c] = quick
                    continue
        lo[c], hi[c] = att.bounds(int(c))
        is_exact[c] = True
    return lo, hi, is_exact


def _unsafe(model: Model, suppressed: np.ndarray, primary: np.ndarray, required: np.ndarray,
            cells: np.ndarray, certificates: Any = None) -> np.ndarray:
    """Cells (of ``cells``) whose intruder upper bound is too low: below value + level for primaries,
    exactly determined (upper and lower bound at the value) for secondaries. One LP each (maximisation), except for cells
    that certificates already show safe."""
    if certificates is not None and len(cells):
        ok, _, _ = _certified_safe(model, suppressed, primary, required, certificates)
        cells = cells[~ok[cells]]
    if len(cells) == 0:
        return np.zeros(0, dtype=np.int64)
    att = Attacker(model, suppressed)
    # primaries: upper bound must reach value + level; secondaries: must exceed the value (not exact)
    need = np.where(primary, required - 1e-9, 1e-7)
    empty = np.diff(model.M.indptr) == 0
    if len(cells) > 1:
        # one LP for many cells first: points of the intruder's problem where cells already reach their target
        _, seen = att.harvest(cells, model.values + need)
        cells = cells[seen[cells] < model.values[cells] + need[cells]]
    bad = []
    for c in cells:
        if empty[c] and not primary[c]:
            continue
        target = model.values[c] + need[c]
        quick = att.local_bounds(int(c), ("max",))
        if quick is not None and quick[0] >= target:
            continue  # certified by the local LP: the intruder's true upper bound is at least as high
        if att.upper(int(c)) < target:
            if not primary[c] and att.lower(int(c)) < model.values[c] - 1e-7:
                continue  # a secondary cell at the top of its interval still cannot be told exactly
            bad.append(c)
    return np.asarray(bad, dtype=np.int64)


def _group_disclosure(model: Model, suppressed: np.ndarray) -> np.ndarray:
    """Suppressed cells that are the only hidden child of a non-zero parent whose other children are all
    published zeros: the intruder learns that everyone in the parent is in that child.

    Children with no finest cell are combinations impossible by structure (a RegSO of another områdestyp);
    everyone knows they are empty, so they neither disclose nor protect, and a row of them alone beside the
    hidden child discloses nothing new."""
    flagged = []
    empty = np.diff(model.M.indptr) == 0
    for block in model.equations:
        kids = block[1:]
        sup = suppressed[kids]
        zero_pub = (~sup) & (model.values[kids] == 0) & ~empty[kids]
        one = (sup.sum(axis=0) == 1) & ((zero_pub | sup | empty[kids]).all(axis=0)) & zero_pub.any(axis=0)
        one &= model.values[block[0]] > 0
        flagged.extend(kids[:, one][sup[:, one]].tolist())
    return np.unique(np.asarray(flagged, dtype=np.int64))
