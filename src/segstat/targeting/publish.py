"""Publishing smoothed rates without giving back the counts: rounding checked against an inverting intruder.

A smoothed rate is a known, increasing function of the area's count once the population and the prior's
parameters are known. An intruder who reads a published (rounded) smoothed rate learns that the count is one
of the counts whose smoothed rate rounds to it. :func:`protect_rates` chooses one rounding step per part so
that, for every primary cell (0 < events < ``min_count``), that set of counts reaches at least
events + the protection level (the upper protection level of :func:`segstat.protect`); an area that no step
protects is suppressed. The report lists, per area, the counts consistent with what is published, so the
audit can check them again (:meth:`ProtectedRates.check`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_dataframe, check_scalar, examples
from ..errors import DisclosureRiskError, InputValueError
from .fay_herriot import from_model_scale
from .smooth import TARGETING_ATTR

__all__ = ["ProtectedRates", "consistent_counts", "protect_rates"]

#: multiples of ``step`` reported in ``info["suppressed_by_step"]``
LADDER = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)


def smoothed_at(rows: pd.DataFrame, counts: np.ndarray, info: dict[str, Any]) -> np.ndarray:
    """The smoothed rate (per ``per``) each row would have with each count of ``counts`` (shape rows × counts).

    What an intruder computes: global EB and Fay–Herriot hold the published prior and weight fixed (they do
    not depend on the area's own count given the fitted parameters); local EB recomputes the area's
    neighbourhood prior from the neighbours' counts (the intruder is assumed to know them all).
    """
    per = float(info["per"])
    n = rows["population"].to_numpy(float)[:, None]
    w = rows["weight"].to_numpy(float)[:, None]
    prior = rows["prior"].to_numpy(float)[:, None] / per
    e = np.asarray(counts, float)[None, :]
    method = info["method"]
    if method == "eb":
        return (prior + w * (e / n - prior)) * per
    if method == "fay_herriot":
        transform = info["transform"]
        if transform == "arcsine":
            y = np.arcsin(np.sqrt(np.clip(e / n, 0, 1)))
            g_prior = np.arcsin(np.sqrt(np.clip(prior, 0, 1)))
        else:
            y = np.log((e + 0.5) / n)
            g_prior = np.log(prior)
        return from_model_scale(w * y + (1 - w) * g_prior, transform) * per
    # eb_local: the neighbourhood sums without the area itself, kept by smooth_rates
    by, area = list(info["by"]), info["area"]
    keys = rows[area].astype(str).to_numpy().astype(object)
    for b in reversed(by):
        keys = rows[b].astype(str).to_numpy().astype(object) + "\x1f" + keys
    try:
        table = np.array([info["local"][k] for k in keys], dtype=float).reshape(len(keys), 6)
    except KeyError as err:
        raise InputValueError(f"area {err.args[0]!r} is not among the smoothed areas; pass the result of "
                              f"segstat.smooth_rates as it came.") from None
    se, sn, q, cnt = (table[:, j][:, None] for j in range(4))
    alone = table[:, 4].astype(bool)[:, None]
    s_e, s_n = se + e, sn + n
    m = s_e / s_n
    a = np.maximum((q + e * e / n) / s_n - m * m - m / (s_n / cnt), 0.0)
    m = np.where(alone, prior, m)
    a = np.where(alone, table[:, 5][:, None], a)
    with np.errstate(divide="ignore", invalid="ignore"):
        wt = np.where(a > 0, a / (a + m / n), 0.0)
        wt = np.where((a > 0) & (m == 0), 1.0, wt)
    return (m + wt * (e / n - m)) * per


def _bins(values: np.ndarray, step: float) -> np.ndarray:
    return np.floor(values / step + 0.5)


def consistent_counts(rows: pd.DataFrame, published: np.ndarray, step: float, info: dict[str, Any],
                      window: int) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest count in 0 … min(population, window) whose smoothed rate rounds (to ``step``) to
    ``published``; -1 where none does."""
    counts = np.arange(window + 1)
    values = smoothed_at(rows, counts, info)
    ok = _bins(values, step) == np.round(np.asarray(published, float) / step)[:, None]
    ok &= counts[None, :] <= rows["population"].to_numpy(float)[:, None]
    any_ok = ok.any(axis=1)
    low = np.where(any_ok, ok.argmax(axis=1), -1)
    high = np.where(any_ok, window - ok[:, ::-1].argmax(axis=1), -1)
    return low, high


@dataclass(frozen=True)
class ProtectedRates:
    """Smoothed rates made safe to publish, with the per-area report the audit checks.

    Attributes
    ----------
    published : pandas.DataFrame
        What may be published: the part columns, the area, ``population``, ``rate`` (rounded to ``step``;
        missing where suppressed), ``step``.
    report : pandas.DataFrame
        Per area: ``events``, ``smoothed``, ``rate``, ``step``, ``primary``, ``required`` (the count the
        intruder's largest consistent count must reach), ``consistent_low``/``consistent_high`` (the counts
        whose smoothed rate rounds to the published one, within ``window``), ``status``. Not for
        publication: it holds the counts.
    info : dict
        The smoothing's parameters (``attrs['segstat.targeting']``) and the rules used.
    """

    published: pd.DataFrame
    report: pd.DataFrame
    info: dict[str, Any] = field(repr=False)

    def __repr__(self) -> str:
        s = self.report["status"].value_counts().to_dict()
        return (f"ProtectedRates({len(self.report)} areas, {s.get('published', 0)} published, "
                f"{s.get('suppressed', 0)} suppressed, min_count={self.info['min_count']})")

    def to_frame(self) -> pd.DataFrame:
        """The table to publish."""
        return self.published.copy()

    def check(self) -> None:
        """Enumerate again, from the published rates alone, the counts an intruder finds consistent; raise
        :class:`DisclosureRiskError` naming any primary area narrowed below its protection."""
        cells = self._audit_cells()
        bad = cells["verdict"] != "ok"
        if bad.any():
            raise DisclosureRiskError(f"published rates narrow primary area(s) "
                                      f"{examples(cells.loc[bad, self.info['area']].tolist())} below their "
                                      f"protection.")

    def _audit_cells(self) -> pd.DataFrame:
        """What :func:`segstat.audit` reports for these rates: per primary area, the counts an intruder finds
        consistent with the published rate (enumerated again from the rate alone; a suppressed area keeps
        0 to its population) and whether the largest reaches the area's protection."""
        r = self.report
        prim = r.loc[r["primary"].to_numpy(bool)]
        n = prim["population"].to_numpy(float)
        low, high = np.zeros(len(prim)), n.copy()
        shown = (prim["status"] == "published").to_numpy()
        steps = prim["step"].to_numpy(float)
        for st in np.unique(steps[shown]):  # one step per part
            sel = shown & (steps == st)
            low[sel], high[sel] = consistent_counts(prim[sel], prim["rate"].to_numpy(float)[sel], st, self.info,
                                                    self.info["window"])
        required = prim["required"].to_numpy(float)
        verdict = np.where(high < 0, "exact", np.where(high < required, "narrow", "ok"))
        verdict = np.where((high == low) & (high >= 0), "exact", verdict)
        return pd.DataFrame({"table": 0, self.info["area"]: prim[self.info["area"]].to_numpy(),
                             "status": np.where(shown, "primary (rate published)", "primary (suppressed)"),
                             "value": prim["events"].to_numpy(float), "lower": low, "upper": high,
                             "width": high - low, "required": required, "interval": "exact", "verdict": verdict})


def protect_rates(
    smoothed: pd.DataFrame,
    *,
    min_count: int = 3,
    protection: float | None = None,
    step: float = 0.1,
) -> ProtectedRates:
    """Round smoothed rates so that no primary cell's count can be recovered from them.

    Parameters
    ----------
    smoothed : pandas.DataFrame
        The result of :func:`segstat.smooth_rates` (with its ``attrs``).
    min_count : int, default 3
        Areas with 0 < events < min_count are primary cells (as :func:`segstat.protect`).
    protection : float, optional
        Upper protection level of every primary cell: the largest count an intruder finds consistent with
        the published rate must be at least events + protection. By default ``min_count − events``, so the
        intruder cannot tell that the count is below the threshold.
    step : float, default 0.1
        Rounding step of published rates (in units of ``per``). A primary area whose rounded rate would
        narrow its count is suppressed. A coarser step publishes more primary areas and says less about the
        others: ``.info["suppressed_by_step"]`` gives the number suppressed at ``step`` × 1, 2, 5, 10, … 1000.

    Returns
    -------
    ProtectedRates
        ``.published`` to publish, ``.report`` for the audit, ``.check()`` to verify.

    Notes
    -----
    The intruder knows the populations, the prior's parameters (global EB: Σe/Σn and the variance; local EB:
    every other area's count; Fay–Herriot: the fitted β and model variance) and the rounding step, and
    enumerates counts 0 … population (within a window of ``max(200, 2·(min_count + protection))``). Intervals,
    standard errors and rank probabilities are further functions of the count and are not published.

    Publish the prior's parameters only rounded: Σe/Σn at full precision, with the other areas' rates, gives
    the total of the suppressed counts (no secondary suppression is added for that). With
    ``protection=`` above ``min_count − events``, two counts in one rounding bin can need different levels;
    the check is per area, as in :func:`segstat.protect`.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"deso": list("ABCDE"), "cases": [1, 3, 10, 4, 30], "pop": [100, 200, 500, 1000, 1200]})
    >>> p = segstat.protect_rates(segstat.smooth_rates(d, events="cases", population="pop", area="deso"))
    >>> p.report.loc[0, ["events", "consistent_low", "consistent_high", "required"]].tolist()
    [1.0, 1.0, 1.0, 3.0]
    >>> p.published["status"].tolist()
    ['suppressed', 'published', 'published', 'published', 'published']
    """
    smoothed = check_dataframe(smoothed, "smoothed")
    info = smoothed.attrs.get(TARGETING_ATTR)
    if not info:
        raise InputValueError("smoothed has no attrs['segstat.targeting'] (lost by a copy through CSV or a merge?); "
                              "pass the result of segstat.smooth_rates directly.")
    min_count = check_scalar("min_count", min_count, "int", low=1)
    protection = check_scalar("protection", protection, "real", low=0, low_open=True, allow_none=True)
    step = check_scalar("step", step, "real", low=0, low_open=True)
    area, by = info["area"], list(info["by"])
    e = smoothed["events"].to_numpy(float)
    primary = (e > 0) & (e < min_count)
    extra = np.maximum(min_count - e, 1.0) if protection is None else np.full(len(e), protection)
    required = np.where(primary, e + extra, np.nan)
    window = int(max(200, 2 * (min_count + (protection or 0))))
    info = {**info, "min_count": min_count, "protection": protection, "window": window}
    if info["method"] == "eb_local":
        info["local"] = _local_sums(smoothed, info)
    parts = smoothed.groupby(by, sort=False).indices.values() if by else [np.arange(len(smoothed))]
    rate = np.full(len(e), np.nan)
    steps = np.full(len(e), np.nan)
    low = np.full(len(e), -1)
    high = np.full(len(e), -1)
    status = np.full(len(e), "published", dtype=object)
    values = smoothed["smoothed"].to_numpy(float)
    ladder: dict[float, int] = {}
    for pos in parts:
        pos = np.asarray(pos)
        prim = pos[primary[pos]]
        pub = _bins(values[prim], step) * step
        lo, hi = consistent_counts(smoothed.iloc[prim], pub, step, info, window)
        rate[pos] = _bins(values[pos], step) * step
        steps[pos] = step
        low[prim], high[prim] = lo, hi
        bad = prim[hi < required[prim]]
        rate[bad] = np.nan
        status[bad] = "suppressed"
        for mult in LADDER[1:]:  # what coarser steps would suppress, to help choose one
            st = step * mult
            _, h = consistent_counts(smoothed.iloc[prim], _bins(values[prim], st) * st, st, info, window)
            ladder[st] = ladder.get(st, 0) + int((h < required[prim]).sum())
    ladder[step] = int((status == "suppressed").sum())
    info["suppressed_by_step"] = dict(sorted(ladder.items()))
    keep = [*by, area]
    published = smoothed[keep].copy()
    published["population"] = smoothed["population"].to_numpy()
    published["rate"], published["step"], published["status"] = rate, steps, status
    report = published.copy()
    report.insert(len(keep), "events", e)
    report.insert(len(keep) + 2, "smoothed", values)
    report["weight"], report["prior"] = smoothed["weight"].to_numpy(), smoothed["prior"].to_numpy()
    report["primary"], report["required"] = primary, required
    report["consistent_low"], report["consistent_high"] = low, high
    report = report[[*keep, "events", "population", "smoothed", "weight", "prior", "rate", "step", "primary",
                     "required",
                     "consistent_low", "consistent_high", "status"]]
    published.attrs = {k: v for k, v in smoothed.attrs.items() if k != TARGETING_ATTR}
    return ProtectedRates(published.reset_index(drop=True), report.reset_index(drop=True), info)


def _local_sums(smoothed: pd.DataFrame, info: dict[str, Any]) -> pd.DataFrame:
    """Per area (code): its neighbours' events, population and Σ e²/n, the neighbourhood size with the area,
    whether it has none, and the global variance its fallback uses (kept by smooth_rates)."""
    local = info.get("neighbourhoods")
    if local is None:
        raise InputValueError("smoothed (method='eb_local') lacks its neighbourhood sums; pass the result of "
                              "segstat.smooth_rates directly.")
    return local
