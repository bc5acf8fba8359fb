"""An agency's own segregation barometer: a static, offline web site from protected follow-up results.

``segstat.barometer(results, out=..., title=...)`` builds it; :func:`area_rates` turns protected
counts into the rates by area the maps show.

``segstat.barometer`` names both this subpackage and the function that builds the site. Python
binds ``segstat.barometer`` to the subpackage as soon as any of its modules is imported, so the
subpackage is made callable (it calls :func:`segstat.barometer._site.barometer`, whose signature
and docstring it carries): ``segstat.barometer(...)`` and ``from segstat.barometer import barometer``
then mean the same object however the package was imported.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import TYPE_CHECKING, Any

from ._inputs import area_rates
from ._site import barometer as _build

__all__ = ["area_rates", "barometer"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _build(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
__signature__ = inspect.signature(_build)
__doc__ = _build.__doc__ or __doc__

if TYPE_CHECKING:
    from ._site import barometer as barometer
else:
    barometer = sys.modules[__name__]
