"""Exact point-in-polygon lookup through a uniform grid.

Every polygon edge is rasterised exactly onto a grid: each vertex and each
crossing of an edge with a grid line marks the (closed) cells it touches.
A cell that is not marked contains no boundary point, so it lies entirely
inside one polygon or outside all of them, and so does every 4-connected run
of unmarked cells. Runs are labelled once (``scipy.ndimage.label``) and each
gets its polygon from one exact test. A point in an unmarked cell is then
answered by an array lookup; only points in marked cells are tested exactly
against their candidate polygons (shapely, prepared geometries).

Boundary rule: a point in the interior of a polygon belongs to it; a point on
a boundary (an edge or a vertex shared by two or more polygons) belongs to the
covering polygon with the smallest code. Points in no polygon get -1.
"""

from __future__ import annotations

import numpy as np
import shapely

_EPS = 1e-9  # in cell units: crossings this close to a grid line mark both neighbouring cells


class GridIndex:
    """Point -> polygon lookup for a set of non-overlapping polygons.

    Parameters
    ----------
    polygons : ndarray of shapely geometries
    rank : ndarray of int
        Tie-break order for points on shared boundaries (lower wins); segstat
        passes the rank of each polygon's code.
    max_cells : int
        Upper bound on grid cells (memory: 4 bytes per cell).
    """

    def __init__(self, polygons: np.ndarray, rank: np.ndarray, max_cells: int = 2**24) -> None:
        from scipy import ndimage

        self.polygons = np.asarray(polygons)
        shapely.prepare(self.polygons)
        self.rank = np.asarray(rank, dtype=np.int64)
        self.tree = shapely.STRtree(self.polygons)
        # GEOS builds a prepared polygon's point locator on first use; build them all now so that
        # later queries are read-only and can run on several threads
        probe = shapely.get_coordinates(shapely.point_on_surface(self.polygons))
        shapely.contains_xy(self.polygons, probe[:, 0], probe[:, 1])
        shapely.intersects_xy(self.polygons, probe[:, 0], probe[:, 1])
        self.tree.query(shapely.points(probe[:1]))
        xmin, ymin, xmax, ymax = shapely.total_bounds(self.polygons)
        width, height = xmax - xmin, ymax - ymin
        cell = max(np.sqrt(width * height / max_cells), 1e-6)
        self.origin = (float(xmin), float(ymin))
        self.cell = float(cell)
        self.nx = int(np.floor(width / cell)) + 1
        self.ny = int(np.floor(height / cell)) + 1

        marked = np.zeros((self.ny, self.nx), dtype=bool)
        # the rings of every part: shapely.get_rings gives nothing for a MultiPolygon, whose edges would then
        # go unmarked and let a run of cells cross them
        rings = shapely.get_rings(shapely.get_parts(self.polygons))
        coords, ring_id = shapely.get_coordinates(rings, return_index=True)
        gx = (coords[:, 0] - xmin) / cell
        gy = (coords[:, 1] - ymin) / cell
        self._mark(marked, gx, gy)                         # every vertex
        same = ring_id[:-1] == ring_id[1:]
        x0, y0, x1, y1 = gx[:-1][same], gy[:-1][same], gx[1:][same], gy[1:][same]
        for a0, b0, a1, b1, swap in ((x0, y0, x1, y1, False), (y0, x0, y1, x1, True)):
            lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
            first = np.floor(lo).astype(np.int64) + 1
            count = np.maximum(np.ceil(hi).astype(np.int64) - first, 0)
            seg = np.repeat(np.arange(len(a0)), count)
            if len(seg) == 0:
                continue
            step = np.arange(len(seg)) - np.repeat(np.cumsum(count) - count, count)
            line = (first[seg] + step).astype(float)         # the grid line crossed
            t = (line - a0[seg]) / (a1[seg] - a0[seg])
            other = b0[seg] + t * (b1[seg] - b0[seg])
            if swap:
                self._mark(marked, other, line)
            else:
                self._mark(marked, line, other)

        labels, n = ndimage.label(~marked)                  # 4-connected runs of unmarked cells
        flat = labels.ravel()
        any_cell = np.empty(n + 1, dtype=np.int32)
        any_cell[flat] = np.arange(len(flat), dtype=np.int32)  # last write wins: some cell of each run
        uniq = np.arange(1, n + 1)
        cy, cx = np.divmod(any_cell[1:].astype(np.int64), self.nx)
        px = xmin + (cx + 0.5) * cell
        py = ymin + (cy + 0.5) * cell
        owner = self._exact(px, py)[0]
        lookup = np.full(n + 1, -1, dtype=np.int32)
        lookup[uniq] = owner
        lookup[0] = -2                                      # label 0 = marked cells
        grid = lookup[labels]
        self.grid = grid
        self.boundary_cell_share = float(marked.mean())

    def __getstate__(self) -> dict:
        # GEOS state (prepared polygons, tree) does not pickle; rebuild it where the index is unpickled
        state = self.__dict__.copy()
        state.pop("tree", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        shapely.prepare(self.polygons)
        self.tree = shapely.STRtree(self.polygons)
        probe = shapely.get_coordinates(shapely.point_on_surface(self.polygons))
        shapely.contains_xy(self.polygons, probe[:, 0], probe[:, 1])
        shapely.intersects_xy(self.polygons, probe[:, 0], probe[:, 1])
        self.tree.query(shapely.points(probe[:1]))

    def _mark(self, marked: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> None:
        """Mark the closed cells containing the points (both neighbours when on a grid line)."""
        for dx in (-_EPS, _EPS):
            for dy in (-_EPS, _EPS):
                ix = np.clip(np.floor(gx + dx).astype(np.int64), 0, self.nx - 1)
                iy = np.clip(np.floor(gy + dy).astype(np.int64), 0, self.ny - 1)
                marked[iy, ix] = True

    def _exact(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact polygon of each point and whether it lies on a boundary."""
        out = np.full(len(x), -1, dtype=np.int64)
        on_edge = np.zeros(len(x), dtype=bool)
        if len(x) == 0:
            return out, on_edge
        pts, polys = self.tree.query(shapely.points(x, y))
        if len(pts) == 0:
            return out, on_edge
        inside = shapely.contains_xy(self.polygons[polys], x[pts], y[pts])
        self._pick(out, pts[inside], polys[inside])
        rest = (out[pts] < 0) & ~inside
        if rest.any():
            p2, q2 = pts[rest], polys[rest]
            touch = shapely.intersects_xy(self.polygons[q2], x[p2], y[p2])
            before = out < 0
            self._pick(out, p2[touch], q2[touch])
            on_edge = before & (out >= 0)
        return out, on_edge

    def _pick(self, out: np.ndarray, pts: np.ndarray, polys: np.ndarray) -> None:
        """For each point, the candidate polygon with the lowest rank."""
        if len(pts) == 0:
            return
        order = np.lexsort((self.rank[polys], pts))
        pts, polys = pts[order], polys[order]
        first = np.ones(len(pts), dtype=bool)
        first[1:] = pts[1:] != pts[:-1]
        out[pts[first]] = polys[first]

    def query(self, x: np.ndarray, y: np.ndarray, threads: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Polygon index (-1 outside all) and on-boundary flag for each point; NaN gives -1."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        gx = np.floor((x - self.origin[0]) / self.cell)
        gy = np.floor((y - self.origin[1]) / self.cell)
        inside = (gx >= 0) & (gx < self.nx) & (gy >= 0) & (gy < self.ny)   # False for NaN
        result = np.full(len(x), -1, dtype=np.int64)
        idx = np.flatnonzero(inside)
        result[idx] = self.grid[gy[idx].astype(np.int64), gx[idx].astype(np.int64)]
        on_edge = np.zeros(len(x), dtype=bool)
        exact = np.flatnonzero(result == -2)
        if len(exact) > 50_000 and threads > 1:
            # shapely releases the GIL: split the exact tests over threads (same answer, any split)
            from concurrent.futures import ThreadPoolExecutor

            parts = np.array_split(exact, threads)
            with ThreadPoolExecutor(threads) as pool:
                done = list(pool.map(lambda ix: self._exact(x[ix], y[ix]), parts))
            for ix, (r, e) in zip(parts, done):
                result[ix], on_edge[ix] = r, e
        elif len(exact):
            result[exact], on_edge[exact] = self._exact(x[exact], y[exact])
        return result, on_edge
