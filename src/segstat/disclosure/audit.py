"""Audit a protected table: the intervals an intruder can derive for every suppressed cell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputTypeError
from ._intruder import _bounds_all, _group_disclosure
from .protect import ProtectedTables

__all__ = ["AuditResult", "audit"]


@dataclass(frozen=True)
class AuditResult:
    """Per suppressed cell: the intruder's interval and whether it is wide enough.

    ``cells`` has the table number, dimension labels, status, the true value,
    ``lower``, ``upper``, ``width``, ``required`` and ``verdict``
    (``ok``, ``narrow``, ``exact``, ``group_disclosure``).
    """

    cells: pd.DataFrame

    @property
    def safe(self) -> bool:
        """No suppressed cell is exact, narrower than required, or disclosed as a group (every verdict "ok")."""
        return bool((self.cells["verdict"] == "ok").all())

    @property
    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.cells["verdict"].value_counts().items()}

    def to_frame(self) -> pd.DataFrame:
        return self.cells.copy()

    def __repr__(self) -> str:
        return f"AuditResult({len(self.cells)} suppressed cells: {self.counts}; safe={self.safe})"


def audit(protected: ProtectedTables | Any, *, exact: bool = False) -> AuditResult:
    """Compute, by linear programming, what an intruder can derive about every suppressed cell.

    The intruder knows every published cell of all linked tables, that the
    tables add up, and that counts are non-negative. For each suppressed cell
    the minimum and maximum of its value over that set (HiGHS) is its interval.
    A primary cell is ``narrow`` when the upper bound stays below its value plus
    its upper protection level, any suppressed cell is ``exact`` when the
    interval has width zero, and ``group_disclosure`` marks a suppressed cell that is the
    only non-zero candidate in a row of published zeros.

    Parameters
    ----------
    protected : ProtectedTables or ProtectedRates
        From :func:`segstat.protect` (which runs this audit itself and never
        returns an unsafe table), or from :func:`segstat.protect_rates`: then
        each primary area's interval is the range of counts whose smoothed rate
        rounds to the published one, enumerated again from the rate alone
        (a suppressed area keeps 0 to its population).
    exact : bool, default False
        Solve the full LP for every cell. By default a cell shown safe by an
        LP over its local neighbourhood (other unknowns held at their true
        values, a feasible point of the intruder's problem) reports that
        interval, marked ``interval="inner"``: it lies inside the intruder's
        interval, so the intruder's true interval is at least as wide. Any cell
        not cleared that way gets the exact interval (``interval="exact"``).

    Returns
    -------
    AuditResult

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"row": list("aaaaabbbbbbb"), "col": list("xyzzzxxyyzzz")})
    >>> p = segstat.protect(segstat.tabulate(d, by=["row", "col"]), min_count=2, protection=1)
    >>> segstat.audit(p).safe
    True
    """
    if not isinstance(protected, ProtectedTables):
        cells = getattr(protected, "_audit_cells", None)
        if callable(cells):  # segstat.protect_rates: the counts consistent with each published rate
            return AuditResult(cells())
        raise InputTypeError(f"audit() takes the result of segstat.protect() or segstat.protect_rates(), got "
                             f"{type(protected).__name__}.")
    model = protected.model
    suppressed = protected.status != "published"
    lo, hi, is_exact = _bounds_all(model, suppressed, protected.required, protected.status == "primary", exact,
                                   protected.certificates)
    width = hi - lo
    grouped = np.zeros(model.n_cells, dtype=bool)
    grouped[_group_disclosure(model, suppressed)] = True
    primary = protected.status == "primary"
    has_content = np.diff(model.M.indptr) > 0
    verdict = np.full(model.n_cells, "ok", dtype=object)
    narrow = primary & (hi < model.values + protected.required - 1e-9)
    exact_cells = (width < 1e-9) & (primary | has_content)
    verdict[narrow & ~exact_cells] = "narrow"
    verdict[exact_cells] = "exact"
    verdict[grouped & (verdict == "ok")] = "group_disclosure"
    frames = []
    for k, t in enumerate(protected.tables):
        off = int(model.offsets[k])
        local = np.flatnonzero(suppressed[off:off + len(t.cells)])
        c = off + local
        f = pd.DataFrame({"table": k}, index=range(len(local)))
        for d in t.dims:
            f[d.name] = t.cells[d.name].to_numpy()[local]
        f["status"] = protected.status[c]
        f["value"] = model.values[c]
        f["lower"], f["upper"], f["width"] = lo[c], hi[c], width[c]
        f["required"] = np.where(primary[c], protected.required[c], 0.0)
        f["interval"] = np.where(is_exact[c], "exact", "inner")
        f["verdict"] = verdict[c]
        frames.append(f)
    columns = ["table", "status", "value", "lower", "upper", "width", "required", "interval", "verdict"]
    rows = sum(len(f) for f in frames)
    frame = pd.concat(frames, ignore_index=True) if rows else pd.DataFrame(columns=columns)
    return AuditResult(frame)
