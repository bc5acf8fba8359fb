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
import shapely.errors

from .._optional import import_optional
from .._validation import examples
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


def _quote(identifier: str) -> str:
    """An SQL identifier in double quotes, with embedded quotes doubled (a layer may be named 'a"b')."""
    return '"' + str(identifier).replace('"', '""') + '"'


def _geometries(wkb: list[Any], labels: pd.Series, path: str | Path, decode: Any) -> np.ndarray:
    """Geometries decoded from ``wkb`` (bytes or GeoJSON text; ``decode`` does it), refusing a missing or an
    undecodable geometry with the labels of the first such features."""
    missing = np.array([g is None for g in wkb], dtype=bool)
    if missing.any():
        raise InputValueError(f"{path}: {int(missing.sum())} feature(s) have no geometry (null), e.g. "
                              f"{examples(labels[missing].tolist())}. Every area needs its polygon: repair or "
                              f"use SCB's file as published.")
    try:
        return np.asarray(decode(wkb))
    except (shapely.errors.GEOSException, ValueError, TypeError, IndexError) as exc:
        raise InputValueError(f"{path}: a geometry cannot be read ({exc}). The file is damaged or not a "
                              f"polygon file.") from None


def read_gpkg(path: str | Path, layer: str | None = None) -> tuple[np.ndarray, pd.DataFrame, int]:
    """Polygons, attributes and SRS id of one feature table of a GeoPackage."""
    if Path(path).stat().st_size == 0:
        raise InputValueError(f"{path} is empty (0 bytes), not a GeoPackage.")
    con = sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)
    try:
        try:
            tables = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents WHERE data_type='features'")]
        except sqlite3.DatabaseError as exc:
            raise InputValueError(f"{path} is not a GeoPackage ({exc}).") from None
        if not tables:
            raise InputValueError(f"{path}: the GeoPackage has no feature table.")
        if layer is None:
            if len(tables) > 1:
                raise InputValueError(f"{path} has several layers {tables}; pass layer=.")
            layer = tables[0]
        elif layer not in tables:
            raise InputValueError(f"{path}: no layer {layer!r}; layers are {tables}.")
        try:
            found = con.execute("SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE table_name=?",
                                (layer,)).fetchone()
            if found is None:
                raise InputValueError(f"{path}: layer {layer!r} has no geometry column.")
            geom_col, srs = found
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({_quote(layer)})") if r[1] != geom_col]
            rows = con.execute(f"SELECT {', '.join(_quote(c) for c in [geom_col, *cols])} "
                               f"FROM {_quote(layer)}").fetchall()
        except sqlite3.DatabaseError as exc:
            raise InputValueError(f"{path}: layer {layer!r} cannot be read ({exc}); the GeoPackage is damaged.") \
                from None
    finally:
        con.close()
    attrs = pd.DataFrame([r[1:] for r in rows], columns=cols)
    blobs = [None if r[0] is None else bytes(r[0]) for r in rows]
    labels = pd.Series(range(len(rows)), dtype=object).map(lambda i: f"row {i + 1}")
    geoms = _geometries(blobs, labels, path, lambda b: shapely.from_wkb([_gpkg_wkb(x) for x in b]))
    return geoms, attrs, int(srs)


def read_geojson(path: str | Path) -> tuple[np.ndarray, pd.DataFrame, str | None]:
    """Polygons, properties and the declared CRS (or None = WGS84 by the GeoJSON standard)."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except UnicodeDecodeError:
        raise InputValueError(f"{path} is not GeoJSON: it is not UTF-8 text (a binary file?).") from None
    except json.JSONDecodeError as exc:
        what = "empty (0 bytes)" if Path(path).stat().st_size == 0 else f"not valid JSON ({exc})"
        raise InputValueError(f"{path} is {what}, not GeoJSON.") from None
    return geojson_features(doc, str(path))


def geojson_features(doc: Any, source: str = "GeoJSON") -> tuple[np.ndarray, pd.DataFrame, str | None]:
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list) or not all(isinstance(f, dict) for f in feats):
        raise InputValueError(f"{source}: not a GeoJSON FeatureCollection (no 'features' list of objects).")
    attrs = pd.DataFrame([f.get("properties") or {} for f in feats])
    labels = pd.Series([f"feature {i + 1}" for i in range(len(feats))], dtype=object)
    geoms = _geometries([None if f.get("geometry") is None else json.dumps(f["geometry"]) for f in feats],
                        labels, source, shapely.from_geojson) if feats else np.array([])
    crs_member = doc.get("crs")
    crs = ((crs_member.get("properties") or {}).get("name") if isinstance(crs_member, dict) else None)
    return geoms, attrs, crs


def read_other(path: str | Path, layer: str | None = None) -> tuple[np.ndarray, pd.DataFrame, str | None]:
    """Any format GDAL reads (shapefile, FlatGeobuf ...), through pyogrio (``pip install 'segstat[gis]'``)."""
    import_optional("pyogrio", purpose=f"reading {Path(path).suffix} files")
    from pyogrio import errors as ogr_errors
    from pyogrio.raw import read as ogr_read

    if Path(path).is_file() and Path(path).stat().st_size == 0:
        raise InputValueError(f"{path} is empty (0 bytes).")
    try:
        meta, _, geoms, fields = ogr_read(str(path), layer=layer)
    except (ogr_errors.DataSourceError, ogr_errors.DataLayerError, ogr_errors.GeometryError,
            ogr_errors.FieldError, ogr_errors.FeatureError, ogr_errors.CRSError) as exc:
        raise InputValueError(f"{path} cannot be read as a polygon file ({exc}).") from None
    attrs = pd.DataFrame({name: col for name, col in zip(meta["fields"], fields)})
    labels = pd.Series([f"feature {i + 1}" for i in range(len(attrs))], dtype=object)
    wkb = [None if g is None else g for g in (geoms if geoms is not None else [None] * len(attrs))]
    return _geometries(wkb, labels, path, shapely.from_wkb), attrs, meta.get("crs")


def wkb_envelope_free(geom: Any) -> bytes:  # pragma: no cover - helper for tests building gpkg files
    return struct.pack("<2sBBi", b"GP", 0, 1, 3006) + shapely.to_wkb(geom)
