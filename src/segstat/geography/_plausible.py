"""Checks that polygons read from a file or a download are where their codes say they are.

Codes can be right while the geometry is wrong: shifted, with the codes rotated among the polygons, or in
longitude/latitude read as SWEREF 99 TM. What can be checked without the true polygons is checked here:

- every coordinate lies within Sweden's extent in EPSG:3006 (SCB's national outline, widened by
  :data:`EXTENT_MARGIN` for the territorial sea);
- every polygon lies in its kommun: its point on surface within :data:`KOMMUN_TOLERANCE` metres of the
  kommun's generalised outline (the kommun is the code's parent in the registry), and it is not larger than
  that kommun widened by the same tolerance;
- no two polygons overlap by more than :data:`OVERLAP_TOLERANCE` of the smaller one.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import shapely

from .._validation import examples
from ..errors import DataIntegrityError

#: metres around Sweden's outline that coordinates may reach (the territorial sea is 12 nautical miles, 22 km)
EXTENT_MARGIN = 50_000.0
#: metres a polygon's point on surface may lie from its kommun's generalised outline: SCB's generalisation drops
#: skerries, and DeSO in the archipelago reach into the sea (18.4 km in Göteborgsregionen's DeSO 2025)
KOMMUN_TOLERANCE = 25_000.0
#: overlap of two polygons allowed, as a share of the smaller one (slivers of digitising; SCB's own
#: boundaries overlap by less than 1e-12)
OVERLAP_TOLERANCE = 1e-3


@functools.cache
def _kommuner() -> tuple[pd.Series, pd.Series]:
    from .outlines import national_outlines

    k = national_outlines("kommun")
    geoms = pd.Series(k["geometry"].to_numpy(), index=k["code"].astype(str).to_numpy())
    widened = pd.Series(shapely.area(shapely.buffer(geoms.to_numpy(), KOMMUN_TOLERANCE, quad_segs=2)),
                        index=geoms.index)
    return geoms, widened


def check_plausible(codes: np.ndarray, polygons: np.ndarray, source: str) -> None:
    """Raise :class:`DataIntegrityError` naming the first areas whose polygons cannot be where their codes
    say (see the module's docstring); ``polygons`` in EPSG:3006, ``codes`` DeSO or RegSO codes."""
    from .outlines import sweden_outline

    codes = np.asarray(codes, dtype=str)
    x0, y0, x1, y1 = sweden_outline().bounds
    b = shapely.bounds(polygons)
    outside = ((b[:, 0] < x0 - EXTENT_MARGIN) | (b[:, 1] < y0 - EXTENT_MARGIN) | (b[:, 2] > x1 + EXTENT_MARGIN)
               | (b[:, 3] > y1 + EXTENT_MARGIN))
    if outside.any():
        lonlat = bool((np.abs(b[outside]) <= 180).all())
        hint = (" The coordinates look like longitude/latitude (EPSG:4326) read as SWEREF 99 TM: the file or "
                "the server did not declare its CRS." if lonlat else
                " Check the file's CRS (it must be declared, or be EPSG:3006).")
        raise DataIntegrityError(
            f"{source}: {int(outside.sum())} polygon(s) lie outside Sweden's extent in EPSG:3006 (x {x0:.0f} to "
            f"{x1:.0f}, y {y0:.0f} to {y1:.0f}, ± {EXTENT_MARGIN / 1000:g} km), e.g. {examples(codes[outside])} "
            f"with bounds {tuple(round(float(v)) for v in b[outside][0])}.{hint}")
    kommuner, widened = _kommuner()
    kommun = np.array([c[:4] for c in codes])
    known = np.isin(kommun, kommuner.index.to_numpy())
    own = kommuner.reindex(kommun[known]).to_numpy()
    far = np.zeros(len(codes), dtype=bool)
    far[known] = ~shapely.dwithin(shapely.point_on_surface(polygons[known]), own, KOMMUN_TOLERANCE)
    too_big = np.zeros(len(codes), dtype=bool)
    too_big[known] = shapely.area(polygons[known]) > widened.reindex(kommun[known]).to_numpy()
    for bad, what in ((far, f"more than {KOMMUN_TOLERANCE / 1000:g} km from their kommun (the first four digits "
                            f"of the code)"),
                      (too_big, "larger than their whole kommun")):
        if bad.any():
            raise DataIntegrityError(
                f"{source}: {int(bad.sum())} polygon(s) lie {what}: {examples(codes[bad])}. The polygons are not "
                f"where their codes say: shifted, or the codes are attached to the wrong polygons. Use SCB's file "
                f"as published.")
    tree = shapely.STRtree(polygons)
    i, j = tree.query(polygons, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    if len(i):
        shared = shapely.area(shapely.intersection(polygons[i], polygons[j]))
        smaller = np.minimum(shapely.area(polygons[i]), shapely.area(polygons[j]))
        over = shared > OVERLAP_TOLERANCE * smaller
        if over.any():
            pairs = [f"{codes[a]}/{codes[c]}" for a, c in zip(i[over], j[over])]
            k = int(np.flatnonzero(over)[0])
            raise DataIntegrityError(
                f"{source}: {int(over.sum())} pair(s) of polygons overlap by more than {OVERLAP_TOLERANCE:.1%} of "
                f"the smaller one: {examples(pairs)} (the first share {shared[k] / smaller[k]:.1%}, "
                f"{shared[k]:,.0f} m²). Areas of one level tile Sweden without overlaps: repair the file (or use "
                f"SCB's as published).")
