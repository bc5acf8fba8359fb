"""Bundled reference tables: loading (cached), provenance and verification."""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from typing import Any

import pandas as pd

from .errors import DataIntegrityError, InputValueError

_PACKAGE = "segstat"


def data_path(relative: str) -> Any:
    """A traversable path to a file inside ``segstat/data``."""
    return resources.files(_PACKAGE).joinpath("data", *relative.split("/"))


@functools.lru_cache(maxsize=1)
def registry() -> dict[str, Any]:
    """The provenance registry of the bundled tables (``data/registry.json``)."""
    with data_path("registry.json").open("r", encoding="utf-8") as f:
        return json.load(f)


def table_info(name: str) -> dict[str, Any]:
    """Provenance of one bundled table: file, source, date, licence, rows, sha256."""
    tables = registry()["tables"]
    if name not in tables:
        raise InputValueError(f"no bundled table {name!r}; available: {', '.join(sorted(tables))}.")
    return tables[name]


@functools.lru_cache(maxsize=None)
def _read(name: str) -> pd.DataFrame:
    info = table_info(name)
    with data_path(info["file"]).open("rb") as f:
        # every column as string: codes keep their leading zeros; callers convert numbers
        df = pd.read_csv(f, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    if len(df) != info["rows"] and not name.startswith("omradestyp_raw"):
        raise DataIntegrityError(
            f"bundled table {name!r} has {len(df)} rows, the registry says {info['rows']}; "
            f"reinstall segstat."
        )
    return df


def load_table(name: str) -> pd.DataFrame:
    """Load a bundled table as strings (a copy; the cache is never handed out)."""
    return _read(name).copy()


def verify() -> dict[str, bool]:
    """Check every bundled table against its recorded sha256.

    Returns
    -------
    dict
        table name -> True. Raises :class:`~segstat.errors.DataIntegrityError`
        on the first mismatch.
    """
    result = {}
    for name, info in registry()["tables"].items():
        digest = hashlib.sha256(data_path(info["file"]).read_bytes()).hexdigest()
        if digest != info["sha256"]:
            raise DataIntegrityError(
                f"bundled table {name!r} ({info['file']}) has sha256 {digest}, "
                f"expected {info['sha256']}: the installed data is corrupt; reinstall segstat."
            )
        result[name] = True
    return result
