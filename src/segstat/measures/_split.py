"""What ``by=`` and ``rng=`` mean, once for every measure.

``by`` splits the data into independent parts (one per combination of the ``by`` values, in sorted order);
each part is computed on its own and the results are stacked, the ``by`` columns first. Every part is
seeded the same way as the part run alone: an int seeds each part afresh, a Generator gives one integer,
drawn once, which then seeds each part, and None gives each part fresh entropy. So a part inside ``by=``
equals that part passed alone with the same ``rng``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from .._typing import RNGLike
from .._validation import examples
from ..errors import ColumnError, InputTypeError, InputValueError

__all__ = ["Positions", "by_positions", "check_by", "one_row", "part_seed", "split_apply"]

#: rows of one part: every row (a slice) or row positions
Positions: TypeAlias = slice | np.ndarray

#: what a part computes: one result row (a mapping) or a frame of rows
Part: TypeAlias = Mapping[str, Any] | pd.DataFrame


def part_seed(rng: RNGLike) -> int | None:
    """The seed every part gets (see the module's docstring); checks ``rng``'s type."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**63))
    if rng is None:
        return None
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise InputValueError(f"rng={rng!r}: a seed must be a non-negative integer (numpy's rule), e.g. rng=1.")
        return int(rng)
    raise InputTypeError(f"rng must be None, an int seed or a numpy.random.Generator, got {rng!r} "
                         f"({type(rng).__name__}).")


def check_by(data: pd.DataFrame, by: Sequence[str], reserved: Sequence[str] = ()) -> None:
    """``by`` columns: without missing values (no row is dropped) and not named like a result column."""
    for b in by:
        if b in reserved:
            raise ColumnError(f"by={b!r} has the name of a column of the result ({', '.join(reserved)}); rename "
                                  f"it first, e.g. data.rename(columns={{{b!r}: 'by_{b}'}}).")
        missing = data[b].isna()
        if missing.any():
            raise InputValueError(f"by column {b!r} is missing in rows {examples(data.index[missing].tolist())}; "
                                  f"fill it first (no rows are dropped).")


def by_positions(data: pd.DataFrame, by: Sequence[str]) -> Iterator[tuple[tuple[Any, ...], np.ndarray]]:
    """(key tuple, row positions) of every ``by`` part, in sorted key order."""
    grouped = data.groupby(list(by), sort=True, observed=True)
    codes = grouped.ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(grouped.ngroups + 1))
    for g, key in enumerate(grouped.size().index):
        yield (key if isinstance(key, tuple) else (key,)), order[starts[g]:starts[g + 1]]


def split_apply(data: pd.DataFrame, by: Sequence[str], rng: RNGLike,
                one: Callable[[Positions, int | None], Part], columns: Sequence[str]) -> pd.DataFrame:
    """``one(rows, seed)`` for the whole data (without ``by``) or for every part, as one frame.

    The result has the ``by`` columns first (categorical ones keep their categories), then ``columns``;
    a part's error is re-raised naming the part. ``by`` must be checked by the caller (:func:`check_by`)."""
    seed = part_seed(rng)
    by = list(by)
    if not by:
        return _frame([one(slice(None), seed)], columns)
    parts: list[Part] = []
    keys: list[tuple[Any, ...]] = []
    for key, pos in by_positions(data, by):
        try:
            parts.append(one(pos, seed))
        except InputValueError as err:
            where = ", ".join(f"{k}={v!r}" for k, v in zip(by, key))
            raise InputValueError(f"in the part {where}: {err}") from err
        keys.append(key)
    out = _frame(parts, columns, by, keys)
    for b in by:  # a categorical by column comes back with its categories
        if isinstance(data[b].dtype, pd.CategoricalDtype):
            out[b] = out[b].astype(data[b].dtype)
    return out


def one_row(row: Mapping[str, Any], columns: Sequence[str]) -> pd.DataFrame:
    """A result of one row, as :func:`split_apply` builds it without ``by``."""
    return _frame([row], columns)


def _frame(parts: list[Part], columns: Sequence[str], by: Sequence[str] = (),
           keys: Sequence[tuple[Any, ...]] = ()) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=[*by, *columns])
    if all(isinstance(p, Mapping) for p in parts):  # one row per part: built column by column, at once
        names = [*by, *columns]
        arrays = [_column([k[i] for k in keys]) for i in range(len(by))]
        arrays += [_column([p[c] for p in parts]) for c in columns]
        return _from_columns(names, arrays)
    frames = []
    for i, p in enumerate(parts):
        f = pd.DataFrame([p]) if isinstance(p, Mapping) else p.reset_index(drop=True)
        f = f.reindex(columns=list(columns))
        for j, (b, v) in enumerate(zip(by, keys[i] if by else ())):
            f.insert(j, b, v)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


@functools.cache
def _text_dtype() -> Any:
    """The dtype pandas gives a column of text (its string dtype from pandas 3, object before)."""
    return pd.DataFrame({"text": ["a"]})["text"].dtype


@functools.lru_cache(maxsize=256)
def _one_text(value: str) -> Any:
    """A one-element column of text in pandas' text dtype, built once per value (results repeat their index
    names and method notes; building an Arrow-backed array costs about 10 us, copying this one 1 us)."""
    out = np.empty(1, dtype=object)
    out[0] = value
    dtype = _text_dtype()
    return out if dtype is object else pd.array(out, dtype=dtype)


def _column(values: list[Any]) -> Any:
    """One result column: text in pandas' text dtype, numbers as a numpy array."""
    if len(values) == 1 and type(values[0]) is str:
        return _one_text(values[0]).copy()  # a copy: a caller may change its result
    if any(isinstance(v, str) for v in values):
        out = np.empty(len(values), dtype=object)
        out[:] = values
        dtype = _text_dtype()
        if all(isinstance(v, str) for v in values) and dtype is not object:
            return pd.array(out, dtype=dtype)
        return out
    return np.asarray(values)


@functools.lru_cache(maxsize=64)
def _labels(names: tuple[str, ...]) -> pd.Index:
    """The column labels of a result (an Index is immutable, so one per set of names serves every call)."""
    return pd.Index(names)


def _from_columns(names: list[str], arrays: list[Any]) -> pd.DataFrame:
    """A frame of ready-typed columns. Most results are one row, where pandas' constructor spends most of
    its time re-inspecting what is already typed (about 0.25 ms against 0.1 ms): ``DataFrame._from_arrays``
    skips that; the public constructor stands in where that (private) method is missing or changed."""
    try:
        return pd.DataFrame._from_arrays(  # type: ignore[attr-defined]
            arrays, columns=_labels(tuple(names)), index=pd.RangeIndex(len(arrays[0])), verify_integrity=False)
    except (AttributeError, TypeError):  # pragma: no cover - another pandas
        return pd.DataFrame(dict(zip(names, arrays)), copy=False)
