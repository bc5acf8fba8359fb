"""Two-group segregation indices (Massey & Denton) and Segregationsbarometern's ojämlikhetsindex.

All indices take counts per area: ``group`` (members of the group) and ``total`` (everyone). Every index
is computed for many replicates at once (arrays of shape replicates x areas, see :mod:`._kernels`), so a
bootstrap interval costs little more than a point estimate. The multigroup indices are in
:mod:`.multigroup`, the permutation test in :mod:`.inference`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._typing import RNGLike
from .._validation import check_columns, check_dataframe, check_scalar, column_list, count_arrays
from ._inputs import check_bootstrap, counts, require_whole_persons
from ._kernels import (
    _k_atkinson,
    _k_dissimilarity,
    _k_entropy,
    _k_exposure,
    _k_gini,
    _k_isolation,
)
from ._resampling import _bootstrap_two, _interval, _replicate, _undefined_note
from ._split import Positions, check_by, split_apply

__all__ = ["RESULT_COLUMNS", "atkinson", "dissimilarity", "entropy", "exposure", "gini", "isolation",
           "ojamlikhetsindex"]

#: columns of every segregation index's result, after the ``by`` columns
RESULT_COLUMNS = ("index", "estimate", "lower", "upper", "n_areas", "method")


def _row(index: str, estimate: float, n_areas: int, lower: float = float("nan"), upper: float = float("nan"),
         method: str = "point estimate") -> dict[str, Any]:
    """One result row (see :data:`RESULT_COLUMNS`)."""
    return {"index": index, "estimate": estimate, "lower": lower, "upper": upper, "n_areas": n_areas,
            "method": method}


def _single(name: str, kernel: Callable[[np.ndarray, np.ndarray], np.ndarray], x: np.ndarray, t: np.ndarray, *,
            ci: str | None, confidence_level: float, n_resamples: int, interval: str, seed: int | None,
            n_jobs: int | None = None) -> dict[str, Any]:
    if x.sum() == 0 or (t - x).sum() == 0:  # the rest counted: beyond 2**53 the two float sums can round alike
        return _row(name, float("nan"), len(t), method="undefined: the group is absent or is everyone")
    est = float(kernel(x, t))
    if ci is None:
        return _row(name, est, len(t))
    reps = _replicate(lambda g, b: _bootstrap_two(x, t, b, g), lambda xs: kernel(xs, t), n_resamples, seed, n_jobs)
    lo, hi = _interval(est, reps, confidence_level, interval)
    note = _undefined_note(reps, "bootstrap", "no group member drawn, or everyone")
    # one group against the rest: a multinomial of two categories is a binomial, so say what is drawn
    return _row(name, est, len(t), lo, hi, method=f"bootstrap ({n_resamples} binomial redraws of every area's "
                f"group count, area totals kept, {interval}{note})")


def _run(name: str, kernel: Callable[[np.ndarray, np.ndarray], np.ndarray], data: pd.DataFrame, group: str,
         total: str, by: Any, ci: str | None, confidence_level: float, n_resamples: int, rng: RNGLike,
         interval: str = "basic") -> pd.DataFrame:
    data = check_dataframe(data)
    by_cols = column_list(by)
    check_columns(data, {"group": group, "total": total, "by": by_cols})
    check_bootstrap(ci, confidence_level, n_resamples, interval)
    x_all, t_all = counts(data, group, total, by_cols)
    if ci is not None:
        require_whole_persons(data, [group, total], [x_all, t_all], "ci='bootstrap'")

    def one(pos: Positions, seed: int | None) -> dict[str, Any]:
        return _single(name, kernel, x_all[pos], t_all[pos], ci=ci, confidence_level=confidence_level,
                       n_resamples=n_resamples, interval=interval, seed=seed)

    return split_apply(data, by_cols, rng, one, RESULT_COLUMNS)


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
        Split the areas into parts (for example ``"kommun"``), one row per
        part; a part inside ``by=`` equals the part alone with the same
        ``rng`` (see :doc:`/api/glossary`).
    ci : {None, "bootstrap"}, default None
        Bootstrap interval: every area keeps its total and its group count is
        redrawn Binomial(total, observed share). This draws whole persons, so
        it refuses fractional (weighted) counts, naming the rows; point
        estimates accept them.
    confidence_level : float, default 0.95
        In (0, 1).
    n_resamples : int, default 999
        Bootstrap replicates, a positive integer.
    rng : int, Generator or None
        Randomness of the bootstrap; the same int gives the same interval.
    interval : {"basic", "percentile"}, default "basic"
        The basic interval :math:`[2\\hat\\theta - q_{hi}, 2\\hat\\theta - q_{lo}]`
        corrects the upward small-count bias of unevenness indices; the
        percentile interval does not. Both are clipped to the index's range
        [0, 1]: mirrored around an estimate near 0 (near evenness) or near 1
        (near complete separation), the basic interval can otherwise reach
        below 0 or above 1, values that no table can have.

    Returns
    -------
    pandas.DataFrame
        One row (without ``by``) or one row per part (the ``by`` columns
        first), with ``index``, ``estimate``, ``lower``, ``upper``
        (NaN without ``ci``), ``n_areas`` and ``method``. A group that is
        absent (or is everyone) in a part gives NaN with the reason in
        ``method``.
"""


def dissimilarity(data: pd.DataFrame, *, group: str, total: str, by: str | Sequence[str] | None = None,
    ci: Literal["bootstrap"] | None = None, confidence_level: float = 0.95, n_resamples: int = 999,
    rng: RNGLike = None, interval: Literal["basic", "percentile"] = "basic") -> pd.DataFrame:
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
    >>> round(segstat.dissimilarity(d, group="foreign", total="total")["estimate"].item(), 6)
    0.55
    """
    return _run("dissimilarity", _k_dissimilarity, data, group, total, by, ci, confidence_level, n_resamples, rng, interval)


def gini(data: pd.DataFrame, *, group: str, total: str, by: str | Sequence[str] | None = None,
    ci: Literal["bootstrap"] | None = None, confidence_level: float = 0.95, n_resamples: int = 999,
    rng: RNGLike = None, interval: Literal["basic", "percentile"] = "basic") -> pd.DataFrame:
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
    >>> segstat.gini(d, group="g", total="t")["estimate"].item()
    1.0
    """
    return _run("gini", _k_gini, data, group, total, by, ci, confidence_level, n_resamples, rng, interval)


def entropy(data: pd.DataFrame, *, group: str, total: str, by: str | Sequence[str] | None = None,
    ci: Literal["bootstrap"] | None = None, confidence_level: float = 0.95, n_resamples: int = 999,
    rng: RNGLike = None, interval: Literal["basic", "percentile"] = "basic") -> pd.DataFrame:
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
    >>> segstat.entropy(d, group="g", total="t")["estimate"].item()
    1.0
    """
    return _run("entropy", _k_entropy, data, group, total, by, ci, confidence_level, n_resamples, rng, interval)


def isolation(data: pd.DataFrame, *, group: str, total: str, by: str | Sequence[str] | None = None,
    ci: Literal["bootstrap"] | None = None, confidence_level: float = 0.95, n_resamples: int = 999,
    rng: RNGLike = None, interval: Literal["basic", "percentile"] = "basic") -> pd.DataFrame:
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
    >>> round(segstat.isolation(d, group="g", total="t")["estimate"].item(), 6)
    0.25
    """
    return _run("isolation", _k_isolation, data, group, total, by, ci, confidence_level, n_resamples, rng, interval)


def exposure(data: pd.DataFrame, *, group: str, total: str, by: str | Sequence[str] | None = None,
    ci: Literal["bootstrap"] | None = None, confidence_level: float = 0.95, n_resamples: int = 999,
    rng: RNGLike = None, interval: Literal["basic", "percentile"] = "basic") -> pd.DataFrame:
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
    >>> round(segstat.exposure(d, group="g", total="t")["estimate"].item(), 6)
    0.75
    """
    return _run("exposure", _k_exposure, data, group, total, by, ci, confidence_level, n_resamples, rng, interval)


def atkinson(data: pd.DataFrame, *, group: str, total: str, b: float = 0.5, by: str | Sequence[str] | None = None,
    ci: Literal["bootstrap"] | None = None, confidence_level: float = 0.95, n_resamples: int = 999,
    rng: RNGLike = None, interval: Literal["basic", "percentile"] = "basic") -> pd.DataFrame:
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
    >>> round(segstat.atkinson(d, group="g", total="t")["estimate"].item(), 12)
    0.0
    """
    b = check_scalar("b", b, "real", low=0, low_open=True, high=1, high_open=True,
                     must="a number strictly between 0 and 1")
    return _run(f"atkinson(b={b:g})", _k_atkinson(b), data, group, total, by, ci, confidence_level, n_resamples, rng, interval)


for _f in (dissimilarity, gini, entropy, isolation, exposure, atkinson):
    if _f.__doc__ is not None:  # None under python -OO, which strips docstrings
        _f.__doc__ = _f.__doc__.replace("{args}", _DOC_ARGS).replace("{{", "{").replace("}}", "}")


def ojamlikhetsindex(data: pd.DataFrame, *, lowest: str, highest: str, by: str | Sequence[str] | None = "kommun",
                     ci: Literal["bootstrap"] | None = None, confidence_level: float = 0.95, n_resamples: int = 999,
                     rng: RNGLike = None) -> pd.DataFrame:
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
    ci, confidence_level, n_resamples, rng
        As in :func:`dissimilarity` (basic bootstrap interval).

    Returns
    -------
    pandas.DataFrame
        As :func:`dissimilarity`'s, with values 0-100.

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
    check_bootstrap(ci, confidence_level, n_resamples, "basic")
    # float arrays: summing the columns in their own dtype would wrap int16/uint8 counts around
    arrays = count_arrays(data, [lowest, highest], exact=False)
    a, b = arrays[lowest], arrays[highest]
    if ci is not None:
        require_whole_persons(data, [lowest, highest], [a, b], "ci='bootstrap'")
    t = a + b
    check_by(data, by_cols)
    name = "ojamlikhetsindex"

    def one(pos: Positions, seed: int | None) -> dict[str, Any]:
        # areas with neither quintile add exactly 0 to every term; leaving them out here, per by part, keeps
        # a part whose areas are all empty in the output instead of losing it
        keep = t[pos] > 0
        x, tt = a[pos][keep], t[pos][keep]
        A, N = x.sum(), tt.sum()
        if A == 0 or A == N:
            who = "either quintile" if N == 0 else "the lowest quintile" if A == 0 else "the highest quintile"
            return _row(name, float("nan"), len(tt), method=f"undefined: nobody in {who}")
        r = _single(name, _k_dissimilarity, x, tt, ci=ci, confidence_level=confidence_level,
                    n_resamples=n_resamples, interval="basic", seed=seed)
        return {**r, "estimate": 100 * r["estimate"], "lower": 100 * r["lower"], "upper": 100 * r["upper"]}

    return split_apply(data, by_cols, rng, one, RESULT_COLUMNS)
