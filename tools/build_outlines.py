"""Build the bundled national outlines from SCB's generalised kommun and län shapefiles.

Run from the repository root with the two zip files SCB publishes for thematic maps
(the project keeps copies in ../shared/data/boundaries)::

    python tools/build_outlines.py KOMMUN_ZIP LAN_ZIP

Writes ``src/segstat/data/boundaries/{kommun,lan}_generalised.npz`` (SCB's polygons unchanged,
as shapely ragged coordinate arrays with their codes and names) and ``sweden_outline.npz`` (the
290 kommun outlines dissolved into one MultiPolygon, rounded to the metre). Prints the sha256 of
every input and output for the registry. Reads the shapefiles without GDAL.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np
import shapely

OUT = Path("src/segstat/data/boundaries")


def _members(zip_path: str) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as z:
        return {Path(n).suffix.lower(): z.read(n) for n in z.namelist() if not n.endswith("/")}


def read_polygons(shp: bytes) -> list:
    """Polygons of a type-5 (Polygon) shapefile. Shapefile rings: outer clockwise, holes counter-clockwise;
    the symmetric difference of all rings of a record gives its (multi)polygon whatever the nesting."""
    if struct.unpack(">i", shp[:4])[0] != 9994 or struct.unpack("<i", shp[32:36])[0] != 5:
        raise ValueError("not a Polygon shapefile")
    pos, geoms = 100, []
    while pos < len(shp):
        _, length = struct.unpack(">ii", shp[pos:pos + 8])
        rec = shp[pos + 8:pos + 8 + 2 * length]
        pos += 8 + 2 * length
        if struct.unpack("<i", rec[:4])[0] == 0:
            geoms.append(None)
            continue
        n_parts, n_points = struct.unpack("<ii", rec[36:44])
        parts = list(struct.unpack(f"<{n_parts}i", rec[44:44 + 4 * n_parts])) + [n_points]
        xy = np.frombuffer(rec[44 + 4 * n_parts:44 + 4 * n_parts + 16 * n_points], dtype="<f8").reshape(-1, 2)
        rings = [shapely.make_valid(shapely.Polygon(xy[a:b])) for a, b in itertools.pairwise(parts)]
        g = rings[0]
        for r in rings[1:]:
            g = shapely.symmetric_difference(g, r)
        geoms.append(shapely.make_valid(g))
    return geoms


def read_dbf(dbf: bytes, encoding: str = "cp1252") -> list[dict[str, str]]:
    n, header, record = struct.unpack("<xxxxIHH", dbf[:12])
    fields, pos = [], 32
    while dbf[pos] != 0x0D:
        name = dbf[pos:pos + 11].split(b"\0")[0].decode("ascii")
        fields.append((name, dbf[pos + 16]))
        pos += 32
    rows = []
    for i in range(n):
        rec, off, row = dbf[header + i * record:header + (i + 1) * record], 1, {}
        for name, width in fields:
            row[name] = rec[off:off + width].decode(encoding).strip()
            off += width
        rows.append(row)
    return rows


def _polygonal(g):
    """Keep the polygon parts only (make_valid can leave slivers as lines)."""
    parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _save(path: Path, codes: list[str], names: list[str], geoms: list) -> None:
    geoms = np.asarray([shapely.MultiPolygon([g]) if g.geom_type == "Polygon" else g for g in geoms])
    gtype, coords, offsets = shapely.to_ragged_array(geoms)
    buf = io.BytesIO()
    np.savez_compressed(buf, geometry_type=np.int8(int(gtype)), coords=coords,
                        **{f"offsets{i}": o for i, o in enumerate(offsets)},
                        codes=np.asarray(codes, dtype="U"), names=np.asarray(names, dtype="U"))
    path.write_bytes(buf.getvalue())


def main(kommun_zip: str, lan_zip: str) -> None:
    for p in (kommun_zip, lan_zip):
        print(p, hashlib.sha256(Path(p).read_bytes()).hexdigest())
    out = {}
    for kind, zip_path in (("kommun", kommun_zip), ("lan", lan_zip)):
        m = _members(zip_path)
        geoms = [_polygonal(g) for g in read_polygons(m[".shp"])]
        rows = read_dbf(m[".dbf"])
        print(kind, "fields:", list(rows[0]), rows[0])
        out[kind] = (rows, geoms)
    return out



def build(kommun_zip: str, lan_zip: str) -> None:
    read = main(kommun_zip, lan_zip)
    (krows, kgeoms), (lrows, lgeoms) = read["kommun"], read["lan"]
    order = np.argsort([r["KnKod"] for r in krows])
    _save(OUT / "kommun_generalised.npz", [krows[i]["KnKod"] for i in order], [krows[i]["KnNamn"] for i in order],
          [kgeoms[i] for i in order])
    order = np.argsort([r["LnKod"] for r in lrows])
    _save(OUT / "lan_generalised.npz", [lrows[i]["LnKod"] for i in order], [lrows[i]["LnNamn"] for i in order],
          [lgeoms[i] for i in order])
    sweden = _polygonal(shapely.make_valid(shapely.set_precision(shapely.union_all(np.asarray(kgeoms)), 1.0)))
    _save(OUT / "sweden_outline.npz", ["SE"], ["Sverige"], [sweden])
    for name in ("kommun_generalised", "lan_generalised", "sweden_outline"):
        p = OUT / f"{name}.npz"
        print(name, p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())


if __name__ == "__main__":
    build(*sys.argv[1:3])
