"""Disparity across groups (for example områdestyper), with HEAT's definitions.

Each measure is a function of the subgroup rates :math:`y_j` with the
population shares :math:`p_j` and ridit ranks :math:`X_j` held fixed. Point
estimates follow WHO's Health Equity Assessment Toolkit (HEAT) technical
notes; intervals use the delta method where HEAT has an analytic formula and
a parametric simulation (Poisson or binomial counts) otherwise.
"""

from __future__ import annotations

import math
import numbers
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._typing import RNGLike
from .._validation import (
    check_choice,
    check_columns,
    check_counts,
    check_dataframe,
    check_rng,
    column_list,
    examples,
)
from ..errors import InputValueError, SegstatWarning
from ._heat import _measures, _safe_log, _Setup
from ._inputs import check_confidence_level, check_n_resamples
from ._resampling import _simulated_interval
from ._split import Positions, check_by, split_apply
from .rates import _check_per

__all__ = ["MEASURES", "disparity"]


MEASURES = tuple(_measures())


def _setup(data: pd.DataFrame, events: str, population: str, subgroup: str, order: Sequence[Any] | None,
           reference: Any, favourable: bool, per: float, regression: str = "linear") -> _Setup:
    if data[subgroup].isna().any():
        raise InputValueError(f"subgroup column {subgroup!r} is missing in rows "
                              f"{examples(data.index[data[subgroup].isna()].tolist())}; fill it first.")
    agg = data.groupby(subgroup, sort=False, observed=True)[[events, population]].sum()
    present = list(agg.index)
    if order is not None:
        order = list(order)
        if len(set(order)) != len(order):
            raise InputValueError(f"order repeats labels: {examples([o for o in order if order.count(o) > 1])}.")
        unknown = [o for o in order if o not in present]
        missing = [g for g in present if g not in order]
        if unknown or missing:
            raise InputValueError(
                f"order must list every group exactly once, most disadvantaged first; "
                f"{'not in data: ' + examples(unknown) + '; ' if unknown else ''}"
                f"{'missing from order: ' + examples(missing) if missing else ''}".rstrip("; ") + ".")
        labels, ordered = order, True
    elif isinstance(data[subgroup].dtype, pd.CategoricalDtype) and data[subgroup].cat.ordered:
        labels, ordered = [c for c in data[subgroup].cat.categories if c in present], True
    else:
        labels, ordered = sorted(present, key=lambda v: (str(type(v)), v)), False
    if len(labels) < 2:
        raise InputValueError(f"subgroup {subgroup!r} has {len(labels)} subgroup(s); disparity needs at least two.")
    agg = agg.reindex(labels)
    e, n = agg[events].to_numpy(float), agg[population].to_numpy(float)
    if (n == 0).any():
        raise InputValueError(f"population is zero for group(s) {examples([labels[i] for i in np.flatnonzero(n == 0)])}; "
                              f"their rate is undefined. Remove or merge them.")
    with np.errstate(over="ignore", divide="ignore"):
        y = e / n * per
        var_ok = np.isfinite(y) & np.isfinite(y * per / n)  # the Poisson variance per * y / n must exist too
    if not var_ok.all():
        bad = np.flatnonzero(~var_ok)
        raise InputValueError(f"the rates of group(s) {examples([labels[i] for i in bad])} (events "
                              f"{examples(e[bad].tolist())} over population {examples(n[bad].tolist())}) are too "
                              f"large for floating point; a population this small is not a count of persons or "
                              f"person-years. Check the population column.")
    p = n / n.sum()
    X = np.cumsum(p) - p / 2
    best = int(np.argmax(y) if favourable else np.argmin(y))
    if ordered:
        dis, adv = 0, len(labels) - 1
        par_ref = adv
    else:  # non-ordered: D and R compare the highest with the lowest rate, as HEAT does
        adv, dis = int(np.argmax(y)), int(np.argmin(y))
        # PAR/PAF: the best-performing group (HEAT; healthequal's parisk/paf), which for an adverse outcome is
        # the lowest rate, not the highest that D and R use
        par_ref = best
        _warn_if_omradestyp(subgroup, labels)
    if reference is not None:
        if reference not in labels:
            raise InputValueError(f"reference={reference!r} is not a group; groups are {examples(labels, 10)}.")
        adv = par_ref = labels.index(reference)
    return _Setup(labels=labels, events=e, population=n, y=y, p=p, X=X, ordered=ordered, adv=adv, dis=dis,
                  best=best, par_ref=par_ref, per=per, regression=regression)


_OMRADESTYP_COLUMN = re.compile(r"omradestyp(_\d{4})?")   # also attach_omradestyp's default name


def _warn_if_omradestyp(subgroup: str, labels: list[Any]) -> None:
    """Warn when plain områdestyp codes (integers 1-5, as read from a CSV) are treated as non-ordered.

    The user guide compares type 5 with type 1, but a plain integer column carries no order; guessing one
    (1 most disadvantaged) would silently change D, R, PAR and PAF, so the behaviour stays and the warning
    says how to give the order."""
    if not (isinstance(subgroup, str) and _OMRADESTYP_COLUMN.fullmatch(subgroup)):
        return
    codes = {1, 2, 3, 4, 5}
    if not all(isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) and v in codes for v in labels):
        return
    order = sorted(int(v) for v in labels)
    warnings.warn(
        f"subgroup column {subgroup!r} holds områdestyp codes {order} without an order, so the groups are treated as "
        f"non-ordered: D and R compare the highest with the lowest rate and SII, RII, ACI and RCI are not "
        f"computed. To compare type 5 with type 1, pass order={order} (most disadvantaged first) or make the "
        f"column an ordered categorical, e.g. pd.Categorical(data[{subgroup!r}], categories={order}, ordered=True).",
        SegstatWarning, stacklevel=5)  # _setup, table_of, disparity, the caller


def _gradient(fn: Callable, y: np.ndarray, s: _Setup) -> np.ndarray:
    """Central-difference gradient of fn at y (vectorised over the G directions)."""
    h = np.maximum(np.abs(y), 1e-3) * 1e-6
    eye = np.eye(len(y)) * h
    with np.errstate(invalid="ignore", divide="ignore"):
        up, down = fn(y + eye, s), fn(y - eye, s)
        return (up - down) / (2 * h)


def disparity(
    data: pd.DataFrame,
    *,
    events: str,
    population: str,
    subgroup: str = "omradestyp",
    order: Sequence[Any] | None = None,
    reference: Any = None,
    measures: Sequence[str] | None = None,
    ci: Literal["analytic", "simulation"] | None = "analytic",
    confidence_level: float = 0.95,
    per: float = 1000,
    favourable: bool = False,
    n_resamples: int = 2000,
    rng: RNGLike = None,
    regression: Literal["linear", "logistic", "poisson"] = "linear",
    variance: Literal["poisson", "binomial"] | None = None,
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Summary measures of disparity across groups, as defined by WHO's HEAT.

    Parameters
    ----------
    data : pandas.DataFrame
        Counts per group (rows of the same group are summed).
    events, population : str
        Columns of event counts and population.
    subgroup : str, default "omradestyp"
        Column of subgroup labels (HEAT's word), compared with each other. An ordered categorical (such as områdestyp 1-5)
        defines the order; its **first** category is the most disadvantaged
        (områdestyp 1) and the last the most advantaged (områdestyp 5).
    order : sequence, optional
        Group labels from most disadvantaged to most advantaged; overrides the
        column's order. Without any order the groups are non-ordered: D and R
        compare the highest with the lowest rate and the ordered measures
        (SII, RII, ACI, RCI) are not computed.
    reference : label, optional
        Compare with this group instead of the default reference (D, R, PAR,
        PAF): the most advantaged group for ordered groups; for non-ordered
        groups the highest rate for D and R and the best-performing group for
        PAR and PAF. A reference equal to the group it is compared with gives
        D = 0 and R = 1 with a note.
    measures : str or sequence of str, optional
        One measure or a subset of :data:`MEASURES`; all by default.
    ci : {"analytic", "simulation", None}, default "analytic"
        ``"analytic"``: delta-method (normal) intervals where HEAT has a
        formula (log scale for R and RII), simulation for IDis, MDB and MDM.
        ``"simulation"``: every interval by parametric simulation.
    confidence_level : float, default 0.95
        Confidence level, any real number strictly between 0 and 1 (numpy
        scalars too).
    per : float, default 1000
        Rates per this many persons.
    favourable : bool, default False
        Whether a higher rate is better. Decides the best-performing group
        (lowest rate for adverse outcomes such as sickness benefit, highest
        for favourable ones): the reference of MDB and, for non-ordered
        groups, of PAR and PAF (HEAT; WHO's ``healthequal`` ``parisk`` and
        ``paf``). It does not change signs: as in HEAT, D, SII and ACI are
        positive when the rate is higher among the advantaged.
    n_resamples : int, default 2000
        Simulated datasets for simulation intervals; at least
        2 / (1 - confidence_level) (40 at 0.95), so that each tail of the
        percentile interval holds a replicate.
    rng : int, Generator or None
        Seed for simulation intervals (IDis, MDB and MDM are simulated even
        with ``ci="analytic"``): pass one for intervals that are the same
        on every run.
    regression : {"linear", "logistic", "poisson"}, default "linear"
        Model of SII and RII on ridit rank. ``"linear"``: population-weighted
        least squares of the group rates (HEAT's model for continuous
        indicators; the fitted line can fall below 0, and RII is then
        undefined). ``"logistic"``: logit of the proportion, fitted by maximum
        likelihood to events out of population (WHO's ``healthequal`` for
        proportions; needs events <= population). ``"poisson"``: log of the
        rate with the population as exposure (for rates that can exceed one
        per person). The two models keep fitted rates positive. The default
        stays linear because the linear SII is the one in HEAT's definitions
        and in the coverage benchmark; choose a model when the rates are far
        from linear in rank.
    variance : {"poisson", "binomial", None}, default None
        Sampling model of the events behind the intervals. ``"poisson"``:
        events are Poisson counts, :math:`\\operatorname{var}(y_j) = y_j
        \\cdot per / n_j`, for rates (person-years, events that can repeat).
        ``"binomial"``: events are persons out of the population,
        :math:`\\operatorname{var}(y_j) = per^2\\, \\pi_j(1-\\pi_j)/n_j` with
        :math:`\\pi_j = e_j/n_j`, simulated as :math:`\\text{Binomial}(n_j,
        \\pi_j)`; it needs events <= population. The Poisson variance is the
        binomial one divided by :math:`1-\\pi_j`, so for proportions it is
        close only while they are small (at 99 % it is 100 times too large).
        ``None`` takes ``"binomial"`` with ``regression="logistic"``, which
        already declares the data proportions, and ``"poisson"`` otherwise:
        segstat cannot tell persons from person-years, and the Poisson model
        is the right one for rates (and was the only one before); pass
        ``"binomial"`` for proportions with a linear or Poisson regression.

    by : str or list of str, optional
        One set of measures per value of these columns (for example
        ``"year"`` to follow the gaps over time, or ``"kommun"``), each
        computed from that part of the data alone, in sorted order of the
        ``by`` values: every part's simulated intervals are those of the
        part on its own with the same ``rng`` (a Generator gives one seed,
        drawn once, to every part). ``order=`` lists the groups
        of the whole data; a part without some of them (a kommun with no
        områdestyp 1) keeps the others in that order. An error in one part
        (a year with only one group, a group with no population) names that
        part. A ``by`` column cannot have the name of a result column
        (``measure``, ``type``, ...).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns (when given), then one row per measure: ``measure``, ``estimate``, ``lower``, ``upper``,
        ``method``, ``type`` (absolute/relative), ``unit``, ``comparison``
        (the two groups of D and R, the reference group of PAR and PAF against
        the overall rate), ``note`` (why a value is undefined, when it is, and
        what an interval leaves out).

    Notes
    -----
    With subgroup rates :math:`y_j`, population shares :math:`p_j`,
    :math:`\\mu = \\sum_j p_j y_j`, ridit ranks
    :math:`X_j = \\sum_{k<j} p_k + p_j/2` (most disadvantaged first), A the
    most advantaged (or reference) and B the most disadvantaged group
    (non-ordered: A the highest and B the lowest rate), and Ref the reference
    of PAR and PAF (ordered: A; non-ordered: the best-performing group, the
    lowest rate unless ``favourable=True``; or ``reference``):
    :math:`D = y_A - y_B`, :math:`R = y_A/y_B`, :math:`PAR = y_{Ref} - \\mu`,
    :math:`PAF = 100\\,PAR/\\mu`,
    :math:`BGV = \\sum p_j (y_j-\\mu)^2`, :math:`MDM = \\sum p_j|y_j-\\mu|`,
    :math:`MDB = \\sum p_j |y_j - y_{best}|`,
    :math:`IDis = 100 \\cdot \\frac{1}{J}\\sum_j |y_j-\\mu| / \\mu`,
    :math:`TI = 1000 \\sum p_j r_j \\ln r_j`, :math:`MLD = 1000 \\sum p_j (-\\ln r_j)`
    with :math:`r_j = y_j/\\mu`, :math:`ACI = \\sum p_j (2X_j-1) y_j`,
    :math:`RCI = 100\\,ACI/\\mu`; SII :math:`= \\hat v_1 - \\hat v_0` and RII
    :math:`= \\hat v_1/\\hat v_0` with :math:`\\hat v_x` the fitted rate at
    ridit :math:`x`: by default from the population-weighted least-squares
    line of :math:`y_j` on :math:`X_j`; with ``regression="logistic"``
    :math:`\\operatorname{logit} \\pi_j = a + bX_j` and with ``"poisson"``
    :math:`\\ln \\lambda_j = a + bX_j`, both fitted by maximum likelihood to
    the grouped counts (the same estimates as a fit to one row per person).

    WHO's ``healthequal`` sets PAR and PAF to 0 when the reference is worse
    than the mean (possible for ordered groups or a given ``reference``);
    segstat returns the signed value, which shows how far the reference is
    from the mean.

    The sampling variance of a rate is Poisson or binomial (``variance``).
    Analytic intervals:
    :math:`\\hat\\theta \\pm z \\sqrt{\\sum_j (\\partial\\theta/\\partial y_j)^2 \\operatorname{var}(y_j)}`
    (gradients by central differences). Simulation: events drawn as
    :math:`\\text{Poisson}(e_j)` or :math:`\\text{Binomial}(n_j, \\pi_j)`
    (a population that is not a whole number is rounded for the draw),
    percentile interval. Simulated values that are infinite (R or MLD when a
    simulated group has no events) are kept, so a limit can be infinite;
    undefined ones (NaN) are left out; the ``note`` counts both. A zero rate
    makes MLD (and R when it is the denominator) undefined; they are returned
    as NaN with a note, never replaced. TI uses :math:`0 \\ln 0 = 0`. A group
    with zero events (or, binomial, with every person an event) has a
    variance of 0, so every interval leaves out its uncertainty; the ``note``
    says so. RII is undefined (NaN, with a note) when the fitted line falls
    below 0 within ranks 0-1, where a ratio of fitted rates has no meaning.

    References
    ----------
    Hosseinpoor, A. R. et al. (2016). Health Equity Assessment Toolkit (HEAT).
    BMC Medical Research Methodology 16:117, doi:10.1186/s12874-016-0229-9.
    WHO (2024). Health inequality monitoring: harnessing data to advance health
    equity, Annex 11. Ahn, J. et al. (2019) on variance estimation of
    disparity measures. Schlotheuber, A. & Hosseinpoor, A. R. (2022). Summary
    measures of health inequality: a review of existing measures and their
    application. IJERPH 19(6):3697 (reference groups of PAR and PAF, as in
    the R package ``healthequal``). Agresti, A. (2013). Categorical Data
    Analysis, 3rd ed., section 1.3 (binomial variance of a proportion).

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"typ": pd.Categorical([1, 2, 3], ordered=True),
    ...                   "cases": [40, 30, 20], "pop": [1000, 1000, 2000]})
    >>> r = segstat.disparity(d, events="cases", population="pop", subgroup="typ", measures=["D", "R"])
    >>> r[["measure", "estimate"]].values.tolist()
    [['D', -30.0], ['R', 0.25]]
    """
    data = check_dataframe(data)
    by_cols = column_list(by)
    check_columns(data, {"events": events, "population": population, "subgroup": subgroup, "by": by_cols})
    check_counts(data, [events, population])
    check_choice("ci", ci, ("analytic", "simulation", None))
    level = check_confidence_level(confidence_level)
    n_sim = check_n_resamples(n_resamples, "simulated datasets")
    least = math.ceil(2 / (1 - level) - 1e-9)
    if ci is not None and n_sim < least:
        raise InputValueError(
            f"n_resamples={n_resamples!r} is too few simulated datasets for a {level:g} percentile interval: each "
            f"tail needs at least one replicate beyond the limit, so at least {least}; use the default 2000 (or "
            f"ci=None for the estimates alone).")
    per = _check_per(per)
    table = _measures()
    # a single name is one measure, not a sequence of one-letter names
    wanted = list(MEASURES) if measures is None else [measures] if isinstance(measures, str) else list(measures)
    bad = [m for m in wanted if m not in table]
    if bad:
        raise InputValueError(f"unknown measure(s) {examples(bad)}; choose from {', '.join(MEASURES)}.")
    over = data[events].to_numpy(float) > data[population].to_numpy(float)
    if over.any() and per <= 1:
        raise InputValueError("events exceed population in some rows; rates per person above 1 are not proportions.")
    check_choice("regression", regression, ("linear", "logistic", "poisson"))
    if regression == "logistic" and over.any():
        raise InputValueError(f"regression='logistic' models proportions, but events exceed population in rows "
                              f"{examples(data.index[over].tolist())}; use regression='poisson' for rates.")
    check_choice("variance", variance, ("poisson", "binomial", None))
    if variance is None:  # logistic regression declares proportions; anything else may be a rate
        variance = "binomial" if regression == "logistic" else "poisson"
    if variance == "binomial" and over.any():
        raise InputValueError(f"variance='binomial' models persons out of the population, but events exceed "
                              f"population in rows {examples(data.index[over].tolist())}; use variance='poisson' "
                              f"for rates.")
    from scipy.stats import norm

    z = float(norm.ppf(0.5 + level / 2))
    binomial = variance == "binomial"
    check_by(data, by_cols, _RESULT_COLUMNS)
    if by_cols and order is not None:  # order= names the subgroups of the whole data, each once
        _setup(data, events, population, subgroup, order, reference, favourable, per, regression)

    def one(pos: Positions, seed: int | None) -> pd.DataFrame:
        part = data.iloc[pos]
        # a part (a kommun without områdestyp 1) keeps the subgroups of order= that it has
        present = set(part[subgroup].tolist())
        part_order = None if order is None or not by_cols else [o for o in order if o in present]
        s = _setup(part, events, population, subgroup, order if not by_cols else part_order, reference,
                   favourable, per, regression)
        return _table(s, wanted, ci=ci, z=z, level=level, per=per, binomial=binomial, n_sim=n_sim,
                      gen=check_rng(seed), reference=reference)

    return split_apply(data, by_cols, rng, one, _RESULT_COLUMNS)


#: columns of disparity's result, which a ``by`` column cannot share a name with
_RESULT_COLUMNS = ("measure", "estimate", "lower", "upper", "method", "type", "unit", "comparison", "note")


def _table(s: _Setup, wanted: list[str], *, ci: str | None, z: float, level: float, per: float, binomial: bool,
           n_sim: int, gen: np.random.Generator, reference: Any) -> pd.DataFrame:
    """The measures of one set of groups (see :func:`disparity`), one row each."""
    table = _measures()
    # var(y) = per^2 var(e/n): Poisson e/n^2, binomial pi(1-pi)/n with y = per * pi
    var_y = s.y * (per - s.y) / s.population if binomial else s.y * per / s.population
    sims = None

    def simulated() -> np.ndarray:
        nonlocal sims
        if sims is None:
            size = (int(n_sim), len(s.y))
            if binomial:
                # numpy draws binomials of whole persons; a weighted population is rounded (at least 1)
                m = np.maximum(np.rint(s.population), 1)
                sims = gen.binomial(m.astype(np.int64), s.events / s.population, size=size) / m * per
            else:
                sims = gen.poisson(s.events, size=size) / s.population * per
        return sims

    # groups whose rate has no sampling variance, so intervals leave out their uncertainty
    full = binomial & (s.events == s.population)
    fixed = (s.y == 0) | full
    fixed_note = " and ".join(
        f"{what} in group(s) {examples([s.labels[i] for i in np.flatnonzero(mask)])}"
        for what, mask in (("zero events", s.y == 0), ("every person an event", full)) if mask.any())
    fixed_note += (f": a {'proportion of 0 or 1 has no binomial' if binomial else 'rate of 0 has no Poisson'} "
                   f"variance, so the interval leaves out their uncertainty")
    comparisons = {"D": f"{s.labels[s.adv]} vs {s.labels[s.dis]}", "R": f"{s.labels[s.adv]} vs {s.labels[s.dis]}",
                   "PAR": f"{s.labels[s.par_ref]} vs overall", "PAF": f"{s.labels[s.par_ref]} vs overall"}
    self_note = _self_comparison_note(s, reference)
    rows = []
    for name in wanted:
        fn, kind, unit, needs_order, analytic, log_scale = table[name]
        comparison = comparisons.get(name, "")
        notes = [self_note] if name in ("D", "R") and self_note else []
        if needs_order and not s.ordered:
            rows.append({"measure": name, "estimate": np.nan, "lower": np.nan, "upper": np.nan, "method": "not computed",
                             "type": kind, "unit": unit, "comparison": "", "note": "needs ordered groups (pass order=)"})
            continue
        est = float(fn(s.y, s))
        zero = [s.labels[i] for i in np.flatnonzero(s.y == 0)]
        if not np.isfinite(est):
            if name in ("SII", "RII") and s.regression != "linear":
                note = (f"undefined: the {s.regression} fit has no finite maximum (the rates run to 0 or, "
                        f"for proportions, to 1 at one end)")
            elif name == "RII":
                note = "undefined: the fitted line falls below a rate of 0 within ranks 0-1; report SII"
            else:
                note = f"undefined: zero rate in group(s) {examples(zero)}" if zero else "undefined for these data"
            rows.append({"measure": name, "estimate": np.nan, "lower": np.nan, "upper": np.nan, "method": "undefined",
                             "type": kind, "unit": unit, "comparison": comparison, "note": "; ".join([*notes, note])})
            continue
        lo = hi = np.nan
        sim_note = ""
        if ci == "analytic" and analytic:
            if log_scale:
                g = _gradient(lambda y, ss, fn=fn: _safe_log(fn(y, ss)), s.y, s)
                se = float(np.sqrt((g**2 * var_y).sum()))
                lo, hi = est * np.exp(-z * se), est * np.exp(z * se)
                method = "delta method, log scale"
            else:
                g = _gradient(fn, s.y, s)
                se = float(np.sqrt((g**2 * var_y).sum()))
                lo, hi = est - z * se, est + z * se
                method = "delta method"
            if binomial:
                method += ", binomial variance"
        elif ci is not None:
            lo, hi, sim_note = _simulated_interval(fn(simulated(), s), level, int(n_sim))
            method = f"simulation ({int(n_sim)} {'binomial' if binomial else 'Poisson'} draws, percentile)"
        else:
            method = "point estimate"
        if name in ("SII", "RII") and s.regression != "linear":
            method += f"; {s.regression} regression on ridit rank"
        if ci is not None and fixed.any():
            notes.append(f"no interval on the log scale: zero rate in group(s) {examples(zero)}"
                         if zero and np.isnan(lo) and ci == "analytic" and analytic and log_scale else fixed_note)
        if sim_note:
            notes.append(sim_note)
        rows.append({"measure": name, "estimate": est, "lower": float(lo), "upper": float(hi), "method": method, "type": kind,
                         "unit": unit, "comparison": comparison, "note": "; ".join(notes)})
    return pd.DataFrame(rows)


def _self_comparison_note(s: _Setup, reference: Any) -> str:
    """Why D = 0 and R = 1 carry no information when the two compared groups are one group."""
    if s.adv != s.dis:
        return ""
    if reference is not None:
        return (f"reference={reference!r} is also the group it is compared with, so this compares a group with "
                f"itself (D = 0, R = 1 by construction); choose another reference")
    return "every group has the same rate, so the highest and the lowest are one group (D = 0, R = 1)"
