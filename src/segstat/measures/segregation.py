"""Segregation indices (Massey & Denton), by area group, with bootstrap intervals and permutation tests.

All indices take counts per area: ``group`` (members of the group) and
``total`` (everyone), or several group columns for the multigroup indices.
Every index is computed for many replicates at once (arrays of shape
replicates x areas), so inference costs little more than a point estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

import os
from concurrent.futures import ThreadPoolExecutor

from .._validation import (_values_at, check_choice, check_columns, check_dataframe, check_rng, column_list,
                           count_arrays, count_matrix, examples, require_whole)
from ..errors import InputValueError
from . import _compiled

__all__ = [
    "SegregationResult",
    "atkinson",
    "dissimilarity",
    "entropy",
    "exposure",
    "gini",
    "isolation",
    "multigroup_dissimilarity",
    "multigroup_entropy",
    "ojamlikhetsindex",
    "segregation_test",
]

_BLOCK = 256  # replicates per block: bounds memory at _BLOCK x areas floats


@dataclass(frozen=True)
class SegregationResult:
    """One index value with its interval and test.

    Attributes
    ----------
    index : str
    estimate : float
    lower, upper : float
        Confidence limits (NaN without ``ci``).
    p_value : float
        Permutation p-value against evenness (NaN unless tested).
    method : str
        How the interval or test was computed.
    n_areas : int
    """

    index: str
    estimate: float
    lower: float = float("nan")
    upper: float = float("nan")
    p_value: float = float("nan")
    method: str = "point estimate"
    n_areas: int = 0

    def to_frame(self) -> pd.DataFrame:
        """The result as a one-row DataFrame."""
        return pd.DataFrame([self.__dict__])

    def __repr__(self) -> str:
        ci = "" if np.isnan(self.lower) else f", {self.lower:.4f}-{self.upper:.4f}"
        p = "" if np.isnan(self.p_value) else f", p={self.p_value:.4g}"
        return f"SegregationResult({self.index}={self.estimate:.4f}{ci}{p}, areas={self.n_areas}, {self.method})"


# ------------------------------------------------------------------ index kernels (replicates x areas)

def _shares(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    T = t.sum(axis=-1)
    P = x.sum(axis=-1) / T
    p = x / t
    return p, P, T


def _k_dissimilarity(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    p, P, T = _shares(x, t)
    return (t * np.abs(p - P[..., None])).sum(axis=-1) / (2 * T * P * (1 - P))


def _k_gini(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    p, P, T = _shares(x, t)
    tt = np.broadcast_to(t, p.shape)
    order = np.argsort(p, axis=-1, kind="stable")
    ps = np.take_along_axis(p, order, axis=-1)
    ts = np.take_along_axis(tt, order, axis=-1).astype(float)
    before_t = np.cumsum(ts, axis=-1) - ts              # sum of t_j over j below k
    before_tp = np.cumsum(ts * ps, axis=-1) - ts * ps   # sum of t_j p_j over j below k
    pair_sum = 2 * (ts * (ps * before_t - before_tp)).sum(axis=-1)   # sum_i sum_j t_i t_j |p_i - p_j|
    return pair_sum / (2 * T * T * P * (1 - P))


def _xlogx(q: np.ndarray) -> np.ndarray:
    """q log q with 0 log 0 = 0 (the floor keeps log finite; 0 times it is 0)."""
    return q * np.log(np.maximum(q, 1e-300))


def _ent(q: np.ndarray) -> np.ndarray:
    """Binary entropy -q log q - (1 - q) log(1 - q), 0 at q = 0 and q = 1."""
    return -(_xlogx(q) + _xlogx(1 - q))


def _k_entropy(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    p, P, T = _shares(x, t)
    E = _ent(P)
    return (t * (E[..., None] - _ent(p))).sum(axis=-1) / (E * T)


def _k_isolation(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    X = x.sum(axis=-1)
    return ((x / X[..., None]) * (x / t)).sum(axis=-1)


def _k_exposure(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    X = x.sum(axis=-1)
    return ((x / X[..., None]) * ((t - x) / t)).sum(axis=-1)


def _k_atkinson(b: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def kernel(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        p, P, T = _shares(x, t)
        s = ((1 - p) ** (1 - b) * p**b * t).sum(axis=-1) / (P * T)
        return 1 - P / (1 - P) * np.abs(s) ** (1 / (1 - b))
    return kernel


def _area_totals(c: np.ndarray) -> np.ndarray:
    """Sum over the group axis of c (..., groups, areas): for floats a matrix product, which numpy hands to
    BLAS, is faster than a reduction over a short leading axis; integers are summed as integers (exact)."""
    return c.sum(axis=-2) if c.dtype.kind == "i" else np.ones(c.shape[-2]) @ c


def _group_totals(c: np.ndarray) -> np.ndarray:
    """Sum over the area axis of c (..., groups, areas): along memory, so a plain reduction (faster here than
    a matrix product, for one table and for a block of replicates alike)."""
    return np.add.reduce(c, axis=-1)


def _margins(c: np.ndarray, t: np.ndarray | None, g: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Area totals (..., areas) and group totals (..., groups) of c, where the caller has not got them."""
    return (_area_totals(c) if t is None else t), (_group_totals(c) if g is None else g)


_XLOGX_LIMIT = 1 << 20  # counts below it are looked up (a table of at most 8 MiB); larger ones take the log
_xlogx_table = np.zeros(1)  # k ln k for k = 0, 1, ...; grown on demand, replaced whole (safe across threads)


def _xlogx_whole(c: np.ndarray) -> np.ndarray:
    """c ln c for whole, non-negative integer counts, read off a table of k ln k.

    The table holds exactly what :func:`_xlogx` computes for k (the product of k and numpy's logarithm of
    k), so both give the same bits; a look-up costs about half of a logarithm, which is most of the
    multigroup Theil index on a few thousand areas. The table grows to the next power of two above the
    largest count seen, up to ``_XLOGX_LIMIT``."""
    table = _xlogx_table
    try:
        return table.take(c)  # raises for a count beyond the table (c >= 0 is checked by the callers)
    except IndexError:
        top = int(c.max())
    if top >= _XLOGX_LIMIT:
        return _xlogx(c.astype(float))
    return _grow_xlogx(top).take(c)


def _grow_xlogx(top: int) -> np.ndarray:
    """The table, grown to hold ``top``. Threads may grow it at once: a table is never replaced by a smaller
    one (each is complete when published, so a reader always sees a whole table)."""
    global _xlogx_table
    current = _xlogx_table
    if len(current) > top:  # another thread has grown it meanwhile
        return current
    k = np.arange(max(1 << top.bit_length(), len(current)), dtype=float)
    k[1:] *= np.log(k[1:])
    if len(k) > len(_xlogx_table):
        _xlogx_table = k
    return k


def _k_multi_entropy(c: np.ndarray, t: np.ndarray | None = None, g: np.ndarray | None = None) -> np.ndarray:
    """c: (..., groups, areas), group-major: the per-group rows are contiguous, so the sums over areas run
    along memory and the sums over groups add a few whole rows (about 4x faster than area-major); t and g
    are c's area and group totals when the caller has them already. Integer counts (int64) take c ln c
    from a table (:func:`_xlogx_whole`), floats from the logarithm.

    Uses :math:`\\sum_i t_i E_i = \\sum_i t_i \\ln t_i - \\sum_{im} c_{im} \\ln c_{im}` (no shares per
    cell needed). That difference of two large sums is exact to about 1e-16 of :math:`\\sum_i t_i \\ln t_i`,
    which is 1e-16 of H's denominator :math:`TE` times :math:`\\sum_i t_i \\ln t_i / (TE)`, a factor of
    about 10 in ordinary tables. When one group is nearly everyone (or a handful of persons among millions)
    E is tiny and the factor large: then the sum of the non-negative terms
    :math:`c_{im} \\ln(t_i / c_{im})` (:func:`_within_entropy`) is taken instead, exact to 1e-16 of itself."""
    t, g = _margins(c, t, g)
    T, E = _total_and_entropy(g)
    xlogx = _xlogx_whole if c.dtype.kind == "i" else _xlogx
    t_log_t = np.add.reduce(xlogx(t), axis=-1)
    if (t_log_t > _CANCELLATION * T * E).any():  # (.any() works on a numpy scalar too, at less cost than np.any)
        within = _within_entropy(c, t)
    else:
        within = t_log_t - xlogx(c).sum(axis=(-2, -1))
    return 1 - within / (T * E)


#: largest ratio of a cancelling sum to the value it gives, about 100 ulps of error (1e-14 of the value), that
#: the multigroup kernels accept before they change to a formula without the cancellation
_CANCELLATION = 100.0


def _within_entropy(c: np.ndarray, t: np.ndarray) -> np.ndarray:
    """:math:`\\sum_{im} c_{im} \\ln(t_i / c_{im})` = :math:`\\sum_i t_i E_i`, as a sum of non-negative terms
    with :math:`\\ln(t/c) = \\operatorname{log1p}((t - c)/c)` (exact when c is nearly t); 0 where c = 0."""
    others = t[..., None, :] - c
    ratio = np.divide(others, c, out=np.zeros(c.shape), where=c > 0)
    return (c * np.log1p(ratio)).sum(axis=(-2, -1))


def _total_and_entropy(g: np.ndarray) -> tuple[Any, Any]:
    """Grand total T and entropy E = sum_m P_m ln(1/P_m) of group totals g (..., groups), with ln(1/P) =
    log1p((T - g)/g), exact when a group is nearly everyone. For one table (a few values) in Python floats: a
    numpy call costs more than the arithmetic on four numbers."""
    if g.ndim == 1:
        values = g.tolist()
        T = sum(values)
        return T, sum(v / T * math.log1p((T - v) / v) for v in values if v > 0)
    T = np.add.reduce(g, axis=-1)
    ratio = np.divide(T[..., None] - g, g, out=np.zeros(g.shape), where=g > 0)
    return T, np.add.reduce(g / T[..., None] * np.log1p(ratio), axis=-1)


def _k_multi_dissimilarity(c: np.ndarray, t: np.ndarray | None = None, g: np.ndarray | None = None) -> np.ndarray:
    """c: (..., groups, areas); t, g as in :func:`_k_multi_entropy`.

    :math:`\\sum_i |c_{im} - t_i P_m|` is exact to about 1e-16 of :math:`t_i P_m` per term, so D to about
    1e-16 / (2I). When I is small (one group is nearly everyone, I < 0.01), the row of that group (P > 1/2)
    is taken as :math:`t_i (1 - P_m) - (t_i - c_{im})`, with :math:`1 - P_m = (T - g_m)/T` computed from the
    counts, which has no such cancellation; I too is computed as :math:`\\sum_m g_m (T - g_m) / T^2`."""
    t, g = _margins(c, t, g)
    if g.ndim == 1:  # one table: a few group shares, cheaper in Python floats than in numpy calls
        values = g.tolist()
        T = sum(values)
        pm, I = np.array([v / T for v in values]), sum(v * (T - v) for v in values) / (T * T)
        nearly_everyone = I < 0.01
    else:
        T = np.add.reduce(g, axis=-1)
        pm = g / T[..., None]
        I = np.add.reduce(g * (T[..., None] - g), axis=-1) / (T * T)
        nearly_everyone = (I < 0.01).any()
    # sum_i t_i |c_im / t_i - P_m| = sum_i |c_im - t_i P_m|, in one work array
    dev = pm[..., :, None] * t[..., None, :]
    np.subtract(c, dev, out=dev)
    if nearly_everyone:
        Tm = np.asarray(T, dtype=float)[..., None]
        rest = (Tm - g) / Tm  # 1 - P_m without rounding P_m first
        exact = rest[..., :, None] * t[..., None, :] - (t[..., None, :] - c)
        dev = np.where((pm > 0.5)[..., :, None], exact, dev)
    np.abs(dev, out=dev)
    return dev.sum(axis=(-2, -1)) / (2 * T * I)


# ------------------------------------------------------------------ validation and resampling

def _counts(data: pd.DataFrame, group: str, total: str, by: list[str]) -> tuple[np.ndarray, np.ndarray]:
    arrays = count_arrays(data, [group, total])
    x, t = arrays[group], arrays[total]
    if (x > t).any():
        bad = x > t
        raise InputValueError(
            f"column {group!r} exceeds column {total!r} in rows {examples(data.index[bad].tolist())}; "
            f"a group count cannot be larger than its total."
        )
    if (t == 0).any():
        raise InputValueError(
            f"total {total!r} is zero in rows {examples(data.index[t == 0].tolist())}: an empty area has no "
            f"composition. Remove those rows explicitly (they do not change any index)."
        )
    _check_by(data, by)
    return x, t


def _check_by(data: pd.DataFrame, by: list[str]) -> None:
    for b in by:
        if data[b].isna().any():
            raise InputValueError(f"by column {b!r} is missing in rows {examples(data.index[data[b].isna()].tolist())}.")


def _group_list(groups: Sequence[str]) -> list:
    """The ``groups`` columns, each named once: a repeated name would count that group twice."""
    groups = list(groups)
    if len(groups) < 2:
        raise InputValueError("groups must name at least two columns of group counts.")
    seen = set()
    for g in groups:
        if g in seen:
            raise InputValueError(f"groups names column {g!r} more than once; name every group's column once "
                                  f"(a repeated column would count that group twice).")
        seen.add(g)
    return groups


def _check_bootstrap(ci: str | None, level: Any, n_boot: Any, ci_method: str) -> None:
    check_choice("ci", ci, (None, "bootstrap"))
    check_choice("ci_method", ci_method, ("basic", "percentile"))
    if isinstance(level, bool) or not isinstance(level, (int, float, np.integer, np.floating)) or not 0 < level < 1:
        raise InputValueError(f"level={level!r} must be between 0 and 1, e.g. 0.95.")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise InputValueError(f"n_boot={n_boot!r} must be a positive integer (the number of bootstrap "
                              f"replicates), e.g. 999.")


def _require_whole(data: pd.DataFrame, columns: Sequence[str], values: Sequence[np.ndarray], why: str) -> None:
    """Refuse fractional (weighted) counts where persons are resampled: a draw of whole persons from a total
    of 2.5 is not defined, and cutting it to 2 would change every share. Whole numbers stored as floats
    pass."""
    require_whole(data, columns, f"{why} draws whole persons, so it needs whole counts: use the unweighted counts. "
                                 f"Point estimates (ci=None) accept weighted counts.", values)


def _whole(v: np.ndarray) -> np.ndarray:
    """Whole counts as int64, rounded rather than truncated: a sum such as 7.9999999999999991 is 8 persons."""
    return np.rint(v).astype(np.int64)


def _by_positions(data: pd.DataFrame, by: list[str]):
    """(key tuple, row positions) of every ``by`` group, in sorted key order."""
    grouped = data.groupby(by, sort=True, observed=True)
    codes = grouped.ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(grouped.ngroups + 1))
    for g, key in enumerate(grouped.size().index):
        yield (key if isinstance(key, tuple) else (key,)), order[starts[g]:starts[g + 1]]


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
    X = int(round(x.sum()))
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
    for j in np.flatnonzero(~done):  # words ran out before k distinct persons: extend that row's stream
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


def _interval(est: float, reps: np.ndarray, level: float, method: str) -> tuple[float, float]:
    """Bootstrap interval, clipped to [0, 1], the range of every index here: the basic interval mirrors the
    replicates around the estimate, so near evenness (or near complete separation) it can reach past the
    bound, to values that no table can have."""
    reps = reps[np.isfinite(reps)]
    if len(reps) == 0:  # every replicate undefined: no interval (the method text says why)
        return float("nan"), float("nan")
    lo_q, hi_q = np.quantile(reps, [(1 - level) / 2, 1 - (1 - level) / 2])
    if method == "percentile":
        lo, hi = lo_q, hi_q
    else:
        lo, hi = 2 * est - hi_q, 2 * est - lo_q  # basic bootstrap: corrects the upward bias
    return float(np.clip(lo, 0.0, 1.0)), float(np.clip(hi, 0.0, 1.0))


def _undefined_note(values: np.ndarray, kind: str, why: str) -> str:
    """"; k of n <kind> replicates undefined (why) and left out", or "" when every replicate is defined."""
    k = int(np.count_nonzero(~np.isfinite(values)))
    return f"; {k} of {len(values)} {kind} replicates undefined ({why}) and left out" if k else ""


def _single(name: str, kernel: Callable, x: np.ndarray, t: np.ndarray, *, ci: str | None, level: float,
            n_boot: int, ci_method: str, gen: Any, n_jobs: int | None = None) -> SegregationResult:
    if x.sum() == 0 or x.sum() == t.sum():
        return SegregationResult(name, float("nan"), method="undefined: the group is absent or is everyone",
                                 n_areas=len(t))
    est = float(kernel(x, t))
    if ci is None:
        return SegregationResult(name, est, n_areas=len(t))
    reps = _replicate(lambda g, b: _bootstrap_two(x, t, b, g), lambda xs: kernel(xs, t), n_boot, gen, n_jobs)
    lo, hi = _interval(est, reps, level, ci_method)
    note = _undefined_note(reps, "bootstrap", "no group member drawn, or everyone")
    # one group against the rest: a multinomial of two categories is a binomial, so say what is drawn
    return SegregationResult(name, est, lo, hi, method=f"bootstrap ({n_boot} binomial redraws of every area's "
                             f"group count, area totals kept, {ci_method}{note})", n_areas=len(t))


def _results(name: str, data: pd.DataFrame, by_cols: list,
             one: Callable[[Any], SegregationResult]) -> SegregationResult | pd.DataFrame:
    """``one(rows)`` for all rows (a slice), or with ``by`` a frame of one row per by group (row positions)."""
    if not by_cols:
        return one(slice(None))
    rows = []
    for key, pos in _by_positions(data, by_cols):
        r = one(pos)
        rows.append({**dict(zip(by_cols, key)), "index": name, "estimate": r.estimate, "lower": r.lower,
                     "upper": r.upper, "n_areas": r.n_areas, "method": r.method})
    return pd.DataFrame(rows)


def _run(name: str, kernel: Callable, data: pd.DataFrame, group: str, total: str, by: Any, ci: str | None,
         level: float, n_boot: int, rng: Any, ci_method: str = "basic") -> SegregationResult | pd.DataFrame:
    data = check_dataframe(data)
    by_cols = column_list(by)
    check_columns(data, {"group": group, "total": total, "by": by_cols})
    _check_bootstrap(ci, level, n_boot, ci_method)
    x_all, t_all = _counts(data, group, total, by_cols)
    if ci is not None:
        _require_whole(data, [group, total], [x_all, t_all], "ci='bootstrap'")
    gen = check_rng(rng) if isinstance(rng, np.random.Generator) or by_cols else rng
    return _results(name, data, by_cols, lambda pos: _single(name, kernel, x_all[pos], t_all[pos], ci=ci, level=level,
                                                             n_boot=n_boot, ci_method=ci_method, gen=gen))


_DOC_ARGS = """
    Parameters
    ----------
    data : pandas.DataFrame
        One row per area.
    group : str
        Column with the group's count per area.
    total : str
        Column with everyone per area (``group <= total``; zero totals are
        refused, naming the rows).
    by : str or list of str, optional
        One value per group of areas (for example ``"kommun"``).
    ci : {None, "bootstrap"}, default None
        Bootstrap interval: every area keeps its total and its group count is
        redrawn Binomial(total, observed share). This draws whole persons, so
        it refuses fractional (weighted) counts, naming the rows; point
        estimates accept them.
    level : float, default 0.95
        In (0, 1).
    n_boot : int, default 999
        Bootstrap replicates, a positive integer.
    rng : int, Generator or None
    ci_method : {"basic", "percentile"}, default "basic"
        The basic interval :math:`[2\\hat\\theta - q_{hi}, 2\\hat\\theta - q_{lo}]`
        corrects the upward small-count bias of unevenness indices; the
        percentile interval does not. Both are clipped to the index's range
        [0, 1]: mirrored around an estimate near 0 (near evenness) or near 1
        (near complete separation), the basic interval can otherwise reach
        below 0 or above 1, values that no table can have.

    Returns
    -------
    SegregationResult or pandas.DataFrame
        One result, or with ``by`` a frame with the ``by`` columns,
        ``index``, ``estimate``, ``lower``, ``upper``, ``n_areas``, ``method``.
        A group that is absent (or is everyone) in a ``by`` group gives NaN
        with the reason in ``method``.
"""


def dissimilarity(data: pd.DataFrame, *, group: str, total: str, by: Any = None, ci: str | None = None,
                  level: float = 0.95, n_boot: int = 999, rng: Any = None, ci_method: str = "basic"):
    """Index of dissimilarity D (Duncan & Duncan 1955; Massey & Denton 1988).
    {args}
    Notes
    -----
    :math:`D = \\sum_i t_i |p_i - P| / (2TP(1-P))` with :math:`p_i = x_i/t_i`,
    :math:`P = X/T`. 0 = even, 1 = complete separation. Equivalent to
    :math:`\\tfrac12 \\sum_i |x_i/X - y_i/Y|` with :math:`y = t - x`.

    References
    ----------
    Massey, D. S. & Denton, N. A. (1988). The dimensions of residential
    segregation. Social Forces 67(2), 281-315.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({{"foreign": [10, 20, 70], "total": [100, 100, 100]}})
    >>> round(segstat.dissimilarity(d, group="foreign", total="total").estimate, 6)
    0.55
    """
    return _run("dissimilarity", _k_dissimilarity, data, group, total, by, ci, level, n_boot, rng, ci_method)


def gini(data: pd.DataFrame, *, group: str, total: str, by: Any = None, ci: str | None = None,
         level: float = 0.95, n_boot: int = 999, rng: Any = None, ci_method: str = "basic"):
    """Gini segregation index (Massey & Denton 1988), in O(n log n).
    {args}
    Notes
    -----
    :math:`G = \\sum_i \\sum_j t_i t_j |p_i - p_j| / (2T^2P(1-P))`, computed by
    sorting the areas by :math:`p_i`.

    References
    ----------
    Massey & Denton (1988), Social Forces 67(2), 281-315.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({{"g": [0, 100], "t": [100, 100]}})
    >>> segstat.gini(d, group="g", total="t").estimate
    1.0
    """
    return _run("gini", _k_gini, data, group, total, by, ci, level, n_boot, rng, ci_method)


def entropy(data: pd.DataFrame, *, group: str, total: str, by: Any = None, ci: str | None = None,
            level: float = 0.95, n_boot: int = 999, rng: Any = None, ci_method: str = "basic"):
    """Theil's information theory index H (entropy index).
    {args}
    Notes
    -----
    :math:`H = \\sum_i t_i (E - E_i) / (ET)`, :math:`E = -P\\ln P - (1-P)\\ln(1-P)`,
    :math:`E_i` the same with :math:`p_i`; :math:`0 \\ln 0 = 0` (the limit), so
    an area with no members of the group is handled exactly.

    References
    ----------
    Theil, H. & Finizza, A. J. (1971). J. Math. Sociology 1, 187-194;
    Massey & Denton (1988).

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({{"g": [0, 100], "t": [100, 100]}})
    >>> segstat.entropy(d, group="g", total="t").estimate
    1.0
    """
    return _run("entropy", _k_entropy, data, group, total, by, ci, level, n_boot, rng, ci_method)


def isolation(data: pd.DataFrame, *, group: str, total: str, by: Any = None, ci: str | None = None,
              level: float = 0.95, n_boot: int = 999, rng: Any = None, ci_method: str = "basic"):
    """Isolation index xPx: the group share in the average member's area.
    {args}
    Notes
    -----
    :math:`{{}}_xP_x = \\sum_i (x_i/X)(x_i/t_i)`.

    References
    ----------
    Massey & Denton (1988), Social Forces 67(2), 281-315.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({{"g": [10, 30], "t": [100, 100]}})
    >>> round(segstat.isolation(d, group="g", total="t").estimate, 6)
    0.25
    """
    return _run("isolation", _k_isolation, data, group, total, by, ci, level, n_boot, rng, ci_method)


def exposure(data: pd.DataFrame, *, group: str, total: str, by: Any = None, ci: str | None = None,
             level: float = 0.95, n_boot: int = 999, rng: Any = None, ci_method: str = "basic"):
    """Exposure (interaction) index xPy: the share of others in the average member's area.
    {args}
    Notes
    -----
    :math:`{{}}_xP_y = \\sum_i (x_i/X)(y_i/t_i)` with :math:`y_i = t_i - x_i`;
    :math:`{{}}_xP_x + {{}}_xP_y = 1`.

    References
    ----------
    Massey & Denton (1988), Social Forces 67(2), 281-315.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({{"g": [10, 30], "t": [100, 100]}})
    >>> round(segstat.exposure(d, group="g", total="t").estimate, 6)
    0.75
    """
    return _run("exposure", _k_exposure, data, group, total, by, ci, level, n_boot, rng, ci_method)


def atkinson(data: pd.DataFrame, *, group: str, total: str, b: float = 0.5, by: Any = None,
             ci: str | None = None, level: float = 0.95, n_boot: int = 999, rng: Any = None,
             ci_method: str = "basic"):
    """Atkinson segregation index with shape parameter b (Massey & Denton 1988).
    {args}
    b : float, default 0.5
        In (0, 1); 0.5 weighs areas above and below the mean share equally.

    Notes
    -----
    :math:`A = 1 - \\frac{{P}}{{1-P}} \\left| \\frac{{1}}{{PT}} \\sum_i (1-p_i)^{{1-b}} p_i^b t_i \\right|^{{1/(1-b)}}`.

    References
    ----------
    Atkinson, A. B. (1970). J. Economic Theory 2, 244-263; Massey & Denton (1988).

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({{"g": [20, 20], "t": [100, 100]}})
    >>> round(segstat.atkinson(d, group="g", total="t").estimate, 12)
    0.0
    """
    if not 0 < b < 1:
        raise InputValueError(f"b={b!r} must lie strictly between 0 and 1.")
    return _run(f"atkinson(b={b:g})", _k_atkinson(b), data, group, total, by, ci, level, n_boot, rng, ci_method)


for _f in (dissimilarity, gini, entropy, isolation, exposure, atkinson):
    _f.__doc__ = _f.__doc__.replace("{args}", _DOC_ARGS).replace("{{", "{").replace("}}", "}")


# ------------------------------------------------------------------ multigroup

def _multi(name: str, kernel: Callable, data: pd.DataFrame, groups: Sequence[str], by: Any, ci: str | None,
           level: float, n_boot: int, rng: Any, ci_method: str):
    data = check_dataframe(data)
    groups = _group_list(groups)
    by_cols = column_list(by)
    if ci is None and not by_cols:
        est = _multi_compiled(kernel, data, groups)
        if est is not None:
            _check_bootstrap(ci, level, n_boot, ci_method)
            if rng is not None:
                check_rng(rng)  # validated as in the numpy path, though a point estimate draws nothing
            return SegregationResult(name, est, n_areas=len(data))
    # (groups, areas); checks the columns too. Integer counts stay integers for the entropy kernel (c ln c
    # from a table); the dissimilarity kernel works in floats throughout
    counts = count_matrix(data, groups, integers=kernel is _k_multi_entropy)
    check_columns(data, {"by": by_cols})
    _check_bootstrap(ci, level, n_boot, ci_method)
    if ci is not None:
        _require_whole(data, groups, counts, "ci='bootstrap'")
        counts = counts.astype(float, copy=False)
    area_totals = _area_totals(counts)
    if np.count_nonzero(area_totals) < len(area_totals):  # (cheaper than .all() on a few thousand areas)
        zero = area_totals == 0
        raise InputValueError(f"rows {examples(data.index[zero].tolist())} have no persons in any group; remove them.")
    gen = check_rng(rng) if ci is not None or rng is not None else None  # no generator needed for a point estimate

    def one(c: np.ndarray, t: np.ndarray) -> SegregationResult:
        g = _group_totals(c)
        if np.count_nonzero(g) < 2:
            return SegregationResult(name, float("nan"), method="undefined: fewer than two groups present",
                                     n_areas=c.shape[1])
        est = float(kernel(c, t, g))
        if ci is None:
            return SegregationResult(name, est, n_areas=c.shape[1])
        reps = _replicate(lambda block_gen, size: _multinomial_rows(c, size, block_gen, t), kernel, n_boot, gen, None)
        lo, hi = _interval(est, reps, level, ci_method)
        note = _undefined_note(reps, "bootstrap", "fewer than two groups drawn")
        return SegregationResult(name, est, lo, hi, method=f"bootstrap ({n_boot} multinomial redraws of every "
                                 f"area's composition, area totals kept, {ci_method}{note})", n_areas=c.shape[1])

    _check_by(data, by_cols)
    return _results(name, data, by_cols, lambda pos: one(counts[:, pos], area_totals[pos]))


def _multi_compiled(kernel: Callable, data: pd.DataFrame, groups: list) -> float | None:
    """The multigroup index of the whole table in one compiled pass over the stored columns (see
    :mod:`._compiled`), or None where the numpy code is needed: numba absent, columns other than int64 (or
    missing), a count it must refuse, fewer than two groups present, or a table where that code changes to
    its cancellation-free form. Agrees with the numpy kernels to rounding (sums added in another order)."""
    compiled = _compiled.kernels()
    if compiled is None:
        return None
    try:
        locs = [data.columns.get_loc(c) for c in groups]
    except (KeyError, TypeError):
        return None
    cols = [_values_at(data, loc) if isinstance(loc, (int, np.integer)) else None for loc in locs]
    if len(data) == 0 or any(c is None or c.dtype != np.int64 for c in cols):
        return None
    if len({(c.flags.c_contiguous, c.flags.writeable) for c in cols}) > 1:
        cols = [np.array(c) for c in cols]  # one array type for the compiled tuple
    if kernel is _k_multi_entropy:
        status, g, t_log_t, within = compiled.entropy_sums(tuple(cols), _xlogx_table)
        if status or np.count_nonzero(g) < 2:
            return None
        T, E = _total_and_entropy(g)
        if t_log_t > _CANCELLATION * T * E:
            return None
        return float(1 - within / (T * E))
    if kernel is _k_multi_dissimilarity:
        status, g, dev = compiled.dissimilarity_sums(tuple(cols))
        if status or np.count_nonzero(g) < 2:
            return None
        values = g.tolist()
        T = sum(values)
        interaction = sum(v * (T - v) for v in values) / (T * T)
        if interaction < 0.01:
            return None
        return float(dev / (2 * T * interaction))
    return None


def multigroup_entropy(data: pd.DataFrame, *, groups: Sequence[str], by: Any = None, ci: str | None = None,
                       level: float = 0.95, n_boot: int = 999, rng: Any = None, ci_method: str = "basic"):
    """Multigroup Theil information index H.

    Parameters
    ----------
    data : pandas.DataFrame
    groups : list of str
        Columns of mutually exclusive group counts, each named once (a
        repeated name is refused: it would count that group twice); an area's
        total is their sum.
    by, ci, level, n_boot, rng, ci_method
        As in :func:`dissimilarity`; the bootstrap redraws every area's
        composition from a multinomial with its own total and shares.

    Notes
    -----
    :math:`H = \\sum_i t_i (E - E_i)/(TE)`, :math:`E = -\\sum_m \\pi_m \\ln \\pi_m`,
    :math:`E_i = -\\sum_m \\pi_{im} \\ln \\pi_{im}`.

    References
    ----------
    Theil & Finizza (1971); Reardon, S. F. & Firebaugh, G. (2002). Measures of
    multigroup segregation. Sociological Methodology 32, 33-67.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> segstat.multigroup_entropy(d, groups=["a", "b"]).estimate
    1.0
    """
    return _multi("multigroup_entropy", _k_multi_entropy, data, groups, by, ci, level, n_boot, rng, ci_method)


def multigroup_dissimilarity(data: pd.DataFrame, *, groups: Sequence[str], by: Any = None, ci: str | None = None,
                             level: float = 0.95, n_boot: int = 999, rng: Any = None, ci_method: str = "basic"):
    """Multigroup dissimilarity index (Sakoda 1981; Reardon & Firebaugh 2002).

    Parameters
    ----------
    data, groups, by, ci, level, n_boot, rng, ci_method
        As in :func:`multigroup_entropy`.

    Notes
    -----
    :math:`D = \\sum_i \\sum_m t_i |\\pi_{im} - \\pi_m| / (2TI)`,
    :math:`I = \\sum_m \\pi_m(1-\\pi_m)`.

    References
    ----------
    Reardon & Firebaugh (2002), Sociological Methodology 32, 33-67.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"a": [10, 0], "b": [0, 10]})
    >>> segstat.multigroup_dissimilarity(d, groups=["a", "b"]).estimate
    1.0
    """
    return _multi("multigroup_dissimilarity", _k_multi_dissimilarity, data, groups, by, ci, level, n_boot, rng,
                  ci_method)


def ojamlikhetsindex(data: pd.DataFrame, *, lowest: str, highest: str, by: Any = "kommun", ci: str | None = None,
                     level: float = 0.95, n_boot: int = 999, rng: Any = None):
    """Segregationsbarometern's "ojämlikhetsindex": dissimilarity between the lowest and highest income quintile, 0-100.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per area (for example DeSO or RegSO) with the number of
        persons in the lowest and the highest national income quintile.
    lowest, highest : str
        Columns of those counts.
    by : str, list or None, default "kommun"
        One value per kommun (or any grouping); ``None`` for one value.
    ci, level, n_boot, rng
        As in :func:`dissimilarity`.

    Notes
    -----
    :math:`100 \\cdot \\tfrac12 \\sum_i |a_i/A - b_i/B|` with :math:`a` the
    lowest and :math:`b` the highest quintile; the dissimilarity of group
    :math:`a` against total :math:`a + b`, times 100. Areas with nobody in
    either quintile add exactly zero and are left out of ``n_areas``; a ``by``
    group with nobody in either quintile in any area (or nobody in one of
    them) is kept, with NaN and the reason in ``method``. The sum
    :math:`a + b` is taken in floating point, so small integer column types
    (``int16``, ``uint8``) cannot wrap around.

    References
    ----------
    Boverket, Segregationsbarometern: "Att mäta och följa segregation".

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"kommun": ["0180"] * 2, "q1": [30, 10], "q5": [10, 30]})
    >>> segstat.ojamlikhetsindex(d, lowest="q1", highest="q5")["estimate"].tolist()
    [50.0]
    """
    data = check_dataframe(data)
    by_cols = column_list(by)
    check_columns(data, {"lowest": lowest, "highest": highest, "by": by_cols})
    _check_bootstrap(ci, level, n_boot, "basic")
    # float arrays: summing the columns in their own dtype would wrap int16/uint8 counts around
    arrays = count_arrays(data, [lowest, highest])
    a, b = arrays[lowest], arrays[highest]
    if ci is not None:
        _require_whole(data, [lowest, highest], [a, b], "ci='bootstrap'")
    t = a + b
    _check_by(data, by_cols)
    gen = check_rng(rng) if isinstance(rng, np.random.Generator) or by_cols else rng
    name = "ojamlikhetsindex"

    def one(pos: Any) -> SegregationResult:
        # areas with neither quintile add exactly 0 to every term; leaving them out here, per by group, keeps
        # a by group whose areas are all empty in the output instead of losing it
        keep = t[pos] > 0
        x, tt = a[pos][keep], t[pos][keep]
        A, N = x.sum(), tt.sum()
        if A == 0 or A == N:
            who = "either quintile" if N == 0 else "the lowest quintile" if A == 0 else "the highest quintile"
            return SegregationResult(name, float("nan"), method=f"undefined: nobody in {who}", n_areas=len(tt))
        r = _single(name, _k_dissimilarity, x, tt, ci=ci, level=level, n_boot=n_boot, ci_method="basic", gen=gen)
        return SegregationResult(name, 100 * r.estimate, 100 * r.lower, 100 * r.upper, method=r.method,
                                 n_areas=r.n_areas)

    return _results(name, data, by_cols, one)


# ------------------------------------------------------------------ permutation test

_KERNELS = {"dissimilarity": _k_dissimilarity, "gini": _k_gini, "entropy": _k_entropy,
            "isolation": _k_isolation, "exposure": _k_exposure, "atkinson": _k_atkinson(0.5)}
_MULTI_KERNELS = {"multigroup_entropy": _k_multi_entropy, "multigroup_dissimilarity": _k_multi_dissimilarity}


def segregation_test(
    data: pd.DataFrame,
    *,
    group: str | None = None,
    total: str | None = None,
    groups: Sequence[str] | None = None,
    index: Literal["dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson", "multigroup_entropy",
                   "multigroup_dissimilarity"] | None = None,
    n_perm: int = 999,
    by: Any = None,
    null: Literal["permutation", "binomial"] = "permutation",
    rng: Any = None,
    n_jobs: int | None = None,
) -> SegregationResult | pd.DataFrame:
    """Permutation test of a segregation index against evenness.

    Parameters
    ----------
    data, group, total, by
        As in :func:`dissimilarity`: one group against everyone. The counts
        must be whole: both nulls allocate whole persons, so fractional
        (weighted) counts are refused, naming the rows.
    groups : list of str, optional
        Instead of ``group`` and ``total``: columns of mutually exclusive group
        counts, each named once, as in :func:`multigroup_entropy`, for the
        multigroup indices.
    index : str, optional
        ``"dissimilarity"`` (the default with ``group``), ``"gini"``,
        ``"entropy"``, ``"isolation"``, ``"exposure"`` or ``"atkinson"``
        (b = 0.5); with ``groups``
        ``"multigroup_entropy"`` (the default) or ``"multigroup_dissimilarity"``.
    n_perm : int, default 999
        Random allocations under the null.
    null : {"permutation", "binomial"}, default "permutation"
        ``"permutation"``: persons are allocated to areas at random keeping
        every area's total and every group's total (multivariate
        hypergeometric; for several groups a random table with both margins
        fixed). ``"binomial"``: every area's composition is drawn from the
        overall shares (binomial, or multinomial for several groups), keeping
        area totals only (PySAL's "evenness" null); slightly faster.
    rng : int, Generator or None
        Seed; the same seed gives the same p-value.
    n_jobs : int, optional
        Threads used (all cores by default). Replicates are drawn in fixed
        blocks with their own seeds, so the result is the same for any
        ``n_jobs``.

    Returns
    -------
    SegregationResult or pandas.DataFrame
        With ``p_value`` = (1 + #{null ≥ observed}) / (n + 1) and the null
        distribution's 2.5 % and 97.5 % quantiles in ``lower`` and ``upper``
        (``null_lower``, ``null_upper`` and a ``method`` column with ``by``).
        For ``"exposure"`` the p-value counts the lower tail,
        (1 + #{null ≤ observed}) / (n + 1): exposure falls as segregation
        rises, so its values under evenness are the high ones. ``n`` is the
        number of null replicates in which the index is defined: under the
        binomial null a replicate can draw no member of the group (or fewer
        than two groups), the index is then 0/0, and such replicates are left
        out of the count, of ``n`` and of the quantiles, and ``method`` says
        how many. If none is defined, ``p_value`` and the range are NaN.

    Notes
    -----
    Null hypothesis: persons are allocated to areas at random, keeping every
    area's total and the group totals. One group: its members are a uniformly
    random subset of all persons. Several groups: drawn group by group, each
    a uniformly random subset of the persons not yet given a group. Even under
    this null, unevenness indices are above 0 in finite populations; the test
    compares with that null distribution. The +1 correction (Phipson & Smyth
    2010) keeps p-values valid and never 0.

    References
    ----------
    Phipson, B. & Smyth, G. K. (2010). Permutation p-values should never be
    zero. Statistical Applications in Genetics and Molecular Biology 9(1).

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"g": [90, 10, 50], "t": [100, 100, 100]})
    >>> segstat.segregation_test(d, group="g", total="t", n_perm=99, rng=1).p_value
    0.01
    >>> d = pd.DataFrame({"a": [90, 10, 50], "b": [5, 80, 20], "c": [5, 10, 30]})
    >>> segstat.segregation_test(d, groups=["a", "b", "c"], n_perm=99, rng=1).p_value
    0.01
    """
    multi = groups is not None
    if multi and (group is not None or total is not None):
        raise InputValueError("give either group= and total= (one group against everyone) or groups= "
                              "(several groups), not both.")
    if not multi and (group is None or total is None):
        raise InputValueError("give group= and total= (one group against everyone) or groups= (several groups).")
    kernels = _MULTI_KERNELS if multi else _KERNELS
    index = next(iter(kernels)) if index is None else index
    if index not in kernels:
        other = "group= and total=" if multi else "groups="
        if index in (_KERNELS if multi else _MULTI_KERNELS):
            raise InputValueError(f"index={index!r} needs {other}.")
    check_choice("index", index, tuple(kernels))
    check_choice("null", null, ("permutation", "binomial"))
    if not isinstance(n_perm, (int, np.integer)) or n_perm < 1:
        raise InputValueError(f"n_perm={n_perm!r} must be a positive integer.")
    data = check_dataframe(data)
    by_cols = column_list(by)
    kernel = kernels[index]
    why = "segregation_test"  # both nulls allocate whole persons
    if multi:
        groups = _group_list(groups)
        check_columns(data, {"groups": groups, "by": by_cols})
        counts = count_matrix(data, groups)
        _require_whole(data, groups, counts, why)
        zero = np.add.reduce(counts, axis=0) == 0
        if zero.any():
            raise InputValueError(f"rows {examples(data.index[zero].tolist())} have no persons in any group; "
                                  f"remove them.")
        _check_by(data, by_cols)
        if null == "permutation":
            sampler = _null_multi
        else:
            def sampler(c, n, g):
                # expected counts under evenness; the observed whole area totals are passed on, since the
                # expected table's sums can fall a rounding error short of them
                t = np.add.reduce(c, axis=0)
                return _multinomial_rows(np.outer(c.sum(axis=1), t) / t.sum(), n, g, t)
        absent = "fewer than two groups present"
        undefined = "fewer than two groups drawn"
    else:
        check_columns(data, {"group": group, "total": total, "by": by_cols})
        x_all, t_all = _counts(data, group, total, by_cols)
        _require_whole(data, [group, total], [x_all, t_all], why)
        counts = np.stack([x_all, t_all])
        if null == "permutation":
            def sampler(c, n, g):
                return _null_two(c[0], c[1], n, g)
        else:
            def sampler(c, n, g):
                return _binomial_by_area(g, c[1], c[0].sum() / c[1].sum(), n).astype(float)
        absent = "the group is absent or is everyone"
        undefined = "no group member drawn, or everyone"
    gen = check_rng(rng) if by_cols else rng
    # exposure (xPy) falls as segregation rises: its extreme values under evenness are the low ones
    lower_tail = index == "exposure"

    def statistic(values: np.ndarray, c: np.ndarray) -> np.ndarray:
        return kernel(values) if multi else kernel(values, c[1])

    def one(c: np.ndarray) -> SegregationResult:
        sizes = np.add.reduce(c, axis=1)
        if (np.count_nonzero(sizes) < 2) if multi else (sizes[0] == 0 or sizes[0] == sizes[1]):
            return SegregationResult(index, float("nan"), method=f"undefined: {absent}", n_areas=c.shape[1])
        obs = float(kernel(c) if multi else kernel(c[0], c[1]))
        null_values = _replicate(lambda block_gen, size: sampler(c, size, block_gen),
                                 lambda draws: statistic(draws, c), int(n_perm), gen, n_jobs)
        # a replicate whose index is undefined (0/0; the binomial null can draw no group member) is neither
        # more nor less extreme than the data: it is left out of the count and of the number of replicates
        defined = null_values[np.isfinite(null_values)]
        kept = ("area and group totals" if null == "permutation" else
                "area totals (multinomial)" if multi else "area totals (binomial)")
        method = f"{null} test ({n_perm} random allocations keeping {kept}; lower/upper: null 95 % range"
        if lower_tail:
            method += "; p from the lower tail, as exposure falls when segregation rises"
        method += _undefined_note(null_values, "null", undefined)
        if len(defined) == 0:
            return SegregationResult(index, obs, method=method + "; no p-value)", n_areas=c.shape[1])
        extreme = defined <= obs + 1e-12 if lower_tail else defined >= obs - 1e-12
        p = (1 + int(extreme.sum())) / (len(defined) + 1)
        lo, hi = np.quantile(defined, [0.025, 0.975])
        return SegregationResult(index, obs, float(lo), float(hi), p, method=method + ")", n_areas=c.shape[1])

    if not by_cols:
        return one(counts)
    rows = []
    for key, pos in _by_positions(data, by_cols):
        r = one(counts[:, pos])
        rows.append({**dict(zip(by_cols, key)), "index": index, "estimate": r.estimate, "p_value": r.p_value,
                     "null_lower": r.lower, "null_upper": r.upper, "n_areas": r.n_areas, "method": r.method})
    return pd.DataFrame(rows)
