"""Checks of the measures' inputs, with one wording everywhere: counts of the segregation indices, the
``groups`` list, and the interval settings (``ci``, ``confidence_level``, ``interval``, ``n_resamples``).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_choice, count_arrays, examples, require_whole
from ..errors import InputValueError
from ._split import check_by

__all__ = ["MAX_RESAMPLES", "check_bootstrap", "check_confidence_level", "check_n_resamples", "counts", "group_list",
           "require_whole_persons"]


def check_confidence_level(confidence_level: Any) -> float:
    """A confidence level strictly between 0 and 1; numpy scalars pass, bool and percentages do not."""
    if (isinstance(confidence_level, (bool, np.bool_)) or not isinstance(confidence_level, numbers.Real)
            or not 0 < float(confidence_level) < 1):
        raise InputValueError(f"confidence_level={confidence_level!r} must be strictly between 0 and 1, e.g. 0.95 "
                              f"(not a percentage such as 95).")
    return float(confidence_level)


#: the most replicates any interval or test draws. Ten million puts the Monte Carlo error of a p-value near
#: 0.05 below 0.0001; beyond it a run only grows (2**64 replicates would never end, nor fit in memory).
MAX_RESAMPLES = 10_000_000


def check_n_resamples(n_resamples: Any, what: str = "replicates") -> int:
    """A whole number of replicates from 1 to :data:`MAX_RESAMPLES` (bool is refused: True is not a count)."""
    if (isinstance(n_resamples, (bool, np.bool_)) or not isinstance(n_resamples, (int, np.integer))
            or not 1 <= n_resamples <= MAX_RESAMPLES):
        raise InputValueError(f"n_resamples={n_resamples!r} must be a whole number from 1 to {MAX_RESAMPLES:,} "
                              f"(the number of {what}), e.g. 999.")
    return int(n_resamples)


def check_bootstrap(ci: Any, confidence_level: Any, n_resamples: Any, interval: Any) -> None:
    """The interval settings of the segregation indices: ``ci`` None or "bootstrap"."""
    check_choice("ci", ci, (None, "bootstrap"))
    check_choice("interval", interval, ("basic", "percentile"))
    check_confidence_level(confidence_level)
    check_n_resamples(n_resamples, "bootstrap replicates")


def counts(data: pd.DataFrame, group: str, total: str, by: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The ``group`` and ``total`` counts as float arrays, checked (group <= total, no empty area)."""
    arrays = count_arrays(data, [group, total], exact=False)
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
    check_by(data, by)
    return x, t


def group_list(groups: Sequence[str]) -> list[str]:
    """The ``groups`` columns, each named once: a repeated name would count that group twice."""
    if isinstance(groups, str):
        raise InputValueError(f"groups={groups!r} must be a list of at least two column names, e.g. "
                              f"groups=['a', 'b'].")
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


def require_whole_persons(data: pd.DataFrame, columns: Sequence[str], values: Sequence[np.ndarray] | np.ndarray,
                          why: str) -> None:
    """Refuse fractional (weighted) counts where persons are resampled: a draw of whole persons from a total
    of 2.5 is not defined, and cutting it to 2 would change every share. Whole numbers stored as floats
    pass."""
    require_whole(data, columns, f"{why} draws whole persons, so it needs whole counts: use the unweighted counts. "
                                 f"Point estimates (ci=None) accept weighted counts.", list(values))
