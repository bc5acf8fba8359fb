"""Follow-up over time (issue 19): simulation of segstat.effect, speed beside the `differences` package, and a
cross-check of the staggered (group-time) estimator against `differences` (Callaway & Sant'Anna).

    .venv/bin/python benchmarks/bench_followup.py sim --reps 1000          # bias, coverage, null rejection
    .venv/bin/python benchmarks/bench_followup.py perf                      # 3,363 RegSO x 10 years x 5 types
    peer-venv/bin/python benchmarks/bench_followup.py perf --impl differences
    peer-venv/bin/python benchmarks/bench_followup.py check --impl differences   (after the segstat `check` run)

The segstat run of `perf`/`check` stores the workload (CSV) and its results in the temp directory; the peer run
reads the same file, so both see identical numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

TMP = Path(tempfile.gettempdir()) / "segstat_bench_followup"


# ------------------------------------------------------------------ workloads
def panel(n_areas: int, n_years: int, *, treated: int, starts: list[int], rr: float, seed: int,
          first_year: int = 2016, overdispersion: float = 0.0) -> pd.DataFrame:
    """A balanced panel of RegSO-like areas: 5 types (baseline rate by type), population 800-4000 constant over
    time, a common trend, a fixed area effect, Poisson events; ``treated`` areas drawn from types 1-2, split
    evenly over the start years ``starts`` (indices of years), their rate multiplied by ``rr`` from the start.
    ``overdispersion`` > 0 adds a gamma area-year effect with that variance."""
    rng = np.random.default_rng(seed)
    typ = rng.choice([1, 2, 3, 4, 5], size=n_areas, p=[0.1, 0.15, 0.25, 0.3, 0.2])
    base = np.array([0, 40, 30, 20, 15, 10], dtype=float)[typ] / 1000
    pop = rng.integers(800, 4000, size=n_areas)
    area_eff = rng.lognormal(0, 0.2, size=n_areas)
    eligible = np.flatnonzero(typ <= 2)
    chosen = rng.choice(eligible, size=treated, replace=False)
    start = np.full(n_areas, -1)
    for j, a in enumerate(chosen):
        start[a] = starts[j % len(starts)]
    years = np.arange(n_years)
    trend = 1 + 0.02 * years
    mu = (pop * base * area_eff)[:, None] * trend[None, :]
    on = (start[:, None] >= 0) & (years[None, :] >= start[:, None])
    mu = mu * np.where(on, rr, 1.0)
    if overdispersion > 0:
        k = 1 / overdispersion
        mu = mu * rng.gamma(k, 1 / k, size=mu.shape)
    e = rng.poisson(mu)
    return pd.DataFrame({
        "area": np.repeat([f"R{i:04d}" for i in range(n_areas)], n_years),
        "year": np.tile(first_year + years, n_areas),
        "events": e.ravel(), "population": np.repeat(pop, n_years),
        "treated": on.ravel().astype(int), "typ": np.repeat(typ, n_years),
        "cohort": np.repeat(np.where(start >= 0, first_year + start, 0), n_years),
    })


# ------------------------------------------------------------------ simulation
def simulate(reps: int, staggered: bool, rr: float, comparison: str, seed0: int = 1) -> dict:
    import segstat

    starts = [3, 4, 5] if staggered else [4]  # year 5 = index 4
    est, cover, reject, pre_reject, se = [], [], [], [], []
    t0 = time.perf_counter()
    for r in range(reps):
        d = panel(400, 8, treated=40, starts=starts, rr=rr, seed=seed0 + r)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = segstat.effect(d, events="events", population="population", area="area", period="year",
                                 treated="treated", comparison=comparison, subgroup="typ")
        o = res.overall.iloc[0]
        est.append(math.log(o["estimate"]))
        se.append(o["std_error"])
        cover.append(o["lower"] <= rr <= o["upper"])
        reject.append(o["p_value"] < 0.05)
        p = res.pretrend["p_value"].iloc[0]
        pre_reject.append(p < 0.05)
    est_a = np.array(est)
    return {"reps": reps, "staggered": staggered, "rr": rr, "comparison": comparison,
            "mean_log_rr": float(est_a.mean()), "bias_log": float(est_a.mean() - math.log(rr)),
            "mc_se_bias": float(est_a.std(ddof=1) / math.sqrt(reps)),
            "sd_log": float(est_a.std(ddof=1)), "mean_se": float(np.mean(se)),
            "coverage": float(np.mean(cover)), "reject_effect": float(np.mean(reject)),
            "reject_pretrend": float(np.mean(pre_reject)), "seconds": time.perf_counter() - t0}


# ------------------------------------------------------------------ performance
def perf_workload() -> pd.DataFrame:
    path = TMP / "perf.csv"
    if path.exists():
        return pd.read_csv(path, dtype={"area": str})
    TMP.mkdir(parents=True, exist_ok=True)
    d = panel(3363, 10, treated=200, starts=[4, 5, 6], rr=0.8, seed=2025)
    # yearly types: about 5 % of areas move one type up or down each year
    rng = np.random.default_rng(7)
    typ = d["typ"].to_numpy().reshape(3363, 10).copy()
    for t in range(1, 10):
        move = rng.random(3363) < 0.05
        typ[:, t] = np.where(move, np.clip(typ[:, t - 1] + rng.choice([-1, 1], 3363), 1, 5), typ[:, t - 1])
    d["typ_year"] = typ.ravel()
    d.to_csv(path, index=False)
    return d


def median_time(f, repeat: int = 5) -> float:
    f()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def perf_segstat() -> dict:
    import segstat

    d = perf_workload()
    out = {
        "follow_up_baseline": median_time(lambda: segstat.follow_up(
            d, events="events", population="population", area="area", period="year", subgroup="typ_year")),
        "follow_up_yearly": median_time(lambda: segstat.follow_up(
            d, events="events", population="population", area="area", period="year", subgroup="typ_year",
            types="yearly")),
        "effect_poisson_same_type": median_time(lambda: segstat.effect(
            d, events="events", population="population", area="area", period="year", treated="treated",
            subgroup="typ"), 3),
        "effect_linear_never": median_time(lambda: segstat.effect(
            d, events="events", population="population", area="area", period="year", treated="treated",
            comparison="never_treated", regression="linear"), 3),
    }
    (TMP / "perf_segstat.json").write_text(json.dumps(out))
    return out


def _differences_fit(d: pd.DataFrame, control: str, boot: int = 0):
    from differences import ATTgt

    x = d.assign(rate=d["events"] / d["population"] * 1000,
                 cohort=d["cohort"].where(d["cohort"] > 0, np.nan)).set_index(["area", "year"])
    att = ATTgt(data=x, cohort_column="cohort", base_period="universal")
    gt = att.fit(formula="rate", est_method="reg", control_group=control, weights_column="population",
                 progress_bar=False, boot_iterations=boot)
    return att, gt


def perf_differences() -> dict:
    d = perf_workload()
    out = {"differences_att_gt_never": median_time(lambda: _differences_fit(d, "never_treated"), 3),
           "differences_att_gt_event_aggregate": median_time(
               lambda: _differences_fit(d, "never_treated")[0].aggregate("event"), 3)}
    seg = json.loads((TMP / "perf_segstat.json").read_text()) if (TMP / "perf_segstat.json").exists() else {}
    if seg:
        out["ratio_effect_linear_never_vs_differences"] = seg["effect_linear_never"] / out["differences_att_gt_never"]
    return out


# ------------------------------------------------------------------ cross-check
def check_segstat() -> None:
    import segstat

    TMP.mkdir(parents=True, exist_ok=True)
    d = panel(400, 8, treated=60, starts=[3, 4, 5], rr=0.8, seed=11)
    d.to_csv(TMP / "check.csv", index=False)
    for comp in ("never_treated", "not_yet_treated"):
        r = segstat.effect(d, events="events", population="population", area="area", period="year",
                           treated="treated", comparison=comp, regression="linear")
        r.group_time.to_csv(TMP / f"check_segstat_{comp}_gt.csv", index=False)
        r.event_study.to_csv(TMP / f"check_segstat_{comp}_es.csv", index=False)
    print("segstat results stored in", TMP)


def check_differences() -> None:
    d = pd.read_csv(TMP / "check.csv", dtype={"area": str})
    for comp in ("never_treated", "not_yet_treated"):
        att, _ = _differences_fit(d, comp)
        res = att.results()
        gt = pd.DataFrame({"cohort": res.index.get_level_values("cohort").astype(int),
                           "period": res.index.get_level_values("time").astype(int),
                           "att": res[("ATTgtElements", "", "ATT")].to_numpy(),
                           "se_peer": res[("ATTgtElements", "analytic", "std_error")].to_numpy()})
        seg = pd.read_csv(TMP / f"check_segstat_{comp}_gt.csv")
        m = seg.merge(gt, on=["cohort", "period"], how="inner")
        diff = (m["estimate"] - m["att"]).abs().max()
        se_ratio = (m["std_error"] / m["se_peer"]).describe()[["min", "50%", "max"]].round(3).to_dict()
        print(f"{comp}: {len(m)} group-time cells matched; max |segstat - differences| ATT(g,t) = {diff:.2e}; "
              f"SE ratio segstat/differences {se_ratio}")
        ev = att.aggregate("event")
        peer = pd.DataFrame({"event_time": ev.index.astype(int), "att": ev[("EventAggregation", "", "ATT")].to_numpy(),
                             "se_peer": ev[("EventAggregation", "analytic", "std_error")].to_numpy()})
        es = pd.read_csv(TMP / f"check_segstat_{comp}_es.csv").merge(peer, on="event_time")
        es = es[es["event_time"] != -1]
        print(f"  event study: max |segstat - differences| = {(es['estimate'] - es['att']).abs().max():.2e}; SE ratio "
              f"{(es['std_error'] / es['se_peer']).describe()[['min', '50%', 'max']].round(3).to_dict()} (differences "
              f"adds the estimation of the cohort weights to the SE; segstat holds them fixed)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["sim", "perf", "check"])
    ap.add_argument("--impl", choices=["segstat", "differences"], default="segstat")
    ap.add_argument("--reps", type=int, default=1000)
    a = ap.parse_args()
    if a.what == "sim":
        for staggered, comparison in ((False, "same_type"), (True, "same_type"), (True, "not_yet_treated")):
            for rr in (0.8, 1.0):
                print(json.dumps(simulate(a.reps, staggered, rr, comparison)), flush=True)
    elif a.what == "perf":
        print(json.dumps(perf_segstat() if a.impl == "segstat" else perf_differences(), indent=1))
    else:
        check_segstat() if a.impl == "segstat" else check_differences()


if __name__ == "__main__":
    main()
