"""``segstat.show_versions()``: versions of segstat, its dependencies and bundled data."""

from __future__ import annotations

import importlib.metadata
import platform
import sys

from ._version import __version__
from ._data import registry

_DEPENDENCIES = ("numpy", "pandas", "shapely", "pyproj", "scipy", "highspy", "numba")
_EXTRAS = ("matplotlib", "openpyxl", "tqdm", "pyarrow", "dask", "distributed", "pyogrio", "requests")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def show_versions(file=None) -> None:
    """Print the versions of segstat, Python, dependencies, extras and bundled data.

    Paste the output into bug reports: numbers from segstat depend on the
    bundled SCB tables as much as on the code.

    Parameters
    ----------
    file : file-like, optional
        Where to print; standard output by default.

    Examples
    --------
    >>> import segstat
    >>> segstat.show_versions()  # doctest: +ELLIPSIS
    segstat: ...
    """
    out = file or sys.stdout
    lines = [f"segstat: {__version__}", f"python: {sys.version.split()[0]} ({platform.platform()})", ""]
    lines.append("dependencies:")
    lines += [f"  {d}: {_version(d)}" for d in _DEPENDENCIES]
    lines.append("optional:")
    lines += [f"  {d}: {_version(d)}" for d in _EXTRAS]
    lines.append("bundled data (SCB, CC0-1.0):")
    for name, info in registry()["tables"].items():
        lines.append(f"  {name}: {info['vintage']}, {info['date']}, {info['rows']} rows, sha256 {info['sha256'][:12]}")
    print("\n".join(lines), file=out)
