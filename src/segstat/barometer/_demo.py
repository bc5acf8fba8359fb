"""Inputs for the demo barometer, made with segstat's own functions from the synthetic register.

The synthetic register is one snapshot; the demo makes SYNTHETIC years from it by resampling the
persons and letting the outcome drift by områdestyp, then treats every year the way an agency
would: tabulate by RegSO x period and by områdestyp x period, protect both jointly, compute rates.
When ``segstat.follow_up`` lands, its panel replaces :func:`_panel` here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

SYNTHETIC_YEARS = (2020, 2021, 2022, 2023, 2024)


def synthetic_years(working: pd.DataFrame, *, periods: Sequence[int] = SYNTHETIC_YEARS, rng: int = 2025,
                    outcome: str = "sickness_benefit") -> pd.DataFrame:
    """Stack SYNTHETIC yearly registers: each year resamples the persons and shifts the outcome by type."""
    gen = np.random.default_rng(rng)
    frames = []
    for k, period in enumerate(periods):
        year = working.iloc[gen.integers(0, len(working), len(working))].copy()
        t = pd.to_numeric(year["omradestyp"].astype("string"), errors="coerce").fillna(3).to_numpy()
        drift = 0.004 * k * (6 - t) / 5  # the gap between the types widens a little every year
        flip = (year[outcome].to_numpy() == 0) & (gen.random(len(year)) < drift)
        year[outcome] = np.where(flip, 1, year[outcome].to_numpy())
        year["period"] = str(period)
        frames.append(year)
    out = pd.concat(frames, ignore_index=True)
    out.attrs = dict(working.attrs)
    return out


def demo_results(records: pd.DataFrame, *, outcome: str = "sickness_benefit", min_count: int = 5,
                 method: Any = "pruned", segregation: pd.DataFrame | None = None) -> dict[str, Any]:
    """The barometer's inputs from person records with regso, omradestyp, period and a 0/1 outcome.

    Events by RegSO x period (with kommun and län totals) and by områdestyp x period are tabulated
    from the same records and protected jointly, so no RegSO cell can be derived from the type totals.
    ``method="pruned"`` (greedy partners, then pruning; audited like every method of segstat.protect)
    takes a quarter of the time of the linear-programming pattern on the demo's ~2 000 linked cells.
    """
    from ..disclosure.protect import protect
    from ..disclosure.tabulate import tabulate
    from ..geography.registry import parents
    from ..measures.rates import rates
    from ._inputs import area_rates

    recipients = records[records[outcome] == 1]
    recipients = recipients.assign(omradestyp=recipients["omradestyp"].astype("string"))
    recipients.attrs = dict(records.attrs)
    by_area = tabulate(recipients, by=["regso", "period"])
    by_type = tabulate(recipients, by=["omradestyp", "period"])
    protected = protect([by_area, by_type], min_count=min_count, method=method)

    vintage = int(records.attrs["segstat.vintage"])
    pop = records.groupby(["regso", "period"], observed=True).size().rename("population").reset_index()
    up = parents(pop["regso"].astype("string"), "regso", vintage).reset_index(drop=True)
    levels = [pop.rename(columns={"regso": "area"})]
    for level in ("kommun", "lan"):
        part = pop.assign(area=up[level].astype(str).to_numpy()).groupby(["area", "period"], as_index=False)[
            "population"].sum()
        levels.append(part)
    population = pd.concat(levels, ignore_index=True).rename(columns={"area": "regso"})
    areas = area_rates(protected, population, area="regso", period="period")
    areas.attrs["segstat.vintage"] = vintage

    counts = records.groupby(["omradestyp", "period"], observed=True).agg(
        events=(outcome, "sum"), population=(outcome, "size")).reset_index()
    panel = rates(counts, events="events", population="population", by=["omradestyp", "period"])
    results: dict[str, Any] = {"panel": panel, "areas": areas, "counts": protected}
    if segregation is not None:
        results["segregation"] = segregation
    return results


def background_segregation(kommuner: Sequence[str], *, n_resamples: int = 199, rng: int = 2025) -> pd.DataFrame:
    """Real SCB data: dissimilarity of persons with foreign background over DeSO 2018, per kommun, bootstrap CI."""
    from .. import datasets
    from ..measures.segregation import dissimilarity

    bg = datasets.population("deso", by="background", vintage=2018).pivot(index="deso", columns="background",
                                                                           values="population").reset_index()
    bg["kommun"] = bg["deso"].str[:4]
    bg = bg[bg["kommun"].isin(list(kommuner))]
    bg["total"] = bg["swedish"] + bg["foreign"]
    seg = dissimilarity(bg, group="foreign", total="total", by="kommun", ci="bootstrap", n_resamples=n_resamples,
                        rng=rng)
    return seg.assign(index="D (utländsk bakgrund, DeSO 2018, SCB)")


def demo_barometer(working: pd.DataFrame, out: Any, *, rng: int = 2025, segregation: pd.DataFrame | None = None,
                   lang: str = "sv") -> dict[str, Any]:
    """The demo's barometer: SYNTHETIC years of the synthetic register, protected, as a site in ``out``."""
    import time

    from ._site import barometer

    start = time.perf_counter()
    records = synthetic_years(working, rng=rng)
    results = demo_results(records, segregation=segregation)
    inputs_s = time.perf_counter() - start
    start = time.perf_counter()
    page = barometer(results, out=out, title="Sjukpenning efter områdestyp (syntetiska data)" if lang == "sv" else
                     "Sickness benefit by områdestyp (synthetic data)", lang=lang,  # type: ignore[arg-type]
                     indicator="Sjukpenning" if lang == "sv" else "Sickness benefit",
                     denominator="invånare 16–64 år" if lang == "sv" else "residents aged 16–64",
                     data_source="segstat.datasets.synthetic_register, syntetiska år" if lang == "sv" else
                     "segstat.datasets.synthetic_register, synthetic years", synthetic=True)
    areas = results["areas"]
    return {"page": str(page), "periods": len(SYNTHETIC_YEARS), "regso": int((areas["area"].str.len() == 8).sum()
                                                                             // len(SYNTHETIC_YEARS)),
            "kommuner": int(areas.loc[areas["area"].str.len() == 8, "area"].str[:4].nunique()),
            "inputs_seconds": inputs_s, "build_seconds": time.perf_counter() - start}
