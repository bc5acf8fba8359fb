"""Indicators by områdestyp over time (:func:`follow_up`): fixed (baseline) or yearly types, the gap between the
most and least disadvantaged type, and the change of the rate split into reclassification and within-area change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validation import check_choice, examples
from ..errors import InputValueError
from ..measures._inputs import check_confidence_level
from ..measures.rates import _check_per
from ._panel import (
    baseline_types,
    carry_provenance,
    check_noise_variance,
    check_panel,
    is_ckm,
    noise_note,
    sorted_periods,
    type_order,
)

__all__ = ["FollowUp", "follow_up"]


@dataclass(frozen=True)
class FollowUp:
    """The tables of :func:`follow_up`. Each is a DataFrame with the provenance in ``attrs``.

    Attributes
    ----------
    rates : DataFrame
        One row per period and type: ``areas``, ``events``, ``population``, ``rate``, ``lower``, ``upper``
        (Garwood's exact Poisson interval, widened by the cell-key noise when ``noise_variance`` is given),
        ``ckm`` (the population is cell-key perturbed).
    gap : DataFrame
        One row per period: the most (first) and least (last) disadvantaged type, their rates,
        ``difference`` and ``ratio`` with intervals.
    gap_change : DataFrame
        One row per period after the first: the change of the difference and of the ratio since the first
        period, with intervals and two-sided p-values.
    decomposition : DataFrame
        One row per later period and type where both classifications are known: the change since the baseline
        of the rate by yearly type split into ``within`` (the same areas, baseline types) and
        ``reclassification`` (areas that changed type), as :func:`segstat.decompose_change` with
        ``reference="start"``.
    counts : DataFrame
        The counts behind each rate (period, type, events, population), for :func:`segstat.protect`.
    """

    rates: pd.DataFrame
    gap: pd.DataFrame
    gap_change: pd.DataFrame
    decomposition: pd.DataFrame
    counts: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The rates by period and type (a copy)."""
        return self.rates.copy()

    def __repr__(self) -> str:
        a = self.rates.attrs.get("segstat.follow_up", {})
        return (f"FollowUp(types={a.get('types')!r}, baseline={a.get('baseline')!r}, "
                f"{self.rates.iloc[:, 0].nunique()} periods, {len(self.rates)} rate rows, "
                f"{len(self.decomposition)} decomposition rows{', CKM' if a.get('ckm') else ''})")


def _z(level: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 2))


def _p(z: np.ndarray) -> np.ndarray:
    from scipy.stats import norm

    return 2 * norm.sf(np.abs(z))


def follow_up(
    data: pd.DataFrame,
    *,
    events: str,
    population: str,
    area: str,
    period: str,
    types: Literal["baseline", "yearly"] = "baseline",
    baseline: Any = None,
    subgroup: str | None = None,
    vintage: int | None = None,
    confidence_level: float = 0.95,
    per: float = 1000,
    noise_variance: float | None = None,
) -> FollowUp:
    """Rates per områdestyp and period, with fixed or yearly types, the gap and its change.

    Parameters
    ----------
    data : pandas.DataFrame
        A panel: one row per area and period, every area in every period.
    events, population : str
        Count columns of the rate.
    area : str
        Column of area codes (RegSO when the types come from SCB's bundled table).
    period : str
        Column of the period (the year).
    types : {"baseline", "yearly"}, default "baseline"
        ``"baseline"``: every area keeps its type of the ``baseline`` period (did the type-1 areas of 2022
        improve?). ``"yearly"``: each period's own types (how do this year's type-1 areas fare?).
    baseline : period value, optional
        Period whose types are kept. Default: the first period with a type for every area. With the bundled
        types (``subgroup=None``) any bundled year (2022, 2023) may be given, also outside the data.
    subgroup : str, optional
        Column of the area's type in each period. ``None`` attaches SCB's official områdestyp
        (:func:`segstat.omradestyp`) to RegSO codes for the bundled years.
    vintage : {2018, 2025}, optional
        Series of the RegSO codes when ``subgroup=None``; ``None`` takes it from the data's attrs.
    confidence_level : float, default 0.95
    per : float, default 1000
    noise_variance : float, optional
        Variance :math:`V` of the cell-key noise on each row's ``population`` figure (each row one separately
        perturbed cell), as given to :func:`segstat.perturb`. When given, every interval and test includes the
        noise (see Notes). None: the noise is not known (SCB does not publish it) and the intervals cover the
        Poisson variation only; with SCB's CKM provenance the note in ``attrs`` says so.

    Returns
    -------
    FollowUp
        ``.rates``, ``.gap``, ``.gap_change``, ``.decomposition``, ``.counts`` (see :class:`FollowUp`).

    Raises
    ------
    InputValueError
        An area missing in some periods; repeated area-period rows; ``types="yearly"`` with a period that has
        no types; a baseline without types; ``noise_variance`` negative, not finite or a bool.

    Notes
    -----
    Rate of type :math:`k` in period :math:`t`: :math:`R_{kt} = \\sum_{i \\in k} e_{it} / \\sum_{i \\in k} n_{it}`
    with Garwood's exact interval. The gap between the first type :math:`a` and the last :math:`b` is
    :math:`D_t = R_{at} - R_{bt}` with variance :math:`\\sum e/n^2` (Poisson, per type) and
    :math:`Q_t = R_{at}/R_{bt}` with :math:`\\operatorname{var}\\log Q_t = 1/E_{at} + 1/E_{bt}`. The change of the gap
    since the first period :math:`t_0` treats the two periods as independent Poisson counts:
    :math:`D_t - D_{t_0}` with the variances summed, and the ratio of ratios :math:`Q_t / Q_{t_0}` on the log
    scale, each with a Wald z-test. Decomposition: :func:`segstat.decompose_change` between the baseline and
    each later period (Das Gupta-style, exactly additive).

    Cell-key noise (``noise_variance=V``): the population total :math:`N` of a type and period sums :math:`m`
    rows, each perturbed independently, so :math:`\\operatorname{var} N = mV` and, by the delta method,
    :math:`\\operatorname{var} \\log R \\mathrel{+}= c = mV/N^2`. Garwood's bounds :math:`L \\le R \\le U` are widened
    on the log scale, their half-widths read as :math:`z` standard errors:
    :math:`L' = R \\exp(-\\sqrt{\\log^2(R/L) + z^2 c})`, :math:`U' = R \\exp(\\sqrt{\\log^2(U/R) + z^2 c})`; with no
    events :math:`L' = 0` and :math:`U' = U \\exp(z\\sqrt{c})`. The gap adds :math:`R_a^2 c_a + R_b^2 c_b` to
    :math:`\\operatorname{var} D_t` and :math:`c_a + c_b` to :math:`\\operatorname{var} \\log Q_t`, and so enters the
    change of the gap and its test. The noise of the events (if perturbed too) is not included.

    References
    ----------
    Garwood (1936) Biometrika 28:437; Rothman, Greenland & Lash, *Modern Epidemiology* (3rd ed., 2008),
    ch. 14 (Wald intervals for rate differences and ratios); Das Gupta (1993) *Standardization and
    Decomposition of Rates*, US Census Bureau P23-186. Delta method: Casella & Berger, *Statistical
    Inference* (2nd ed., 2002), section 5.5.4. Cell-key method: Thompson, Broadfoot & Elazar (2013),
    *Methodology for the automatic confidentialisation of statistical outputs from remote servers at the
    Australian Bureau of Statistics*, UNECE/Eurostat work session on statistical data confidentiality;
    Giessing (2016), Computational issues in the design of transition probabilities and disclosure risk
    estimation for additive noise, *Privacy in Statistical Databases*, LNCS 9867, 237-251.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"regso": ["A", "B"] * 2, "year": [2022, 2022, 2023, 2023], "e": [10, 2, 8, 2],
    ...                   "n": [1000, 1000, 1000, 1000], "typ": [1, 5, 1, 5]})
    >>> r = segstat.follow_up(d, events="e", population="n", area="regso", period="year", subgroup="typ")
    >>> r.gap[["year", "difference", "ratio"]].values.tolist()
    [[2022.0, 8.0, 5.0], [2023.0, 6.0, 4.0]]
    """
    from ..measures import _intervals

    check_choice("types", types, ("baseline", "yearly"))
    level = check_confidence_level(confidence_level)
    per = _check_per(per)
    noise_variance = check_noise_variance(noise_variance)
    data = check_panel(data, area=area, period=period, events=events, population=population)
    periods = sorted_periods(data, period)
    base, base_types, known = baseline_types(data, area=area, period=period, subgroup=subgroup, baseline=baseline,
                                             vintage=vintage, periods=periods, caller="follow_up()")
    tname = subgroup or "omradestyp"
    # work on integer area codes from here (text codes in Arrow-backed columns are slow to look up)
    codes, uniques = pd.factorize(data[area])
    ids = np.arange(len(uniques))
    known = {p: pd.Series(t.reindex(uniques).to_numpy(), index=ids) for p, t in known.items()}
    base_types = pd.Series(base_types.reindex(uniques).to_numpy(), index=ids, dtype=base_types.dtype)
    data = carry_provenance(pd.DataFrame({area: codes, period: data[period].to_numpy(),
                                          events: data[events].to_numpy(), population: data[population].to_numpy()},
                                         index=data.index), data)
    if types == "yearly":
        lacking = [p for p in periods if p not in known]
        if lacking:
            where = (f"fill {subgroup!r}" if subgroup else
                     f"SCB's official types are bundled for {examples(sorted(known))}; pass subgroup= with your own "
                     f"types")
            raise InputValueError(f"types='yearly' needs a type for every area in every period; none is known for "
                                  f"{examples(lacking)} ({where}), or use types='baseline'.")
        typ = np.empty(len(data), dtype=object)
        for p in periods:
            rows = (data[period] == p).to_numpy()
            typ[rows] = known[p].reindex(data.loc[rows, area].to_numpy()).to_numpy()
    else:
        typ = base_types.reindex(data[area].to_numpy()).to_numpy()
    if pd.isna(pd.Series(typ, dtype=object)).any():
        miss = uniques[pd.unique(codes[pd.isna(pd.Series(typ, dtype=object)).to_numpy()])].tolist()
        raise InputValueError(f"areas without a type: {examples(miss)}; fill {tname!r}.")
    order = type_order(base_types if types == "baseline" else pd.Series(typ, dtype=base_types.dtype))
    if len(order) < 1:
        raise InputValueError("no types found.")

    work = pd.DataFrame({period: data[period].to_numpy(), tname: typ, "e": data[events].to_numpy(float),
                         "n": data[population].to_numpy(float)})
    g = work.groupby([period, tname], sort=False).agg(areas=("e", "size"), e=("e", "sum"), n=("n", "sum"))
    idx = pd.MultiIndex.from_product([periods, order], names=[period, tname])
    g = g.reindex(idx)
    g["areas"] = g["areas"].fillna(0).astype("int64")
    g[["e", "n"]] = g[["e", "n"]].fillna(0.0)
    e, n = g["e"].to_numpy(), g["n"].to_numpy()
    lo, hi = _intervals.poisson_exact(e, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate, lower, upper = e / n * per, lo / n * per, hi / n * per
    if noise_variance:
        lower, upper = _with_noise(rate, lower, upper, _relative_noise(noise_variance, g["areas"].to_numpy(), n),
                                   _z(level))
    ckm = is_ckm(data)
    rates = pd.DataFrame({period: g.index.get_level_values(0), tname: g.index.get_level_values(1),
                          "areas": g["areas"].to_numpy(), events: _whole(e), population: _whole(n),
                          "rate": rate, "lower": lower, "upper": upper, "ckm": ckm})
    if isinstance(base_types.dtype, pd.CategoricalDtype):
        rates[tname] = pd.Categorical(rates[tname], dtype=base_types.dtype)

    gap, change = _gap(rates, period, tname, events, population, order, periods, per, level, noise_variance or 0.0)
    decomposition = _decomposition(data, known, base, periods, area, period, events, population, tname, per)
    info = {"types": types, "baseline": base, "subgroup": subgroup, "confidence_level": level, "per": per,
            "ckm": ckm, "noise_variance": noise_variance, "ckm_note": noise_note(ckm, noise_variance),
            "most": order[0], "least": order[-1]}
    counts = rates[[period, tname, "areas", events, population]].copy()
    out = []
    for frame in (rates, gap, change, decomposition, counts):
        frame.attrs = {}
        carry_provenance(frame, data)
        frame.attrs["segstat.follow_up"] = dict(info)
        out.append(frame)
    return FollowUp(*out)


def _whole(x: np.ndarray) -> np.ndarray:
    return x.astype("int64") if np.allclose(x, np.round(x)) else x


def _relative_noise(noise_variance: float, rows: np.ndarray, n: np.ndarray) -> np.ndarray:
    """var N / N² of population totals summing ``rows`` perturbed figures each of variance ``noise_variance``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return noise_variance * rows / n**2


def _with_noise(rate: np.ndarray, lower: np.ndarray, upper: np.ndarray, c: np.ndarray,
                z: float) -> tuple[np.ndarray, np.ndarray]:
    """Rate bounds widened on the log scale by the relative variance ``c`` of the denominator (delta method):
    each half-width :math:`h` (read as z standard errors) becomes :math:`\\sqrt{h^2 + z^2 c}`; no events: lower 0,
    upper times :math:`e^{z\\sqrt{c}}`. Where ``c`` is 0 or unknown the bounds stay as they are."""
    extra = z**2 * c
    with np.errstate(divide="ignore", invalid="ignore"):
        widen = np.isfinite(extra) & (extra > 0)
        pos = widen & (rate > 0)
        lo = np.where(pos, rate * np.exp(-np.sqrt(np.log(rate / lower) ** 2 + extra)), lower)
        hi = np.where(pos, rate * np.exp(np.sqrt(np.log(upper / rate) ** 2 + extra)),
                      np.where(widen, upper * np.exp(np.sqrt(extra)), upper))
    return lo, hi


def _gap(rates: pd.DataFrame, period: str, tname: str, events: str, population: str, order: list, periods: list,
         per: float, level: float, noise_variance: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    z = _z(level)
    a = rates[rates[tname].astype(object) == order[0]].set_index(period).reindex(periods)
    b = rates[rates[tname].astype(object) == order[-1]].set_index(period).reindex(periods)
    ea, na = a[events].to_numpy(float), a[population].to_numpy(float)
    eb, nb = b[events].to_numpy(float), b[population].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ra, rb = ea / na * per, eb / nb * per
        diff = ra - rb
        var_d = (ea / na**2 + eb / nb**2) * per**2
        ratio = ra / rb
        var_q = 1 / ea + 1 / eb
        if noise_variance:  # the denominators' cell-key noise, delta method (see follow_up's Notes)
            ca = _relative_noise(noise_variance, a["areas"].to_numpy(float), na)
            cb = _relative_noise(noise_variance, b["areas"].to_numpy(float), nb)
            var_d = var_d + ra**2 * ca + rb**2 * cb
            var_q = var_q + ca + cb
        se_d, se_q = np.sqrt(var_d), np.sqrt(var_q)
        gap = pd.DataFrame({period: periods, "most": order[0], "least": order[-1], "rate_most": ra,
                            "rate_least": rb, "difference": diff, "difference_lower": diff - z * se_d,
                            "difference_upper": diff + z * se_d, "ratio": ratio,
                            "ratio_lower": ratio * np.exp(-z * se_q), "ratio_upper": ratio * np.exp(z * se_q)})
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = diff[1:] - diff[0]
        se_dd = np.sqrt(var_d[1:] + var_d[0])
        lq = np.log(ratio[1:]) - np.log(ratio[0])
        se_lq = np.sqrt(var_q[1:] + var_q[0])
        change = pd.DataFrame({
            "from_period": [periods[0]] * (len(periods) - 1), period: periods[1:],
            "difference_change": dd, "difference_change_lower": dd - z * se_dd,
            "difference_change_upper": dd + z * se_dd, "difference_change_p_value": _p(dd / se_dd),
            "ratio_change": np.exp(lq), "ratio_change_lower": np.exp(lq - z * se_lq),
            "ratio_change_upper": np.exp(lq + z * se_lq), "ratio_change_p_value": _p(lq / se_lq)})
    return gap, change


_DECOMP = ["rate_start", "rate_end", "change", "within", "reclassification", "areas_in", "areas_out"]


def _decomposition(data: pd.DataFrame, known: dict, base: Any, periods: list, area: str, period: str, events: str,
                   population: str, tname: str, per: float) -> pd.DataFrame:
    from ..measures.change import decompose_change

    parts = []
    if base in periods:
        for p in periods:
            if p == base or p not in known:
                continue
            sub = data.loc[data[period].isin([base, p]), [area, period, events, population]].copy()
            sub["__type"] = _types_rows(sub, known, area, period)
            d = decompose_change(sub, area=area, period=period, events=events, population=population,
                                 subgroup="__type", start=base, end=p, per=per)
            d = d.reset_index().rename(columns={"__type": tname})
            d.insert(0, period, p)
            d.insert(0, "from_period", base)
            parts.append(d)
    if not parts:
        return pd.DataFrame({"from_period": pd.Series(dtype=object), period: pd.Series(dtype=object),
                             tname: pd.Series(dtype=object), **{c: pd.Series(dtype=float) for c in _DECOMP}})
    return pd.concat(parts, ignore_index=True)


def _types_rows(sub: pd.DataFrame, known: dict, area: str, period: str) -> np.ndarray:
    out = np.empty(len(sub), dtype=object)
    for q in pd.unique(sub[period]):
        rows = (sub[period] == q).to_numpy()
        out[rows] = known[q].reindex(sub.loc[rows, area].to_numpy()).to_numpy()
    return out
