"""SCB's generalised national outlines: Sweden, its 290 kommuner and 21 län (bundled, EPSG:3006).

They are small (generalised for thematic maps) and tell "in Sweden" from "outside Sweden"; they are
not precise enough to place a point in a kommun near a border, which is what DeSO/RegSO boundaries do.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import shapely

from .._data import load_npz, table_info
from ..errors import DataIntegrityError, InputValueError
from ._grid import GridIndex

__all__ = ["SWEDEN_TOLERANCE", "in_sweden", "national_outlines", "sweden_outline"]

#: metres around the generalised outline that still count as Sweden. SCB's generalisation moves the
#: coast and drops small islands: Ven lies 7.1 km from the outline, Vinga 6.7 km, Sandhamn 2.8 km; Danish
#: Helsingør lies 5.6 km from it, Copenhagen 23 km, Oslo 63 km. Islands beyond the tolerance are placed by
#: national DeSO/RegSO boundaries, which cover the territorial sea; see the locate user guide.
SWEDEN_TOLERANCE = 5_000.0

_TABLES = {"kommun": "kommun_generalised", "lan": "lan_generalised", "sweden": "sweden_outline"}


@functools.cache
def _load(kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    name = _TABLES[kind]
    info = table_info(name)
    z = load_npz(name)
    offsets = tuple(z[k] for k in sorted(k for k in z if k.startswith("offsets")))
    polys = shapely.from_ragged_array(shapely.GeometryType(int(z["geometry_type"])), z["coords"], offsets)
    codes, names = z["codes"].astype(str), z["names"].astype(str)
    if len(codes) != info["rows"]:
        raise DataIntegrityError(f"bundled outlines {name} have {len(codes)} polygons, the registry says "
                                 f"{info['rows']}; reinstall segstat.")
    return codes, names, np.asarray(polys)


def national_outlines(level: str = "kommun") -> pd.DataFrame:
    """SCB's generalised outlines of every kommun or län, for maps of the whole country.

    Parameters
    ----------
    level : {"kommun", "lan"}, default "kommun"

    Returns
    -------
    pandas.DataFrame
        ``code`` and ``name`` (``string``) and ``geometry`` (shapely
        MultiPolygons in EPSG:3006), one row per kommun (290) or län (21),
        sorted by code. SCB draws them for thematic maps: good for a map of
        Sweden, too coarse to place a point near a border.

    Examples
    --------
    >>> from segstat.geography.outlines import national_outlines
    >>> lan = national_outlines("lan")
    >>> len(lan), lan["code"].iloc[0], lan["name"].iloc[0]
    (21, '01', 'Stockholms')
    """
    if level not in ("kommun", "lan"):
        raise InputValueError(f"level={level!r}: national outlines exist for 'kommun' and 'lan'.")
    codes, names, polys = _load(level)
    return pd.DataFrame({"code": pd.array(codes, dtype="string"), "name": pd.array(names, dtype="string"),
                         "geometry": polys.copy()})


def sweden_outline() -> shapely.MultiPolygon:
    """Sweden's national outline: SCB's 290 generalised kommun outlines dissolved (EPSG:3006, lakes included).

    Returns
    -------
    shapely.MultiPolygon
        29 parts (the mainland and the larger islands), 2,382 vertices.
    """
    return _load("sweden")[2][0]


@functools.lru_cache(maxsize=1)
def _sweden_index() -> tuple[shapely.Geometry, GridIndex]:
    """The outline, and a grid index over the buffer and the band that brackets the exact buffer. Arcs drawn
    with 4 segments per quarter circle lie inside the true circle (chords) and inside 1/cos(pi/16) < 1.02 times
    it, so a point in the inner buffer is in Sweden, one outside the outer buffer is not, and only points in the
    band between them need an exact distance. The grid (about 1 km cells, built once, ~0.3 s) answers most
    points with an array lookup."""
    outline = sweden_outline()
    inner = shapely.buffer(outline, SWEDEN_TOLERANCE, quad_segs=4)
    outer = shapely.buffer(outline, SWEDEN_TOLERANCE * 1.03, quad_segs=4)
    shapely.prepare(outline)
    return outline, GridIndex(np.array([inner, shapely.difference(outer, inner)]), np.array([0, 1]), max_cells=2**20)


def in_sweden(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether each SWEREF 99 TM point lies within :data:`SWEDEN_TOLERANCE` metres of Sweden's outline (NaN: False)."""
    outline, index = _sweden_index()
    part, _ = index.query(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    result = part == 0
    band = np.flatnonzero(part == 1)
    if len(band):
        result[band] = shapely.dwithin(outline, shapely.points(x[band], y[band]), SWEDEN_TOLERANCE)
    return result
