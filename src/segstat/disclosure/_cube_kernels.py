"""numba versions of the cube search's inner loops (see :func:`segstat.disclosure._cubes._kernels`).

:func:`best` does what the numpy code of :meth:`segstat.disclosure._cubes.CubeSuppressor.best` does, in
one pass without temporary arrays; :func:`prepare` builds the candidate cubes of many cells as
:meth:`~segstat.disclosure._cubes.CubeSuppressor.prepare` does. A cube's cost is summed in numpy's own
order (pairwise, eight partial sums), so the costs, and therefore the cube chosen among equally cheap ones,
are the same bit for bit.
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


# ---------------------------------------------------------------- candidate cubes of many cells in one pass
#
# The functions below do what ``CubeSuppressor.prepare`` does with ``_Tree.moves``, ``_Tree.chains`` and
# ``CubeSuppressor._dim_moves`` in Python, for a batch of cells, with the same moves in the same order (so
# the same candidates, costs and chosen cubes). The dimensions' trees are passed as flat arrays: ``parent``
# (node -> parent, -1 at the total) at ``noff[a]`` and ``ptr`` (children of node ``i`` of dimension ``a`` are
# ``kids[ptr[poff[a] + i]:ptr[poff[a] + i + 1]]``).


@njit(nogil=True, cache=True, inline="always")
def _key(v):  # pragma: no cover - compiled
    """``_smallest_nonzero_first``: a cell's size, zeros last."""
    return v if v > 0 else np.inf


@njit(nogil=True, cache=True)
def _descend(node, out, n, base, stride, values, ptr, kids, po):  # pragma: no cover - compiled
    """Append to ``out[n:]`` the chain below ``node`` that takes the smallest child (first of equal ones)
    at every step, down to a leaf; returns the new length."""
    while ptr[po + node + 1] > ptr[po + node]:
        best = -1
        bk = np.inf
        for i in range(ptr[po + node], ptr[po + node + 1]):
            c = kids[i]
            k = _key(values[base + c * stride])
            if best < 0 or k < bk:
                best = c
                bk = k
        node = best
        out[n] = node
        n += 1
    return n


@njit(nogil=True, cache=True)
def _write_move(lev, sg, path, plen, down, dlen, wchain, wl):  # pragma: no cover - compiled
    """One move into the row ``lev``/``sg``: +1 on the path up and the chain down (without its first node, the
    path's), -1 on the sibling's chain (``wl`` nodes, none for a move up to the total), padded with node 0 and
    sign 0; returns its length."""
    m = 0
    for j in range(plen):
        lev[m], sg[m] = path[j], 1
        m += 1
    for j in range(1, dlen):
        lev[m], sg[m] = down[j], 1
        m += 1
    for j in range(wl):
        lev[m], sg[m] = wchain[j], -1
        m += 1
    for j in range(m, lev.shape[0]):
        lev[j], sg[j] = 0, 0
    return m


@njit(nogil=True, cache=True)
def _moves(x, full, base, stride, values, parent, no, ptr, kids, po, max_moves, up_levels,
           lev, sg, down, dlen, wchain, path, sib, skey):  # pragma: no cover - compiled
    """``_Tree.moves``: the candidate moves of node ``x`` along one dimension into ``lev``/``sg`` (rows padded
    with node 0, sign 0); returns (moves, width, depends)."""
    # up to two descendant chains, smallest cells first (stable order among equal ones)
    n_down = 1
    down[0, 0] = x
    dlen[0] = 1
    lo, hi = ptr[po + x], ptr[po + x + 1]
    if hi > lo:
        first = -1
        fk = np.inf
        for i in range(lo, hi):
            k = _key(values[base + kids[i] * stride])
            if first < 0 or k < fk:
                first = i
                fk = k
        second = -1
        sk = np.inf
        for i in range(lo, hi):
            if i == first:
                continue
            k = _key(values[base + kids[i] * stride])
            if second < 0 or k < sk:
                second = i
                sk = k
        down[0, 1] = kids[first]
        dlen[0] = _descend(kids[first], down[0], 2, base, stride, values, ptr, kids, po)
        if second >= 0:
            n_down = 2
            down[1, 0] = x
            down[1, 1] = kids[second]
            dlen[1] = _descend(kids[second], down[1], 2, base, stride, values, ptr, kids, po)
    depends = dlen[0] > 1
    path[0] = x
    plen = 1
    u = x
    turns = 0
    found = 0
    width = 0
    limit = up_levels + 1 if full else up_levels
    while turns < limit and parent[no + u] >= 0:
        p = parent[no + u]
        ns = 0
        for i in range(ptr[po + p], ptr[po + p + 1]):
            if kids[i] != u:
                sib[ns] = kids[i]
                ns += 1
        if ns > 2 * max_moves:
            # many siblings: the smallest on the line (stable), kept in their order
            for i in range(ns):
                skey[i] = _key(values[base + sib[i] * stride])
            chosen = np.sort(np.argsort(skey[:ns], kind="mergesort")[:2 * max_moves])
            for i in range(2 * max_moves):
                sib[i] = sib[chosen[i]]
            ns = 2 * max_moves
            depends = True
        for i in range(ns):
            wchain[0] = sib[i]
            wl = _descend(sib[i], wchain, 1, base, stride, values, ptr, kids, po)
            if wl > 1:
                depends = True
            for d in range(n_down):
                width = max(width, _write_move(lev[found], sg[found], path, plen, down[d], dlen[d], wchain, wl))
                found += 1
        if ns > 0:
            turns += 1
        path[plen] = p
        plen += 1
        u = p
    while parent[no + u] >= 0:
        u = parent[no + u]
        path[plen] = u
        plen += 1
    if full or found == 0 or plen + dlen[n_down - 1] <= 3:
        for d in range(n_down):  # all the way up: no sibling to turn to
            width = max(width, _write_move(lev[found], sg[found], path, plen, down[d], dlen[d], wchain, 0))
            found += 1
    return found, width, depends


@njit(nogil=True, cache=True)
def _filter_moves(lev, sg, n, width, base, stride, values, n_leaves, need, on_leaves, max_moves, line):
    # pragma: no cover - compiled
    """``CubeSuppressor._dim_moves`` after the moves are built: drop those that decrease an inner cell of the
    line below ``need`` (when the line is one of inner cells), then keep the ``max_moves`` that touch the
    fewest persons on the line (stable, in their order). Rows are compacted in place; returns how many."""
    threshold = need - 1e-9
    if on_leaves:
        m = 0
        for i in range(n):
            bad = False
            for k in range(width):
                if sg[i, k] < 0 and lev[i, k] < n_leaves and values[base + lev[i, k] * stride] < threshold:
                    bad = True
                    break
            if not bad:
                if m != i:
                    lev[m, :] = lev[i, :]
                    sg[m, :] = sg[i, :]
                m += 1
        n = m
    if n > max_moves:
        buf = np.empty(width)
        for i in range(n):
            for k in range(width):
                buf[k] = values[base + lev[i, k] * stride] if sg[i, k] != 0 else 0.0
            line[i] = _pairwise(buf, width)
        keep = np.sort(np.argsort(line[:n], kind="mergesort")[:max_moves])
        for r in range(max_moves):
            i = keep[r]
            if i != r:
                lev[r, :] = lev[i, :]
                sg[r, :] = sg[i, :]
        n = max_moves
    return n


@njit(nogil=True, cache=True)
def _grow(buf, used, extra):  # pragma: no cover - compiled
    """``buf`` with room for ``extra`` more elements after ``used`` (doubled when full)."""
    if used + extra <= buf.shape[0]:
        return buf
    new = np.empty(max(2 * buf.shape[0], used + extra), dtype=buf.dtype)
    new[:used] = buf[:used]
    return new


@njit(nogil=True, cache=True)
def _anchors(cell, pos, anchor, strides, n_leaves, values, ptr, kids, poff, chain):  # pragma: no cover - compiled
    """The cell's coordinates into ``pos`` and, into ``anchor``, the leaf its cubes use along each variable: the
    cell's own position on a leaf, else the leaf reached by taking the smallest child on the cell's line."""
    D = pos.shape[0]
    rest = cell
    for a in range(D):
        pos[a] = rest // strides[a]
        rest -= pos[a] * strides[a]
    for b in range(D):
        anchor[b] = pos[b]
        if pos[b] >= n_leaves[b]:
            chain[0] = pos[b]
            n = _descend(pos[b], chain, 1, cell - pos[b] * strides[b], strides[b], values, ptr, kids, poff[b])
            anchor[b] = chain[n - 1]


@njit(nogil=True, cache=True)
def _all_moves(pos, anchor, full, need, strides, n_leaves, values, parent, noff, ptr, kids, poff, max_moves,
               up_levels, lev, sg, n_moves, width, down, dlen, wchain, path, sib, skey, line):
    # pragma: no cover - compiled
    """The filtered moves of every variable into ``lev[a]``/``sg[a]`` (``n_moves[a]`` rows of ``width[a]``), each
    on the line through the anchors of the other variables; False when some variable has none."""
    D = pos.shape[0]
    ok = True
    for a in range(D):
        base = 0
        on_leaves = True
        for b in range(D):
            if b != a:
                base += anchor[b] * strides[b]
                if anchor[b] >= n_leaves[b]:
                    on_leaves = False
        n, w, _ = _moves(pos[a], full, base, strides[a], values, parent, noff[a], ptr, kids, poff[a], max_moves,
                         up_levels, lev[a], sg[a], down, dlen, wchain, path, sib, skey)
        n_moves[a] = _filter_moves(lev[a], sg[a], n, w, base, strides[a], values, n_leaves[a], need, on_leaves,
                                   max_moves, line)
        width[a] = w
        ok = ok and n_moves[a] > 0
    return ok


@njit(nogil=True, cache=True)
def _write_cubes(cell, need, lev, sg, n_moves, width, strides, values, is_leaf, ids, sgn, room, at, at_room,
                 i_a, k_a):  # pragma: no cover - compiled
    """The cubes of one cell (the outer product of one move per variable, C order) whose room reaches ``need``:
    cell ids (padding: the cell itself, sign 0) from ``ids[at]`` and rooms from ``room[at_room]``, as the
    numpy code orders them; returns how many. The buffers must hold every cube."""
    D = n_moves.shape[0]
    R = 1
    C = 1
    for a in range(D):
        R *= n_moves[a]
        C *= width[a]
    threshold = need - 1e-9
    out = 0
    for a in range(D):
        i_a[a] = 0
    for r in range(R):
        for a in range(D):
            k_a[a] = 0
        low = np.inf
        start = at + out * C
        for q in range(C):
            c = 0
            s = 1
            for a in range(D):
                c += lev[a, i_a[a], k_a[a]] * strides[a]
                s *= sg[a, i_a[a], k_a[a]]
            if s == 0:
                ids[start + q] = cell
                sgn[start + q] = 0
            else:
                ids[start + q] = c
                sgn[start + q] = s
                if s < 0 and is_leaf[c]:
                    v = values[c]
                    if (v < low or v != v) and low == low:
                        low = v
            a = D - 1  # next node: the digits of q, last variable fastest
            while a >= 0:
                k_a[a] += 1
                if k_a[a] < width[a]:
                    break
                k_a[a] = 0
                a -= 1
        if low >= threshold:
            room[at_room + out] = low
            out += 1
        a = D - 1  # next cube: the digits of r
        while a >= 0:
            i_a[a] += 1
            if i_a[a] < n_moves[a]:
                break
            i_a[a] = 0
            a -= 1
    return out


@njit(nogil=True, cache=True)
def prepare(cells, full, needs, shape, strides, n_leaves, values, is_leaf, parent, noff, ptr, kids, poff,
            max_moves, up_levels, max_width, max_kids, id_like):  # pragma: no cover - compiled
    """The candidate cubes of ``cells`` (``CubeSuppressor.prepare``): for each cell, the moves along every
    dimension (on the line through the cell, or through the leaf its cubes use where it sits on another
    variable's margin), filtered, combined into cubes and kept where their room reaches the cell's need.
    Without ``full``, a cell with no candidate is tried again with the moves up to the totals.

    Returns flat ``ids`` (dtype of ``id_like``), ``sgn``, ``room`` and, per cell, the number of candidates
    and the cells per candidate (cell ``g``'s block starts at the running sums of ``k * size`` and ``k``)."""
    D = shape.shape[0]
    G = cells.shape[0]
    M = 2 * (up_levels + 1) * 2 * max_moves + 2  # moves of one variable: (up to 2 levels) x 48 siblings x 2 + 2
    lev = np.zeros((D, M, max_width), np.int64)
    sg = np.zeros((D, M, max_width), np.int8)
    down = np.zeros((2, max_width), np.int64)
    dlen = np.zeros(2, np.int64)
    wchain = np.zeros(max_width, np.int64)
    path = np.zeros(max_width, np.int64)
    chain = np.zeros(max_width, np.int64)
    sib = np.zeros(max_kids + 1, np.int64)
    skey = np.empty(max_kids + 1)
    line = np.empty(M)
    n_moves = np.zeros(D, np.int64)
    width = np.zeros(D, np.int64)
    pos = np.zeros(D, np.int64)
    anchor = np.zeros(D, np.int64)
    i_a = np.zeros(D, np.int64)
    k_a = np.zeros(D, np.int64)
    ids = np.empty(1024, dtype=id_like.dtype)
    sgn = np.empty(1024, np.int8)
    room = np.empty(64)
    n_ids = 0
    n_room = 0
    k_out = np.zeros(G, np.int64)
    c_out = np.zeros(G, np.int64)
    for g in range(G):
        _anchors(cells[g], pos, anchor, strides, n_leaves, values, ptr, kids, poff, chain)
        out = 0
        C = 1
        for attempt in range(2):  # without full: a second attempt with the moves up to the totals
            use_full = full or attempt == 1
            if _all_moves(pos, anchor, use_full, needs[g], strides, n_leaves, values, parent, noff, ptr, kids,
                          poff, max_moves, up_levels, lev, sg, n_moves, width, down, dlen, wchain, path, sib, skey,
                          line):
                R = 1
                C = 1
                for a in range(D):
                    R *= n_moves[a]
                    C *= width[a]
                ids = _grow(ids, n_ids, R * C)
                sgn = _grow(sgn, n_ids, R * C)
                room = _grow(room, n_room, R)
                out = _write_cubes(cells[g], needs[g], lev, sg, n_moves, width, strides, values, is_leaf, ids, sgn,
                                   room, n_ids, n_room, i_a, k_a)
            if out > 0 or use_full:
                break
        k_out[g] = out
        c_out[g] = C if out else 1
        n_ids += out * C
        n_room += out
    # exact-size copies: the grown buffers can be twice as large, and the caller may keep views of these
    return ids[:n_ids].copy(), sgn[:n_ids].copy(), room[:n_room].copy(), k_out, c_out


# ---------------------------------------------------------------- the greedy queue of CubeSuppressor.run


@njit(nogil=True, cache=True, inline="always")
def _before(keys, cells, a, b):  # pragma: no cover - compiled
    """Whether heap entry ``a`` comes before ``b``: (key, cell) in lexicographic order, as Python's tuples."""
    return keys[a] < keys[b] or (keys[a] == keys[b] and cells[a] < cells[b])


@njit(nogil=True, cache=True)
def _sift_down(keys, cells, n, i):  # pragma: no cover - compiled
    while True:
        child = 2 * i + 1
        if child >= n:
            return
        if child + 1 < n and _before(keys, cells, child + 1, child):
            child += 1
        if not _before(keys, cells, child, i):
            return
        keys[i], keys[child] = keys[child], keys[i]
        cells[i], cells[child] = cells[child], cells[i]
        i = child


@njit(nogil=True, cache=True)
def greedy(keys, cells, batch, at, at_room, n_cubes, size, batch_ids, batch_room, needs, suppressed, weights,
           keep, any_kept):  # pragma: no cover - compiled
    """The queue of :meth:`segstat.disclosure._cubes.CubeSuppressor.run`: entry ``i`` (key: minus its cost,
    ``cells[i]``: its position in the per-cell arrays) is a primary cell whose candidates are
    ``batch_ids[batch[i]][at[i]:]`` (``n_cubes[i]`` rows of ``size[i]``) and ``batch_room[batch[i]][at_room[i]:]``.
    The cell at the top is taken when its cheapest cube, costed now, is still at least as dear as every other
    entry; else it goes back with its new cost. Same order as the Python queue (unique (key, cell) pairs).
    Marks the taken cubes' cells in ``suppressed``; returns the positions in the order taken and the cube index
    each took."""
    n = keys.shape[0]
    for i in range(n // 2 - 1, -1, -1):
        _sift_down(keys, cells, n, i)
    order = np.empty(n, np.int64)
    chosen = np.empty(n, np.int64)
    t = 0
    while n > 0:
        p = cells[0]
        k, w = n_cubes[p], size[p]
        ids = batch_ids[batch[p]][at[p]:at[p] + k * w].reshape((k, w))
        room = batch_room[batch[p]][at_room[p]:at_room[p] + k]
        cost, j = best(ids, room, suppressed, weights, keep, any_kept, False, needs[p])
        if n > 1:
            other = keys[1]
            if n > 2 and keys[2] < other:
                other = keys[2]
            if cost < -other - 1e-12:  # cheaper now: back in the queue with its new cost
                keys[0] = -cost
                _sift_down(keys, cells, n, 0)
                continue
        for q in range(w):  # padding points at the cell itself, suppressed already
            suppressed[ids[j, q]] = True
        order[t] = p
        chosen[t] = j
        t += 1
        n -= 1
        keys[0], cells[0] = keys[n], cells[n]
        _sift_down(keys, cells, n, 0)
    return order[:t], chosen[:t]
