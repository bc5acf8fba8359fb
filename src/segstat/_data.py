"""Bundled reference tables: loading (cached), provenance and verification."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import zipfile
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


def _damaged(name: str, info: dict[str, Any], what: str) -> DataIntegrityError:
    return DataIntegrityError(f"bundled table {name!r} ({info['file']}) {what}: the installed data is corrupt; "
                              f"reinstall segstat (pip install --force-reinstall segstat).")


def verified_bytes(name: str) -> bytes:
    """The bytes of a bundled table, checked against the sha256 in the registry (hashing the largest table
    takes about 2 ms): a table edited in place is never used silently."""
    info = table_info(name)
    try:
        data = data_path(info["file"]).read_bytes()
    except OSError as exc:
        raise _damaged(name, info, f"cannot be read ({exc})") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != info["sha256"]:
        raise _damaged(name, info, f"has sha256 {digest}, expected {info['sha256']}")
    return data


def load_npz(name: str) -> Any:
    """A bundled ``.npz`` table, checksum verified, fully read (a damaged archive raises
    :class:`DataIntegrityError`, never ``BadZipFile``)."""
    import numpy as np

    info = table_info(name)
    try:
        with np.load(io.BytesIO(verified_bytes(name))) as z:
            return {k: z[k] for k in z.files}
    except DataIntegrityError:
        raise
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError) as exc:
        raise _damaged(name, info, f"cannot be read as an .npz archive ({exc})") from None


@functools.lru_cache(maxsize=None)
def _read(name: str) -> pd.DataFrame:
    info = table_info(name)
    data = verified_bytes(name)
    try:
        # every column as string: codes keep their leading zeros; callers convert numbers
        df = pd.read_csv(io.BytesIO(data), dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise _damaged(name, info, f"cannot be read as CSV ({type(exc).__name__}: {exc})") from None
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
    for name in registry()["tables"]:
        verified_bytes(name)
        result[name] = True
    return result
