"""Import optional dependencies inside the functions that need them."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import MissingDependencyError

#: module name -> the extra of segstat that installs it
EXTRAS = {
    "matplotlib": "plot",
    "openpyxl": "excel",
    "tqdm": "progress",
    "pyarrow": "parquet",
    "dask": "dask",
    "distributed": "dask",
    "pyogrio": "gis",
    "plotly": "site",
    "yaml": "yaml",
}


def import_optional(name: str, *, purpose: str) -> ModuleType:
    """Import ``name`` or raise an error saying which extra installs it.

    Parameters
    ----------
    name : str
        Module to import, for example ``"matplotlib.pyplot"``.
    purpose : str
        What the caller wanted to do, used in the message.
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        top = name.split(".")[0]
        extra = EXTRAS.get(top, top)
        raise MissingDependencyError(
            f"{purpose} needs the optional package {top!r}, which is not installed. "
            f"Install it with: pip install 'segstat[{extra}]'"
        ) from exc
