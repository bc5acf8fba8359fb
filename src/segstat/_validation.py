"""Shared checks used at the public boundary of every module.

Validate once, here, so that the wording of an error never varies between
modules. Every message names the parameter, shows the offending value(s) and
says how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ColumnError, InputTypeError, InputValueError

#: how many offending values to show in a message
MAX_EXAMPLES = 5


def examples(values: Iterable[Any], limit: int = MAX_EXAMPLES) -> str:
    """Format the first ``limit`` values for an error message, with a count of the rest."""
    vals = list(values)
    shown = ", ".join(repr(v) for v in vals[:limit])
    if len(vals) > limit:
        shown += f", ... ({len(vals) - limit} more)"
    return shown


def close_matches(value: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Close matches of ``value`` among ``choices`` (for 'did you mean' hints)."""
    return difflib.get_close_matches(str(value), [str(c) for c in choices], n=n, cutoff=0.6)


def check_choice(name: str, value: Any, allowed: Sequence[Any]) -> Any:
    """Raise unless ``value`` is one of ``allowed``."""
    if value not in allowed:
        hint = ""
        if isinstance(value, str):
            m = close_matches(value, [a for a in allowed if isinstance(a, str)])
            if m:
                hint = f" Did you mean {m[0]!r}?"
        raise InputValueError(
            f"{name}={value!r} is not allowed; use one of {', '.join(map(repr, allowed))}.{hint}"
        )
    return value


def check_dataframe(data: Any, name: str = "data", *, allow_empty: bool = False) -> pd.DataFrame:
    """Require a pandas DataFrame (non-empty unless ``allow_empty``).

    A Dask DataFrame is computed: functions that call this take aggregated data (counts per area or
    group), so what is collected is the small result of a Dask aggregation, never microdata.
    """
    if type(data).__module__.startswith("dask") and hasattr(data, "compute"):
        data = data.compute()
    if not isinstance(data, pd.DataFrame):
        raise InputTypeError(
            f"{name} must be a pandas DataFrame, got {type(data).__name__}. "
            f"Wrap your data with pandas.DataFrame(...) first."
        )
    if not allow_empty and len(data) == 0:
        raise InputValueError(f"{name} is empty (0 rows); pass at least one row.")
    return data


def check_columns(data: pd.DataFrame, columns: dict[str, Any], name: str = "data") -> None:
    """Require each column named by a keyword argument to be present.

    ``columns`` maps the keyword (``"events"``) to the column name the caller gave.
    """
    for keyword, col in columns.items():
        if col is None:
            continue
        cols = [col] if isinstance(col, (str, int)) else list(col)
        for c in cols:
            if c not in data.columns:
                hint = ""
                m = close_matches(str(c), map(str, data.columns))
                if m:
                    hint = f" Did you mean {m[0]!r}?"
                raise ColumnError(
                    f"{keyword}={c!r}: no such column in {name}. "
                    f"Columns are: {examples(data.columns, 12)}.{hint}"
                )


def _row_labels(index: pd.Index, mask: np.ndarray) -> str:
    return examples(index[mask].tolist())


def count_arrays(
    data: pd.DataFrame,
    columns: Sequence[str] | str,
    *,
    integer: bool = False,
    allow_zero: bool = True,
) -> dict[str, np.ndarray]:
    """Check count columns (numeric, finite, non-negative) and return them as float arrays.

    Errors name the column and the first offending row labels.
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    out = {}
    for c in cols:
        s = data[c]
        if not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
            raise InputTypeError(
                f"column {c!r} must hold numbers, got dtype {s.dtype}. "
                f"Convert it with pandas.to_numeric(data[{c!r}])."
            )
        raw = s.to_numpy()
        v = raw.astype(float) if raw.dtype != object else s.to_numpy(dtype=float, na_value=np.nan)
        if allow_zero and (raw.dtype.kind == "u" or (raw.dtype.kind == "i" and raw.min(initial=0) >= 0)):
            out[c] = v  # whole non-negative numbers: nothing more to check
            continue
        if not np.isfinite(v).all():
            bad = np.isnan(v)
            if bad.any():
                raise InputValueError(
                    f"column {c!r} has {int(bad.sum())} missing value(s) (NaN) in rows "
                    f"{_row_labels(data.index, bad)}. Fill or remove them explicitly; segstat does not drop rows."
                )
            bad = ~np.isfinite(v)
            raise InputValueError(f"column {c!r} has infinite values in rows {_row_labels(data.index, bad)}.")
        if v.min(initial=0) < 0:
            bad = v < 0
            raise InputValueError(
                f"column {c!r} has negative counts in rows {_row_labels(data.index, bad)} "
                f"(e.g. {v[bad][0]:g}); counts must be >= 0."
            )
        if not allow_zero and (v == 0).any():
            bad = v == 0
            raise InputValueError(
                f"column {c!r} is zero in rows {_row_labels(data.index, bad)}; "
                f"it must be positive (remove those rows or merge them with a neighbour)."
            )
        if integer and raw.dtype.kind == "f" and (v != np.round(v)).any():
            bad = v != np.round(v)
            raise InputValueError(
                f"column {c!r} must hold whole counts; rows {_row_labels(data.index, bad)} "
                f"are fractional (e.g. {v[bad][0]:g})."
            )
        out[c] = v
    return out


def check_counts(
    data: pd.DataFrame,
    columns: Sequence[str] | str,
    *,
    integer: bool = False,
    allow_zero: bool = True,
    name: str = "data",
) -> None:
    """Require numeric, finite, non-negative values in the count columns (see :func:`count_arrays`)."""
    count_arrays(data, columns, integer=integer, allow_zero=allow_zero)


def check_not_greater(data: pd.DataFrame, part: str, whole: str) -> None:
    """Require ``data[part] <= data[whole]`` row by row."""
    bad = data[part].to_numpy(float) > data[whole].to_numpy(float)
    if bad.any():
        raise InputValueError(
            f"column {part!r} exceeds column {whole!r} in rows {_row_labels(data.index, bad)}; "
            f"a group count cannot be larger than its total."
        )


def check_rng(rng: Any) -> np.random.Generator:
    """Turn ``rng`` (None, int or Generator) into a :class:`numpy.random.Generator`."""
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    if isinstance(rng, np.random.Generator):
        return rng
    raise InputTypeError(
        f"rng must be None, an int seed or a numpy.random.Generator, got {type(rng).__name__}."
    )


def check_level(level: Any, allowed: Sequence[str] = ("deso", "regso", "kommun", "lan")) -> str:
    """Normalise and check an area level name."""
    if not isinstance(level, str):
        raise InputTypeError(f"level must be a string such as 'deso', got {level!r}.")
    return check_choice("level", level.lower(), allowed)
