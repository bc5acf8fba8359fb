"""Exact and score confidence intervals for counts, rates and proportions.

scipy is imported inside the functions so that ``import segstat`` stays light.
"""

from __future__ import annotations

import numpy as np


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


def poisson_exact(k: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Garwood's exact interval for a Poisson mean given ``k`` observed events.

    lower = χ²(α/2; 2k)/2 (0 when k = 0), upper = χ²(1−α/2; 2k+2)/2.

    Garwood, F. (1936). Fiducial limits for the Poisson distribution.
    Biometrika 28, 437-442.
    """
    from scipy.stats import chi2

    k = np.asarray(k, dtype=float)
    a = 1 - level
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, chi2.ppf(a / 2, 2 * k) / 2, 0.0)
    hi = chi2.ppf(1 - a / 2, 2 * k + 2) / 2
    return lo, hi


def binomial_exact(k: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson exact interval for a proportion k/n (beta quantiles).

    Clopper, C. J. & Pearson, E. S. (1934). Biometrika 26, 404-413.
    """
    from scipy.stats import beta

    k, n = np.asarray(k, float), np.asarray(n, float)
    a = 1 - level
    with np.errstate(invalid="ignore"):
        lo = np.where(k > 0, beta.ppf(a / 2, k, n - k + 1), 0.0)
        hi = np.where(k < n, beta.ppf(1 - a / 2, k + 1, n - k), 1.0)
    return lo, hi


def wilson(k: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion k/n.

    Wilson, E. B. (1927). JASA 22, 209-212.
    """
    k, n = np.asarray(k, float), np.asarray(n, float)
    z = _z(level)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def gamma_fay_feuer(rate: np.ndarray | float, var: np.ndarray | float, wmax: np.ndarray | float,
                    level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Fay-Feuer gamma interval for a directly standardised rate.

    ``rate`` = Σ w_i d_i, ``var`` = Σ w_i² d_i, ``wmax`` = max w_i (weights
    w_i = standard share / stratum population). lower = var/(2 rate) ·
    χ²(α/2; 2 rate²/var); upper = (var + wmax²)/(2 (rate + wmax)) ·
    χ²(1−α/2; 2 (rate + wmax)²/(var + wmax²)).

    Fay, M. P. & Feuer, E. J. (1997). Confidence intervals for directly
    standardized rates: a method based on the gamma distribution. Statistics
    in Medicine 16, 791-801.
    """
    from scipy.stats import chi2

    rate, var, wmax = (np.asarray(x, float) for x in (rate, var, wmax))
    a = 1 - level
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(rate > 0, var / (2 * rate) * chi2.ppf(a / 2, 2 * rate**2 / var), 0.0)
    v2, r2 = var + wmax**2, rate + wmax
    hi = v2 / (2 * r2) * chi2.ppf(1 - a / 2, 2 * r2**2 / v2)
    return lo, hi
