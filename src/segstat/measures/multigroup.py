"""Multigroup segregation indices: Theil's H and the multigroup dissimilarity (Reardon & Firebaugh 2002)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._typing import RNGLike
from .._validation import (
    _values_at,
    check_columns,
    check_dataframe,
    column_list,
    count_matrix,
    examples,
)
from ..errors import InputValueError
from . import _compiled, _kernels
from ._inputs import check_bootstrap, group_list, require_whole_persons
from ._kernels import (
    _CANCELLATION,
    _area_totals,
    _group_totals,
    _k_multi_dissimilarity,
    _k_multi_entropy,
    _total_and_entropy,
)
from ._resampling import _interval, _multinomial_rows, _replicate, _undefined_note
from ._split import Positions, check_by, one_row, part_seed, split_apply
from .segregation import RESULT_COLUMNS, _row

__all__ = ["multigroup_dissimilarity", "multigroup_entropy"]


def _multi(name: str, kernel: Callable[..., np.ndarray], data: pd.DataFrame, groups: Sequence[str], by: Any,
           ci: str | None, confidence_level: float, n_resamples: int, rng: RNGLike, interval: str) -> pd.DataFrame:
    data = check_dataframe(data)
    groups = group_list(groups)
    by_cols = column_list(by)
    if ci is None and not by_cols:
        est = _multi_compiled(kernel, data, groups)
        if est is not None:
            check_bootstrap(ci, confidence_level, n_resamples, interval)
            part_seed(rng)  # validated as in the numpy path, though a point estimate draws nothing
            return one_row(_row(name, est, len(data)), RESULT_COLUMNS)
    # (groups, areas); checks the columns too. Integer counts stay integers for the entropy kernel (c ln c
    # from a table); the dissimilarity kernel works in floats throughout
    counts = count_matrix(data, groups, integers=kernel is _k_multi_entropy)
    check_columns(data, {"by": by_cols})
    check_bootstrap(ci, confidence_level, n_resamples, interval)
    if ci is not None:
        require_whole_persons(data, groups, counts, "ci='bootstrap'")
        counts = counts.astype(float, copy=False)
    area_totals = _area_totals(counts)
    if np.count_nonzero(area_totals) < len(area_totals):  # (cheaper than .all() on a few thousand areas)
        zero = area_totals == 0
        raise InputValueError(f"rows {examples(data.index[zero].tolist())} have no persons in any group; remove them.")
    check_by(data, by_cols)

    def one(pos: Positions, seed: int | None) -> dict[str, Any]:
        c, t = counts[:, pos], area_totals[pos]
        g = _group_totals(c)
        if np.count_nonzero(g) < 2:
            return _row(name, float("nan"), c.shape[1], method="undefined: fewer than two groups present")
        est = float(kernel(c, t, g))
        if ci is None:
            return _row(name, est, c.shape[1])
        reps = _replicate(lambda block_gen, size: _multinomial_rows(c, size, block_gen, t), kernel, n_resamples,
                          seed, None)
        lo, hi = _interval(est, reps, confidence_level, interval)
        note = _undefined_note(reps, "bootstrap", "fewer than two groups drawn")
        return _row(name, est, c.shape[1], lo, hi, method=f"bootstrap ({n_resamples} multinomial redraws of every "
                    f"area's composition, area totals kept, {interval}{note})")

    return split_apply(data, by_cols, rng, one, RESULT_COLUMNS)


def _multi_compiled(kernel: Callable[..., np.ndarray], data: pd.DataFrame, groups: list[str]) -> float | None:
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
    found = [_values_at(data, loc) if isinstance(loc, (int, np.integer)) else None for loc in locs]
    cols = [c for c in found if c is not None and c.dtype == np.int64]
    if len(data) == 0 or len(cols) < len(found):
        return None
    if len({(c.flags.c_contiguous, c.flags.writeable) for c in cols}) > 1:
        cols = [np.array(c) for c in cols]  # one array type for the compiled tuple
    if kernel is _k_multi_entropy:
        status, g, t_log_t, within = compiled.entropy_sums(tuple(cols), _kernels._xlogx_table)
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


def multigroup_entropy(data: pd.DataFrame, *, groups: Sequence[str], by: str | Sequence[str] | None = None,
                       ci: Literal["bootstrap"] | None = None, confidence_level: float = 0.95,
                       n_resamples: int = 999, rng: RNGLike = None,
                       interval: Literal["basic", "percentile"] = "basic") -> pd.DataFrame:
    """Multigroup Theil information index H.

    Parameters
    ----------
    data : pandas.DataFrame
    groups : list of str
        Columns of mutually exclusive group counts, each named once (a
        repeated name is refused: it would count that group twice); an area's
        total is their sum.
    by, ci, confidence_level, n_resamples, rng, interval
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
    >>> segstat.multigroup_entropy(d, groups=["a", "b"])["estimate"].item()
    1.0
    """
    return _multi("multigroup_entropy", _k_multi_entropy, data, groups, by, ci, confidence_level, n_resamples, rng, interval)


def multigroup_dissimilarity(data: pd.DataFrame, *, groups: Sequence[str], by: str | Sequence[str] | None = None,
                       ci: Literal["bootstrap"] | None = None, confidence_level: float = 0.95,
                       n_resamples: int = 999, rng: RNGLike = None,
                       interval: Literal["basic", "percentile"] = "basic") -> pd.DataFrame:
    """Multigroup dissimilarity index (Sakoda 1981; Reardon & Firebaugh 2002).

    Parameters
    ----------
    data, groups, by, ci, confidence_level, n_resamples, rng, interval
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
    >>> segstat.multigroup_dissimilarity(d, groups=["a", "b"])["estimate"].item()
    1.0
    """
    return _multi("multigroup_dissimilarity", _k_multi_dissimilarity, data, groups, by, ci, confidence_level,
                  n_resamples, rng, interval)
