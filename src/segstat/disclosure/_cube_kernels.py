"""numba version of the cube search's innermost loop (see :func:`segstat.disclosure._cubes._kernels`).

:func:`best` does what the numpy code of :meth:`segstat.disclosure._cubes.CubeSuppressor.best` does, in
one pass without temporary arrays. A cube's cost is summed in numpy's own order (pairwise, eight partial
sums), so the costs, and therefore the cube chosen among equally cheap ones, are the same bit for bit.
Importing this module raises ImportError when numba is not installed.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def _block(a, lo, n):  # pragma: no cover - compiled
    """numpy's pairwise sum of ``a[lo:lo + n]`` for ``n <= 128`` (one block: eight partial sums)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    stop = n - n % 8
    while i < stop:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(nogil=True, cache=True)
def _pairwise(a, n):  # pragma: no cover - compiled
    """Sum of ``a[:n]`` in the order of numpy's pairwise summation (``pairwise_sum`` in numpy's
    ``loops_utils.h``: blocks of up to 128 halved at multiples of 8), which ``ndarray.sum`` uses along a
    contiguous axis; the halves are walked with an explicit stack instead of recursion."""
    if n <= 128:
        return _block(a, 0, n)
    los = np.empty(128, np.int64)
    ns = np.empty(128, np.int64)
    vals = np.empty(128)
    top = 0
    nv = 0
    los[0] = 0
    ns[0] = n
    top = 1
    while top > 0:
        top -= 1
        lo = los[top]
        m = ns[top]
        if m < 0:  # both halves are on the value stack: add them
            nv -= 1
            vals[nv - 1] = vals[nv - 1] + vals[nv]
        elif m <= 128:
            vals[nv] = _block(a, lo, m)
            nv += 1
        else:
            m2 = m // 2
            m2 -= m2 % 8
            ns[top] = -1
            los[top + 1] = lo + m2
            ns[top + 1] = m - m2
            los[top + 2] = lo
            ns[top + 2] = m2
            top += 3
    return vals[0]


@njit(nogil=True, cache=True)
def best(ids, room, suppressed, weights, keep, any_kept, inside, need):  # pragma: no cover - compiled
    """(cost, index) of the cheapest candidate cube: row ``i`` of ``ids`` costs the weights of its cells not
    yet ``suppressed`` (with ``inside``: 0 if there are none, else infinite); infinite when it would
    suppress a ``keep`` cell or its ``room`` falls short of ``need`` (> 1). The first of equal costs wins,
    as with ``numpy.argmin``."""
    n, w = ids.shape
    buf = np.empty(w)
    best_cost = np.inf
    best_j = 0
    for i in range(n):
        c = np.inf
        if need <= 1.0 or room[i] >= need - 1e-9:
            if inside:
                c = 0.0
                for k in range(w):
                    if not suppressed[ids[i, k]]:
                        c = np.inf
                        break
            else:
                for k in range(w):
                    cell = ids[i, k]
                    buf[k] = weights[cell] * (0.0 if suppressed[cell] else 1.0)
                c = _pairwise(buf, w)
            if any_kept:
                for k in range(w):
                    cell = ids[i, k]
                    if keep[cell] and not suppressed[cell]:
                        c = np.inf
                        break
        if i == 0 or c < best_cost or (c != c and best_cost == best_cost):
            best_cost = c
            best_j = i
    return best_cost, best_j


@njit(nogil=True, cache=True)
def stuck(lev, sg, vals, n_leaves, threshold):  # pragma: no cover - compiled
    """Moves (rows of ``lev``/``sg``) that decrease an inner cell of the line ``vals`` below ``threshold``,
    and how many there are."""
    n, w = lev.shape
    out = np.zeros(n, np.bool_)
    count = 0
    for i in range(n):
        for k in range(w):
            if sg[i, k] < 0 and lev[i, k] < n_leaves and vals[lev[i, k]] < threshold:
                out[i] = True
                count += 1
                break
    return out, count


@njit(nogil=True, cache=True)
def assemble(lev, sg, n_moves, width, strides, values, is_leaf, own, needs, ids, sgn, room, count
             ):  # pragma: no cover - compiled
    """The candidate cubes of ``G`` cells (the broadcast in ``CubeSuppressor.prepare``) whose room reaches
    the cell's need: cell ``g``'s are written to ``ids[g, :count[g]]`` (cell ids; padding points at the
    cell ``own[g]`` itself), ``sgn`` and ``room``, in the order of the numpy code.

    ``lev[a, g]``/``sg[a, g]`` hold the moves of cell ``g`` along dimension ``a`` (``n_moves[a]`` moves of
    ``width[a]`` nodes, padded with sign 0); cube ``r`` takes move ``r``'s digits (C order, one per
    dimension) and its cell ``q`` the nodes ``q``'s digits."""
    D = len(n_moves)
    G = ids.shape[0]
    R = ids.shape[1]
    C = ids.shape[2]
    i_a = np.empty(D, np.int64)
    k_a = np.empty(D, np.int64)
    for g in range(G):
        out = 0
        threshold = needs[g] - 1e-9
        for a in range(D):
            i_a[a] = 0
        for r in range(R):
            for a in range(D):
                k_a[a] = 0
            low = np.inf
            for q in range(C):
                cell = 0
                s = 1
                for a in range(D):
                    cell += lev[a, g, i_a[a], k_a[a]] * strides[a]
                    s *= sg[a, g, i_a[a], k_a[a]]
                if s == 0:
                    ids[g, out, q] = own[g]
                    sgn[g, out, q] = 0
                else:
                    ids[g, out, q] = cell
                    sgn[g, out, q] = s
                    if s < 0 and is_leaf[cell]:
                        v = values[cell]
                        if (v < low or v != v) and low == low:
                            low = v
                a = D - 1
                while a >= 0:
                    k_a[a] += 1
                    if k_a[a] < width[a]:
                        break
                    k_a[a] = 0
                    a -= 1
            if low >= threshold:
                room[g, out] = low
                out += 1
            a = D - 1
            while a >= 0:
                i_a[a] += 1
                if i_a[a] < n_moves[a]:
                    break
                i_a[a] = 0
                a -= 1
        count[g] = out
