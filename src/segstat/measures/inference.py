"""Permutation test of a segregation index against evenness (Phipson & Smyth's +1 p-value)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from .._typing import RNGLike
from .._validation import (
    check_choice,
    check_columns,
    check_dataframe,
    column_list,
    count_matrix,
    examples,
)
from ..errors import InputValueError
from ._inputs import check_n_resamples, group_list, require_whole_persons
from ._inputs import counts as counts_of
from ._kernels import KERNELS, MULTI_KERNELS
from ._resampling import (
    _binomial_by_area,
    _multinomial_rows,
    _null_multi,
    _null_two,
    _replicate,
    _undefined_note,
)
from ._split import Positions, check_by, split_apply

__all__ = ["TEST_COLUMNS", "segregation_test"]

#: columns of :func:`segregation_test`'s result, after the ``by`` columns
TEST_COLUMNS = ("index", "estimate", "p_value", "lower", "upper", "n_areas", "method")


def segregation_test(
    data: pd.DataFrame,
    *,
    group: str | None = None,
    total: str | None = None,
    groups: Sequence[str] | None = None,
    index: Literal["dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson", "multigroup_entropy",
                   "multigroup_dissimilarity"] | None = None,
    n_resamples: int = 999,
    by: str | Sequence[str] | None = None,
    null: Literal["permutation", "binomial"] = "permutation",
    rng: RNGLike = None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
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
    n_resamples : int, default 999
        Random allocations under the null.
    null : {"permutation", "binomial"}, default "permutation"
        ``"permutation"``: persons are allocated to areas at random keeping
        every area's total and every group's total (multivariate
        hypergeometric; for several groups a random table with both margins
        fixed). ``"binomial"``: every area's composition is drawn from the
        overall shares (binomial, or multinomial for several groups), keeping
        area totals only (PySAL's "evenness" null); slightly faster.
    rng : int, Generator or None
        Randomness of the null draws; the same int gives the same p-value,
        and a part inside ``by=`` the same as the part alone.
    n_jobs : int, optional
        Threads used (all cores by default). Replicates are drawn in fixed
        blocks with their own seeds, so the result is the same for any
        ``n_jobs``.

    Returns
    -------
    pandas.DataFrame
        One row (without ``by``) or one row per part (the ``by`` columns
        first), with ``index``, ``estimate``, ``p_value``, ``lower``,
        ``upper``, ``n_areas`` and ``method``: ``p_value`` =
        (1 + #{null ≥ observed}) / (n + 1), and ``lower`` and ``upper`` the
        null distribution's 2.5 % and 97.5 % quantiles (the same names with
        and without ``by``).
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
    >>> segstat.segregation_test(d, group="g", total="t", n_resamples=99, rng=1)["p_value"].item()
    0.01
    >>> d = pd.DataFrame({"a": [90, 10, 50], "b": [5, 80, 20], "c": [5, 10, 30]})
    >>> segstat.segregation_test(d, groups=["a", "b", "c"], n_resamples=99, rng=1)["p_value"].item()
    0.01
    """
    multi = groups is not None
    if multi and (group is not None or total is not None):
        raise InputValueError("give either group= and total= (one group against everyone) or groups= "
                              "(several groups), not both.")
    if not multi and (group is None or total is None):
        raise InputValueError("give group= and total= (one group against everyone) or groups= (several groups).")
    kernels: dict[str, Callable[..., np.ndarray]] = dict(MULTI_KERNELS if multi else KERNELS)
    name: str = next(iter(kernels)) if index is None else index
    if name not in kernels:
        other = "group= and total=" if multi else "groups="
        if name in (KERNELS if multi else MULTI_KERNELS):
            raise InputValueError(f"index={name!r} needs {other}.")
    check_choice("index", name, tuple(kernels))
    check_choice("null", null, ("permutation", "binomial"))
    n_resamples = check_n_resamples(n_resamples, "random allocations under the null")
    data = check_dataframe(data)
    by_cols = column_list(by)
    kernel = kernels[name]
    why = "segregation_test"  # both nulls allocate whole persons
    if groups is not None:
        group_names = group_list(groups)
        check_columns(data, {"groups": group_names, "by": by_cols})
        counts = count_matrix(data, group_names)
        require_whole_persons(data, group_names, counts, why)
        zero = np.add.reduce(counts, axis=0) == 0
        if zero.any():
            raise InputValueError(f"rows {examples(data.index[zero].tolist())} have no persons in any group; "
                                  f"remove them.")
        check_by(data, by_cols)
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
        group, total = cast(str, group), cast(str, total)  # both given: checked above
        check_columns(data, {"group": group, "total": total, "by": by_cols})
        x_all, t_all = counts_of(data, group, total, by_cols)
        require_whole_persons(data, [group, total], [x_all, t_all], why)
        counts = np.stack([x_all, t_all])
        if null == "permutation":
            def sampler(c, n, g):
                return _null_two(c[0], c[1], n, g)
        else:
            def sampler(c, n, g):
                return _binomial_by_area(g, c[1], c[0].sum() / c[1].sum(), n).astype(float)
        absent = "the group is absent or is everyone"
        undefined = "no group member drawn, or everyone"
    # exposure (xPy) falls as segregation rises: its extreme values under evenness are the low ones
    lower_tail = name == "exposure"

    def statistic(values: np.ndarray, c: np.ndarray) -> np.ndarray:
        return kernel(values) if multi else kernel(values, c[1])

    def one(pos: Positions, seed: int | None) -> dict[str, Any]:
        c = counts[:, pos]
        sizes = np.add.reduce(c, axis=1)
        row = {"index": name, "estimate": float("nan"), "p_value": float("nan"), "lower": float("nan"),
               "upper": float("nan"), "n_areas": c.shape[1]}
        if (np.count_nonzero(sizes) < 2) if multi else (sizes[0] == 0 or sizes[0] == sizes[1]):
            return {**row, "method": f"undefined: {absent}"}
        obs = float(kernel(c) if multi else kernel(c[0], c[1]))
        null_values = _replicate(lambda block_gen, size: sampler(c, size, block_gen),
                                 lambda draws: statistic(draws, c), n_resamples, seed, n_jobs)
        # a replicate whose index is undefined (0/0; the binomial null can draw no group member) is neither
        # more nor less extreme than the data: it is left out of the count and of the number of replicates
        defined = null_values[np.isfinite(null_values)]
        kept = ("area and group totals" if null == "permutation" else
                "area totals (multinomial)" if multi else "area totals (binomial)")
        method = f"{null} test ({n_resamples} random allocations keeping {kept}; lower/upper: null 95 % range"
        if lower_tail:
            method += "; p from the lower tail, as exposure falls when segregation rises"
        method += _undefined_note(null_values, "null", undefined)
        if len(defined) == 0:
            return {**row, "estimate": obs, "method": method + "; no p-value)"}
        extreme = defined <= obs + 1e-12 if lower_tail else defined >= obs - 1e-12
        p = (1 + int(extreme.sum())) / (len(defined) + 1)
        lo, hi = np.quantile(defined, [0.025, 0.975])
        return {**row, "estimate": obs, "p_value": p, "lower": float(lo), "upper": float(hi), "method": method + ")"}

    return split_apply(data, by_cols, rng, one, TEST_COLUMNS)
