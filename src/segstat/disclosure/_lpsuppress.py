"""Secondary suppression by one linear program per primary cell (for linked tables).

For a primary cell ``c`` the program looks for a change ``d`` of the finest cells such that the table
``finest + d`` stays non-negative, cell ``c`` grows by its protection level, and the cells that change are
as cheap as possible to hide:

    minimise    sum_k w_k |M_k d|
    subject to  M_c d >= required_c,   d >= -finest

with ``w_k`` the persons (or value) of cell ``k`` plus a small charge per cell, and 0 for cells already
suppressed. Every cell the solution changes is suppressed; then every published cell is unchanged by
``d``, so ``finest + d`` is a table the intruder cannot rule out and ``c``'s upper bound reaches its
protection level. The absolute values make it a linear program (one extra column per cell).

This is the classical LP heuristic for secondary suppression (Fischetti & Salazar-González 2000, "Models
and algorithms for optimizing cell suppression in tabular data with linear constraints", JASA 95, 916-928;
Kelly, Golden & Assad 1992 for the network case), solved primary cell by primary cell. Unlike moves along
a hierarchy it needs no structure: a table by RegSO and one by områdestyp, whose areas cut across the
kommun hierarchy, are handled as they are. ``d`` may be fractional: the intruder's bounds are those of the
same linear relaxation.

One HiGHS model holds the whole table; per primary cell only its target row and the costs of newly hidden
cells change, so the dual simplex restarts from the previous basis (tens of iterations a cell). A primary
cell that an earlier solution already lets grow enough (that solution, scaled as far as the table stays
non-negative, still keeps every published cell) needs no program of its own: a third to half fewer. Each
program still spans the whole table, so the time grows with table size times primary cells: about 0.6 s
for 115 primary cells in 2,500 linked cells, 257 s for 625 in 10,000 (see ``protect``'s ``method``).
Solving on neighbourhoods of the primary cell instead was tried: it hid more and, with its fallbacks to
the whole table, was slower.
"""

from __future__ import annotations

import numpy as np

from ._intruder import _new_highs
from ._model import Model

#: charge per hidden cell on top of its persons, so that empty cells are not hidden for free
CELL_CHARGE = 0.5
#: a cell whose change is below this is unchanged (solver tolerance)
TOLERANCE = 1e-7


def lp_secondary(model: Model, primary: np.ndarray, required: np.ndarray, suppressed: np.ndarray,
                 kept: np.ndarray | None = None) -> None:
    """Suppress, in place and dearest primary cell first, the cells each primary cell's program changes;
    ``kept`` cells may not change (their ``u`` is fixed at 0)."""
    import highspy
    from scipy import sparse

    M = sparse.csr_matrix(model.M)
    n_cells, n_fine = M.shape
    # columns: d (n_fine, >= -finest), u (n_cells, >= |M d|); rows: u - M d >= 0, u + M d >= 0, then the target
    eye = sparse.identity(n_cells, format="csr")
    A = sparse.vstack([sparse.hstack([-M, eye]), sparse.hstack([M, eye])], format="csc")
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_fine + n_cells, 2 * n_cells
    lp.col_cost_ = np.concatenate([np.zeros(n_fine), np.where(suppressed, 0.0, np.abs(model.values) + CELL_CHARGE)])
    lp.col_lower_ = np.concatenate([-model.finest_values, np.zeros(n_cells)])
    upper = np.full(n_fine + n_cells, inf)
    if kept is not None:
        upper[n_fine:][kept] = 0.0  # a kept cell's |M d| is at most 0: it never changes
    lp.col_upper_ = upper
    lp.row_lower_ = np.zeros(2 * n_cells)
    lp.row_upper_ = np.full(2 * n_cells, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(float)
    h = _new_highs(highspy)
    h.setOptionValue("simplex_strategy", 1)  # dual simplex: a new row keeps the previous basis dual feasible
    h.passModel(lp)
    u_cols = np.arange(n_fine, n_fine + n_cells, dtype=np.int32)
    target_row = np.array([2 * n_cells], dtype=np.int32)
    order = np.flatnonzero(primary)
    order = order[np.lexsort((-model.values[order], -required[order]))]
    found: list[np.ndarray] = []  # earlier solutions, each scaled as far as the table stays non-negative
    for c in order:
        row = M.getrow(int(c))
        if found and (np.stack([f[row.indices] for f in found]) @ row.data >= required[c] - TOLERANCE).any():
            continue  # an earlier solution already lets c grow enough: its cells are hidden, it still holds
        h.addRow(float(required[c]), inf, row.nnz, row.indices.astype(np.int32), row.data.astype(float))
        h.run()
        optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        d = np.asarray(h.getSolution().col_value[:n_fine]) if optimal else None
        h.deleteRows(1, target_row)
        if d is None:
            continue  # no table lets c grow (it cannot be protected by suppression); the audit reports it
        new = (np.abs(M @ d) > TOLERANCE) & ~suppressed
        shrinking = d < -TOLERANCE
        reach = np.min(model.finest_values[shrinking] / -d[shrinking]) if shrinking.any() else np.inf
        if np.isfinite(reach):
            found.append(d * reach)
        if new.any():
            suppressed |= new
            h.changeColsCost(int(new.sum()), u_cols[new], np.zeros(int(new.sum())))
