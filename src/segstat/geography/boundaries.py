"""Area polygons: the bundled Göteborgsregionen boundaries, user files and SCB downloads."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from .._data import load_npz, table_info
from .._validation import check_level, examples
from ..errors import DataIntegrityError, InputTypeError, InputValueError, VintageError
from .._vintage import carry_vintage, require_vintage
from ._plausible import check_plausible
from .registry import parents, validate_codes, vintage_label

__all__ = ["Boundaries", "boundaries"]

_CODE_FIELDS = {"deso": ("desokod", "deso", "deso_2025", "deso_2018", "DeSO"), "regso": ("regsokod", "regso", "RegSOkod")}
_BUNDLED = {("deso", 2025): "deso2025_goteborgsregionen", ("regso", 2025): "regso2025_goteborgsregionen"}


@dataclass(frozen=True, eq=False)
class Boundaries:
    """Polygons of one level and vintage, in SWEREF 99 TM (EPSG:3006), with their codes.

    Attributes
    ----------
    level : str
        ``"deso"`` or ``"regso"``.
    vintage : int
        2018 or 2025 (series key).
    codes : numpy.ndarray of str
        One code per polygon, sorted.
    polygons : numpy.ndarray of shapely geometries
    source : str
        Where the polygons came from.
    crs : str
        Always ``"EPSG:3006"``.
    """

    level: str
    vintage: int
    codes: np.ndarray
    polygons: np.ndarray
    source: str
    crs: str = "EPSG:3006"
    max_cells: int = field(default=2**24, repr=False)

    def __len__(self) -> int:
        return len(self.codes)

    def __repr__(self) -> str:
        return (f"Boundaries({vintage_label(self.level, self.vintage)}, {len(self)} polygons, {self.crs}, "
                f"source={self.source!r})")

    @functools.cached_property
    def index(self) -> Any:
        """The point-location index (built on first use, then reused)."""
        from ._grid import GridIndex

        return GridIndex(self.polygons, np.arange(len(self.codes)), max_cells=self.max_cells)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of all polygons."""
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(self.polygons))
        return x0, y0, x1, y1

    def to_frame(self) -> pd.DataFrame:
        """Codes, parent codes and area (km²) of every polygon."""
        codes = pd.Series(self.codes, dtype="string")
        out = parents(codes, self.level, self.vintage).reset_index(drop=True)
        out["area_km2"] = shapely.area(self.polygons) / 1e6
        return carry_vintage(out, self.vintage)

    def subset(self, region: Any) -> Boundaries:
        """Only the polygons in a kommun or län (code or list of codes)."""
        regions = [region] if isinstance(region, str) else list(region) if isinstance(region, (list, tuple)) else None
        if regions is None or not all(isinstance(r, str) for r in regions):
            raise InputTypeError(f"region={region!r}: give kommun or län codes as strings, e.g. region='1480' or "
                                 f"['1480', '1481'] (codes keep their leading zeros: '0114').")
        frame = self.to_frame()
        keep = np.zeros(len(self), dtype=bool)
        for r in regions:
            r = str(r)
            col = {2: "lan", 4: "kommun"}.get(len(r))
            if col is None:
                raise InputValueError(f"region={r!r}: give kommun ('1480') or län ('14') codes.")
            hit = (frame[col] == r).to_numpy()
            if not hit.any():
                raise InputValueError(f"region={r!r}: no {self.level} polygons in that {col} in these boundaries.")
            keep |= hit
        return Boundaries(self.level, self.vintage, self.codes[keep], self.polygons[keep],
                          f"{self.source} [region {', '.join(map(str, regions))}]", max_cells=self.max_cells)


def _from_arrays(level: str, vintage: int, codes: Any, polygons: np.ndarray, source: str) -> Boundaries:
    """Validate polygons and codes against the registry and build a Boundaries."""
    codes = pd.Series(np.asarray(codes, dtype=object))
    if len(codes) == 0:
        raise InputValueError(f"{source}: no polygons.")
    norm = validate_codes(codes, level, vintage)
    dup = norm.duplicated(keep=False)
    if dup.any():
        raise DataIntegrityError(f"{source}: {level} codes are not unique: {examples(norm[dup].unique().tolist())}. "
                                 f"Dissolve the polygons by code first.")
    polygons = np.asarray(polygons)
    types = set(shapely.get_type_id(polygons).tolist())
    if not types <= {3, 6}:
        raise DataIntegrityError(f"{source}: expected Polygon/MultiPolygon geometries, got type ids {sorted(types)}.")
    invalid = ~shapely.is_valid(polygons)
    if invalid.any():
        bad = norm[invalid].tolist()
        raise DataIntegrityError(
            f"{source}: {int(invalid.sum())} invalid polygon(s) ({examples(bad)}): "
            f"{shapely.is_valid_reason(polygons[invalid][0])}. Repair them (shapely.make_valid) before use.")
    order = np.argsort(norm.to_numpy(dtype=str))
    return Boundaries(level, vintage, norm.to_numpy(dtype=str)[order], polygons[order], source)


@functools.lru_cache(maxsize=None)
def _bundled(level: str, vintage: int) -> Boundaries:
    name = _BUNDLED[(level, vintage)]
    info = table_info(name)
    z = load_npz(name)
    offsets = tuple(z[k] for k in sorted(k for k in z if k.startswith("offsets")))
    polys = shapely.from_ragged_array(shapely.GeometryType(int(z["geometry_type"])), z["coords"], offsets)
    codes = z["codes"].astype(str)
    if len(codes) != info["rows"]:
        raise DataIntegrityError(f"bundled boundaries {name} have {len(codes)} polygons, expected {info['rows']}.")
    return _from_arrays(level, vintage, codes, np.asarray(polys), f"bundled SCB {vintage_label(level, vintage)}, "
                        f"Göteborgsregionen (CC0)")


def _read_path(path: Path, level: str, vintage: int, layer: str | None) -> Boundaries:
    from . import _io

    if not path.exists():
        raise InputValueError(f"path={str(path)!r} does not exist.")
    if path.is_dir() and path.suffix.lower() != ".gdb":
        raise InputValueError(f"path={str(path)!r} is a directory; pass the polygon file in it.")
    suffix = path.suffix.lower()
    if suffix == ".gpkg":
        geoms, attrs, srs = _io.read_gpkg(path, layer)
        crs: str | None = f"EPSG:{srs}"
    elif suffix in (".geojson", ".json"):
        geoms, attrs, crs = _io.read_geojson(path)
        crs = crs or "EPSG:4326"
    else:
        geoms, attrs, crs = _io.read_other(path, layer)
    col = next((c for c in _CODE_FIELDS[level] if c in attrs.columns), None)
    if col is None:  # the same names in any case (SCB's DeSO 2018 files call the column "Deso")
        lower = {str(c).lower(): c for c in attrs.columns}
        col = next((lower[f.lower()] for f in _CODE_FIELDS[level] if f.lower() in lower), None)
    if col is None:
        raise InputValueError(f"{path}: no {level} code column; looked for {', '.join(_CODE_FIELDS[level])}. "
                              f"Columns are {examples(attrs.columns.tolist(), 12)}.")
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    if not crs:
        raise InputValueError(f"{path} does not declare its coordinate reference system; segstat will not guess "
                              f"it (longitude/latitude read as SWEREF 99 TM puts every area in the sea). Use SCB's "
                              f"file with its .prj, or save it as GeoPackage in EPSG:3006.")
    try:
        source_crs = CRS.from_user_input(crs)
    except CRSError as exc:
        raise InputValueError(f"{path}: unknown coordinate reference system {crs!r} ({exc}).") from None
    if source_crs.to_epsg() != 3006:
        t = Transformer.from_crs(source_crs, 3006, always_xy=True)
        geoms = shapely.transform(geoms, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1])))
    b = _from_arrays(level, vintage, attrs[col].astype(str).to_numpy(), geoms, str(path))
    check_plausible(b.codes, b.polygons, str(path))
    return b


def boundaries(
    level: str = "deso",
    *,
    vintage: int | None = None,
    region: Any = None,
    path: str | Path | None = None,
    layer: str | None = None,
) -> Boundaries:
    """Polygons of DeSO or RegSO with their codes, checked against the area registry.

    Parameters
    ----------
    level : {"deso", "regso"}, default "deso"
    vintage : {2018, 2020, 2025}
        Required (segstat never guesses the code series): 2018 for DeSO 2018 /
        RegSO 2020, 2025 for DeSO 2025 / RegSO 2025. ``to_frame()`` carries it
        in ``attrs["segstat.vintage"]``.
    region : str or list of str, optional
        Keep only these kommuner (``"1480"``) or län (``"14"``).
    path : str or Path, optional
        A file downloaded from SCB: GeoPackage or GeoJSON (read without
        GDAL) or any other format through the ``gis`` extra. Coordinates are
        transformed to EPSG:3006. Without ``path``, the bundled full-resolution
        DeSO/RegSO 2025 polygons of Göteborgsregionen's 13 kommuner (584 DeSO,
        300 RegSO); for the whole country use
        :func:`segstat.download_boundaries`.
    layer : str, optional
        Layer of a GeoPackage with several.

    Returns
    -------
    Boundaries

    Raises
    ------
    DataIntegrityError
        Invalid polygons or duplicated codes; with ``path``, polygons that
        cannot be where their codes say (outside Sweden's extent, away from
        their kommun, larger than it) or that overlap (see
        :mod:`segstat.geography._plausible`).
    InputValueError
        With ``path``: a file that is empty, damaged, not a polygon file,
        has null geometries or declares no CRS.
    UnknownCodeError, VintageError
        Codes that do not exist in the vintage.

    Examples
    --------
    >>> import segstat
    >>> b = segstat.boundaries("deso", vintage=2025)
    >>> len(b), len(segstat.boundaries("regso", vintage=2025))
    (584, 300)
    >>> len(b.subset("1480"))
    320
    """
    level = check_level(level, ("deso", "regso"))
    v = require_vintage(vintage, f"boundaries({level!r})")
    if path is not None:
        b = _read_path(Path(path), level, v, layer)
    elif (level, v) in _BUNDLED:
        b = _bundled(level, v)
    else:
        raise VintageError(
            f"no bundled {vintage_label(level, v)} boundaries: segstat ships DeSO and RegSO 2025 for "
            f"Göteborgsregionen only. Use segstat.download_boundaries({level!r}, vintage={vintage}) or pass path= "
            f"a file from SCB."
        )
    return b.subset(region) if region is not None else b
