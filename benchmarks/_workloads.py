"""Seeded workload generators for segstat's benchmarks.

Copied from the project's shared peer-benchmark workloads (bench/common.py) so
that segstat and its peers run on exactly the same seeded data; only
``real_geography`` is changed to read segstat's bundled SCB tables instead of
the shared data folder. Nothing here downloads anything.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Real SWEREF99 TM bounding box of Sweden (approx.).
SWEDEN_EXTENT = (260_000.0, 6_130_000.0, 930_000.0, 7_700_000.0)
N_LAN = 21
N_KOMMUN = 290
N_REGSO = 3363
N_DESO = 5984


# ---------------------------------------------------------------- timing
def median_time(fn, repeats=5, warmup=1):
    """Run fn() warmup+repeats times; return (median_s, min_s, max_s, last_result)."""
    res = None
    for _ in range(warmup):
        res = fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts), max(ts), res


# ---------------------------------------------------------------- centres
def _city_centres(rng, n_cities, extent):
    x0, y0, x1, y1 = extent
    # Population is concentrated in the south: draw y with a skew toward y0.
    cx = rng.uniform(x0 + 0.1 * (x1 - x0), x1 - 0.1 * (x1 - x0), n_cities)
    cy = y0 + (y1 - y0) * rng.beta(1.3, 3.0, n_cities)
    w = rng.pareto(1.2, n_cities) + 1.0          # Zipf-ish city sizes
    w /= w.sum()
    return cx, cy, w


def clustered_xy(rng, n, extent, n_cities=60, urban_frac=0.8, city_sd=8_000.0,
                 centres=None):
    """n points: urban_frac in Gaussian blobs around cities, rest uniform."""
    x0, y0, x1, y1 = extent
    if centres is None:
        centres = _city_centres(rng, n_cities, extent)
    cx, cy, w = centres
    n_urb = int(n * urban_frac)
    k = rng.choice(len(cx), size=n_urb, p=w)
    # city spread grows with size
    sd = city_sd * (0.5 + 3.0 * np.sqrt(w[k] / w.max()))
    xu = cx[k] + rng.normal(0, 1, n_urb) * sd
    yu = cy[k] + rng.normal(0, 1, n_urb) * sd
    xr = rng.uniform(x0, x1, n - n_urb)
    yr = rng.uniform(y0, y1, n - n_urb)
    x = np.concatenate([xu, xr])
    y = np.concatenate([yu, yr])
    # keep points strictly inside (reflect out-of-box points back in)
    x = np.where(x < x0, 2 * x0 - x, x); x = np.where(x > x1, 2 * x1 - x, x)
    y = np.where(y < y0, 2 * y0 - y, y); y = np.where(y > y1, 2 * y1 - y, y)
    x = np.clip(x, x0 + 1.0, x1 - 1.0)
    y = np.clip(y, y0 + 1.0, y1 - 1.0)
    return x, y


# ---------------------------------------------------------------- polygons
def voronoi_areas(n_polys=N_REGSO, seed=42, extent=SWEDEN_EXTENT,
                  target_vertices=None, urban_frac=0.8):
    """Voronoi tessellation of `n_polys` clustered seeds, clipped to extent.

    Returns (polys: ndarray[shapely.Polygon], seeds_x, seeds_y, centres).
    `target_vertices`: if given, boundaries are segmentized so the mean vertex
    count per polygon is ~target (real RegSO/DeSO boundaries have hundreds of
    vertices; raw Voronoi cells have ~6).  Segmentizing keeps the tessellation
    exact (shared edges stay identical), so no gaps/overlaps are introduced.
    """
    import shapely
    rng = np.random.default_rng(seed)
    centres = _city_centres(rng, 60, extent)
    sx, sy = clustered_xy(rng, n_polys, extent, urban_frac=urban_frac,
                          city_sd=12_000.0, centres=centres)
    # remove exact duplicates (Voronoi needs distinct seeds)
    xy = np.unique(np.round(np.c_[sx, sy], 1), axis=0)
    while len(xy) < n_polys:
        extra = np.c_[rng.uniform(extent[0], extent[2], n_polys - len(xy)),
                      rng.uniform(extent[1], extent[3], n_polys - len(xy))]
        xy = np.unique(np.r_[xy, np.round(extra, 1)], axis=0)
    xy = xy[rng.permutation(len(xy))[:n_polys]]
    box = shapely.box(*extent)
    mp = shapely.multipoints(xy)
    vor = shapely.voronoi_polygons(mp, extend_to=box)
    cells = np.asarray(shapely.get_parts(vor))
    cells = shapely.intersection(cells, box)
    # order cells so that cell i contains seed i
    tree = shapely.STRtree(cells)
    pi, ci = tree.query(shapely.points(xy), predicate="intersects")
    order = np.full(len(xy), -1, dtype=np.int64)
    order[pi[::-1]] = ci[::-1]
    if (order < 0).any() or len(np.unique(order)) != len(order):
        raise RuntimeError("Voronoi cell/seed matching failed")
    cells = cells[order]
    if target_vertices:
        nv = shapely.get_num_coordinates(cells).mean()
        if target_vertices > nv:
            per = shapely.length(cells)
            seg = per.sum() / (len(cells) * target_vertices)
            cells = shapely.segmentize(cells, seg)
    return cells, xy[:, 0], xy[:, 1], centres


# ---------------------------------------------------------------- hierarchy
@dataclass
class Geography:
    regso: np.ndarray      # str codes like '0114R001'
    kommun: np.ndarray     # str codes (4 digits) per regso
    lan: np.ndarray        # str codes (2 digits) per regso
    pop: np.ndarray        # population per regso


def make_geography(n_regso=N_REGSO, n_kommun=N_KOMMUN, n_lan=N_LAN, seed=7,
                   mean_pop=3_100):
    """Nested län > kommun > RegSO with realistic skew. Codes mimic SCB format."""
    rng = np.random.default_rng(seed)
    lan_codes = np.array([f"{c:02d}" for c in
                          [1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 17, 18, 19,
                           20, 21, 22, 23, 24, 25][:n_lan]])
    # kommuner per län: at least 1, proportional to skewed weights
    wl = rng.pareto(1.0, n_lan) + 1
    kpl = np.maximum(1, np.round(wl / wl.sum() * (n_kommun - n_lan)).astype(int) + 1)
    while kpl.sum() > n_kommun:
        kpl[np.argmax(kpl)] -= 1
    while kpl.sum() < n_kommun:
        kpl[np.argmin(kpl)] += 1
    kom_lan = np.repeat(np.arange(n_lan), kpl)
    kom_codes = np.array([f"{lan_codes[l]}{i:02d}" for l in range(n_lan)
                          for i in range(1, kpl[l] + 1)])
    # regso per kommun: >= 1, heavy tail (Stockholm has ~130)
    wk = rng.lognormal(0.0, 1.0, n_kommun)
    rpk = np.maximum(1, np.round(wk / wk.sum() * (n_regso - n_kommun)).astype(int) + 1)
    rpk = np.minimum(rpk, 140)            # Stockholm kommun has ~130 RegSO
    while rpk.sum() > n_regso:
        rpk[np.argmax(rpk)] -= 1
    while rpk.sum() < n_regso:
        rpk[np.argmin(rpk)] += 1
    reg_kom = np.repeat(np.arange(n_kommun), rpk)
    regso = np.array([f"{kom_codes[k]}R{i:03d}" for k in range(n_kommun)
                      for i in range(1, rpk[k] + 1)])
    pop = np.maximum(50, rng.lognormal(math.log(mean_pop), 0.6, n_regso)).astype(int)
    return Geography(regso=regso, kommun=kom_codes[reg_kom],
                     lan=lan_codes[kom_lan[reg_kom]], pop=pop)


# ---------------------------------------------------------------- area counts
def area_group_counts(n_areas, seed=11, mean_pop=3_100, n_groups=4,
                      shares=(0.70, 0.10, 0.08, 0.12), concentration=6.0):
    """Population and group counts per area (Dirichlet-multinomial).

    Groups mimic: Swedish background, Swedish-born w/ foreign-born parents,
    born in Europe, born outside Europe.  Lower concentration => more
    segregation.  Returns (total[n], counts[n, n_groups]).
    """
    rng = np.random.default_rng(seed)
    tot = np.maximum(50, rng.lognormal(math.log(mean_pop), 0.6, n_areas)).astype(np.int64)
    a = np.asarray(shares[:n_groups], float)
    a = a / a.sum()
    # area-level latent "deprivation" raises foreign-born shares jointly
    z = rng.normal(0, 1, n_areas)
    logits = np.log(a)[None, :] + np.outer(z, np.r_[-0.6, np.linspace(0.5, 1.2, n_groups - 1)])
    p = np.exp(logits)
    p /= p.sum(1, keepdims=True)
    alpha = p * concentration * 10
    probs = np.vstack([rng.dirichlet(al) for al in alpha])
    counts = np.vstack([rng.multinomial(t, pr) for t, pr in zip(tot, probs)])
    return tot, counts


# ---------------------------------------------------------------- microdata
def make_microdata(n_rows=1_000_000, geo: Geography | None = None, seed=3,
                   n_age=7):
    """Person-level microdata: regso, kommun, lan, sex (1/2), agegrp (1..n_age)."""
    import pandas as pd
    rng = np.random.default_rng(seed)
    if geo is None:
        geo = make_geography()
    p = geo.pop / geo.pop.sum()
    ridx = rng.choice(len(geo.regso), size=n_rows, p=p)
    sex = rng.integers(1, 3, n_rows)
    # age distribution varies by area (younger in some areas)
    base = np.array([0.08, 0.10, 0.05, 0.06, 0.26, 0.25, 0.20][:n_age])
    base = base / base.sum()
    shift = rng.normal(0, 0.35, len(geo.regso))
    u = rng.random(n_rows)
    # per-row CDF with an area tilt toward young/old
    tilt = np.exp(np.outer(shift[ridx], np.linspace(1, -1, n_age)))
    pr = base[None, :] * tilt
    pr /= pr.sum(1, keepdims=True)
    age = (u[:, None] > np.cumsum(pr, 1)).sum(1) + 1
    age = np.minimum(age, n_age)
    df = pd.DataFrame({
        "regso": pd.Categorical(geo.regso[ridx]),
        "kommun": pd.Categorical(geo.kommun[ridx]),
        "lan": pd.Categorical(geo.lan[ridx]),
        "sex": sex.astype(np.int8),
        "age": age.astype(np.int8),
    })
    return df, geo


def real_geography(vintage=2018):
    """The real SCB hierarchy: RegSO codes with their kommun and län, and real 2022 populations.

    vintage 2018: RegSO 2020 codes with the 2022-12-31 population (summed from DeSO 2018);
    vintage 2025: RegSO 2025 codes (population of the 2018-vintage RegSO with the same code, else the mean).
    Reads segstat's bundled tables; without segstat (the peers' environment), vintage 2018 reads
    results/regso2018_population.csv, written from them by
    ``segstat.population("regso", vintage=2018).to_csv(..., index=False)``."""
    try:
        import segstat
    except ImportError:
        if vintage != 2018:
            raise
        import os

        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "regso2018_population.csv")
        pop = pd.read_csv(path, dtype={"regso": str}).set_index("regso")["population"]
    else:
        pop = segstat.population("regso", vintage=2018).set_index("regso")["population"]
    if vintage == 2025:
        codes = sorted(segstat.areas("regso", vintage=2025)["code"].astype(str))
        mean = int(pop.mean())
        pop = pd.Series({c: int(pop.get(c, mean)) for c in codes})
    regso = np.array(sorted(pop.index.astype(str)))
    return Geography(regso=regso, kommun=np.array([c[:4] for c in regso]),
                     lan=np.array([c[:2] for c in regso]),
                     pop=np.array([int(pop[c]) for c in regso]))
