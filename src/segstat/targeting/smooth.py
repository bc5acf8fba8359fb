"""Stable small-area rates: global and local empirical Bayes (Marshall 1991) and Fay–Herriot (in fay_herriot.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validation import (
    check_choice,
    check_columns,
    check_dataframe,
    column_list,
    count_arrays,
    examples,
)
from .._vintage import VINTAGE_ATTR, carry_vintage, resolve_vintage
from ..errors import InputValueError
from ..measures._inputs import check_confidence_level
from ..measures._split import by_positions, check_by
from ..measures.rates import _check_per

__all__ = ["COLUMNS", "TARGETING_ATTR", "eb_global", "eb_local", "smooth_rates"]

#: the columns after the ``by`` columns and the area column, whatever the method
COLUMNS = ("events", "population", "crude", "smoothed", "lower", "upper", "se", "weight", "prior", "neighbours",
           "method", "note")

#: ``attrs`` key of what rank_areas and protect_rates need to know about a smoothing
TARGETING_ATTR = "segstat.targeting"

Method = Literal["eb", "eb_local", "fay_herriot"]


def _posterior(e: np.ndarray, n: np.ndarray, m: np.ndarray, a: np.ndarray, level: float) -> dict[str, np.ndarray]:
    """Smoothed rate, weight and gamma-posterior interval from prior mean ``m`` and prior variance ``a``.

    With a gamma prior of mean m and variance a (shape m²/a, rate m/a) and Poisson counts e ~ Po(n θ), the
    posterior is gamma with shape m²/a + e and rate m/a + n; its mean is Marshall's m + w (e/n - m) with
    w = a / (a + m/n). Where a = 0 the prior is a point: the smoothed rate is m, with no spread.
    """
    from scipy import special

    r = e / n
    pos = a > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(pos, a / (a + m / n), 0.0)
        w = np.where(pos & (m == 0), 1.0, w)  # no events around at all: the area's own rate (0) stays
        smoothed = m + w * (r - m)
        shape = np.where(pos, m * m / a + e, np.nan)
        rate = np.where(pos, m / a + n, np.nan)
        se = np.where(pos, np.sqrt(shape) / rate, 0.0)
        q = (1 - level) / 2
        lower = np.where(pos & (shape > 0), special.gammaincinv(shape, q) / rate, smoothed)
        upper = np.where(pos & (shape > 0), special.gammaincinv(shape, 1 - q) / rate, smoothed)
    return {"smoothed": smoothed, "weight": w, "prior": m, "se": se, "lower": lower, "upper": upper}


def eb_global(e: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Marshall's (1991) global method-of-moments prior: mean b = Σe/Σn and variance
    a = Σ n (r - b)² / Σn - b / n̄ (n̄ the mean population), set to 0 where negative."""
    b = e.sum() / n.sum()
    s2 = float(np.sum(n * (e / n - b) ** 2) / n.sum())
    return float(b), max(s2 - b / n.mean(), 0.0)


def eb_local(e: np.ndarray, n: np.ndarray, w: Any) -> tuple[np.ndarray, np.ndarray]:
    """Marshall's local prior over each area and its neighbours (``w``: 0/1 sparse matrix, no self-links).

    m_i = Σ_{j∈N_i} e_j / Σ_{j∈N_i} n_j and a_i = Σ_{j∈N_i} n_j (r_j - m_i)² / Σ n_j - m_i / n̄_i, with N_i the
    area and its neighbours and n̄_i their mean population; a_i < 0 is set to 0 (as PySAL esda's
    ``Spatial_Empirical_Bayes``). Computed with three sparse products:
    Σ n_j (r_j - m)² = Σ e_j²/n_j - m² Σ n_j.
    """
    from scipy import sparse

    a_mat = w + sparse.identity(len(e), format="csr")
    se, sn = a_mat @ e, a_mat @ n
    count = a_mat @ np.ones(len(e))
    m = se / sn
    left = (a_mat @ (e * e / n)) / sn - m * m
    a = left - m / (sn / count)
    return m, np.maximum(a, 0.0)


def _part_eb(e: np.ndarray, n: np.ndarray, level: float) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    b, a = eb_global(e, n)
    out = _posterior(e, n, np.full(len(e), b), np.full(len(e), a), level)
    return out, {"prior_mean": b, "prior_variance": a}


def _part_eb_local(e: np.ndarray, n: np.ndarray, w: Any, level: float) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    m, a = eb_local(e, n, w)
    k = np.asarray(w.sum(axis=1)).ravel()
    alone = k == 0
    if alone.any():  # documented fallback: an area without neighbours is smoothed towards the global prior
        b, ag = eb_global(e, n)
        m[alone], a[alone] = b, ag
    else:
        ag = 0.0
    out = _posterior(e, n, m, a, level)
    sums = pd.DataFrame({"events": w @ e, "population": w @ n, "square": w @ (e * e / n), "count": k + 1.0,
                         "alone": alone, "global_variance": ag})
    return out, {"alone": alone, "n_neighbours": k, "sums": sums}


def _check_codes(data: pd.DataFrame, area: str) -> np.ndarray:
    codes = data[area]
    if codes.isna().any():
        raise InputValueError(f"area column {area!r} is missing in rows {examples(data.index[codes.isna()].tolist())}; "
                              f"fill it first (no rows are dropped).")
    return codes.astype(str).to_numpy()


def smooth_rates(
    data: pd.DataFrame,
    *,
    events: str,
    population: str,
    area: str,
    method: Method = "eb",
    neighbours: Any = None,
    covariates: str | Sequence[str] | None = None,
    transform: Literal["arcsine", "log"] = "arcsine",
    by: str | list[str] | None = None,
    per: float = 1000,
    confidence_level: float = 0.95,
    vintage: int | None = None,
) -> pd.DataFrame:
    """Stable rates of small areas: empirical Bayes shrinkage or a Fay–Herriot area-level model.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per area (within each ``by`` part).
    events, population : str
        Columns of event counts and population (persons or person-years).
    area : str
        Column of area codes (unique within each part).
    method : {"eb", "eb_local", "fay_herriot"}, default "eb"
        ``"eb"``: global empirical Bayes, Marshall's (1991) method of moments with Poisson counts (the values
        of PySAL esda's ``Empirical_Bayes``). ``"eb_local"``: the same prior estimated over each area and its
        ``neighbours`` (esda's ``Spatial_Empirical_Bayes``). ``"fay_herriot"``: area-level linear mixed model
        on the ``transform`` scale, REML fit, EBLUP and Prasad–Rao MSE (as R ``sae::mseFH``).
    neighbours : str, Boundaries, DataFrame or dict, optional
        For ``"eb_local"`` (required there): ``"kommun"`` (areas of the same kommun), ``"queen"`` or
        ``"rook"`` (polygons sharing a point / an edge, from the bundled boundaries of ``vintage``), a
        :class:`segstat.Boundaries` (queen, e.g. from :func:`segstat.download_boundaries`), a DataFrame of
        (area, neighbour) pairs or a dict area -> neighbours. Links to areas outside the data are left out.
        An area without neighbours is smoothed towards the global prior (``note`` says so).
    covariates : str or list of str, optional
        ``"fay_herriot"`` only: columns of the model's fixed part (an intercept is always added). Numeric
        columns enter as they are; text or categorical columns (for example ``"omradestyp"``) as indicators
        of each value but the first.
    transform : {"arcsine", "log"}, default "arcsine"
        ``"fay_herriot"`` only: scale of the model. ``"arcsine"``: y = asin(√p) of the proportion
        p = events/population, sampling variance 1/(4 population) (events ≤ population is required);
        ``"log"``: y = log((events + 0.5)/population), sampling variance 1/(population · b) with b the overall
        rate (Poisson, delta method, so that zero counts need no special case). Results are transformed back
        without bias correction.
    by : str or list of str, optional
        Smooth each part on its own (a prior per part).
    per : float, default 1000
        Rates per this many persons.
    confidence_level : float, default 0.95
        Level of ``lower``/``upper``: gamma-posterior intervals (EB) or EBLUP ± z √MSE on the model scale,
        transformed back (Fay–Herriot).
    vintage : int, optional
        Code vintage, needed only for ``neighbours="queen"``/``"rook"``; None reads
        ``data.attrs['segstat.vintage']``.

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``area``, then ``events``, ``population``, ``crude`` (events/population·per),
        ``smoothed``, ``lower``, ``upper``, ``se`` (posterior standard deviation, or √MSE), ``weight`` (the
        crude rate's weight: smoothed = weight·crude + (1 − weight)·prior), ``prior`` (the rate shrunk
        towards), ``neighbours`` (count; 0 for global methods), ``method``, ``note``. The prior's parameters
        are in ``attrs['segstat.targeting']`` for :func:`segstat.protect_rates` and :func:`segstat.rank_areas`.

    Raises
    ------
    InputValueError
        Missing or negative counts, zero population (names the areas), repeated area codes, events above
        population with ``transform="arcsine"``, an unknown neighbours option or areas missing from the
        boundaries.

    Notes
    -----
    Global EB: r_i = e_i/n_i, b = Σe/Σn, a = Σ n_i (r_i − b)²/Σn − b/n̄ (0 if negative),
    w_i = a/(a + b/n_i), smoothed_i = b + w_i (r_i − b). The posterior of a gamma prior with these moments is
    Gamma(b²/a + e_i, b/a + n_i), whose mean is the smoothed rate; ``lower``/``upper`` are its quantiles.

    References
    ----------
    Marshall, R. J. (1991). Mapping disease and mortality rates using empirical Bayes estimators. Applied
    Statistics 40(2):283–294. Fay, R. E. & Herriot, R. A. (1979). JASA 74:269–277. Prasad, N. G. N. &
    Rao, J. N. K. (1990). JASA 85:163–171. Datta, G. S. & Lahiri, P. (2000). Statistica Sinica 10:613–627.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"deso": ["A", "B", "C", "D", "E"], "cases": [0, 3, 10, 4, 30],
    ...                   "pop": [100, 200, 500, 1000, 1200]})
    >>> s = segstat.smooth_rates(d, events="cases", population="pop", area="deso", per=1)
    >>> s["smoothed"].round(5).tolist()
    [0.01105, 0.01536, 0.0186, 0.00625, 0.02345]
    """
    data = check_dataframe(data)
    by = column_list(by)
    cov = column_list(covariates)
    check_columns(data, {"events": events, "population": population, "area": area, "by": by, "covariates": cov})
    check_choice("method", method, ("eb", "eb_local", "fay_herriot"))
    check_choice("transform", transform, ("arcsine", "log"))
    check_by(data, by, (area, *COLUMNS))
    level = check_confidence_level(confidence_level)
    per = _check_per(per)
    if method == "eb_local" and neighbours is None:
        raise InputValueError("method='eb_local' needs neighbours=: 'kommun', 'queen' or 'rook' (bundled "
                              "boundaries), a Boundaries object, or a table of (area, neighbour) pairs.")
    if method != "eb_local" and neighbours is not None:
        raise InputValueError(f"neighbours= is used by method='eb_local' only, not method={method!r}; remove it.")
    if method != "fay_herriot" and cov:
        raise InputValueError(f"covariates= is used by method='fay_herriot' only, not method={method!r}; remove it.")
    counts = count_arrays(data, [events, population])
    e_all, n_all = counts[events], counts[population]
    codes_all = _check_codes(data, area)
    zero = n_all == 0
    if zero.any():
        raise InputValueError(f"population is zero in area(s) {examples(codes_all[zero].tolist())}: their rate is "
                              f"undefined. Remove those areas or merge each with a neighbour first.")
    if method == "fay_herriot" and transform == "arcsine":
        over = e_all > n_all
        if over.any():
            raise InputValueError(f"events exceed population in area(s) {examples(codes_all[over].tolist())}, so "
                                  f"they are not a proportion (transform='arcsine'); check the columns, or use "
                                  f"transform='log' for a rate of events per person-year.")
    if isinstance(neighbours, str) and neighbours in ("queen", "rook"):
        vintage = resolve_vintage(vintage, data, f"neighbours={neighbours!r} (bundled boundaries)")
    elif vintage is not None:
        vintage = resolve_vintage(vintage, data, "smooth_rates")  # a stated vintage must agree with the data's
    parts = list(by_positions(data, by)) if by else [((), np.arange(len(data)))]
    frames, params = [], []
    for key, pos in parts:
        try:
            frame, p = _smooth_part(data, pos, codes_all[pos], e_all[pos], n_all[pos], area=area, method=method,
                                    neighbours=neighbours, covariates=cov, transform=transform, per=per,
                                    level=level, vintage=vintage)
        except InputValueError as err:
            if not by:
                raise
            raise InputValueError(f"part {dict(zip(by, key))}: {err}") from err
        for i, (b, k) in enumerate(zip(by, key)):
            frame.insert(i, b, k)
        frames.append(frame)
        params.append({**dict(zip(by, key)), **p})
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if by:  # keep the by columns' dtypes (categories)
        for b in by:
            if isinstance(data[b].dtype, pd.CategoricalDtype):
                out[b] = out[b].astype(data[b].dtype)
    out.attrs = {k: v for k, v in data.attrs.items() if k == VINTAGE_ATTR}
    carry_vintage(out, vintage if isinstance(vintage, int) else None)
    info: dict[str, Any] = {"method": method, "per": per, "transform": transform, "by": by, "area": area,
                            "confidence_level": level, "parts": params}
    if method == "eb_local":  # what protect_rates needs to invert local EB: neighbourhood sums per area
        # plain tuples keyed by text (attrs are compared with == when frames are concatenated)
        hood: dict[str, tuple] = {}
        for p in params:
            sums = p.pop("sums")
            prefix = "".join(f"{p[b]}\x1f" for b in by)
            cols = [sums[c].to_numpy() for c in ("events", "population", "square", "count", "alone",
                                                  "global_variance")]
            for code, *vals in zip(sums["_area"].to_numpy(), *cols):
                hood[prefix + str(code)] = (*(float(v) for v in vals[:4]), bool(vals[4]), float(vals[5]))
        info["neighbourhoods"] = hood
    out.attrs[TARGETING_ATTR] = info
    return out


def _smooth_part(data: pd.DataFrame, pos: np.ndarray, codes: np.ndarray, e: np.ndarray, n: np.ndarray, *,
                 area: str, method: str, neighbours: Any, covariates: list, transform: str, per: float,
                 level: float, vintage: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    dup = pd.Index(codes).duplicated()
    if dup.any():
        raise InputValueError(f"area codes repeat in column {area!r}: {examples(sorted(set(codes[dup])))}; give one "
                              f"row per area (sum the counts first), or split with by=.")
    note = np.full(len(e), "", dtype=object)
    k = np.zeros(len(e), dtype=np.int64)
    if method == "eb":
        res, p = _part_eb(e, n, level)
        label = "eb"
    elif method == "eb_local":
        from .neighbours import neighbour_matrix

        v = int(vintage) if isinstance(vintage, (int, np.integer)) else None
        w = neighbour_matrix(codes, neighbours, vintage=v, level="regso" if "R" in str(codes[0])[4:5] else "deso")
        res, extra = _part_eb_local(e, n, w, level)
        k = extra["n_neighbours"].astype(np.int64)
        note[extra["alone"]] = "no neighbours: global prior"
        p = {"areas_without_neighbours": int(extra["alone"].sum()), "sums": extra["sums"].assign(_area=codes)}
        label = "eb_local"
    else:
        from .fay_herriot import fay_herriot_part

        x = _design(data.iloc[pos], covariates)
        res, p = fay_herriot_part(e, n, x, transform=transform, level=level)
        label = f"fay_herriot/{transform}"
        if p["variance"] == 0:
            note[:] = "model variance 0: synthetic estimate"
    note[(e == 0) & (note == "")] = "zero events"
    frame = pd.DataFrame({area: pd.array(codes, dtype="string"), "events": e, "population": n,
                          "crude": e / n * per})
    for c in ("smoothed", "lower", "upper", "se", "prior"):
        frame[c] = res[c] * per
    frame["weight"] = res["weight"]
    frame["neighbours"] = k
    frame["method"] = label
    frame["note"] = note
    return frame[[area, *COLUMNS]], p


def _design(part: pd.DataFrame, covariates: list) -> np.ndarray:
    """Design matrix of the Fay–Herriot model: an intercept, numeric covariates, indicators of categories."""
    cols = [np.ones(len(part))]
    for c in covariates:
        s = part[c]
        if s.isna().any():
            raise InputValueError(f"covariate {c!r} is missing in rows {examples(part.index[s.isna()].tolist())}; "
                                  f"fill it first (no rows are dropped).")
        if pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype):
            cols.append(s.to_numpy(float))
        else:
            dummies = pd.get_dummies(s, drop_first=True, dtype=float)
            cols.extend(dummies[d].to_numpy() for d in dummies.columns)
    x = np.column_stack(cols)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise InputValueError(f"covariates {covariates} are collinear (with the intercept) in this part; drop one.")
    return x
