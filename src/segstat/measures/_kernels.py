"""Kernels of the segregation indices: each takes counts of shape (..., areas), or (..., groups, areas) for
the multigroup indices, and returns one value per leading index, so a block of replicates costs one call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np


def _shares(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per area the group's share p and the rest's share q = (t - x) / t; overall the group's and the rest's
    counts X and Y, and T. The rest is counted, never taken as 1 - P or T - X: when the group is nearly
    everyone, 1 - P keeps only the last bits of P (X = 2**52 of T = 2**52 + 160 left 1 - P wrong by 0.3 %), and
    beyond 2**53 a float sum X is itself rounded."""
    y = t - x
    return x / t, y / t, x.sum(axis=-1), y.sum(axis=-1), t.sum(axis=-1)


def _k_dissimilarity(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    # D = 1/2 sum |x_i / X - y_i / Y|: every term carries its own rounding only (the textbook form with
    # t_i |p_i - P| / (2 T P (1 - P)) cancels catastrophically when the group is nearly everyone)
    y = t - x
    return 0.5 * np.abs(x / x.sum(axis=-1)[..., None] - y / y.sum(axis=-1)[..., None]).sum(axis=-1)


def _exclusive_cumsum(a: np.ndarray) -> np.ndarray:
    """Sums of the elements before each one along the last axis (not cumsum minus the element, which loses
    the small sums before a large element: 230 before 2**62 gave 0)."""
    out = np.zeros_like(a)
    np.cumsum(a[..., :-1], axis=-1, out=out[..., 1:])
    return out


def _k_gini(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    p, _, X, Y, T = _shares(x, t)
    tt = np.broadcast_to(t, p.shape)
    order = np.argsort(p, axis=-1, kind="stable")
    ps = np.take_along_axis(p, order, axis=-1)
    ts = np.take_along_axis(tt, order, axis=-1).astype(float)
    before_t = _exclusive_cumsum(ts)                    # sum of t_j over j below k
    before_tp = _exclusive_cumsum(ts * ps)              # sum of t_j p_j over j below k
    pair_sum = 2 * (ts * (ps * before_t - before_tp)).sum(axis=-1)   # sum_i sum_j t_i t_j |p_i - p_j|
    return pair_sum / (2 * X * Y)                        # 2 T^2 P (1 - P) = 2 X Y


def _xlogx(q: np.ndarray) -> np.ndarray:
    """q log q with 0 log 0 = 0 (the floor keeps log finite; 0 times it is 0)."""
    return q * np.log(np.maximum(q, 1e-300))


def _binary_entropy(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """-(p ln p + q ln q) for shares p + q = 1 given both: the larger share's logarithm is taken as log1p of
    minus the smaller (ln p of p = 1 - 1e-14 from p itself keeps two digits), 0 ln 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = np.where(p > 0.5, np.log1p(-q), np.log(np.maximum(p, 1e-300)))
        lq = np.where(q > 0.5, np.log1p(-p), np.log(np.maximum(q, 1e-300)))
    return -(p * lp + q * lq)


def _k_entropy(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    p, q, X, Y, T = _shares(x, t)
    E = _binary_entropy(X / T, Y / T)                  # of the whole, from both counts
    return (t * (E[..., None] - _binary_entropy(p, q))).sum(axis=-1) / (E * T)


def _k_isolation(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    X = x.sum(axis=-1)
    return ((x / X[..., None]) * (x / t)).sum(axis=-1)


def _k_exposure(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    X = x.sum(axis=-1)
    return ((x / X[..., None]) * ((t - x) / t)).sum(axis=-1)


def _k_atkinson(b: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def kernel(x: np.ndarray, t: np.ndarray) -> np.ndarray:
        p, q, X, Y, _ = _shares(x, t)
        s = (q ** (1 - b) * p**b * t).sum(axis=-1) / X   # P T = X
        return 1 - X / Y * np.abs(s) ** (1 / (1 - b))     # P / (1 - P) = X / Y
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


#: two-group kernels by index name (Atkinson at b = 0.5, the default of :func:`segstat.atkinson`)
KERNELS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "dissimilarity": _k_dissimilarity, "gini": _k_gini, "entropy": _k_entropy, "isolation": _k_isolation,
    "exposure": _k_exposure, "atkinson": _k_atkinson(0.5)}
#: multigroup kernels by index name
MULTI_KERNELS: dict[str, Callable[..., np.ndarray]] = {
    "multigroup_entropy": _k_multi_entropy, "multigroup_dissimilarity": _k_multi_dissimilarity}
