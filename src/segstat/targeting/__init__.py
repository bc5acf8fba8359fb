"""Targeting: stable small-area rates, ranked with their uncertainty, made safe to publish.

``smooth_rates`` (empirical Bayes, Fay–Herriot), ``rank_areas`` (rank with its uncertainty) and
``protect_rates`` (rounding checked against an intruder who inverts the smoothing).
"""

from __future__ import annotations

__all__ = ["ProtectedRates", "plot_map", "protect_rates", "rank_areas", "smooth_rates"]

from .plot import plot_map
from .publish import ProtectedRates, protect_rates
from .rank import rank_areas
from .smooth import smooth_rates
