"""HEAT's summary measures of disparity as functions of the subgroup rates (WHO's Health Equity Assessment
Toolkit technical notes), used by :func:`segstat.disparity`. Each takes rates of shape (..., subgroups), so
simulated datasets are evaluated in one call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class _Setup:
    labels: list[Any]          # groups, most disadvantaged first (ordered) or as given
    events: np.ndarray
    population: np.ndarray
    y: np.ndarray              # rates per `per`
    p: np.ndarray              # population shares
    X: np.ndarray              # ridit ranks (ordered groups)
    ordered: bool
    adv: int                   # index of the most advantaged group, or of the reference
    dis: int                   # index of the most disadvantaged group
    best: int                  # best-performing group (MDB reference)
    par_ref: int               # reference of PAR and PAF (see _setup)
    per: float
    regression: str = "linear"  # model of SII and RII: linear, logistic or poisson


def _mu(y: np.ndarray, s: _Setup) -> np.ndarray:
    return y @ s.p


def _wls_ends(y: np.ndarray, s: _Setup) -> tuple[np.ndarray, np.ndarray]:
    """Fitted values at ridit 0 and 1 of the population-weighted regression of y on X."""
    xm = s.X @ s.p
    sxx = (s.p * (s.X - xm) ** 2).sum()
    b = (y * (s.p * (s.X - xm))).sum(axis=-1) / sxx
    a = _mu(y, s) - b * xm
    return a, a + b


def _glm_ends(y: np.ndarray, s: _Setup) -> tuple[np.ndarray, np.ndarray]:
    """Fitted rates at ridit 0 and 1 of a logistic (logit of the proportion) or Poisson (log of the rate)
    regression on ridit rank, fitted by maximum likelihood to the grouped counts (events out of population).

    Newton's method on the two coefficients, vectorised over leading axes of y (simulated datasets); NaN
    where the fit does not converge (for example a group with no events and two groups only: the
    maximum-likelihood line is infinitely steep)."""
    n = s.population
    e = y * n / s.per                                   # events (..., G)
    X = s.X
    total = e.sum(axis=-1)
    logistic = s.regression == "logistic"
    # start: a flat line at the overall rate (proportion)
    rate = np.clip(total / n.sum(), 1e-12, 1 - 1e-12 if logistic else np.inf)
    a = np.log(rate / (1 - rate)) if logistic else np.log(rate)
    b = np.zeros_like(a)
    with np.errstate(all="ignore"):  # a fit running off to infinity ends as NaN below
        a, b, ok = _newton(a, b, e, n, X, logistic)
        ends = []
        for x in (0.0, 1.0):
            eta = a + b * x
            v = s.per / (1 + np.exp(-eta)) if logistic else s.per * np.exp(eta)
            ends.append(np.where(ok, v, np.nan))
    return ends[0], ends[1]


def _newton(a: np.ndarray, b: np.ndarray, e: np.ndarray, n: np.ndarray, X: np.ndarray,
            logistic: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Maximum-likelihood intercept and slope (Newton's method), and where they converged to a finite line.
    Call under ``np.errstate(all="ignore")``: a diverging fit overflows on its way to NaN."""
    ok = np.zeros(np.shape(a), bool)
    for _ in range(100):
        eta = a[..., None] + b[..., None] * X
        mean = n / (1 + np.exp(-eta)) if logistic else n * np.exp(eta)   # expected events
        w = mean * (1 - mean / n) if logistic else mean                  # Fisher weights
        r = e - mean
        u0, u1 = r.sum(axis=-1), (r * X).sum(axis=-1)                    # score
        i00, i01, i11 = w.sum(axis=-1), (w * X).sum(axis=-1), (w * X * X).sum(axis=-1)
        det = i00 * i11 - i01 * i01
        da, db = (i11 * u0 - i01 * u1) / det, (i00 * u1 - i01 * u0) / det
        a, b = a + da, b + db
        ok = np.abs(da) + np.abs(db) < 1e-12 * (1 + np.abs(a) + np.abs(b))
        if ok.all() or not np.isfinite(a + b).any():
            break
    return a, b, ok & (np.abs(b) < 50)                                   # not an infinitely steep line


def _safe_log(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(x)


# measure name -> (function of y (..., G), type, unit, needs order, analytic interval?, log-scale interval?)
def _measures() -> dict[str, tuple[Callable[[np.ndarray, _Setup], np.ndarray], str, str, bool, bool, bool]]:
    def d(y, s):
        return y[..., s.adv] - y[..., s.dis]

    def r(y, s):
        with np.errstate(divide="ignore", invalid="ignore"):
            return y[..., s.adv] / y[..., s.dis]

    def par(y, s):
        return y[..., s.par_ref] - _mu(y, s)

    def paf(y, s):
        return 100 * (y[..., s.par_ref] / _mu(y, s) - 1)

    def bgv(y, s):
        return (s.p * (y - _mu(y, s)[..., None]) ** 2).sum(axis=-1)

    def mdm(y, s):
        return (s.p * np.abs(y - _mu(y, s)[..., None])).sum(axis=-1)

    def mdb(y, s):
        return (s.p * np.abs(y - y[..., s.best][..., None])).sum(axis=-1)

    def idis(y, s):
        m = _mu(y, s)
        return 100 * np.abs(y - m[..., None]).mean(axis=-1) / m

    def ti(y, s):
        m = _mu(y, s)[..., None]
        ratio = y / m
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(ratio > 0, ratio * np.log(ratio), 0.0)  # 0 ln 0 = 0 (the limit)
        return 1000 * (s.p * term).sum(axis=-1)

    def mld(y, s):
        m = _mu(y, s)[..., None]
        return 1000 * (s.p * -_safe_log(y / m)).sum(axis=-1)

    def aci(y, s):
        return (s.p * (2 * s.X - 1) * y).sum(axis=-1)

    def rci(y, s):
        return 100 * aci(y, s) / _mu(y, s)

    def sii(y, s):
        v0, v1 = (_wls_ends if s.regression == "linear" else _glm_ends)(y, s)
        return v1 - v0

    def rii(y, s):
        v0, v1 = (_wls_ends if s.regression == "linear" else _glm_ends)(y, s)
        with np.errstate(divide="ignore", invalid="ignore"):
            # a ratio of fitted rates means something only while the line stays at or above 0 on [0, 1]
            # (a fitted end that is 0 up to rounding counts as 0)
            return np.where((v0 > 0) & (v1 >= -1e-12 * np.abs(v0)), np.maximum(v1, 0) / v0, np.nan)

    return {
        "D": (d, "absolute", "rate difference", False, True, False),
        "R": (r, "relative", "ratio", False, True, True),
        "PAR": (par, "absolute", "rate difference", False, True, False),
        "PAF": (paf, "relative", "percent", False, True, False),
        "SII": (sii, "absolute", "rate difference", True, True, False),
        "RII": (rii, "relative", "ratio", True, True, True),
        "ACI": (aci, "absolute", "rate", True, True, False),
        "RCI": (rci, "relative", "x100", True, True, False),
        "BGV": (bgv, "absolute", "squared rate", False, True, False),
        "IDis": (idis, "relative", "percent", False, False, False),
        "TI": (ti, "relative", "x1000", False, True, False),
        "MLD": (mld, "relative", "x1000", False, True, False),
        "MDB": (mdb, "absolute", "rate difference", False, False, False),
        "MDM": (mdm, "absolute", "rate difference", False, False, False),
    }
