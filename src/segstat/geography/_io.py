"""Read polygon files without GDAL: GeoPackage (sqlite3 + WKB) and GeoJSON.

Other formats (shapefile ...) go through the optional ``gis`` extra (pyogrio).
"""

from __future__ import annotations

import json
import sqlite3
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .._optional import import_optional
from ..errors import InputValueError

# GeoPackage binary header: envelope size in bytes by the envelope-contents indicator
_ENVELOPE = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _gpkg_wkb(blob: bytes) -> bytes:
    if blob[:2] != b"GP":
        raise InputValueError("not a GeoPackage geometry blob (missing 'GP' magic).")
    flags = blob[3]
    envelope = _ENVELOPE.get((flags >> 1) & 0b111)
    if envelope is None:
        raise InputValueError(f"GeoPackage geometry has an invalid envelope indicator in flags {flags:#04x}.")
    return bytes(blob[8 + envelope:])


def read_gpkg(path: str | Path, layer: str | None = None) -> tuple[np.ndarray, pd.DataFrame, int]:
    """Polygons, attributes and SRS id of one feature table of a GeoPackage."""
    con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents WHERE data_type='features'")]
        if not tables:
            raise InputValueError(f"{path}: the GeoPackage has no feature table.")
        if layer is None:
            if len(tables) > 1:
                raise InputValueError(f"{path} has several layers {tables}; pass layer=.")
            layer = tables[0]
        elif layer not in tables:
            raise InputValueError(f"{path}: no layer {layer!r}; layers are {tables}.")
        geom_col, srs = con.execute(
            "SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name=?", (layer,)).fetchone()
        cols = [r[1] for r in con.execute(f'PRAGMA table_info("{layer}")') if r[1] != geom_col]
        rows = con.execute(f'SELECT "{geom_col}", {", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)} FROM "{layer}"').fetchall()
    finally:
        con.close()
    geoms = shapely.from_wkb([_gpkg_wkb(r[0]) for r in rows])
    attrs = pd.DataFrame([r[1:] for r in rows], columns=cols)
    return np.asarray(geoms), attrs, int(srs)


def read_geojson(path: str | Path) -> tuple[np.ndarray, pd.DataFrame, str | None]:
    """Polygons, properties and the declared CRS (or None = WGS84 by the GeoJSON standard)."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    return geojson_features(doc)


def geojson_features(doc: dict[str, Any]) -> tuple[np.ndarray, pd.DataFrame, str | None]:
    feats = doc.get("features")
    if not isinstance(feats, list):
        raise InputValueError("not a GeoJSON FeatureCollection (no 'features' list).")
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in feats]) if feats else np.array([])
    attrs = pd.DataFrame([f.get("properties") or {} for f in feats])
    crs = ((doc.get("crs") or {}).get("properties") or {}).get("name")
    return np.asarray(geoms), attrs, crs


def read_other(path: str | Path) -> tuple[np.ndarray, pd.DataFrame, str | None]:
    """Any format GDAL reads, through pyogrio (``pip install 'segstat[gis]'``)."""
    pyogrio = import_optional("pyogrio", purpose=f"reading {Path(path).suffix} files")
    meta, _, geoms, fields = pyogrio.read(str(path))
    attrs = pd.DataFrame({name: col for name, col in zip(meta["fields"], fields)})
    return np.asarray(shapely.from_wkb(geoms)), attrs, meta.get("crs")


def wkb_envelope_free(geom: Any) -> bytes:  # pragma: no cover - helper for tests building gpkg files
    return struct.pack("<2sBBi", b"GP", 0, 1, 3006) + shapely.to_wkb(geom)
