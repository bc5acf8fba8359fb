"""Compiled kernels for the segregation measures, with the numpy code as fallback.

With numba (a dependency of segstat, as of PySAL ``segregation``), two inner loops run compiled:
the correction step of the exact permutation null (:func:`segstat.measures.segregation._correct_to_total`)
and the point estimates of the multigroup indices. Where numba cannot load, or with the environment variable
``SEGSTAT_NUMBA=0``, segstat runs the same algorithms in numpy: the permutation test gives the same
p-value for the same seed either way, and the multigroup indices agree to rounding (the sums are added
in another order).

numba is imported at the first call that needs it (about half a second, once per process); the kernels
are compiled then too, or read from numba's cache after the first run.
"""

from __future__ import annotations

import os
import threading
import warnings
from types import ModuleType

from ..errors import SegstatWarning

_lock = threading.Lock()
_state: dict[str, object] = {"loaded": False, "module": None}


def kernels() -> ModuleType | None:
    """The compiled kernels (:mod:`segstat.measures._numba_kernels`), or None when numba is not installed,
    cannot load (then with one warning) or ``SEGSTAT_NUMBA=0`` is set."""
    if not _state["loaded"]:
        with _lock:
            if not _state["loaded"]:
                module = None
                if os.environ.get("SEGSTAT_NUMBA", "1").strip() != "0":
                    try:
                        module = _load()
                    except ImportError:
                        module = None
                    except Exception as exc:  # noqa: BLE001 - numba present but unusable here (no writable cache, ...)
                        warnings.warn(f"segstat's compiled kernels could not be loaded ({type(exc).__name__}: "
                                      f"{exc}); segstat runs its numpy code instead, with the same results, "
                                      f"only slower. Set SEGSTAT_NUMBA=0 to skip numba.", SegstatWarning,
                                      stacklevel=3)
                        module = None
                _state["module"] = module
                _state["loaded"] = True
    return _state["module"]  # type: ignore[return-value]


def _load() -> ModuleType:
    """Import the kernels and run each once on a tiny input, so that a failure to compile or to use numba's
    cache shows here (and leaves segstat on its numpy code) rather than in the middle of a computation."""
    import numpy as np

    from . import _numba_kernels as module

    ones = np.ones(2, dtype=np.int64)
    module.entropy_sums((ones, ones), np.zeros(4))
    module.dissimilarity_sums((ones, ones))
    draws = np.ones((1, 2), dtype=np.int64)
    module.correct_rows(draws, draws + 1, np.zeros(1, np.int64), np.ones(1, np.int64),
                        np.zeros(4, np.uint32), np.array([0, 4]), np.zeros(1, dtype=bool))
    return module


def set_enabled(enabled: bool) -> None:
    """Use the compiled kernels when numba is installed (True), or always the numpy code (False). For tests
    and for timing the two against each other."""
    with _lock:
        _state["loaded"] = not enabled
        _state["module"] = None
