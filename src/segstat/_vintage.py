"""The code vintage carried by the data.

Two series of area codes exist: 2018 (DeSO 2018 / RegSO 2020) and 2025 (DeSO 2025 /
RegSO 2025). The same RegSO code can name different territory in the two, so no
function that interprets codes guesses which series they are. Functions that
produce codes (``locate``, ``areas``, ``to_level``, ``attach_omradestyp``,
``crosswalk``, ``population``, ``tabulate``) record it in
``data.attrs["segstat.vintage"]``; functions that interpret codes read it when
``vintage=None`` and raise :class:`~segstat.errors.VintageError` when it is neither
stated nor carried, or when a stated vintage contradicts the carried one.

pandas keeps ``attrs`` through copies, column assignment, row filters and
``groupby`` sums, but drops them from ``groupby(...).count()``/``.size()`` and
from ``merge``/``join``/``concat`` unless every input carries the same ``attrs``: ``people.join(located)`` has no vintage. Use
``locate(..., append=True)`` (the input with the code columns appended), or state
``vintage=``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import VintageError

#: key of the vintage in ``DataFrame.attrs`` / ``Series.attrs``
VINTAGE_ATTR = "segstat.vintage"
VINTAGES = (2018, 2025)
_ALIASES = {2018: 2018, 2020: 2018, 2025: 2025}


def _choices(keyword: str) -> str:
    return (f"{keyword}=2018 (DeSO 2018 / RegSO 2020; 2020 is accepted as the same series) or {keyword}=2025 "
            f"(DeSO 2025 / RegSO 2025)")


def check_vintage(vintage: Any, keyword: str = "vintage") -> int:
    """Map a user's vintage (2018, 2020 or 2025) to the series key 2018 or 2025."""
    if isinstance(vintage, str) and vintage.strip().isdigit():
        vintage = int(vintage)
    if isinstance(vintage, bool) or not isinstance(vintage, (int, np.integer)) or int(vintage) not in _ALIASES:
        raise VintageError(f"{keyword}={vintage!r} is not known; use {_choices(keyword)}.")
    return _ALIASES[int(vintage)]


def carried_vintage(data: Any) -> int | None:
    """The vintage ``data`` carries in ``attrs`` (None when it carries none)."""
    attrs = getattr(data, "attrs", None)
    if not isinstance(attrs, dict) or attrs.get(VINTAGE_ATTR) is None:
        return None
    return check_vintage(attrs[VINTAGE_ATTR], f"attrs[{VINTAGE_ATTR!r}]")


def require_vintage(vintage: Any, what: str, keyword: str = "vintage") -> int:
    """A vintage the caller must state (no data to carry one): a clear error when it is None."""
    if vintage is None:
        raise VintageError(f"{keyword} is required for {what}: pass {_choices(keyword)}. segstat never guesses "
                           f"the code series.")
    return check_vintage(vintage, keyword)


def resolve_vintage(vintage: Any, data: Any, what: str, keyword: str = "vintage") -> int:
    """The vintage of the codes in ``data``: the one stated, else the one ``data`` carries.

    Raises VintageError when neither is known, or when the stated one contradicts the carried one.
    """
    carried = carried_vintage(data)
    if vintage is None:
        if carried is None:
            raise VintageError(
                f"{keyword} is not stated and the data carries none (attrs[{VINTAGE_ATTR!r}]), so segstat cannot "
                f"tell which series the codes of {what} belong to: pass {_choices(keyword)}. "
                f"Codes made by segstat.locate() carry it, but pandas drops attrs in "
                f"merge/join/concat of frames that do not all carry it: use locate(data, ..., append=True) "
                f"instead of data.join(locate(data, ...)).")
        return carried
    stated = check_vintage(vintage, keyword)
    if carried is not None and carried != stated:
        raise VintageError(
            f"{keyword}={vintage!r} contradicts the data, which carries vintage {carried} "
            f"(attrs[{VINTAGE_ATTR!r}], set where its codes were made): {what} would read "
            f"{_name(carried)} codes as {_name(stated)} codes. Drop {keyword}= to use the data's vintage, or "
            f"move the data with segstat.crosswalk(). If the frame really holds codes of both series, remove "
            f"the mark (data.attrs.pop({VINTAGE_ATTR!r})) and state the vintage per call.")
    return stated


def carry_vintage(obj: Any, vintage: int | None) -> Any:
    """Record ``vintage`` in ``obj.attrs`` (in place) and return ``obj``."""
    if vintage is not None and hasattr(obj, "attrs"):
        try:
            obj.attrs[VINTAGE_ATTR] = int(vintage)
        except (AttributeError, TypeError):  # objects without writable attrs (dask) carry nothing
            pass
    return obj


def _name(vintage: int) -> str:
    return "DeSO 2018 / RegSO 2020" if vintage == 2018 else "DeSO 2025 / RegSO 2025"
