"""The effect of targeted work (:func:`effect`): difference-in-differences on rates with staggered starts handled
as group-time effects (Callaway & Sant'Anna 2021), an event-study table, a pre-trend test and intervals
clustered by area. Model fits and their scores come from statsmodels (imported inside the functions).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validation import check_choice, examples
from ..errors import InputValueError, SegstatWarning
from ..measures._inputs import check_confidence_level
from ..measures.rates import _check_per
from ._panel import CKM_NOTE, baseline_types, carry_provenance, check_panel, is_ckm, sorted_periods

__all__ = ["Effect", "effect"]

_GT = ["cohort", "period", "event_time", "stratum", "treated_areas", "comparison_areas", "weight",
       "estimate", "std_error", "lower", "upper"]


@dataclass(frozen=True)
class Effect:
    """The tables of :func:`effect`; each a DataFrame with the settings and provenance in ``attrs``.

    Attributes
    ----------
    overall : DataFrame
        One row: the effect after the start, aggregated over cohorts and periods (``estimate`` is a rate
        ratio for ``regression="poisson"``, a rate difference per ``per`` for ``"linear"``), ``std_error``
        (log scale for the ratio), ``lower``, ``upper``, ``p_value``, the number of areas and ``ckm``.
    event_study : DataFrame
        One row per event time (periods since the start; -1 is the reference, fixed at no effect).
    pretrend : DataFrame
        One row: Wald test that every lead (event time ≤ -2) is zero: ``statistic`` (Wald), ``df`` (leads),
        ``df_denominator`` (treated areas − 1) and ``p_value`` (F test).
    group_time : DataFrame
        One row per cohort (start period), period and stratum: the 2×2 estimate behind the aggregates.
    counts : DataFrame
        Events and population of treated and comparison areas per cohort, stratum and period: the inputs, to
        check for small cells (:func:`segstat.audit`, :func:`segstat.protect`).
    """

    overall: pd.DataFrame
    event_study: pd.DataFrame
    pretrend: pd.DataFrame
    group_time: pd.DataFrame
    counts: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The event-study table (a copy)."""
        return self.event_study.copy()

    def __repr__(self) -> str:
        o = self.overall.iloc[0]
        a = self.overall.attrs.get("segstat.effect", {})
        return (f"Effect({a.get('regression')}, comparison={a.get('comparison')!r}: estimate {o['estimate']:.4g} "
                f"[{o['lower']:.4g}, {o['upper']:.4g}], p={o['p_value']:.3g}; pre-trend "
                f"p={self.pretrend['p_value'].iloc[0]:.3g})")


def _start_periods(data: pd.DataFrame, area: str, period: str, treated: str, start: Any,
                   periods: list) -> pd.Series:
    """First treated period of each area (NaN-free object Series; None = never treated)."""
    flag = data[treated]
    if flag.isna().any():
        raise InputValueError(f"{treated!r} is missing in rows {examples(data.index[flag.isna()].tolist())}; "
                              f"mark every row 1 (effort) or 0.")
    ok = flag.isin([0, 1, True, False])
    if not ok.all():
        raise InputValueError(f"{treated!r} must be 0/1 (or False/True); it holds "
                              f"{examples(pd.unique(flag[~ok]).tolist())}.")
    f = pd.Series(flag.astype(bool).to_numpy(), index=data[area].to_numpy())
    pos = {p: i for i, p in enumerate(periods)}
    if start is not None:
        if start not in pos:
            raise InputValueError(f"start={start!r} is not a period of {period!r}: {examples(periods)}.")
        varies = f.groupby(level=0).nunique()
        if (varies > 1).any():
            raise InputValueError(
                f"with start= the column {treated!r} marks treated AREAS and must be the same in every period; it "
                f"varies for {examples(varies.index[varies > 1].tolist())}. For starts that differ between areas "
                f"leave start=None and mark each area-period 1 from its start on.")
        first = f.groupby(level=0).first()
        return pd.Series(np.where(first.to_numpy(), pos[start], -1), index=first.index)
    p = data[period].map(pos).to_numpy()
    df = pd.DataFrame({"a": data[area].to_numpy(), "p": p, "f": f.to_numpy()}).sort_values(["a", "p"])
    g = df.groupby("a", sort=False)["f"]
    went_off = (g.cummax().to_numpy() & ~df["f"].to_numpy())
    if went_off.any():
        bad = pd.unique(df["a"].to_numpy()[went_off]).tolist()
        raise InputValueError(
            f"{treated!r} goes back from 1 to 0 for {examples(bad)}; the effort is taken to last from its start "
            f"on (mark every period from the start 1), or analyse the periods of one spell.")
    first = df[df["f"]].groupby("a")["p"].min()
    out = pd.Series(-1, index=pd.unique(df["a"]))
    out.loc[first.index] = first.to_numpy()
    return out


def _p_value(est: float, se: float, dof: int) -> float:
    """Two-sided p-value of est / se on Student's t with ``dof`` degrees of freedom; NaN when the standard error
    vanishes (a cell identified by one area)."""
    from scipy.stats import t as student_t

    if dof < 1 or not np.isfinite(se) or se <= 1e-12 * max(1.0, abs(est)):
        return float("nan")
    return float(2 * student_t.sf(abs(est / se), dof))


def _fit(regression: str, y: np.ndarray, n: np.ndarray, X: np.ndarray) -> tuple[float, np.ndarray]:
    """β of the interaction and its influence per observation, from a statsmodels fit of the 2×2 model."""
    import statsmodels.api as sm

    if regression == "poisson":
        res = sm.GLM(y, X, family=sm.families.Poisson(), offset=np.log(n)).fit(method="newton", tol=1e-12,
                                                                               maxiter=100)
        score = res.model.score_obs(res.params)
    else:
        res = sm.WLS(y / n, X, weights=n).fit()
        score = res.model.wexog * res.wresid[:, None]
    infl = score @ res.normalized_cov_params
    return float(res.params[3]), infl[:, 3]


def effect(
    data: pd.DataFrame,
    *,
    events: str,
    population: str,
    area: str,
    period: str,
    treated: str,
    start: Any = None,
    comparison: Literal["same_type", "not_yet_treated", "never_treated"] = "same_type",
    regression: Literal["poisson", "linear"] = "poisson",
    baseline: Any = None,
    subgroup: str | None = None,
    vintage: int | None = None,
    confidence_level: float = 0.95,
    per: float = 1000,
) -> Effect:
    """Difference-in-differences on rates for areas that received an effort, staggered starts included.

    Parameters
    ----------
    data : pandas.DataFrame
        A balanced panel: one row per area and period.
    events, population : str
        Count columns of the rate (population as exposure).
    area, period : str
        Columns of area codes and periods (ordered values, e.g. years).
    treated : str
        Column of 0/1. With ``start`` it marks the treated AREAS (same value in every period); without, it
        marks each area-period where the effort runs (0 before the area's start, 1 from it on), so starts may
        differ between areas (staggered).
    start : period value, optional
        The common first period of the effort. None: each area's first period with ``treated == 1``.
    comparison : {"same_type", "not_yet_treated", "never_treated"}, default "same_type"
        Comparison areas of each cohort (areas starting in the same period) in period :math:`t`:
        ``"same_type"`` areas of the same baseline områdestyp not treated by :math:`t` (nor in the cohort's
        base period), ``"not_yet_treated"`` such areas of any type, ``"never_treated"`` areas never treated.
        Areas already treated are never comparisons.
    regression : {"poisson", "linear"}, default "poisson"
        ``"poisson"``: Poisson model of the events with the population as exposure, effect as a rate ratio;
        ``"linear"``: population-weighted linear model of the rate (linear probability), effect as a rate
        difference per ``per``.
    baseline : period value, optional
        Period of the types used by ``"same_type"`` (default: the first period with types).
    subgroup : str, optional
        Column of the area's type per period; None attaches SCB's official områdestyp (RegSO codes).
    vintage : {2018, 2025}, optional
        Series of the RegSO codes when ``subgroup=None``.
    confidence_level : float, default 0.95
    per : float, default 1000
        Scale of the rate difference (``"linear"``).

    Returns
    -------
    Effect
        ``.overall``, ``.event_study``, ``.pretrend``, ``.group_time``, ``.counts`` (see :class:`Effect`).

    Raises
    ------
    InputValueError
        An unbalanced panel; an area treated from the first period (no period before its start); no treated
        areas; a treated area with no comparison of its type (``"same_type"``); ``treated`` not 0/1 or going
        back to 0.

    Warns
    -----
    SegstatWarning
        Cells (cohort × period) with no comparison area under ``"not_yet_treated"``/``"never_treated"``: they
        are listed in ``.group_time`` with NaN and left out of the aggregates.

    Notes
    -----
    For each cohort :math:`g` (areas whose effort starts in period :math:`g`), each period :math:`t \\ne g-1` and
    each stratum (baseline type under ``"same_type"``, else all areas), the 2×2 model
    :math:`\\log \\mu_{it} = \\log n_{it} + \\alpha + \\gamma T_i + \\delta P_t + \\beta T_i P_t` is fitted on the
    treated and comparison areas in periods :math:`g-1` (base) and :math:`t` (statsmodels GLM; WLS for
    ``"linear"``). :math:`\\beta(g,t)` is the group-time effect (log rate ratio). Aggregates are averages of
    :math:`\\beta(g,t)` weighted by the treated population in :math:`t`: over :math:`t \\ge g` (overall), and
    by event time :math:`e = t-g` (event study, :math:`e=-1` the reference). Standard errors come from the
    areas' influence functions (score times inverse information), each cell's scaled by
    :math:`\\sqrt{n/(n-1)}` within its treated and its comparison group (:math:`n` areas; the two-sample
    variance with :math:`n-1`, Welch's, for the linear model with equal populations), summed over every cell
    an area enters and clustered by area. Intervals and p-values use Student's :math:`t` with
    (treated areas behind the estimate − 1) degrees of freedom: the treated areas are few, and they bound the
    precision (Cameron & Miller 2015, section VI). The pre-trend test is the Wald statistic :math:`W` of the
    leads (:math:`e \\le -2`) with their joint cluster covariance, :math:`W/q` referred to
    :math:`F(q, n_T - 1)` (``df`` = :math:`q` leads, ``df_denominator`` = the fewest treated
    areas behind one lead, − 1). Never is a treated area a comparison, unlike a two-way fixed-effects regression.

    Cell-key noise (SCB's figures from reference year 2025, or :func:`segstat.perturb`): unlike
    :func:`follow_up`, ``effect`` takes no ``noise_variance`` and needs none. The noise on the populations moves
    each area's observed rate, so it is in the residuals, and the covariance clustered by area estimates it
    empirically with the Poisson variation (checked by simulation in the tests: with noise of variance 40 000
    on areas of 1 000 persons the clustered variance matches the delta method's Poisson plus noise terms).

    References
    ----------
    Callaway, B. & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time periods.
    *Journal of Econometrics* 225(2), 200-230. Wooldridge, J. M. (2023). Simple approaches to nonlinear
    difference-in-differences with panel data. *The Econometrics Journal* 26(3), C31-C66 (Poisson DiD).
    Cameron, A. C. & Miller, D. L. (2015). A practitioner's guide to cluster-robust inference. *Journal of
    Human Resources* 50(2), 317-372.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"regso": ["A", "A", "B", "B", "C", "C"], "year": [2021, 2022] * 3,
    ...                   "e": [20, 10, 20, 20, 10, 10], "n": [1000] * 6, "t": [1, 1, 0, 0, 0, 0],
    ...                   "typ": [1] * 6})
    >>> r = segstat.effect(d, events="e", population="n", area="regso", period="year", treated="t", start=2022,
    ...                    subgroup="typ")
    >>> round(float(r.overall["estimate"].iloc[0]), 6)
    0.5
    """
    from scipy.stats import f as f_dist
    from scipy.stats import t as student_t

    check_choice("comparison", comparison, ("same_type", "not_yet_treated", "never_treated"))
    check_choice("regression", regression, ("poisson", "linear"))
    level = check_confidence_level(confidence_level)
    per = _check_per(per)
    data = check_panel(data, area=area, period=period, events=events, population=population,
                       extra={"treated": treated})
    bad = (data[population].to_numpy(float) == 0) & (data[events].to_numpy(float) > 0)
    if bad.any():
        raise InputValueError(f"events without population in rows {examples(data.index[bad].tolist())}.")
    periods = sorted_periods(data, period)
    cohort = _start_periods(data, area, period, treated, start, periods)
    if not (cohort >= 0).any():
        raise InputValueError(f"no area is treated ({treated!r} is 0 everywhere); nothing to estimate.")
    early = cohort.index[cohort == 0].tolist()
    if early:
        raise InputValueError(
            f"{len(early)} area(s) are treated from the first period {periods[0]!r}: {examples(early)}. The effect "
            f"needs at least one period before the start; add earlier periods, or remove these areas.")
    if comparison == "same_type":
        _, btypes, _ = baseline_types(data, area=area, period=period, subgroup=subgroup, baseline=baseline,
                                      vintage=vintage, periods=periods, caller="effect()")
        stratum = btypes.reindex(cohort.index)
        if stratum.isna().any():
            raise InputValueError(f"areas without a baseline type: {examples(stratum.index[stratum.isna()].tolist())}.")
    else:
        stratum = pd.Series("all", index=cohort.index, dtype=object)

    areas = cohort.index.to_numpy()
    a_pos = {a: i for i, a in enumerate(areas)}
    pos = {p: i for i, p in enumerate(periods)}
    T = len(periods)
    E = np.zeros((len(areas), T))
    N = np.zeros((len(areas), T))
    ai = data[area].map(a_pos).to_numpy()
    ti = data[period].map(pos).to_numpy()
    E[ai, ti] = data[events].to_numpy(float)
    N[ai, ti] = data[population].to_numpy(float)
    G = cohort.to_numpy()
    S = stratum.to_numpy(dtype=object)
    never = G < 0
    Gc = np.where(never, T + 1, G)  # never treated: a start after every period

    rows, infl, count_rows, trmask = [], [], [], []
    compared = np.zeros(len(areas), dtype=bool)
    empty_cells = []
    for g in sorted(set(G[~never].tolist())):
        b = g - 1
        for k in pd.unique(S[G == g]):
            tr = (G == g) & (S == k)
            for t in range(T):
                if t == b:
                    continue
                if comparison == "never_treated":
                    co = never.copy()
                else:
                    co = Gc > max(t, g)
                if comparison == "same_type":
                    co &= S == k
                if not co.any():
                    if comparison == "same_type":
                        raise InputValueError(
                            f"the treated area(s) {examples(areas[tr].tolist())} of type {k!r} (starting in "
                            f"{periods[g]!r}) have no comparison area of their type that is untreated in "
                            f"{periods[t]!r}: every area of type {k!r} is treated by then. Use "
                            f"comparison='not_yet_treated' or 'never_treated' (any type), or drop the periods.")
                    empty_cells.append((periods[g], periods[t], k))
                    rows.append((g, t, k, int(tr.sum()), 0, 0.0, np.nan, np.nan))
                    infl.append(np.zeros(len(areas)))
                    trmask.append(tr)
                    continue
                use = tr | co
                compared |= co
                idx = np.flatnonzero(use)
                y = np.concatenate([E[idx, b], E[idx, t]])
                n = np.concatenate([N[idx, b], N[idx, t]])
                tt = np.concatenate([tr[idx], tr[idx]]).astype(float)
                post = np.repeat([0.0, 1.0], len(idx))
                keep = n > 0
                X = np.column_stack([np.ones(len(y)), tt, post, tt * post])
                est, inf_obs = _fit(regression, y[keep], n[keep], X[keep])
                per_area = np.zeros(len(areas))
                np.add.at(per_area, np.concatenate([idx, idx])[keep], inf_obs)
                # small-sample factor per group, as the two-sample variance with n - 1 (see Notes)
                for m in (tr, co):
                    n_m = int(m.sum())
                    if n_m > 1:
                        per_area[m] *= math.sqrt(n_m / (n_m - 1))
                rows.append((g, t, k, int(tr.sum()), int(co.sum()), float(N[tr, t].sum()), est,
                             np.nan))
                infl.append(per_area)
                trmask.append(tr)
                for grp, m in (("treated", tr), ("comparison", co)):
                    for q in (b, t):
                        count_rows.append((periods[g], k, periods[t], grp, periods[q], int(m.sum()), E[m, q].sum(),
                                           N[m, q].sum()))
    if empty_cells:
        warnings.warn(f"{len(empty_cells)} cohort-period cell(s) have no comparison area (every area is treated by "
                      f"then), e.g. cohort {empty_cells[0][0]!r} in {empty_cells[0][1]!r}; they are NaN in "
                      f".group_time and left out of the aggregates.", SegstatWarning, stacklevel=2)

    scale = 1.0 if regression == "poisson" else per
    TR = np.array(trmask)
    Psi = np.array(infl) * scale
    gt = pd.DataFrame(rows, columns=["g", "t", "stratum", "treated_areas", "comparison_areas", "weight", "beta",
                                     "_"])
    gt["beta"] = gt["beta"] * scale
    n_clusters = int((np.abs(Psi).sum(axis=0) > 0).sum())
    corr = 1.0  # the small-sample factors are in Psi, per cell and group

    def aggregate(mask: np.ndarray) -> tuple[float, float, np.ndarray, int]:
        ok = mask & gt["beta"].notna().to_numpy() & (gt["weight"].to_numpy() > 0)
        if not ok.any():
            return np.nan, np.nan, np.zeros(len(areas)), 0
        w = gt["weight"].to_numpy()[ok]
        w = w / w.sum()
        est = float(w @ gt["beta"].to_numpy()[ok])
        psi = w @ Psi[ok]
        dof = int(TR[ok].any(axis=0).sum()) - 1  # treated areas behind the estimate, minus 1
        return est, float(np.sqrt(corr * (psi @ psi))), psi, dof

    cell_se = np.sqrt(corr * (Psi**2).sum(axis=1))
    cell_dof = gt["treated_areas"].to_numpy() - 1
    et = (gt["t"].to_numpy() - gt["g"].to_numpy()).astype(np.int64)  # whole periods from the start

    def present(est: Any, se: Any, dof: Any) -> tuple[Any, Any, Any]:
        dof = np.asarray(dof, dtype=float)
        with np.errstate(invalid="ignore"):
            q = np.where(dof >= 1, student_t.ppf(0.5 + level / 2, np.maximum(dof, 1)), np.nan)
        lo, hi = np.asarray(est) - q * np.asarray(se), np.asarray(est) + q * np.asarray(se)
        if regression == "poisson":
            return np.exp(est), np.exp(lo), np.exp(hi)
        return est, lo, hi

    e_, l_, u_ = present(gt["beta"].to_numpy(), cell_se, cell_dof)
    group_time = pd.DataFrame({"cohort": [periods[g] for g in gt["g"]], "period": [periods[t] for t in gt["t"]],
                               "event_time": et, "stratum": gt["stratum"].to_numpy(),
                               "treated_areas": gt["treated_areas"], "comparison_areas": gt["comparison_areas"],
                               "weight": gt["weight"], "estimate": e_, "std_error": cell_se, "lower": l_,
                               "upper": u_})

    est, se, _, dof = aggregate(et >= 0)
    e_o, l_o, u_o = present(est, se, dof)
    ckm = is_ckm(data)
    overall = pd.DataFrame({"estimate": [e_o], "lower": [l_o], "upper": [u_o], "std_error": [se],
                            "p_value": [_p_value(est, se, dof)],
                            "treated_areas": [int((~never).sum())],
                            "comparison_areas": [int(compared.sum())],
                            "scale": ["rate_ratio" if regression == "poisson" else "rate_difference"],
                            "ckm": [ckm]})

    es_rows, leads, lead_psi = [], [], []
    lead_cells = (et <= -2) & gt["beta"].notna().to_numpy()
    for e in sorted(set(et.tolist()) | {-1}):
        if e == -1:
            ref = 1.0 if regression == "poisson" else 0.0
            es_rows.append((e, ref, ref, ref, 0.0, np.nan, 0))
            continue
        est_e, se_e, psi_e, dof_e = aggregate(et == e)
        ee, ll, uu = present(est_e, se_e, dof_e)
        p = _p_value(est_e, se_e, dof_e)
        es_rows.append((e, ee, ll, uu, se_e, p, int((et == e).sum())))
        if e <= -2 and np.isfinite(est_e):
            leads.append(est_e)
            lead_psi.append(psi_e)
    event_study = pd.DataFrame(es_rows, columns=["event_time", "estimate", "lower", "upper", "std_error",
                                                 "p_value", "cells"])
    if leads:
        th = np.array(leads)
        P = np.array(lead_psi)
        V = corr * (P @ P.T)
        stat = float(th @ np.linalg.pinv(V) @ th)
        df_ = len(leads)
        # the lead resting on the fewest treated areas bounds the precision of the covariance
        den = min(int(TR[lead_cells & (et == e)].any(axis=0).sum()) for e in set(et[lead_cells].tolist())) - 1
        p_pre = float(f_dist.sf(stat / df_, df_, den)) if den >= 1 else float("nan")
        pre = pd.DataFrame({"statistic": [stat], "df": [df_], "df_denominator": [den], "p_value": [p_pre]})
    else:
        pre = pd.DataFrame({"statistic": [np.nan], "df": [0], "df_denominator": [0], "p_value": [np.nan]})
    counts = pd.DataFrame(count_rows, columns=["cohort", "stratum", "cell_period", "group", "period", "areas",
                                               events, population])
    for c in (events, population):
        if np.allclose(counts[c], np.round(counts[c])):
            counts[c] = counts[c].round().astype("int64")
    info = {"regression": regression, "comparison": comparison, "confidence_level": level, "per": per,
            "start": start, "clusters": n_clusters, "ckm": ckm, "ckm_note": CKM_NOTE if ckm else None}
    out = []
    for frame in (overall, event_study, pre, group_time, counts):
        frame.attrs = {}
        carry_provenance(frame, data)
        frame.attrs["segstat.effect"] = dict(info)
        out.append(frame)
    return Effect(*out)

