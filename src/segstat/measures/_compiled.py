"""Optional compiled kernels for the segregation measures.

With numba installed (``pip install 'segstat[fast]'``), two inner loops run compiled:
the correction step of the exact permutation null (:func:`segstat.measures.segregation._correct_to_total`)
and the point estimates of the multigroup indices. Without numba, or with the environment variable
``SEGSTAT_NUMBA=0``, segstat runs the same algorithms in numpy: the permutation test gives the same
p-value for the same seed either way, and the multigroup indices agree to rounding (the sums are added
in another order).

numba is imported at the first call that needs it (about half a second, once per process); the kernels
are compiled then too, or read from numba's cache after the first run.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType

_lock = threading.Lock()
_state: dict[str, object] = {"loaded": False, "module": None}


def kernels() -> ModuleType | None:
    """The compiled kernels (:mod:`segstat.measures._numba_kernels`), or None when numba is not installed or
    ``SEGSTAT_NUMBA=0`` is set."""
    if not _state["loaded"]:
        with _lock:
            if not _state["loaded"]:
                module = None
                if os.environ.get("SEGSTAT_NUMBA", "1").strip() != "0":
                    try:
                        from . import _numba_kernels as module  # noqa: PLC0415 - numba is optional
                    except ImportError:
                        module = None
                _state["module"] = module
                _state["loaded"] = True
    return _state["module"]  # type: ignore[return-value]


def set_enabled(enabled: bool) -> None:
    """Use the compiled kernels when numba is installed (True), or always the numpy code (False). For tests
    and for timing the two against each other."""
    with _lock:
        _state["loaded"] = not enabled
        _state["module"] = None
