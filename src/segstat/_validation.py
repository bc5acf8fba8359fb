"""Shared checks used at the public boundary of every module.

Validate once, here, so that the wording of an error never varies between
modules. Every message names the parameter, shows the offending value(s) and
says how to fix it.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .errors import ColumnError, InputTypeError, InputValueError

#: how many offending values to show in a message
MAX_EXAMPLES = 5

#: the largest total of a count column that segstat sums exactly: every whole number up to 2**53 is exact in
#: 64-bit floating point, and sums of int64 counts below it cannot wrap
EXACT_LIMIT = 2**53
#: the largest total of a count column that ratio measures (segregation indices) accept: far beyond any count,
#: far below where float products overflow
FLOAT_LIMIT = 1e200


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
    data = from_polars(data, name)
    if not isinstance(data, pd.DataFrame):
        cls = type(data)
        got = cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__.split('.')[0]}.{cls.__name__}"
        raise InputTypeError(
            f"{name} must be a pandas DataFrame, got {got}. "
            f"Wrap your data with pandas.DataFrame(...) first."
        )
    if not allow_empty and len(data) == 0:
        raise InputValueError(f"{name} is empty (0 rows); pass at least one row.")
    return data


def from_polars(data: Any, name: str = "data") -> Any:
    """A polars DataFrame converted to pandas once, at the boundary (``.to_pandas()``, which needs pyarrow);
    anything else is returned as it is. A LazyFrame is refused: collecting it is the caller's decision."""
    cls = type(data)
    if not cls.__module__.split(".")[0] == "polars":
        return data
    if cls.__name__ == "LazyFrame":
        raise InputTypeError(f"{name} is a polars.LazyFrame: collect it first, {name}.collect() (segstat takes "
                             f"aggregated data, which fits in memory).")
    if cls.__name__ != "DataFrame" or not hasattr(data, "to_pandas"):
        return data
    try:
        converted = data.to_pandas()
    except Exception as exc:  # polars raises its own ModuleNotFoundError/ComputeError without pyarrow
        raise InputTypeError(f"{name} is a polars.DataFrame that could not be converted to pandas ({exc}); call "
                             f"{name}.to_pandas() yourself (it needs pyarrow) and pass the result.") from None
    if not isinstance(converted, pd.DataFrame):
        raise InputTypeError(f"{name} is a polars.DataFrame whose .to_pandas() gave {type(converted).__name__}; "
                             f"pass a pandas DataFrame.")
    return converted


def column_list(value: Any) -> list:
    """Columns given as one name or as several: None gives [], a list, tuple, Index, Series or array gives
    its items, any other value (a string, an integer column label) is one column."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, pd.Index, pd.Series, np.ndarray)):
        return list(value)
    return [value]


def check_columns(data: pd.DataFrame, columns: dict[str, Any], name: str = "data") -> None:
    """Require each column named by a keyword argument to be present.

    ``columns`` maps the keyword (``"events"``) to the column name the caller gave.
    """
    for keyword, col in columns.items():
        if col is None:
            continue
        cols = [col] if isinstance(col, (str, int)) else list(col)
        for c in cols:
            if c in data.columns and not isinstance(data.columns.get_loc(c), (int, np.integer)):
                raise ColumnError(
                    f"{keyword}={c!r}: {name} has {int((data.columns == c).sum())} columns named {c!r}; "
                    f"rename them so each name is unique (e.g. data.columns = [...])."
                )
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


def _column_values(data: pd.DataFrame, name: Any) -> np.ndarray | None:
    """The values of column ``name`` as a plain numpy array, or None (extension dtypes, duplicated names, a
    pandas without the accessor): the caller then reads the column the public way.

    ``DataFrame._get_column_array`` hands back the stored values without building a Series (about 1 us
    against 15 us for ``data[name]`` in pandas 3, which is most of a point estimate's time on 3,363 areas);
    it is pandas-internal, so its absence or any surprise falls back to the public path.
    """
    try:
        loc = data.columns.get_loc(name)
    except Exception:  # pragma: no cover - the callers have checked the name
        return None
    return _values_at(data, loc)


def _values_at(data: pd.DataFrame, loc: Any) -> np.ndarray | None:
    """:func:`_column_values` for a column position (``columns.get_loc``); None as there."""
    getter = getattr(data, "_get_column_array", None)
    if getter is None or not isinstance(loc, (int, np.integer)):  # pragma: no cover - pandas version
        return None
    try:
        values = getter(loc)
    except Exception:  # pragma: no cover - depends on the pandas version
        return None
    return values if isinstance(values, np.ndarray) and values.ndim == 1 else None


def count_arrays(
    data: pd.DataFrame,
    columns: Sequence[str] | str,
    *,
    integer: bool = False,
    allow_zero: bool = True,
    exact: bool = True,
) -> dict[str, np.ndarray]:
    """Check count columns (numeric, finite, non-negative) and return them as float arrays.

    Errors name the column and the first offending row labels. With ``exact`` (for functions that sum the
    counts and report sums or rates of them: rates, standardisation, crosswalks, tables) a column whose total
    reaches 2**53 is refused (:func:`check_exact_total`); the segregation indices pass ``exact=False``: they
    are ratios of float sums, correct to rounding for counts of any size.
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    out = {}
    for c in cols:
        raw = _column_values(data, c)
        if raw is None or raw.dtype.kind not in "iuf":
            s = data[c]
            if not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
                raise InputTypeError(
                    f"column {c!r} must hold numbers, got dtype {s.dtype}. "
                    f"Convert it with pandas.to_numeric(data[{c!r}])."
                )
            raw = s.to_numpy()
            v = raw.astype(float) if raw.dtype != object else s.to_numpy(dtype=float, na_value=np.nan)
        else:
            v = raw.astype(float)
        if allow_zero and (raw.dtype.kind == "u" or (raw.dtype.kind == "i" and raw.min(initial=0) >= 0)):
            if exact:
                check_exact_total(c, v)  # (int64 values cannot reach FLOAT_LIMIT)
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
        if exact:
            check_exact_total(c, v)
        else:
            with np.errstate(over="ignore"):  # beyond the float range the sum is inf: refused, no warning
                total = float(v.sum())
            if not total < FLOAT_LIMIT:
                raise InputValueError(f"column {c!r} sums to {total:.4g}, beyond {FLOAT_LIMIT:g}: sums and "
                                      f"products of such numbers overflow. Check the column (counts of persons "
                                      f"are far smaller).")
        out[c] = v
    return out


def check_exact_total(column: Any, values: np.ndarray) -> None:
    """Refuse a count column whose total reaches :data:`EXACT_LIMIT` (2**53): beyond it sums are no longer
    exact (floats round, int64 sums can wrap), so a rate or a moved count would be silently wrong. ``values``
    are the column's (non-negative) values as floats."""
    with np.errstate(over="ignore"):  # a total beyond the float range is inf: refused below, no warning
        total = float(values.sum()) if len(values) else 0.0
    if total >= EXACT_LIMIT:
        raise InputValueError(
            f"column {column!r} sums to about {total:.4g}, at or above 2**53 = {EXACT_LIMIT:,}, the largest total "
            f"segstat sums exactly; beyond it sums round (or wrap) silently. Counts of persons or events are far "
            f"below it: check the column, or pass it in larger units (thousands) with ci=None.")



def count_matrix(data: pd.DataFrame, columns: Sequence[str], *, keyword: str = "groups",
                 integers: bool = False) -> np.ndarray:
    """Count columns checked as in :func:`count_arrays`, stacked as rows: shape (len(columns), len(data)).

    Also checks that the columns exist and are named once (as :func:`check_columns` with ``keyword``), one
    look-up per column. Columns of integers are copied into the matrix and checked once (about a third of the
    time of column-by-column work on a few thousand rows); with ``integers`` they stay int64 (exact sums, and
    :func:`segstat.measures.segregation._xlogx_whole` can read c ln c off a table), otherwise the matrix is
    float. Anything else goes through :func:`count_arrays` and is float.
    """
    try:
        locs = [data.columns.get_loc(c) for c in columns]
    except (KeyError, TypeError):
        locs = None
    if locs is None or not all(isinstance(loc, (int, np.integer)) for loc in locs):
        check_columns(data, {keyword: list(columns)})  # raises, naming the column
        locs = [data.columns.get_loc(c) for c in columns]
    raws = [_values_at(data, loc) for loc in locs]
    if raws and all(r is not None and r.dtype.kind == "i" for r in raws):
        m = np.array(raws, dtype=np.int64 if integers else float)  # converts while copying
        if m.min(initial=0) >= 0:
            if integers and m.max(initial=0) >= (1 << 53) // m.size:
                return m.astype(float)  # sums of such counts could leave int64: floats, as for everything else
            return m
    arrays = count_arrays(data, columns, exact=False)
    return np.stack([arrays[c] for c in columns])


def require_whole(data: pd.DataFrame, columns: Sequence[str], reason: str,
                  values: Sequence[np.ndarray] | None = None) -> None:
    """Refuse fractional (weighted) counts where a method counts whole persons or events; ``reason`` ends the
    message (why whole counts are needed, and the fix). ``values`` are the columns as arrays when the caller
    has them. Whole numbers stored as floats pass."""
    for i, c in enumerate(columns):
        v = data[c].to_numpy(float) if values is None else values[i]
        bad = v != np.round(v)
        if bad.any():
            raise InputValueError(f"column {c!r} has fractional (weighted) counts in rows "
                                  f"{examples(data.index[bad].tolist())} (e.g. {v[bad][0]:g}); {reason}")


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
    if isinstance(rng, (bool, np.bool_)):
        raise InputTypeError(f"rng={rng!r}: a boolean is not a seed; pass an int seed, a numpy.random.Generator or "
                             f"None.")
    if rng is None or isinstance(rng, (int, np.integer)):
        if rng is not None and rng < 0:
            raise InputValueError(f"rng={rng!r}: a seed must be a non-negative integer (numpy's rule), e.g. rng=1.")
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


def check_scalar(name: str, value: Any, kind: Literal["int", "real"], *, low: float | None = None,
                 high: float | None = None, low_open: bool = False, high_open: bool = False,
                 allow_none: bool = False, must: str | None = None,
                 error: type[Exception] = InputValueError) -> Any:
    """One scalar argument: an integer (``kind="int"``) or a finite real number (``kind="real"``), within
    ``[low, high]`` (``low_open``/``high_open`` exclude an end). A bool is refused for both (``True`` is not a
    count of 1); None passes only with ``allow_none``. Returns the value as ``int`` or ``float`` (or None).

    ``must`` replaces the generated description ("an integer >= 1") in the message.
    """
    if value is None and allow_none:
        return None
    ok = not isinstance(value, (bool, np.bool_))
    if kind == "int":
        ok = ok and isinstance(value, (numbers.Integral, np.integer))
    else:
        ok = ok and isinstance(value, numbers.Real) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        if must is None:
            what = "an integer" if kind == "int" else "a finite number"
            ends = []
            if low is not None:
                ends.append(f"{'>' if low_open else '>='} {low:g}")
            if high is not None:
                ends.append(f"{'<' if high_open else '<='} {high:g}")
            must = what + (" " + " and ".join(ends) if ends else "") + (" (or None)" if allow_none else "")
        raise error(f"{name}={value!r} must be {must}.")
    return int(value) if kind == "int" else float(value)
