#!/usr/bin/env python
"""Build time and size of segstat.barometer sites: the demo (Göteborgsregionen) and a synthetic national set.

demo      The demo's inputs: the synthetic register (--n persons, seed 2025) over five SYNTHETIC years,
          RegSO x period and områdestyp x period protected jointly; 13 kommuner, ~300 RegSO with the bundled
          RegSO 2025 boundaries.
national  Every RegSO 2025 of Sweden (3,363 in 290 kommuner, 21 län) with SYNTHETIC events and population
          over five periods, protected by segstat.protect (RegSO x period with SCB's hierarchy); the maps use
          a Voronoi stand-in for national RegSO boundaries (benchmarks/_workloads.voronoi_areas, densified to
          --vertices per polygon), so kommun pages carry RegSO maps as with downloaded SCB boundaries.

Peer: Plotly's own HTML writer (plotly.io.write_html, include_plotlyjs="directory", one file per figure)
writing the same figures the barometer draws, timed in the same run; the ratio is segstat's whole build
(pages, tables, CSV, geometry) over Plotly writing the figures alone.

    .venv/bin/python benchmarks/bench_barometer.py --which demo,national
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import segstat


def size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def collect_figures(fn):
    """Run fn() while recording every figure the barometer draws."""
    from segstat.barometer import _html

    figures = []
    original = _html.Page.chart

    def chart(self, figure, **kw):
        figures.append(figure)
        return original(self, figure, **kw)

    _html.Page.chart = chart
    try:
        fn()
    finally:
        _html.Page.chart = original
    return figures


def plotly_peer(figures, folder: Path) -> float:
    import plotly.io as pio

    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for i, fig in enumerate(figures):
        pio.write_html(fig, folder / f"fig{i}.html", include_plotlyjs="directory", validate=False, auto_open=False)
    return time.perf_counter() - start


def demo(n: int, work: Path) -> dict:
    from segstat.barometer._demo import demo_results, synthetic_years
    from segstat.classify import MOVED_2025_WARNING

    start = time.perf_counter()
    reg = segstat.datasets.synthetic_register(n, rng=2025)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        people = segstat.locate(reg, x="x", y="y", crs="EPSG:3006", vintage=2025, append=True)
        people = people[people["regso"].notna()].copy()
        people["regso"] = people["regso"].astype(str)
        warnings.filterwarnings("ignore", message=MOVED_2025_WARNING)
        people = segstat.attach_omradestyp(people, regso="regso", year=2023, column="omradestyp")
    working = people[(people["age"] >= 16) & (people["age"] <= 64)]
    results = demo_results(synthetic_years(working, rng=2025))
    inputs_s = time.perf_counter() - start
    return build(results, work / "demo", inputs_s, regso_boundaries=None)


def national(work: Path, vertices: int, seed: int = 11) -> dict:
    import shapely

    from _workloads import voronoi_areas
    from segstat.geography.boundaries import Boundaries
    from segstat.geography.registry import parents

    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    codes = segstat.areas("regso", vintage=2025)["code"].astype(str).to_numpy()
    polys = voronoi_areas(len(codes), seed=seed, target_vertices=vertices)[0]
    # order the cells west to east and give them the codes in order, so a kommun's RegSO are neighbours
    order = np.argsort(shapely.get_coordinates(shapely.centroid(polys))[:, 1] // 50_000 * 1e7
                       + shapely.get_coordinates(shapely.centroid(polys))[:, 0])
    bounds = Boundaries("regso", 2025, codes, np.asarray(polys)[order], "Voronoi stand-in (benchmark)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        types = segstat.omradestyp(pd.Series(codes, dtype="string"), year=2023, vintage=2025,
                                   errors="coerce").astype("Float64").fillna(3).astype(int).to_numpy()
    periods = ["2020", "2021", "2022", "2023", "2024"]
    pop = rng.poisson(1_400, size=(len(codes), len(periods)))
    rate = (0.02 + 0.01 * (5 - types))[:, None] * (1 + 0.03 * np.arange(len(periods)))[None, :]
    events = rng.binomial(pop, np.clip(rate, 0, 1))
    idx = np.repeat(np.arange(len(codes) * len(periods)), events.ravel())
    records = pd.DataFrame({"regso": codes[idx // len(periods)], "period": np.array(periods)[idx % len(periods)]})
    records.attrs["segstat.vintage"] = 2025
    protected = segstat.protect(segstat.tabulate(records, by=["regso", "period"]), min_count=5)
    cells = pd.DataFrame({"regso": np.repeat(codes, len(periods)), "period": np.tile(periods, len(codes)),
                          "population": pop.ravel(), "events": events.ravel(),
                          "omradestyp": np.repeat(types, len(periods))})
    up = parents(cells["regso"].astype("string"), "regso", 2025).reset_index(drop=True)
    population = pd.concat([cells[["regso", "period", "population"]]] + [
        cells.assign(regso=up[lvl].astype(str).to_numpy()).groupby(["regso", "period"], as_index=False)["population"]
        .sum() for lvl in ("kommun", "lan")], ignore_index=True)
    areas = segstat.barometer.area_rates(protected, population, area="regso", period="period")
    areas.attrs["segstat.vintage"] = 2025
    panel = segstat.rates(cells, events="events", population="population", by=["omradestyp", "period"])
    latest = cells[cells["period"] == periods[-1]].assign(kommun=up["kommun"].astype(str).to_numpy()[
        cells["period"].to_numpy() == periods[-1]])
    seg = segstat.dissimilarity(latest, group="events", total="population", by="kommun")
    results = {"panel": panel, "areas": areas, "counts": protected, "segregation": seg}
    inputs_s = time.perf_counter() - start
    return build(results, work / "national", inputs_s, regso_boundaries=bounds)


def build(results: dict, out: Path, inputs_s: float, regso_boundaries) -> dict:
    box = {}

    def run():
        start, cpu = time.perf_counter(), time.process_time()
        segstat.barometer(results, out=out, title="Sjukpenning", indicator="Sjukpenning",
                          denominator="invånare 16–64 år", synthetic=True, regso_boundaries=regso_boundaries)
        box["build"] = time.perf_counter() - start
        box["cpu"] = time.process_time() - cpu

    figures = collect_figures(run)
    peer = plotly_peer(figures, out.parent / (out.name + "-plotly"))
    areas = results["areas"]
    return {"kommun_pages": len(list((out / "kommun").glob("[0-9]*.html"))),
            "regso": int(areas.loc[areas["area"].str.len() == 8, "area"].nunique()),
            "periods": int(areas["period"].nunique()), "pages": len(list(out.rglob("*.html"))),
            "files": sum(1 for f in out.rglob("*") if f.is_file()), "figures": len(figures),
            "inputs_s": round(inputs_s, 1), "build_s": round(box["build"], 2), "build_cpu_s": round(box["cpu"], 2),
            "load_average": round(__import__("os").getloadavg()[0], 1), "plotly_write_html_s": round(peer, 2),
            "ratio_build_over_plotly": round(box["build"] / peer, 2), "size_mb": round(size_mb(out), 1),
            "plotly_size_mb": round(size_mb(out.parent / (out.name + "-plotly")), 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--which", default="demo,national")
    ap.add_argument("--n", type=int, default=100_000, help="demo: synthetic persons")
    ap.add_argument("--vertices", type=int, default=200, help="national: vertices per stand-in RegSO polygon")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for which in a.which.split(","):
            res = demo(a.n, Path(tmp)) if which == "demo" else national(Path(tmp), a.vertices)
            print(json.dumps({"workload": which, **res}), flush=True)


if __name__ == "__main__":
    main()
