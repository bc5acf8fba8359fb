"""SCB area codes: patterns, normalisation and level detection.

Code formats (SCB):

* län ``LL`` (2 digits, ``"01"``),
* kommun ``KKKK`` (4 digits, ``"0114"``),
* DeSO ``KKKK`` + category ``A|B|C`` + 3-digit serial + 1 reserve character
  (``"0114C1061"``),
* RegSO ``KKKK`` + ``R`` + 3 digits (``"0114R006"``).

The first four characters of a DeSO or RegSO code are its kommun, the first two
its län.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validation import check_choice, check_level, examples
from ..errors import CodeError, InputTypeError

LEVELS = ("deso", "regso", "kommun", "lan")

PATTERNS = {  # ASCII digits only: \d would also take full-width and other Unicode digits
    "deso": re.compile(r"^[0-9]{4}[ABC][0-9]{4}$"),
    "regso": re.compile(r"^[0-9]{4}R[0-9]{3}$"),
    "kommun": re.compile(r"^[0-9]{4}$"),
    "lan": re.compile(r"^[0-9]{2}$"),
}
#: the same patterns with the leading zero lost (``114C1061`` for ``0114C1061``)
_LOST_ZERO = {  # codes have at most one leading zero (län 01-09), so exactly one digit is missing
    "deso": (re.compile(r"^[0-9]{3}[ABC][0-9]{4}$"), 1),
    "regso": (re.compile(r"^[0-9]{3}R[0-9]{3}$"), 1),
    "kommun": (re.compile(r"^[0-9]{3}$"), 4),
    "lan": (re.compile(r"^[0-9]$"), 2),
}
_SUFFIX = re.compile(r"_(?:DESO|REGSO)\d{4}$")
_EXAMPLE = {"deso": "0114C1061", "regso": "0114R006", "kommun": "0114", "lan": "01"}


def _as_series(codes: Any, name: str = "codes") -> pd.Series:
    if isinstance(codes, pd.Series):
        return codes
    if isinstance(codes, (str, bytes)) or np.isscalar(codes):
        return pd.Series([codes])
    if isinstance(codes, (pd.Index, np.ndarray, list, tuple)) or isinstance(codes, Iterable):
        return pd.Series(list(codes), dtype=object)
    raise InputTypeError(f"{name} must be a list, array or pandas Series of codes, got {type(codes).__name__}.")


def _padded(value: Any, level: str) -> str | None:
    """The zero-padded fix for a code that lost its leading zero, if there is one."""
    if isinstance(value, (bool, np.bool_)):
        return None
    s = str(value).strip().upper()
    if isinstance(value, (int, np.integer)) or (isinstance(value, float) and float(value).is_integer()):
        s = str(int(value))
    pattern, width = _LOST_ZERO[level]
    if pattern.match(s):
        if level in ("deso", "regso"):
            return "0" + s
        return s.zfill(width)
    if PATTERNS[level].match(s):
        return s
    return None


def normalize_codes(
    codes: Any,
    level: str,
    *,
    errors: Literal["raise", "coerce"] = "raise",
) -> pd.Series:
    """Clean area codes into SCB's canonical form.

    Trims whitespace, upper-cases, strips Statistikdatabasen's vintage suffixes
    (``"0114C1061_DeSO2025"`` -> ``"0114C1061"``) and checks the code pattern of
    ``level``. Existence in a particular vintage is checked by
    :func:`segstat.to_level` and :func:`segstat.areas`, not here.

    Parameters
    ----------
    codes : str, list, array or Series
        Codes to clean. Integers are refused: an integer has lost the leading
        zero of codes such as ``"0114"``.
    level : {"deso", "regso", "kommun", "lan"}
        The level the codes belong to.
    errors : {"raise", "coerce"}, default "raise"
        ``"raise"``: malformed or missing codes raise :class:`~segstat.errors.CodeError`.
        ``"coerce"``: they become ``<NA>``.

    Returns
    -------
    pandas.Series
        dtype ``string``, same index as ``codes`` when it is a Series.

    Raises
    ------
    CodeError
        A code does not match the pattern; for integers and codes that lost
        their leading zero the message shows the zero-padded fix.

    Examples
    --------
    >>> import segstat
    >>> segstat.normalize_codes([" 0114c1061", "0114C1062_DeSO2025"], "deso").tolist()
    ['0114C1061', '0114C1062']
    >>> segstat.normalize_codes(["0180"], "kommun").tolist()
    ['0180']
    """
    level = check_level(level, LEVELS)
    check_choice("errors", errors, ("raise", "coerce"))
    s = _as_series(codes)
    index = s.index
    values = s.to_numpy(dtype=object)

    missing = pd.isna(values)
    is_int = np.array(
        [isinstance(v, (int, np.integer, float, np.floating)) and not isinstance(v, bool) and not m
         for v, m in zip(values, missing)],
        dtype=bool,
    )
    text = pd.Series(values, dtype=object).where(~missing, None)
    text = text.astype("string").str.strip().str.upper().str.replace(_SUFFIX, "", regex=True)
    ok = text.str.match(PATTERNS[level].pattern).fillna(False).to_numpy(bool) & ~is_int
    bad = ~ok & ~missing

    if errors == "raise":
        if missing.any():
            raise CodeError(
                f"{int(missing.sum())} {level} code(s) are missing (NaN/None) at positions "
                f"{examples(np.flatnonzero(missing).tolist())}. Remove or fill them, or pass errors='coerce' "
                f"to keep them as <NA>."
            )
        if bad.any():
            bad_vals = values[bad]
            fixes = [(v, _padded(v, level)) for v in bad_vals]
            fixable = [(v, f) for v, f in fixes if f is not None]
            if fixable:
                shown = ", ".join(f"{v!r} -> {f!r}" for v, f in fixable[:5])
                raise CodeError(
                    f"{int(bad.sum())} {level} code(s) are numbers or lost their leading zero: {shown}"
                    f"{' ...' if len(fixable) > 5 else ''}. Area codes are strings; read them with "
                    f"dtype=str (pandas.read_csv(..., dtype={{'col': str}})) or pad them as shown."
                )
            if is_int[bad].any():
                raise CodeError(
                    f"{int(bad.sum())} {level} code(s) are numbers, not codes: {examples(bad_vals.tolist())}. "
                    f"Area codes are strings such as {_EXAMPLE[level]!r}; read them with dtype=str "
                    f"(pandas.read_csv(..., dtype={{'col': str}}))."
                )
            raise CodeError(f"{int(bad.sum())} value(s) are not {level} codes: {examples(bad_vals.tolist())}. "
                            f"A {level} code looks like {_EXAMPLE[level]!r}.{_other_level_hint(bad_vals, level)}")
    out = text.where(pd.Series(ok), pd.NA).astype("string")
    out.index = index
    out.name = s.name if isinstance(codes, pd.Series) else None
    return out


def _other_level_hint(values: Any, level: str) -> str:
    """A hint when the values are codes of another level (DeSO codes where RegSO codes were asked for)."""
    for other in LEVELS:
        if other != level and all(isinstance(v, str) and PATTERNS[other].match(v.strip().upper()) for v in values):
            if LEVELS.index(other) < LEVELS.index(level):
                return (f" These are {other} codes: map them first with segstat.to_level(codes, {level!r}, "
                        f"vintage=...).")
            return f" These are {other} codes, a coarser level than {level}."
    return ""


def malformed_note(codes: Any, level: str) -> tuple[int, str]:
    """For ``errors="coerce"``: how many present values are not codes of ``level`` (they become <NA>), and a
    description with examples and, for codes of another level, the fix."""
    s = _as_series(codes)
    values = s.to_numpy(dtype=object)
    present = ~pd.isna(values)
    norm = normalize_codes(s, level, errors="coerce").to_numpy(dtype=object)
    bad = present & pd.isna(norm)
    if not bad.any():
        return 0, ""
    return int(bad.sum()), f"{examples(values[bad].tolist(), 3)}{_other_level_hint(values[bad], level)}"


def detect_level(codes: pd.Series) -> str:
    """The level whose pattern every non-missing code matches.

    Raises :class:`~segstat.errors.CodeError` for mixed or unrecognised codes.
    """
    present = codes.dropna().astype(str)
    if len(present) == 0:
        raise CodeError("cannot tell the level of the codes: every code is missing.")
    for level in LEVELS:
        if present.str.match(PATTERNS[level].pattern).all():
            return level
    found = {}
    for level in LEVELS:
        hit = present.str.match(PATTERNS[level].pattern)
        if hit.any():
            found[level] = present[hit].iloc[0]
    rest = present[~np.logical_or.reduce([present.str.match(p.pattern) for p in PATTERNS.values()])]
    if len(found) > 1:
        raise CodeError(
            "codes of several levels are mixed: "
            + ", ".join(f"{lvl} (e.g. {c!r})" for lvl, c in found.items())
            + ". Pass codes of one level at a time."
        )
    raise CodeError(
        f"unrecognised area codes: {examples(rest.tolist())}. Expected DeSO ('0114C1061'), RegSO "
        f"('0114R006'), kommun ('0114') or län ('01') codes; integers lose leading zeros, read codes as strings."
    )
