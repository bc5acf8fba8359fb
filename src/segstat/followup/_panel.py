"""Checks and types shared by follow_up() and effect(): one row per area and period, types by year."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .._validation import check_columns, check_counts, check_dataframe, check_scalar, examples
from .._vintage import resolve_vintage
from ..errors import InputValueError

#: key of SCB's provenance (segstat.scb.get) in DataFrame.attrs
PROVENANCE_ATTR = "segstat.provenance"
CKM_NOTE = ("The population figures come from SCB with cell-key perturbation (CKM, reference year 2025 on): "
            "each published count carries a small random noise. The intervals cover the sampling (Poisson) "
            "variation only; SCB does not publish the noise variance of a cell.")


def noise_note(ckm: bool, noise_variance: float | None) -> str | None:
    """The note on cell-key noise of follow_up(): included with its variance, or (CKM input) left out."""
    if noise_variance is None:
        return (CKM_NOTE + " Pass noise_variance= when the variance is known (your own segstat.perturb) to "
                "include it.") if ckm else None
    source = ("The population figures come from SCB with cell-key perturbation (CKM, reference year 2025 on). "
              if ckm else "")
    return (f"{source}The intervals include the cell-key noise of the population figures: variance "
            f"{noise_variance:g} per input row (one perturbed cell), so V times the rows summed into each "
            f"population total, added to the Poisson variation by the delta method.")


def check_noise_variance(noise_variance: Any) -> float | None:
    """``noise_variance`` of follow_up(): None or a finite number >= 0 (not a bool)."""
    return check_scalar("noise_variance", noise_variance, "real", low=0, allow_none=True,
                        must="None or a finite number >= 0: the variance V of the cell-key noise on each "
                             "population figure (as given to segstat.perturb(noise_variance=))")


def carry_provenance(result: pd.DataFrame, data: pd.DataFrame) -> pd.DataFrame:
    """Copy SCB's provenance (with its CKM flag) from the input to a result."""
    prov = data.attrs.get(PROVENANCE_ATTR)
    if prov is not None:
        result.attrs[PROVENANCE_ATTR] = prov
    return result


def is_ckm(data: pd.DataFrame) -> bool:
    """Whether the input carries SCB's provenance saying the figures are cell-key perturbed."""
    prov = data.attrs.get(PROVENANCE_ATTR)
    return bool(isinstance(prov, dict) and prov.get("ckm"))


def check_panel(data: Any, *, area: str, period: str, events: str, population: str,
                extra: dict[str, Any] | None = None) -> pd.DataFrame:
    """One row per area and period, every area in every period, whole counts with events ≤ ... (rates)."""
    data = check_dataframe(data)
    check_columns(data, {"area": area, "period": period, "events": events, "population": population, **(extra or {})})
    check_counts(data, [events, population])
    for col in (area, period):
        if data[col].isna().any():
            rows = data.index[data[col].isna()].tolist()
            raise InputValueError(f"{col!r} is missing in rows {examples(rows)}; every row needs its area and period.")
    dup = data.duplicated([area, period], keep=False)
    if dup.any():
        pairs = (data.loc[dup, area].astype(str) + " in " + data.loc[dup, period].astype(str)).unique().tolist()
        raise InputValueError(f"{area!r} repeats within a period: {examples(pairs)}. Give one row per area and "
                              f"period (sum the rows first).")
    periods = pd.unique(data[period]).tolist()
    n_periods = data.groupby(area, sort=False)[period].size()
    short = n_periods[n_periods < len(periods)]
    if len(short):
        have = data[data[area].isin(short.index)].groupby(area)[period].agg(lambda s: set(s.tolist()))
        detail = [f"{a} lacks {examples(sorted(set(periods) - s, key=str), 3)}" for a, s in have.head(5).items()]
        raise InputValueError(
            f"{len(short)} area(s) are missing in some periods: {'; '.join(detail)}. A follow-up compares the same "
            f"areas in every period: add the missing rows (with 0 events and the population, if the area had no "
            f"events) or remove those areas from data before the call.")
    return data


def sorted_periods(data: pd.DataFrame, period: str) -> list[Any]:
    return sorted(pd.unique(data[period]).tolist())


def types_by_period(data: pd.DataFrame, *, area: str, period: str, subgroup: str | None, vintage: Any,
                    periods: list[Any], caller: str) -> dict[Any, pd.Series]:
    """Områdestyp of every area for each period where it is known: from the ``subgroup`` column, or SCB's
    bundled official types for the periods that are bundled years (RegSO codes)."""
    if subgroup is not None:
        check_columns(data, {"subgroup": subgroup})
        out = {}
        for p, part in data.groupby(period, sort=True):
            if part[subgroup].notna().all():
                out[p] = pd.Series(part[subgroup].to_numpy(), index=part[area].to_numpy())
        return out
    from ..classify import MOVED_2025_WARNING, _types, omradestyp_years

    v = resolve_vintage(vintage, data, caller)
    codes = pd.Series(pd.unique(data[area]))
    out = {}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=MOVED_2025_WARNING)
        for y in omradestyp_years():
            out[y] = pd.Series(_types(codes, y, v, None, "raise", stacklevel=4).to_numpy(), index=codes.to_numpy())
    return out  # bundled years outside the data's periods can still serve as the baseline


def baseline_types(data: pd.DataFrame, *, area: str, period: str, subgroup: str | None, baseline: Any,
                   vintage: Any, periods: list[Any], caller: str) -> tuple[Any, pd.Series, dict[Any, pd.Series]]:
    """(baseline used, type per area at the baseline, the types known by period)."""
    known = types_by_period(data, area=area, period=period, subgroup=subgroup, vintage=vintage, periods=periods,
                            caller=caller)
    if baseline is None:
        candidates = [p for p in periods if p in known] or sorted(known)
        if not candidates:
            raise InputValueError(f"{caller}: no period has a type for every area; fill {subgroup!r}.")
        baseline = candidates[0]
    if baseline not in known:
        where = (f"the periods where {subgroup!r} is filled for every area: {examples(sorted(known))}" if subgroup
                 else f"SCB's official områdestyp is bundled for {examples(sorted(known))} "
                      f"(segstat.omradestyp_years()); pass subgroup= with your own types for other years")
        raise InputValueError(f"baseline={baseline!r} has no type for every area; {where}.")
    return baseline, known[baseline], known


def type_order(values: Any) -> list[Any]:
    """Types in their own order: a categorical's categories, else sorted (1 = major challenges first)."""
    dtype = getattr(values, "dtype", None)
    present = set(pd.unique(np.asarray(values, dtype=object)).tolist())
    if isinstance(dtype, pd.CategoricalDtype):
        return [k for k in dtype.categories if k in present]
    return sorted(present)
