"""Ranks of smoothed rates with their uncertainty: the probability of being among the top k, and a rank interval."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._typing import RNGLike
from .._validation import check_dataframe, check_scalar, column_list
from ..errors import InputValueError
from ..measures._inputs import check_confidence_level
from ..measures._split import by_positions, check_by, part_seed
from .fay_herriot import slope
from .smooth import TARGETING_ATTR

__all__ = ["RANK_COLUMNS", "posterior_draws", "rank_areas"]

#: the columns rank_areas adds
RANK_COLUMNS = ("rank", "rank_lower", "rank_upper", "p_top")

_NEEDED = ("smoothed", "se", "method")

#: draws held at once (replicates x areas of one part): about 1.5 GiB with their ranks
_MAX_DRAWS = 2**27


def _per(smoothed: pd.DataFrame) -> float:
    info = smoothed.attrs.get(TARGETING_ATTR, {})
    if "per" in info:
        return float(info["per"])
    ok = smoothed["events"].to_numpy(float) > 0  # attrs lost (e.g. a CSV round trip): per from crude rates
    if not ok.any():
        return 1.0
    return float(np.median(smoothed["crude"].to_numpy(float)[ok] * smoothed["population"].to_numpy(float)[ok]
                           / smoothed["events"].to_numpy(float)[ok]))


def posterior_draws(smoothed: pd.DataFrame, n_resamples: int, rng: np.random.Generator, per: float) -> np.ndarray:
    """(n_resamples, areas) draws of the true rates: the gamma posterior of empirical Bayes (mean ``smoothed``,
    sd ``se``), or for Fay–Herriot a normal on the model scale (EBLUP, √MSE) transformed back."""
    s = smoothed["smoothed"].to_numpy(float) / per
    se = smoothed["se"].to_numpy(float) / per
    method = smoothed["method"].astype(str).to_numpy()
    out = np.empty((n_resamples, len(s)), dtype=np.float32)  # float32: half the memory traffic of the sort
    eb = np.char.startswith(method.astype(str), "eb")
    fh = ~eb
    if eb.any():
        spread = eb & (se > 0) & (s > 0)
        shape = (s[spread] / se[spread]) ** 2
        scale = se[spread] ** 2 / s[spread]
        # Wilson & Hilferty (1931): a gamma of shape k is k (1 - 1/(9k) + Z/(3√k))³, within 0.1 % of its
        # quantiles for k >= 5 (posterior shapes are m²/a + e, mostly in the tens); twice as fast as exact draws
        big = shape >= 5
        cols = np.flatnonzero(spread)
        kb = shape[big]
        t = rng.standard_normal((n_resamples, int(big.sum())), dtype=np.float32)
        t *= (1 / (3 * np.sqrt(kb))).astype(np.float32)
        t += (1 - 1 / (9 * kb)).astype(np.float32)
        cube = t * t
        cube *= t
        cube *= (kb * scale[big]).astype(np.float32)
        out[:, cols[big]] = cube
        if (~big).any():
            out[:, cols[~big]] = rng.standard_gamma(shape[~big], size=(n_resamples, int((~big).sum()))) * scale[~big]
        point = eb & ~spread
        out[:, point] = s[point]
    for transform in ("arcsine", "log"):
        sel = fh & (method == f"fay_herriot/{transform}")
        if not sel.any():
            continue
        theta = np.arcsin(np.sqrt(np.clip(s[sel], 0, 1))) if transform == "arcsine" else np.log(s[sel])
        with np.errstate(divide="ignore", invalid="ignore"):
            sd = np.where(se[sel] > 0, se[sel] / slope(theta, transform), 0.0)
        out[:, sel] = theta + sd * rng.standard_normal((n_resamples, int(sel.sum())))  # monotone: ranks as rates
        fh = fh & ~sel
    if fh.any():
        raise InputValueError(f"smoothed has rows of unknown method {sorted(set(method[fh]))}; pass the result of "
                              f"segstat.smooth_rates.")
    return out


def _rank_part(part: pd.DataFrame, top: int, n_resamples: int, seed: int | None, level: float,
               per: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    draws = posterior_draws(part, n_resamples, rng, per)
    k = len(part)
    order = np.argsort(draws, axis=1)  # ascending, so the last is ranked 1st
    itype = np.int16 if k < 2**15 else np.int32
    ranks = np.empty((n_resamples, k), dtype=itype)
    ranks[np.arange(n_resamples)[:, None], order] = np.arange(k, 0, -1, dtype=itype)
    # each area's ranks sorted (a radix sort for 16-bit integers): the interval is two columns of it
    by_area = np.sort(np.ascontiguousarray(ranks.T), axis=1, kind="stable")
    q = (1 - level) / 2
    lo = by_area[:, max(int(np.ceil(n_resamples * q)) - 1, 0)]  # inverted-CDF quantiles
    hi = by_area[:, max(int(np.ceil(n_resamples * (1 - q))) - 1, 0)]
    s = part["smoothed"].to_numpy(float)
    point = np.empty(k, dtype=np.int64)
    point[np.argsort(-s, kind="stable")] = np.arange(1, k + 1)
    out = part.copy()
    out["rank"] = point
    out["rank_lower"] = lo.astype(np.int64)
    out["rank_upper"] = hi.astype(np.int64)
    out["p_top"] = np.count_nonzero(by_area <= top, axis=1) / n_resamples
    return out.sort_values("rank", kind="stable")


def rank_areas(
    smoothed: pd.DataFrame,
    *,
    top: int = 10,
    by: str | list[str] | None = None,
    n_resamples: int = 1000,
    confidence_level: float = 0.95,
    rng: RNGLike = None,
) -> pd.DataFrame:
    """Rank areas by their smoothed rate (highest first), with the uncertainty of the rank.

    Parameters
    ----------
    smoothed : pandas.DataFrame
        The result of :func:`segstat.smooth_rates`.
    top : int, default 10
        k of "the k areas with the highest rates": ``p_top`` is the probability of being among them.
    by : str or list of str, optional
        Rank within each part (for example within each kommun); by default all rows are ranked together.
    n_resamples : int, default 1000
        Draws from each area's posterior.
    confidence_level : float, default 0.95
        Level of the rank interval (equal-tailed quantiles of the drawn ranks).
    rng : int, numpy.random.Generator or None

    Returns
    -------
    pandas.DataFrame
        ``smoothed``'s rows sorted by rank (within parts) with ``rank`` (1 = highest smoothed rate),
        ``rank_lower``, ``rank_upper`` and ``p_top``.

    Notes
    -----
    Empirical Bayes areas are drawn from their gamma posterior (mean ``smoothed``, sd ``se``); Fay–Herriot
    areas from N(EBLUP, MSE) on the model scale, whose ranks are those of the rates (the back-transformation
    is increasing). Each draw ranks all areas of a part; ``p_top`` counts the draws with rank ≤ ``top``
    (Rao & Molina 2015, sect. 10.14; the "probability of being in the top k" of Goldstein & Spiegelhalter
    1996). The draws ignore the uncertainty of the prior's own parameters, so ``p_top`` is slightly too
    sure for a few dozen areas and accurate for hundreds.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"deso": list("ABCDE"), "cases": [0, 3, 10, 4, 30], "pop": [100, 200, 500, 1000, 1200]})
    >>> s = segstat.smooth_rates(d, events="cases", population="pop", area="deso")
    >>> segstat.rank_areas(s, top=1, rng=1)[["deso", "rank", "p_top"]].values.tolist()[0][:2]
    ['E', 1]
    """
    smoothed = check_dataframe(smoothed, "smoothed")
    missing = [c for c in _NEEDED if c not in smoothed.columns]
    if missing:
        raise InputValueError(f"smoothed has no column(s) {missing}; pass the result of segstat.smooth_rates.")
    by = column_list(by)
    check_by(smoothed, by, RANK_COLUMNS)
    top = check_scalar("top", top, "int", low=1)
    n_resamples = check_scalar("n_resamples", n_resamples, "int", low=1)
    rows = [pos for _, pos in by_positions(smoothed, by)] if by else [np.arange(len(smoothed))]
    largest = max((len(pos) for pos in rows), default=0)
    if n_resamples * max(largest, 1) > _MAX_DRAWS:
        fits = max(_MAX_DRAWS // max(largest, 1), 1)
        raise InputValueError(f"n_resamples={n_resamples!r} for {largest:,} areas would hold "
                              f"{n_resamples * largest:,} draws at once; at most {fits:,} replicates fit for that "
                              f"many areas (1,000 give p_top to about +-0.015).")
    level = check_confidence_level(confidence_level)
    seed = part_seed(rng)
    per = _per(smoothed)
    if not by:
        out = _rank_part(smoothed, top, n_resamples, seed, level, per)
    else:
        out = pd.concat([_rank_part(smoothed.iloc[pos], top, n_resamples, seed, level, per) for pos in rows])
    out.attrs = dict(smoothed.attrs)
    return out.reset_index(drop=True)
