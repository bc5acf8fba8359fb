"""Resampling shared by the measures: replicates in seeded blocks on threads, the bootstrap and null
samplers of the segregation indices, and the intervals and notes built from replicates (bootstrap intervals
here, the simulation intervals of :func:`segstat.disparity` too).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from .._validation import check_rng
from . import _compiled

_BLOCK = 256  # replicates per block: bounds memory at _BLOCK x areas floats


def _whole(v: np.ndarray) -> np.ndarray:
    """Whole counts as int64, rounded rather than truncated: a sum such as 7.9999999999999991 is 8 persons."""
    return np.rint(v).astype(np.int64)


def _seed_sequence(rng: Any) -> np.random.SeedSequence:
    """One SeedSequence per call: blocks of replicates get children by block index, so results do not
    depend on how many workers run them."""
    if rng is None or isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(check_rng(rng).integers(0, 2**63, size=4).tolist())
    check_rng(rng)  # validates the type with segstat's message
    return np.random.SeedSequence(int(rng))


def _replicate(draw: Callable[[np.random.Generator, int], np.ndarray], kernel: Callable[[np.ndarray], np.ndarray],
               n: int, rng: Any, n_jobs: int | None) -> np.ndarray:
    """Kernel values of n replicates, drawn in fixed blocks with per-block generators, run on threads
    (numpy's samplers release the GIL). Identical for any n_jobs."""
    sizes = [min(_BLOCK, n - i) for i in range(0, n, _BLOCK)]
    children = _seed_sequence(rng).spawn(len(sizes))

    def block(i: int) -> np.ndarray:
        # SFC64: the samplers here are bound by raw random bits, and SFC64 gives them about 15 % faster than
        # the default PCG64 (binomial draws of the benchmark workload: 40 vs 47 ms a block)
        gen = np.random.Generator(np.random.SFC64(children[i]))
        # a replicate can be undefined (0/0 when no group member is drawn); the callers leave such replicates
        # out and say how many, so numpy's warning about them would only be noise (set per worker thread)
        with np.errstate(divide="ignore", invalid="ignore"):
            return kernel(draw(gen, sizes[i]))

    workers = min(len(sizes), n_jobs or os.cpu_count() or 1)
    if workers <= 1:
        return np.concatenate([block(i) for i in range(len(sizes))])
    with ThreadPoolExecutor(workers) as pool:
        return np.concatenate(list(pool.map(block, range(len(sizes)))))


def _binomial_by_area(gen: np.random.Generator, t: np.ndarray, p: np.ndarray | float, n: int) -> np.ndarray:
    """(n, areas) Binomial(t_i, p_i) integer draws, C-ordered, generated area by area: numpy's sampler reuses
    its set-up while (t_i, p_i) stay the same, about 1.4x faster than drawing replicate by replicate."""
    p = np.broadcast_to(np.asarray(p, dtype=float), t.shape)
    return np.ascontiguousarray(gen.binomial(_whole(t)[:, None], p[:, None], size=(len(t), n)).T)


def _bootstrap_two(x: np.ndarray, t: np.ndarray, n: int, gen: np.random.Generator) -> np.ndarray:
    """Areas keep their totals; each area's group count is redrawn Binomial(t_i, x_i / t_i)."""
    return _binomial_by_area(gen, t, x / t, n).astype(float)


def _null_two(x: np.ndarray, t: np.ndarray, n: int, gen: np.random.Generator) -> np.ndarray:
    """Evenness: the group's X members are spread over areas at random, keeping area totals
    (multivariate hypergeometric).

    Drawn exactly, and about twice as fast as numpy's sequential sampler, in two steps: every area's count
    is drawn Binomial(t_i, X/N) (given their sum S, these members are a uniformly random S-subset of the N
    persons); then |S - X| persons, chosen uniformly among the S members (S > X) or among the N - S others
    (S < X), are taken out or put in. A uniform subset of a uniform subset is uniform, so every replicate is a
    uniformly random X-subset of the persons: exactly the multivariate hypergeometric law.
    """
    ti = _whole(t)
    X = round(float(x.sum()))
    draws = _binomial_by_area(gen, ti, X / int(ti.sum()), n)
    return _correct_to_total(draws, ti, X, gen).astype(float)


def _correct_to_total(draws: np.ndarray, capacity: np.ndarray, X: int, gen: np.random.Generator) -> np.ndarray:
    """Make every row of ``draws`` (n, areas) sum to X, in place: take out uniformly chosen members (row sum
    above X) or put in uniformly chosen non-members (below X), non-members being ``capacity - row``.

    ``capacity`` is (areas,) or (n, areas). When every row is a binomial draw with one probability per
    replicate, each row becomes a uniformly random X-subset of its capacity (see :func:`_null_two`).

    The persons moved in a row are the first k distinct persons of a stream of random 32-bit words, each
    mapped to one of the row's pool of S persons by Lemire's rule (a word w gives person floor(w S / 2^32),
    and the few words whose low product bits fall below (2^32 - S) mod S are skipped, which makes every
    person equally likely; Lemire 2019). A stream of uniformly chosen persons with the repeats skipped gives
    a uniformly random k-subset. All rows' words are drawn in one call, with room for repeats; the rare row
    whose words run out draws more. The compiled kernel (:mod:`._compiled`) and :func:`_correct_row` choose
    the same persons from the same words."""
    sums = np.add.reduce(draws, axis=1)
    rows = np.flatnonzero(sums != X)
    if len(rows) == 0:
        return draws
    excess = sums[rows] - X
    cap = capacity[None, :] if capacity.ndim == 1 else capacity
    cap_sums = np.add.reduce(cap, axis=1)
    pools = np.where(excess > 0, sums[rows], (cap_sums if capacity.ndim == 1 else cap_sums[rows]) - sums[rows])
    if int(pools.max()) >= 1 << 32:  # beyond 32-bit words (billions of persons)
        return _correct_large(draws, cap, rows, excess, gen)
    k = np.abs(excess)
    # words per row: k, plus about three times the expected repeats and skipped words, plus 16
    spare = (3.0 * k * k / pools + 2.0 * k * pools / 2.0**32).astype(np.int64) + 16
    starts = np.concatenate([[0], np.cumsum(k + spare)])
    words = gen.integers(0, 1 << 32, size=int(starts[-1]), dtype=np.uint32)
    done = np.zeros(len(rows), dtype=bool)
    compiled = _compiled.kernels()
    if compiled is not None:
        compiled.correct_rows(draws, cap, rows, excess, words, starts, done)
    else:
        for j in range(len(rows)):
            done[j] = _correct_row(draws, cap, rows[j], excess[j], words[starts[j]:starts[j + 1]])
    for jj in np.flatnonzero(~done):  # words ran out before k distinct persons: extend that row's stream
        j = int(jj)
        stream = words[starts[j]:starts[j + 1]]
        while True:
            stream = np.concatenate([stream, gen.integers(0, 1 << 32, size=len(stream) + 64, dtype=np.uint32)])
            if _correct_row(draws, cap, rows[j], excess[j], stream):
                break
    return draws


def _correct_row(draws: np.ndarray, cap: np.ndarray, r: int, excess: int, words: np.ndarray) -> bool:
    """:func:`_correct_to_total` for row r from the words given; False (row unchanged) if they hold fewer
    than |excess| distinct persons."""
    cum = _pool_ends(draws, cap, r, excess)
    size = int(cum[-1])
    wide = words.astype(np.uint64) * np.uint64(size)
    values = wide >> np.uint64(32)
    threshold = ((1 << 32) - size) % size
    if threshold:  # 0 when size is a power of two: no word is skipped
        values = values[(wide & np.uint64(0xFFFFFFFF)) >= np.uint64(threshold)]
    k = abs(int(excess))
    chosen = np.sort(values[:k])
    if len(chosen) < k:
        return False
    if (chosen[1:] == chosen[:-1]).any():  # a repeat among the first k: the first k distinct values instead
        _, first = np.unique(values, return_index=True)
        if len(first) < k:
            return False
        chosen = values[np.sort(first)[:k]]
    _move(draws[r], cum, chosen.astype(np.int64), excess)
    return True


def _pool_ends(draws: np.ndarray, cap: np.ndarray, r: int, excess: int) -> np.ndarray:
    """Cumulative counts over areas of row r's pool: its members (excess > 0) or its non-members. Person p
    of the pool lives in the first area whose end exceeds p."""
    row = draws[r]
    return np.cumsum(row if excess > 0 else cap[r if len(cap) > 1 else 0] - row)


def _move(row: np.ndarray, ends: np.ndarray, persons: np.ndarray, excess: int) -> None:
    """Take the pool's ``persons`` out of ``row`` (excess > 0) or put them in, in place."""
    moved = np.bincount(np.searchsorted(ends, persons, side="right"), minlength=len(row))
    if excess > 0:
        row -= moved
    else:
        row += moved


def _correct_large(draws: np.ndarray, cap: np.ndarray, rows: np.ndarray, excess: np.ndarray,
                   gen: np.random.Generator) -> np.ndarray:
    """:func:`_correct_to_total` for pools of 2^32 persons or more: k persons drawn with replacement from
    64-bit integers, repeats redrawn (a uniformly random k-subset too)."""
    for r, e in zip(rows, excess):
        cum = _pool_ends(draws, cap, r, e)
        picked = np.sort(gen.integers(0, int(cum[-1]), abs(int(e))))
        while True:
            dup = np.flatnonzero(picked[1:] == picked[:-1])
            if len(dup) == 0:
                break
            picked[dup] = gen.integers(0, int(cum[-1]), len(dup))
            picked.sort()
        _move(draws[r], cum, picked, e)
    return draws


def _null_multi(c: np.ndarray, n: int, gen: np.random.Generator) -> np.ndarray:
    """Evenness for several groups: every person's group is shuffled over all persons, keeping every area's
    total and every group's total (a random table with both margins fixed). c: (groups, areas); returns
    (n, groups, areas).

    Drawn group by group: the first group's members are a uniformly random subset of all persons
    (:func:`_null_two`), the next group's a uniformly random subset of the persons left, and so on; the last
    group takes who is left. The chain rule makes the whole table exact. The first group is drawn exactly as
    :func:`_null_two` draws it, so with two groups the draws equal the two-group test's for the same seed."""
    t = _whole(c.sum(axis=0))
    X = _whole(c.sum(axis=1))
    out = np.empty((n, *c.shape))
    first = _null_two(c[0], t.astype(float), n, gen)
    out[:, 0] = first
    left = t - first.astype(np.int64)  # (n, areas): persons not yet given a group
    remaining = int(t.sum() - X[0])
    for m in range(1, c.shape[0] - 1):
        draws = gen.binomial(left, X[m] / remaining) if remaining > 0 else np.zeros_like(left)
        _correct_to_total(draws, left, int(X[m]), gen)
        out[:, m] = draws
        left = left - draws
        remaining -= int(X[m])
    out[:, -1] = left
    return out


def _multinomial_rows(c: np.ndarray, n: int, gen: np.random.Generator,
                      totals: np.ndarray | None = None) -> np.ndarray:
    """Resample every area's composition: multinomial with its own total and shares, drawn as a chain of
    binomials (group m out of those not yet given to groups before it). c: (groups, areas), whole counts or
    (for the binomial null) expected counts; returns (n, groups, areas).

    ``totals`` are the whole persons per area that every replicate keeps (default: c's area sums, rounded).
    They are rounded, not truncated: the sums of an expected-count table come out as, say, 7.9999999999999991
    for 8 persons, and a truncating cast would take a person out of that area in every replicate."""
    totals = np.rint(c.sum(axis=0) if totals is None else totals).astype(np.int64)
    out = np.empty((n, *c.shape))
    left = np.broadcast_to(totals, (n, len(totals))).copy()
    # persons in group m or later: the share of group m among them is c_m / rest_m (summed from the last
    # group back, so that the last share is exactly 1 and no rounding is carried down the chain)
    rest = np.cumsum(c[::-1], axis=0)[::-1]
    for m in range(c.shape[0] - 1):
        q = np.divide(c[m], rest[m], out=np.zeros(c.shape[1]), where=rest[m] > 0).clip(0, 1)
        draw = gen.binomial(left, q)
        out[:, m] = draw
        left = left - draw
    out[:, -1] = left
    return out


def _interval(est: float, reps: np.ndarray, confidence_level: float, interval: str) -> tuple[float, float]:
    """Bootstrap interval, clipped to [0, 1], the range of every index here: the basic interval mirrors the
    replicates around the estimate, so near evenness (or near complete separation) it can reach past the
    bound, to values that no table can have."""
    reps = reps[np.isfinite(reps)]
    if len(reps) == 0:  # every replicate undefined: no interval (the method text says why)
        return float("nan"), float("nan")
    lo_q, hi_q = np.quantile(reps, [(1 - confidence_level) / 2, 1 - (1 - confidence_level) / 2])
    if interval == "percentile":
        lo, hi = lo_q, hi_q
    else:
        lo, hi = 2 * est - hi_q, 2 * est - lo_q  # basic bootstrap: corrects the upward bias
    return float(np.clip(lo, 0.0, 1.0)), float(np.clip(hi, 0.0, 1.0))


def _undefined_note(values: np.ndarray, kind: str, why: str) -> str:
    """"; k of n <kind> replicates undefined (why) and left out", or "" when every replicate is defined."""
    k = int(np.count_nonzero(~np.isfinite(values)))
    return f"; {k} of {len(values)} {kind} replicates undefined ({why}) and left out" if k else ""


def _quantiles(vals: np.ndarray, qs: Sequence[float]) -> list[float]:
    """Linear-interpolation quantiles (numpy's default) that keep infinite values.

    ``np.quantile`` returns NaN between two infinite values (inf - inf); here a quantile that falls on or
    next to an infinite order statistic is that infinity, the limit of the interpolation."""
    v = np.sort(vals)
    out = []
    for q in qs:
        pos = q * (len(v) - 1)
        i = int(np.floor(pos))
        f = pos - i
        a, b = v[i], v[min(i + 1, len(v) - 1)]
        if f == 0 or a == b or np.isinf(a):
            out.append(float(a))
        elif np.isinf(b):
            out.append(float(b))
        else:
            out.append(float(a + (b - a) * f))
    return out


def _simulated_interval(vals: np.ndarray, confidence_level: float, n_resamples: int) -> tuple[float, float, str]:
    """Percentile interval of simulated values and a note on the ones that are not finite.

    Infinite replicates (R or MLD when a simulated group has no events) are part of the sampling
    distribution: dropping them would cut off a tail and narrow the interval, so they stay and a limit can
    be infinite. NaN replicates (0/0, a fit without a finite maximum) have no value to rank; they are left
    out, so the interval is conditional on the measure being defined."""
    nan = np.isnan(vals)
    n_inf, n_nan = int(np.isinf(vals).sum()), int(nan.sum())
    kept = vals[~nan]
    lo, hi = _quantiles(kept, [(1 - confidence_level) / 2, 1 - (1 - confidence_level) / 2]) if len(kept) else (np.nan, np.nan)
    parts = []
    if n_inf:
        parts.append(f"{n_inf} of {n_resamples} simulated datasets gave an infinite value (kept, so a limit can be "
                     f"infinite)")
    if n_nan:
        parts.append(f"{n_nan} of {n_resamples} simulated datasets gave an undefined value (left out)")
    return lo, hi, "; ".join(parts)
