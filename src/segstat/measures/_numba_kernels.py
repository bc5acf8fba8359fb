"""numba versions of three inner loops of :mod:`segstat.measures.segregation` (see :mod:`._compiled`).

Each does what the numpy code beside its caller does, in one pass without temporary arrays and without
holding the GIL, so the permutation test's blocks run in parallel on threads. Importing this module raises
ImportError when numba is not installed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_TWO32 = np.uint64(1 << 32)


@njit(nogil=True, cache=True)
def correct_rows(draws, capacity, rows, excess, words, starts, done):  # pragma: no cover - compiled
    """The correction of :func:`segstat.measures.segregation._correct_row`, for many rows.

    For row ``rows[j]`` of ``draws`` (replicates x areas): take out (``excess[j] > 0``) or put in
    (``excess[j] < 0``) ``|excess[j]|`` distinct persons, the first that many distinct values of the
    random words ``words[starts[j]:starts[j + 1]]`` mapped to persons by Lemire's rule. Sets ``done[j]``;
    a row whose words run out first is left unchanged with ``done[j] = False``."""
    n_areas = draws.shape[1]
    cum = np.empty(n_areas, np.int64)
    moved = np.zeros(n_areas, np.int64)
    # a word's top bits name a bucket of persons; start[b] is the area of the bucket's first person, so a
    # person's area is found by a short forward scan (a binary search's unpredictable branches cost more)
    bits = 1
    while (1 << bits) < n_areas and bits < 20:
        bits += 1
    start = np.empty(1 << bits, np.int64)
    drop = np.uint64(32 - bits)
    for j in range(rows.shape[0]):
        r = rows[j]
        take_out = excess[j] > 0
        k = excess[j] if take_out else -excess[j]
        cr = r if capacity.shape[0] > 1 else 0
        acc = 0
        for a in range(n_areas):
            acc += draws[r, a] if take_out else capacity[cr, a] - draws[r, a]
            cum[a] = acc
        size = np.uint64(acc)
        threshold = (_TWO32 - size) % size
        a = 0
        for b in range(start.shape[0]):
            first = np.int64((np.uint64(b) * size) >> np.uint64(bits))
            while cum[a] <= first:
                a += 1
            start[b] = a
        # the persons chosen so far, in an open-addressing set at most half full (values are uniformly
        # random, so their low bits serve as the hash)
        slots = 2
        while slots < 2 * k:
            slots *= 2
        table = np.full(slots, -1, np.int64)
        mask = slots - 1
        found = 0
        i = starts[j]
        end = starts[j + 1]
        while found < k and i < end:
            word = np.uint64(words[i])
            wide = word * size
            i += 1
            if (wide & _LOW32) < threshold:
                continue  # Lemire's rejection: keeps every person equally likely
            v = np.int64(wide >> _SHIFT32)
            h = v & mask
            while table[h] != -1 and table[h] != v:
                h = (h + 1) & mask
            if table[h] == v:
                continue  # a person already chosen
            table[h] = v
            found += 1
            a = start[np.int64(word >> drop)]
            while cum[a] <= v:  # the area holding person v: the first a with cum[a] > v
                a += 1
            moved[a] += 1
        done[j] = found == k
        for a in range(n_areas):
            if moved[a] != 0:
                if found == k:
                    draws[r, a] += -moved[a] if take_out else moved[a]
                moved[a] = 0


@njit(nogil=True, cache=True)
def entropy_sums(cols, table):  # pragma: no cover - compiled
    """For group columns ``cols`` (a tuple of int64 arrays, one per group): (status, group totals,
    sum_i t_i ln t_i, sum_i t_i E_i), with c ln c read off ``table`` (k ln k) and
    t_i E_i = t_i ln t_i - sum_m c_im ln c_im taken area by area (no difference of two large sums) and
    added with Neumaier's compensated summation (error independent of the number of areas). status 0: done;
    1: a negative count, a count beyond the table, or an area with nobody (the numpy code then raises or
    grows the table)."""
    m = len(cols)
    size = table.shape[0]
    g = np.zeros(m, np.int64)
    t_log_t = 0.0
    within = 0.0
    lost = 0.0  # Neumaier's compensation: the low-order part of ``within`` lost to rounding
    for i in range(cols[0].shape[0]):
        t = 0
        c_log_c = 0.0
        for j in range(m):
            c = cols[j][i]
            if c < 0 or c >= size:
                return 1, g, 0.0, 0.0
            t += c
            g[j] += c
            c_log_c += table[c]
        if t == 0 or t >= size:
            return 1, g, 0.0, 0.0
        t_log_t += table[t]
        term = table[t] - c_log_c
        total = within + term
        if abs(within) >= abs(term):
            lost += (within - total) + term
        else:
            lost += (term - total) + within
        within = total
    return 0, g, t_log_t, within + lost


@njit(nogil=True, cache=True, fastmath={"reassoc"})
def dissimilarity_sums(cols):  # pragma: no cover - compiled
    """For group columns ``cols`` (a tuple of int64 arrays): (status, group totals,
    sum_im |c_im - t_i P_m|) with P_m the group's share of everyone. status 1: a negative count, an area
    with nobody (the numpy code then raises), or counts so large that their sums might not be exact.
    Column by column, each sum allowed to be reassociated (added in several partial sums at once, as
    numpy's pairwise sums are)."""
    m = len(cols)
    n = cols[0].shape[0]
    g = np.zeros(m, np.int64)
    t = np.zeros(n, np.int64)
    low = 0
    high = 0
    for j in range(m):
        col = cols[j]
        total = 0
        for i in range(n):
            c = col[i]
            low = min(low, c)
            high = max(high, c)
            total += c
            t[i] += c
        g[j] = total
    # counts whose sums could leave int64 (or floats' exact integers) go to the numpy code, in floats
    if low < 0 or high >= (1 << 53) // (m * n) or t.min() == 0:
        return 1, g, 0.0
    share = g / g.sum()
    dev = 0.0
    for j in range(m):
        col = cols[j]
        p = share[j]
        for i in range(n):
            dev += abs(col[i] - p * t[i])
    return 0, g, dev
