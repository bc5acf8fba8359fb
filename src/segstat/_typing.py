"""Type aliases of segstat's public vocabulary (see docs/api/glossary.rst).

One meaning per keyword: ``ci`` says *how* an interval is obtained, ``interval`` which formula within
that, ``rng`` what randomness drives it. Each function documents the subset of values it accepts.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import numpy as np

__all__ = ["CIMethod", "Interval", "RNGLike"]

#: How intervals are obtained; ``None`` (no interval) is spelled out in each signature.
CIMethod: TypeAlias = Literal["analytic", "bootstrap", "simulation"]

#: The interval formula within a ``ci`` method: exact Poisson, exact binomial (Clopper-Pearson) and Wilson
#: score for analytic rates; basic and percentile for bootstrap intervals.
Interval: TypeAlias = Literal["exact-poisson", "exact-binomial", "wilson", "basic", "percentile"]

#: Randomness: an int seed, a Generator, or None (fresh entropy).
RNGLike: TypeAlias = int | np.random.Generator | None
