"""Neighbours of areas for local empirical Bayes: shared boundaries, the same kommun, or a supplied table.

The result is a symmetric 0/1 sparse matrix over the data's areas (no self-links). A link to an area that is
not in the data is left out (boundaries usually cover more areas than a table); an area of the data missing
from the boundaries is an error naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._validation import examples
from ..errors import InputTypeError, InputValueError

__all__ = ["neighbour_matrix"]

#: what ``neighbours=`` may be, as text
_CHOICES = ("'kommun'", "'queen'", "'rook'", "a Boundaries object", "a DataFrame of (area, neighbour) pairs",
            "a dict area -> list of neighbours")


def _pairs_from_boundaries(b: Any, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """Code pairs of polygons that touch (``queen``: in a point or more) or share an edge (``rook``)."""
    import shapely

    polys = np.asarray(b.polygons)
    codes = np.asarray(b.codes).astype(str)
    tree = shapely.STRtree(polys)
    i, j = tree.query(polys, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    if rule == "rook" and len(i):
        shared = shapely.intersection(shapely.boundary(polys[i]), shapely.boundary(polys[j]))
        keep = shapely.length(shared) > 0
        i, j = i[keep], j[keep]
    return codes[i], codes[j]


def _pairs_from_table(table: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(table, pd.DataFrame):
        if table.shape[1] != 2:
            raise InputValueError(f"neighbours= as a DataFrame needs exactly two columns (area, neighbour), got "
                                  f"{table.shape[1]}: {list(table.columns)}.")
        a = table.iloc[:, 0].astype(str).to_numpy()
        n = table.iloc[:, 1].astype(str).to_numpy()
        return a, n
    pairs = [(str(k), str(v)) for k, vs in table.items() for v in vs]
    return (np.array([p[0] for p in pairs], dtype=object), np.array([p[1] for p in pairs], dtype=object))


def neighbour_matrix(codes: np.ndarray, neighbours: Any, *, vintage: int | None = None,
                     level: str = "deso") -> Any:
    """Symmetric 0/1 ``scipy.sparse.csr_matrix`` of neighbours among ``codes`` (the data's areas, in order).

    ``neighbours``: ``"kommun"`` (areas of the same kommun, the first four characters of the code),
    ``"queen"``/``"rook"`` (shared boundary point / edge of the bundled polygons of ``vintage``), a
    :class:`segstat.Boundaries` (queen), a DataFrame of (area, neighbour) pairs, or a dict.
    """
    from scipy import sparse

    codes = np.asarray(codes).astype(str)
    n = len(codes)
    index = pd.Index(codes)
    if isinstance(neighbours, str):
        if neighbours == "kommun":
            kommun = pd.Series(codes).str.slice(0, 4)
            g = kommun.groupby(kommun).ngroup().to_numpy()
            memb = sparse.csr_matrix((np.ones(n), (np.arange(n), g)), shape=(n, int(g.max()) + 1))
            m = (memb @ memb.T).tocsr()
            m.setdiag(0)
            m.eliminate_zeros()
            return m
        if neighbours not in ("queen", "rook"):
            raise InputValueError(f"neighbours={neighbours!r} is not allowed; use one of {', '.join(_CHOICES)}.")
        from ..geography.boundaries import boundaries

        if vintage is None:
            raise InputValueError(f"neighbours={neighbours!r} reads the bundled boundaries, which need the code "
                                  f"vintage: pass vintage=2025 (or data with attrs['segstat.vintage']).")
        b = boundaries(level, vintage=vintage)
        a, c = _pairs_from_boundaries(b, neighbours)
        covered = pd.Index(np.asarray(b.codes).astype(str))
    elif hasattr(neighbours, "polygons") and hasattr(neighbours, "codes"):
        a, c = _pairs_from_boundaries(neighbours, "queen")
        covered = pd.Index(np.asarray(neighbours.codes).astype(str))
    elif isinstance(neighbours, (pd.DataFrame, Mapping)):
        a, c = _pairs_from_table(neighbours)
        covered = None
    else:
        raise InputTypeError(f"neighbours must be one of {', '.join(_CHOICES)}; got {type(neighbours).__name__}.")
    if covered is not None:
        missing = ~index.isin(covered)
        if missing.any():
            raise InputValueError(f"{int(missing.sum())} area(s) of the data are not in the boundaries: "
                                  f"{examples(codes[missing].tolist())}. Pass boundaries that cover them "
                                  f"(segstat.boundaries(path=...)), or neighbours='kommun' or a table.")
    ia, ic = index.get_indexer(a), index.get_indexer(c)
    keep = (ia >= 0) & (ic >= 0) & (ia != ic)
    ia, ic = ia[keep], ic[keep]
    m = sparse.csr_matrix((np.ones(2 * len(ia)), (np.r_[ia, ic], np.r_[ic, ia])), shape=(n, n))
    m.data[:] = 1.0  # a pair given twice (or in both directions) is one link
    return m
