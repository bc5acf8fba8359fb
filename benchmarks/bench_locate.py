#!/usr/bin/env python
"""Point location: segstat.locate vs geopandas.sjoin(predicate="within"), same workload.

Workloads (generated once by the segstat run and stored in the temp dir, so
both environments read identical polygons and points):

* ``synthetic``: 3,363 Voronoi polygons over Sweden densified to ~500 vertices
  (``voronoi_areas(3363, seed=42, target_vertices=500)``) and clustered points
  (``clustered_xy``, seed 1), as in the peer benchmark;
* ``goteborg``: segstat's bundled full-resolution DeSO 2025 polygons of
  Göteborgsregionen with points drawn uniformly in their bounding box.

Usage (segstat first: it writes the workload)::

    .venv/bin/python benchmarks/bench_locate.py --impl segstat --n-points 1e7
    /path/to/peer-venv/bin/python benchmarks/bench_locate.py --impl geopandas --n-points 1e7

Each run prints one JSON line: seconds (median of --repeats, index build
included; for geopandas the point GeoDataFrame construction is timed
separately, as in the peer figures), points/s, peak RSS of the process, and,
when the other implementation's assignments exist, the number of points
assigned differently (interior points must agree; segstat also places points on
shared boundaries, which `within` leaves unmatched).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def workload_path(kind: str, n: int) -> str:
    return os.path.join(tempfile.gettempdir(), f"segstat-bench-locate-{kind}-{n}.npz")


def make_workload(kind: str, n: int) -> str:
    import shapely

    path = workload_path(kind, n)
    if os.path.exists(path):
        return path
    import _workloads as w

    rng = np.random.default_rng(1)
    if kind == "synthetic":
        polys, _, _, centres = w.voronoi_areas(3363, seed=42, target_vertices=500)
        x, y = w.clustered_xy(rng, n, w.SWEDEN_EXTENT, centres=centres)
        codes = np.array([f"P{i:05d}" for i in range(len(polys))])
    else:
        import segstat

        b = segstat.boundaries("deso", vintage=2025)
        polys, codes = b.polygons, b.codes
        x0, y0, x1, y1 = b.bounds
        x, y = rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)
    np.savez(path, wkb=np.array(shapely.to_wkb(polys), dtype=object), codes=codes, x=x, y=y)
    return path


def load(path: str):
    import shapely

    z = np.load(path, allow_pickle=True)
    return shapely.from_wkb(z["wkb"]), z["codes"].astype(str), z["x"], z["y"]


def run_segstat(path, repeats):
    import pandas as pd

    import segstat
    from segstat.geography._grid import GridIndex

    polys, codes, x, y = load(path)
    frame = pd.DataFrame({"x": x, "y": y})

    def once():
        # a fresh index every run: the build is part of the time, as sjoin builds its tree
        idx = GridIndex(polys, np.argsort(np.argsort(codes)))
        out = np.empty(len(x), dtype=np.int64)
        step = 2_000_000
        for s in range(0, len(x), step):
            out[s:s + step], _ = idx.query(x[s:s + step], y[s:s + step], threads=os.cpu_count() or 1)
        return out

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = once()
        times.append(time.perf_counter() - t0)
    return times, res, {"note": "GridIndex build + query in chunks of 2e6"}


def run_geopandas(path, repeats):
    import geopandas as gpd

    polys, codes, x, y = load(path)
    t0 = time.perf_counter()
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=3006)
    make_points = time.perf_counter() - t0
    areas = gpd.GeoDataFrame({"area_id": np.arange(len(polys))}, geometry=polys, crs=3006)
    times = []
    res = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        j = gpd.sjoin(pts, areas, how="left", predicate="within")
        times.append(time.perf_counter() - t0)
        res = j
    out = np.full(len(x), -1, dtype=np.int64)
    first = ~res.index.duplicated()
    ids = res["area_id"].to_numpy()[first]
    ok = ~np.isnan(ids)
    out[res.index[first][ok]] = ids[ok].astype(np.int64)
    return times, out, {"make_points_s": make_points, "duplicated_rows": int((~first).sum())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--impl", choices=["segstat", "geopandas"], required=True)
    ap.add_argument("--workload", choices=["synthetic", "goteborg"], default="synthetic")
    ap.add_argument("--n-points", type=float, default=1e6)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    n = int(args.n_points)
    path = make_workload(args.workload, n) if args.impl == "segstat" else workload_path(args.workload, n)
    if not os.path.exists(path):
        sys.exit(f"run --impl segstat first: it writes the shared workload {path}")
    times, res, extra = (run_segstat if args.impl == "segstat" else run_geopandas)(path, args.repeats)
    np.save(path.replace(".npz", f"-{args.impl}.npy"), res)
    other = path.replace(".npz", f"-{'geopandas' if args.impl == 'segstat' else 'segstat'}.npy")
    rec = {"impl": args.impl, "workload": args.workload, "n_points": n, "median_s": statistics.median(times),
           "min_s": min(times), "points_per_s": n / statistics.median(times),
           "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "unmatched": int((res < 0).sum()),
           **extra}
    if os.path.exists(other):
        theirs = np.load(other)
        both = (res >= 0) & (theirs >= 0)
        rec["differ_where_both_placed"] = int((res[both] != theirs[both]).sum())
        rec["placed_only_by_this"] = int(((res >= 0) & (theirs < 0)).sum())
    print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
