"""An agency's own segregation barometer: a static, offline web site from protected follow-up results.

``segstat.barometer(results, out=..., title=...)`` builds it (see :func:`barometer`);
:func:`area_rates` turns protected counts into the rates by area the maps show. The module
itself is callable, so ``segstat.barometer(...)`` works whether Python resolved
``segstat.barometer`` to this subpackage or to the function.
"""

from __future__ import annotations

import sys
import types
from typing import Any

from ._inputs import area_rates
from ._site import barometer

__all__ = ["area_rates", "barometer"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return barometer(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
