"""Greedy secondary suppression: partners in the additivity equations, the repair of cells the intruder's
LP shows unsafe, and pruning (protect's methods "greedy" and "pruned", and the repair after every method)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._intruder import _group_disclosure, _unsafe
from ._model import Model


#: cost standing in for "no published cell left" in an equation
_NO_PARTNER = 1e9
_LOOKAHEAD_WEIGHT = 1.0  # tried 0.5, 1.5, 2: 1 hides fewest persons on RegSO x age


class _Suppressor:
    """Greedy partner choice over the additivity equations: no suppressed cell stands alone."""

    def __init__(self, model: Model, required: np.ndarray) -> None:
        self.model = model
        self.required = required
        self.values = model.values
        # cells with identical content (the same finest cells) across linked tables share their status
        M = model.M
        if not M.has_sorted_indices:  # products of sparse matrices need not keep each row's columns sorted
            M = M.copy()
            M.sort_indices()
        self.twins = _twins(M)
        self.helpful = np.zeros(len(self.values))
        self.lookahead: np.ndarray = np.zeros(len(self.values))
        self.cells_e, self.eqs_e, self.start_e = _equation_index(model)
        # cells with no finest cell behind them (combinations absent from linked microdata) are known zeros:
        # suppressing them cannot hide anything, so they are never chosen as partners
        self.empty = np.diff(M.indptr) == 0
        #: cells that must stay published (protect's ``keep=``): never a partner
        self.keep = np.zeros(len(self.values), dtype=bool)

    def _key(self, ids: np.ndarray, need: np.ndarray, suppressed: np.ndarray) -> np.ndarray:
        # a partner that enters an equation with no suppressed cell leaves a new lonely cell there, which will
        # need a partner of its own: count the cheapest candidate of each such equation in its cost; a cell that
        # also gives company to a lonely suppressed cell elsewhere costs half per such equation
        v = (self.values[ids] + self.lookahead[ids]) / (1.0 + self.helpful[ids])
        key = np.where(self.values[ids] >= need, v, 1e15 - self.values[ids])
        return np.where(suppressed[ids] | self.empty[ids] | self.keep[ids], np.inf, key)

    def _helpfulness(self, suppressed: np.ndarray) -> None:
        helpful = np.zeros(len(self.values))
        for block in self.model.equations:
            s = suppressed[block]
            lonely = s.sum(axis=0) == 1
            if lonely.any():
                sub = block[:, lonely]
                np.add.at(helpful, sub[~suppressed[sub]], 1.0)
        self.helpful = helpful
        cells, eqs = self.cells_e, self.eqs_e
        nsup = self.suppressed_per_equation(suppressed)
        n_eq = len(nsup)
        usable = ~suppressed[cells] & ~self.empty[cells] & ~self.keep[cells]
        # cheapest and second-cheapest usable cell of each equation: a cell's own follow-up partner is the
        # cheapest other cell
        val: np.ndarray = np.where(usable, self.values[cells], _NO_PARTNER)
        first: np.ndarray = np.full(n_eq, _NO_PARTNER)
        np.minimum.at(first, eqs, val)
        at_first = np.flatnonzero(val == first[eqs])
        one_each = at_first[np.unique(eqs[at_first], return_index=True)[1]]
        rest = val.copy()
        rest[one_each] = _NO_PARTNER
        second = np.full(n_eq, _NO_PARTNER)
        np.minimum.at(second, eqs, rest)
        other = np.where(val == first[eqs], second[eqs], first[eqs])
        follow = np.where(nsup[eqs] == 0, _LOOKAHEAD_WEIGHT * other, 0.0)
        self.lookahead = np.bincount(cells, weights=follow, minlength=len(self.values))

    def suppressed_per_equation(self, suppressed: np.ndarray) -> np.ndarray:
        """Number of suppressed cells in every additivity equation."""
        n_eq = int(self.eqs_e.max(initial=-1)) + 1
        return np.bincount(self.eqs_e, weights=suppressed[self.cells_e], minlength=n_eq).astype(np.int64)

    def close(self, suppressed: np.ndarray) -> int:
        added = 0
        changed = True
        while changed:
            changed = False
            self._helpfulness(suppressed)
            for group in self.twins:
                if suppressed[group].any() and not suppressed[group].all():
                    suppressed[group] = True
                    changed = True
            for block in self.model.equations:
                s = suppressed[block]
                lonely = np.flatnonzero(s.sum(axis=0) == 1)
                if len(lonely) == 0:
                    continue
                sub = block[:, lonely]
                need = np.maximum((self.required[sub] * suppressed[sub]).max(axis=0), 1.0)
                key = self._key(sub, need[None, :], suppressed)
                pick = np.argmin(key, axis=0)
                ok = np.isfinite(key[pick, np.arange(len(lonely))])
                chosen = sub[pick[ok], np.arange(len(lonely))[ok]]
                if len(chosen):
                    suppressed[chosen] = True
                    added += len(chosen)
                    changed = True
        return added

    def widen(self, cell: int, suppressed: np.ndarray) -> bool:
        """Suppress the best published partner of ``cell`` in any equation containing it."""
        best, best_key = -1, np.inf
        need = max(self.required[cell], 1.0)
        for block in self.model.equations:
            cols = np.flatnonzero((block == cell).any(axis=0))
            if len(cols) == 0:
                continue
            ids = block[:, cols].ravel()
            key = self._key(ids, need, suppressed)
            j = int(np.argmin(key))
            if key[j] < best_key:
                best, best_key = int(ids[j]), float(key[j])
        if not np.isfinite(best_key):
            # the cell's own equations are exhausted: a published cell elsewhere pins it (through a linked
            # table or a longer chain); take the cheapest published cell of any equation with a suppressed cell
            for block in self.model.equations:
                cols = suppressed[block].any(axis=0)
                if not cols.any():
                    continue
                ids = block[:, cols].ravel()
                key = self._key(ids, need, suppressed)
                j = int(np.argmin(key))
                if key[j] < best_key:
                    best, best_key = int(ids[j]), float(key[j])
        if best < 0 or not np.isfinite(best_key):
            return False
        suppressed[best] = True
        return True


def _twins(M: Any) -> list[np.ndarray]:
    """Groups (two or more) of rows of the sorted CSR matrix ``M`` with the same columns, each in row order.

    Rows are first grouped by their length and two random projections of their columns (a hash); rows
    that share a hash are then compared column by column, so a collision can never join different rows."""
    n = M.shape[0]
    nnz = np.diff(M.indptr)
    row = np.repeat(np.arange(n), nnz)
    proj = np.random.default_rng(0).random((2, M.shape[1]))
    h1 = np.bincount(row, weights=proj[0][M.indices], minlength=n)
    h2 = np.bincount(row, weights=proj[1][M.indices], minlength=n)
    order = np.lexsort((np.arange(n), h2, h1, nnz))
    key = np.stack([nnz[order], h1[order], h2[order]], axis=1)
    same = (key[1:] == key[:-1]).all(axis=1)
    bounds = np.flatnonzero(np.r_[True, ~same, True])
    out: list[np.ndarray] = []
    for i in np.flatnonzero(np.diff(bounds) > 1):
        members = order[bounds[i]:bounds[i + 1]]
        cols: dict[bytes, list[int]] = {}
        for r in members.tolist():
            cols.setdefault(M.indices[M.indptr[r]:M.indptr[r + 1]].tobytes(), []).append(r)
        out.extend(np.asarray(g, dtype=np.int64) for g in cols.values() if len(g) > 1)
    out.sort(key=lambda g: int(g[0]))
    return out


def _equation_index(model: Model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell ids, equation ids) of every cell's place in every additivity equation, sorted by cell, and the
    start of each cell's run: the equations of cell c are eq[start[c]:start[c + 1]]."""
    cell_parts: list[np.ndarray] = []
    eq_parts: list[np.ndarray] = []
    base = 0
    for block in model.equations:
        cell_parts.append(block.ravel())
        eq_parts.append(np.broadcast_to(np.arange(block.shape[1]) + base, block.shape).ravel())
        base += block.shape[1]
    cells = np.concatenate(cell_parts) if cell_parts else np.zeros(0, dtype=np.int64)
    eqs = np.concatenate(eq_parts) if eq_parts else np.zeros(0, dtype=np.int64)
    order = np.argsort(cells, kind="stable")
    cells, eqs = cells[order], eqs[order]
    start = np.searchsorted(cells, np.arange(model.n_cells + 1))
    return cells, eqs, start


def _prune(model: Model, suppressed: np.ndarray, primary: np.ndarray, required: np.ndarray,
           sup: _Suppressor) -> np.ndarray:
    """Publish again the secondary cells a safe pattern does not need, the largest first.

    A secondary cell is taken out when every additivity equation it belongs to keeps either no suppressed
    cell or at least two. The thinner pattern is then audited like any other; cells whose protection it
    broke get back the pruned cells of their equations, and if that is not enough the safe pattern we
    started from is returned unchanged. Pruning never makes the result less safe, only cheaper.
    """
    eqs, start = sup.eqs_e, sup.start_e
    nsup = sup.suppressed_per_equation(suppressed)
    in_twin = np.zeros(model.n_cells, dtype=bool)
    for g in sup.twins:
        in_twin[g] = True
    candidates = np.flatnonzero(suppressed & ~primary & ~in_twin)
    candidates = candidates[np.argsort(-model.values[candidates], kind="stable")]
    thinner = suppressed.copy()
    pruned = []
    for c in candidates:
        e = eqs[start[c]:start[c + 1]]
        if len(e) and (nsup[e] == 2).any():
            continue  # taking c out would leave a suppressed cell alone in an equation
        thinner[c] = False
        nsup[e] -= 1
        pruned.append(c)
    if not pruned:
        return suppressed
    pruned_ids = np.asarray(pruned, dtype=np.int64)
    eq_of_pruned = {int(c): eqs[start[c]:start[c + 1]] for c in pruned_ids}
    while True:
        bad = _unsafe(model, thinner, primary, required, np.flatnonzero(thinner))
        bad = np.union1d(bad, _group_disclosure(model, thinner))
        if len(bad) == 0:
            return thinner
        bad_eqs = np.unique(np.concatenate([eqs[start[c]:start[c + 1]] for c in bad]))
        back = [c for c in pruned if not thinner[c] and np.isin(eq_of_pruned[int(c)], bad_eqs).any()]
        if not back:
            return suppressed
        thinner[back] = True
