"""``segstat barometer DESCRIPTION.toml``: the barometer from CSV files named in a TOML (or YAML) description.

Example description (paths are relative to the description file)::

    title = "Sjukpenning efter områdestyp"
    indicator = "Sjukpenning"
    denominator = "invånare 16–64 år"
    data_source = "Försäkringskassans register"
    lang = "sv"
    vintage = 2025
    out = "barometer"

    [results]
    panel = "panel.csv"          # omradestyp, period, events, population, rate, lower, upper
    areas = "areas.csv"          # area, period, events, population, rate, lower, upper, suppressed
    counts = "counts.csv"        # the protected table: ProtectedTables.to_frame() with its status column
    segregation = "segregation.csv"

Codes are read as text, so leading zeros stay; ``..`` and empty cells are missing values.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from .._description import read_description
from ..errors import InputValueError

_SETTINGS: dict[str, Any] = {"title": str, "indicator": str, "denominator": str, "data_source": str, "lang": str,
                             "per": (int, float), "year": int, "vintage": int, "confidence_level": float,
                             "synthetic": bool, "out": str}
_TEXT_COLUMNS = {"area": str, "kommun": str, "regso": str, "lan": str, "period": str, "status": str}


def load_description(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The results (DataFrames read from the CSV files) and the keyword arguments of a description."""
    path = Path(path)
    desc = read_description(path, what="barometer", error=InputValueError)
    unknown = sorted(set(desc) - set(_SETTINGS) - {"results"})
    if unknown:
        raise InputValueError(f"{path.name}: unknown settings {unknown}; the description knows "
                              f"{sorted(_SETTINGS) + ['results']}.")
    for key, kind in _SETTINGS.items():
        if key in desc and not isinstance(desc[key], kind):
            raise InputValueError(f"{path.name}: {key} = {desc[key]!r} should be a {getattr(kind, '__name__', kind)}.")
    files = desc.get("results")
    if not isinstance(files, dict) or "panel" not in files:
        raise InputValueError(f"{path.name}: give a [results] table naming at least the panel CSV "
                              f"(panel = \"panel.csv\").")
    results: dict[str, Any] = {}
    for key, name in files.items():
        csv = (path.parent / str(name)).resolve()
        if not csv.exists():
            raise InputValueError(f"{path.name}: results.{key} = {name!r}: no such file {csv}.")
        frame = pd.read_csv(csv, dtype=_TEXT_COLUMNS, na_values=[".."], keep_default_na=True)
        if "suppressed" in frame.columns:
            frame["suppressed"] = frame["suppressed"].map(
                lambda v: v if isinstance(v, bool) else str(v).strip().lower() in ("true", "1", "ja", "yes"))
        if key == "counts":
            value = "count" if "count" in frame.columns else "value"
            if value in frame.columns:
                frame[value] = pd.to_numeric(frame[value], errors="coerce")
        results[key] = frame
    kwargs = {k: v for k, v in desc.items() if k != "results"}
    if "out" in kwargs:
        kwargs["out"] = str((path.parent / kwargs["out"]).resolve())
    return results, kwargs


def _cmd_barometer(a: argparse.Namespace) -> int:
    from ._site import barometer

    results, kwargs = load_description(a.description)
    if a.out is not None:
        kwargs["out"] = a.out
    if a.lang is not None:
        kwargs["lang"] = a.lang
    if "out" not in kwargs:
        raise InputValueError("no output folder: give --out or out = \"...\" in the description.")
    page = barometer(results, **kwargs)
    print(f"Barometer written: {page}")
    return 0


def add_parser(sub: Any, fmt: Any) -> None:
    p = sub.add_parser("barometer", help="build a static, offline barometer site from protected results",
                       formatter_class=fmt, epilog="example: segstat barometer barometer.toml --out site\n\n"
                       "barometer.toml" + (__doc__ or "").split("Example description", 1)[1].split("Codes are", 1)[0]
                       .replace("::", ":"))
    p.add_argument("description", help="TOML file (or .yaml/.yml) describing the site and naming the CSV "
                                        "files; quote codes in YAML")
    p.add_argument("--out", default=None, help="output folder; default: out in the description")
    p.add_argument("--lang", choices=["sv", "en"], default=None, help="language; default: lang in the description, "
                                                                       "else sv")
    p.set_defaults(func=_cmd_barometer)
