"""Hostile input to every kind of public function (issue 17): generated bad values in the data and in the
keywords. Only two outcomes are accepted: a segstat error (a subclass of SegstatError) or a result that is
correct by an independent formula. Any other exception, or a wrong result, fails."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segstat
from segstat.errors import SegstatError

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: values that do not belong in a count column, and a few that do
CELL = st.one_of(
    st.sampled_from([np.nan, math.inf, -math.inf, -1, -0.5, 0.5, 2**53, 2**62, 2**63 - 1, True, False, None, "",
                     "12", "x", b"\x00", 1e308, 0, 1, 7]),
    st.integers(-(2**64), 2**64), st.floats(allow_nan=True, allow_infinity=True))
#: values for scalar keywords
SCALAR = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1, 2, 0.5, 1.0, 95, math.nan, math.inf, "0.95", "", [1], (1, 2),
                     np.int64(3), np.float64(0.9), np.bool_(True), 2**64, -(2**63) - 1]),
    st.integers(-10, 50), st.floats(allow_nan=True, allow_infinity=True))


def _column(draw, base, dtypes=("int64", "float64", "object", "uint64")):
    """``base`` (a list of good counts) with some cells replaced by hostile values, in one of several dtypes."""
    values = list(base)
    for i in draw(st.lists(st.integers(0, len(base) - 1), max_size=3)):
        values[i] = draw(CELL)
    dtype = draw(st.sampled_from(dtypes))
    try:
        return pd.Series(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        return pd.Series(values, dtype=object)


def _outcome(call):
    """Run ``call``: a segstat error is accepted (returned as None); anything else but success fails."""
    try:
        return call()
    except SegstatError:
        return None


def _whole_nonnegative(s: pd.Series) -> np.ndarray | None:
    """The column as floats if every value is a proper count (a number, not bool, finite, >= 0), else None."""
    if pd.api.types.is_bool_dtype(s) or any(isinstance(v, (bool, np.bool_, str, bytes)) or v is None
                                            for v in s.tolist()):
        return None
    try:
        v = s.to_numpy(dtype=float)
    except (TypeError, ValueError, OverflowError):
        return None
    return v if np.isfinite(v).all() and (v >= 0).all() else None


@st.composite
def rate_frames(draw):
    return pd.DataFrame({"e": _column(draw, [3, 5, 0, 2]), "p": _column(draw, [100, 200, 50, 80])})


@SETTINGS
@given(rate_frames(), SCALAR)
def test_rates_error_or_exact(d, per):
    r = _outcome(lambda: segstat.rates(d, events="e", population="p", per=per, ci=None))
    if r is None:
        return
    e, p = _whole_nonnegative(d["e"]), _whole_nonnegative(d["p"])
    assert e is not None and p is not None, "bad counts were accepted"
    assert isinstance(per, (int, float, np.integer, np.floating)) and not isinstance(per, (bool, np.bool_))
    assert e.sum() < 2**53 and p.sum() < 2**53 and p.sum() > 0
    assert r["rate"].iloc[0] == pytest.approx(e.sum() / p.sum() * float(per), rel=1e-12)


@SETTINGS
@given(rate_frames(), SCALAR, SCALAR)
def test_rates_interval_keywords_error_or_interval_around_rate(d, level, per):
    r = _outcome(lambda: segstat.rates(d, events="e", population="p", confidence_level=level, per=per))
    if r is None:
        return
    row = r.iloc[0]
    assert 0 < float(level) < 1 and row["lower"] <= row["rate"] <= row["upper"]


@st.composite
def group_frames(draw):
    return pd.DataFrame({"g": _column(draw, [10, 40, 5, 25]), "t": _column(draw, [100, 80, 90, 60])})


@SETTINGS
@given(group_frames())
def test_dissimilarity_error_or_the_formula(d):
    r = _outcome(lambda: segstat.dissimilarity(d, group="g", total="t"))
    if r is None:
        return
    x, t = _whole_nonnegative(d["g"]), _whole_nonnegative(d["t"])
    assert x is not None and t is not None and (x <= t).all() and (t > 0).all()
    y = t - x
    expected = 0.5 * np.abs(x / x.sum() - y / y.sum()).sum()
    assert r["estimate"].iloc[0] == pytest.approx(expected, rel=1e-9, abs=1e-12)


@SETTINGS
@given(group_frames(), SCALAR, SCALAR)
def test_segregation_keywords_error_or_a_valid_interval(d, n_resamples, level):
    d = pd.DataFrame({"g": [10, 40, 5, 25], "t": [100, 80, 90, 60]}) if d.isna().any().any() else d
    r = _outcome(lambda: segstat.dissimilarity(d, group="g", total="t", ci="bootstrap", n_resamples=n_resamples,
                                               confidence_level=level, rng=1))
    if r is None:
        return
    assert isinstance(n_resamples, (int, np.integer)) and not isinstance(n_resamples, (bool, np.bool_))
    assert 1 <= n_resamples and 0 < float(level) < 1
    row = r.iloc[0]
    assert 0 <= row["estimate"] <= 1


@SETTINGS
@given(st.lists(CELL, min_size=0, max_size=6))
def test_classify_areas_error_or_types_by_the_rule(values):
    r = _outcome(lambda: segstat.classify_areas(values))
    if r is None:
        return
    v = _whole_nonnegative(pd.Series(values, dtype=object).map(lambda z: abs(z) if isinstance(z, (int, float))
                                                                else z))
    assert v is not None and len(values) >= 2
    x = np.array(values, dtype=float)
    mu, sd = x.mean(), x.std(ddof=1)
    tol = 1e-9 * max(1.0, abs(mu), sd)
    expected = np.select([x >= mu + 2 * sd - tol, x >= mu + sd - tol, x >= mu - tol, x >= mu - sd - tol],
                         [1, 2, 3, 4], 5)
    assert r.types.astype(int).tolist() == expected.tolist()


@SETTINGS
@given(st.lists(CELL, min_size=0, max_size=6), SCALAR)
def test_record_keys_error_or_distinct_keys_in_unit_interval(ids, seed):
    k = _outcome(lambda: segstat.record_keys(ids, seed=seed))
    if k is None:
        return
    assert isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_))
    assert len(k) == len(ids) and ((0 <= k) & (k < 1)).all()
    assert not any(isinstance(i, (bool, np.bool_)) or i is None for i in ids)
    assert len(set(map(str, ids))) == len(ids) or len(ids) == 0


@SETTINGS
@given(st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=12), SCALAR, SCALAR)
def test_tabulate_and_protect_error_or_consistent_tables(labels, top, min_count):
    d = pd.DataFrame({"k": labels, "v": np.arange(1.0, len(labels) + 1)})
    t = _outcome(lambda: segstat.tabulate(d, by=["k"], value="v", top=top))
    if t is None:
        return
    assert isinstance(top, (int, np.integer)) and not isinstance(top, (bool, np.bool_)) and top >= 1
    cells = t.cells
    assert cells.loc[cells["k"] == "Total", "value"].iloc[0] == pytest.approx(d["v"].sum())
    counts = t.cells[["k", "n_contributors"]] if "n_contributors" in cells else None
    assert counts is None or cells.loc[cells["k"] == "Total", "n_contributors"].iloc[0] == len(d)
    p = _outcome(lambda: segstat.protect(segstat.tabulate(d, by=["k"]), min_count=min_count))
    if p is None:
        return
    assert isinstance(min_count, (int, np.integer)) and not isinstance(min_count, (bool, np.bool_))
    f = p.cells if hasattr(p, "cells") else p.to_frame()
    small = f[(f["count"] > 0) & (f["count"] < min_count)]
    assert (small["status"] != "published").all()


@SETTINGS
@given(st.sampled_from([None, 0, 1, 2, 2017, 2018, 2020, 2025, "2025", "20 25", 2025.0, True, -1]),
       st.sampled_from(["deso", "regso", "kommun", "lan", "DeSO", "", "x", 3, None]))
def test_area_lookups_error_or_registry_rows(vintage, level):
    r = _outcome(lambda: segstat.areas(level, vintage=vintage))
    if r is None:
        return
    # 2020 names the same series as 2018 (RegSO 2020), and the CLI's text "2025" is accepted
    assert not isinstance(vintage, (bool, float)) and int(vintage) in (2018, 2020, 2025)
    assert len(r) > 0 and r["code"].is_unique


@settings(max_examples=10, deadline=None)
@given(rate_frames(), st.sampled_from([1, 39, 40]))
def test_disparity_error_or_interval_containing_the_difference(d, n):
    d = d.assign(t=[1, 2, 3, 4])
    r = _outcome(lambda: segstat.disparity(d, subgroup="t", events="e", population="p", measures=["D"],
                                           ci="simulation", n_resamples=n, rng=3))
    if r is None:
        return
    assert n >= 40
    row = r.iloc[0]
    assert np.isfinite(row["estimate"])


# ---------------------------------------------------------------- every numeric keyword of the public functions


def _calls():
    """(function, good arguments, keywords to attack): one good call per public function with scalar options."""
    counts = pd.DataFrame({"t": [1, 2, 3], "e": [10, 20, 30], "p": [1000, 900, 800]})
    groups = pd.DataFrame({"g": [10, 40, 5, 25], "t": [100, 80, 90, 60], "h": [20, 10, 30, 5]})
    strata = pd.DataFrame({"g": ["a", "a", "b", "b"], "s": ["y", "o"] * 2, "e": [1, 10, 2, 5], "n": [100] * 4})
    table = segstat.tabulate(pd.DataFrame({"r": list("aabbbc"), "c": list("xyxyxx")}), by=["r", "c"])
    keyed = pd.DataFrame({"r": list("aabbbc"), "k": segstat.record_keys(range(6), seed=1)})
    return [
        (segstat.rates, (counts,), dict(events="e", population="p"), ["per", "confidence_level"]),
        (segstat.standardize, (strata,), dict(events="e", population="n", strata="s", by="g",
                                              standard=pd.Series({"y": 1.0, "o": 1.0})), ["per", "confidence_level"]),
        (segstat.disparity, (counts,), dict(subgroup="t", events="e", population="p", measures=["D"],
                                            ci="simulation", n_resamples=50, rng=1),
         ["per", "confidence_level", "n_resamples", "rng"]),
        (segstat.dissimilarity, (groups,), dict(group="g", total="t", ci="bootstrap", n_resamples=20, rng=1),
         ["n_resamples", "confidence_level", "rng"]),
        (segstat.atkinson, (groups,), dict(group="g", total="t", b=0.5), ["b"]),
        (segstat.segregation_test, (groups,), dict(group="g", total="t", n_resamples=19, rng=1),
         ["n_resamples", "rng"]),
        (segstat.ojamlikhetsindex, (groups,), dict(lowest="g", highest="h", by=None), []),
        (segstat.classify_areas, ([1.0, 2.0, 4.0, 8.0],), dict(ddof=1), ["ddof"]),
        (segstat.tabulate, (keyed,), dict(by=["r"], record_key="k", top=2), ["top"]),
        (segstat.protect, (table,), dict(min_count=3), ["min_count", "protection", "max_rounds"]),
        (segstat.perturb, (segstat.tabulate(keyed, by=["r"], record_key="k"),), dict(max_noise=2, noise_variance=1.0),
         ["max_noise", "noise_variance"]),
        (segstat.random_round, (table,), dict(base=3, rng=1, use_cell_key=False), ["base", "rng"]),
        (segstat.record_keys, ([1, 2, 3],), dict(seed=7), ["seed"]),
        (segstat.areas, ("regso",), dict(vintage=2025), ["vintage"]),
        (segstat.omradestyp, (["1480R001"],), dict(year=2023, vintage=2018), ["year"]),
        (segstat.locate, (pd.DataFrame({"x": [319_000.0], "y": [6_400_000.0]}),),
         dict(level="deso", vintage=2025, chunk_size=1000, max_distance=None, n_jobs=1),
         ["chunk_size", "max_distance", "n_jobs", "vintage"]),
        (segstat.crosswalk, (pd.DataFrame({"deso": ["0114A0010"], "n": [5]}),),
         dict(area="deso", counts="n", from_vintage=2018, to_vintage=2018), ["from_vintage", "to_vintage"]),
        (segstat.to_level, (["0114A0010"], "kommun"), dict(vintage=2018), ["vintage"]),
        (segstat.multigroup_entropy, (groups,), dict(groups=["g", "h"], ci="bootstrap", n_resamples=20, rng=1),
         ["n_resamples", "confidence_level", "rng"]),
        (segstat.attach_omradestyp, (pd.DataFrame({"regso": ["1480R001"]}),), dict(year=2023, vintage=2018),
         ["year", "vintage"]),
        (segstat.population, ("kommun",), dict(vintage=2018), ["vintage"]),
        (segstat.download_boundaries, ("regso",), dict(vintage=2025, url="http://127.0.0.1:9/wfs", retries=0,
                                                        backoff=0.0, timeout=2.0, cache="/nonexistent-segstat"),
         ["page_size", "timeout", "retries"]),
    ]


CALLS = _calls()


def _legitimate(value) -> bool:
    """A value a numeric keyword may accept: a real number (or None, a Generator), never a bool, text or NaN."""
    if value is None or isinstance(value, np.random.Generator):
        return True
    if isinstance(value, (bool, np.bool_, str, bytes, list, tuple)):
        return False
    return isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(float(value))


@pytest.mark.parametrize("func, args, kwargs, attacked", CALLS, ids=[c[0].__name__ for c in CALLS])
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(value=SCALAR, which=st.integers(0, 10))
def test_numeric_keywords_give_a_segstat_error_or_the_documented_result(func, args, kwargs, attacked, value, which):
    if not attacked:
        r = func(*args, **kwargs)  # the good call works
        assert r is not None
        return
    keyword = attacked[which % len(attacked)]
    good = func.__name__ != "download_boundaries" and func(*args, **kwargs)
    try:
        result = func(*args, **{**kwargs, keyword: value})
    except SegstatError:
        return
    assert _legitimate(value), f"{func.__name__}({keyword}={value!r}) was accepted"
    assert type(result) is type(good), f"{func.__name__}({keyword}={value!r}) gave a {type(result).__name__}"
