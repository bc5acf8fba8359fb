"""Figures the pages show that the inputs do not hold directly: sums of published cells only.

A kommun's (or län's) rate by områdestyp is the sum of its RegSO's published events over their
population. It is shown only when every RegSO in the group is published: a sum of published cells
discloses nothing new, while a sum that included a suppressed cell could reveal it by differencing.
Otherwise it is "..". Kommun and län totals come from the protected table's own kommun and län cells
when ``areas`` holds them (protected jointly with the RegSO cells), else from the same rule.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..measures.rates import rates


def regso_frame(areas: pd.DataFrame, vintage: int, year: int) -> pd.DataFrame:
    """The RegSO rows of ``areas`` with name, kommun, län and områdestyp."""
    from ..classify import MOVED_2025_WARNING, omradestyp
    from ..geography.registry import areas as registry

    reg = areas[areas["level"] == "regso"].copy()
    known = registry("regso", vintage=vintage).set_index("code")
    unknown = sorted(set(reg["area"]) - set(known.index.astype(str)))
    if unknown:
        from ..errors import UnknownCodeError

        raise UnknownCodeError(f"results['areas'] holds RegSO codes {unknown[:5]} that are not RegSO of vintage "
                               f"{vintage}; check vintage= (2018 = RegSO 2020, 2025 = RegSO 2025).")
    reg["name"] = reg["area"].map(known["name"].astype(str))
    reg["kommun"] = reg["area"].map(known["kommun"].astype(str))
    reg["lan"] = reg["area"].map(known["lan"].astype(str))
    codes = pd.Series(sorted(set(reg["area"])), dtype="string")
    with warnings.catch_warnings():  # the map page states the 2025 caveat itself
        warnings.filterwarnings("ignore", message=MOVED_2025_WARNING)
        types = omradestyp(codes, year=year, vintage=vintage, errors="coerce")
    numeric = pd.to_numeric(pd.Series(types).astype("string"), errors="coerce").astype("Float64")
    tmap = dict(zip(codes.astype(str), numeric.to_numpy(float, na_value=np.nan)))  # NaN: no official type
    reg["omradestyp"] = reg["area"].map(tmap)
    return reg.reset_index(drop=True)


def group_rates(frame: pd.DataFrame, keys: list[str], *, per: float, confidence_level: float) -> pd.DataFrame:
    """Events and population summed over ``keys``; rate and exact interval where no row is suppressed."""
    g = frame.groupby(keys, dropna=False, observed=True)
    out = g.agg(events=("events", lambda s: float(s.sum(min_count=1))), population=("population", "sum"),
                complete=("suppressed", lambda s: not bool(s.any()))).reset_index()
    out.loc[~out["complete"], "events"] = np.nan
    ok = out["complete"] & (out["population"] > 0)
    out["rate"] = np.nan
    out["lower"] = np.nan
    out["upper"] = np.nan
    if ok.any():
        part = out[ok].assign(events=out.loc[ok, "events"].astype(int), _row=np.flatnonzero(ok.to_numpy()))
        r = rates(part, events="events", population="population", by="_row", per=per,
                  confidence_level=confidence_level)
        idx = r["_row"].to_numpy(int)
        for c in ("rate", "lower", "upper"):
            out.loc[out.index[idx], c] = r[c].to_numpy(float)
    return out.drop(columns="complete")


def totals(areas: pd.DataFrame, regso: pd.DataFrame, level: str, *, per: float,
           confidence_level: float) -> pd.DataFrame:
    """Kommun or län by period: the protected table's own cells where ``areas`` has them, else published sums."""
    own = areas[areas["level"] == level][["area", "period", "events", "population", "rate", "lower", "upper",
                                          "suppressed"]].rename(columns={"area": level})
    summed = group_rates(regso, [level, "period"], per=per, confidence_level=confidence_level)
    summed["suppressed"] = summed["rate"].isna()
    have = set(zip(own[level], own["period"]))
    rest = summed[[(k, p) not in have for k, p in zip(summed[level], summed["period"])]]
    return pd.concat([own, rest], ignore_index=True)


def whole(panel: pd.DataFrame, *, per: float, confidence_level: float) -> pd.DataFrame:
    """The whole area by period: the panel summed over områdestyp."""
    return rates(panel.assign(events=panel["events"].round().astype(int)), events="events", population="population",
                 by="period", per=per, confidence_level=confidence_level)


def gap_by_period(panel: pd.DataFrame, periods: list[str], *, per: float, confidence_level: float) -> pd.DataFrame:
    """HEAT's difference D (områdestyp 5 minus 1) per period, with its analytic interval (segstat.disparity)."""
    from ..measures.disparity import disparity

    rows = []
    for p in periods:
        part = panel[panel["period"] == p].assign(events=lambda d: d["events"].round().astype(int))
        d = disparity(part, events="events", population="population", subgroup="omradestyp",
                      order=sorted(part["omradestyp"].unique()), measures=["D"], per=per,
                      confidence_level=confidence_level)
        rows.append({"period": p, "measure": "D", "estimate": float(d["estimate"].iloc[0]),
                     "lower": float(d["lower"].iloc[0]), "upper": float(d["upper"].iloc[0])})
    return pd.DataFrame(rows)
