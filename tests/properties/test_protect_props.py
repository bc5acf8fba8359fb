"""After protect, the audit finds nothing exact or narrow; published cells are true values."""

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import segstat


@st.composite
def microdata(draw):
    n_areas = draw(st.integers(2, 6))
    n_kommun = draw(st.integers(1, min(3, n_areas)))
    areas = [f"r{i}" for i in range(n_areas)]
    kommun = {a: f"K{i % n_kommun}" for i, a in enumerate(areas)}
    ages = ["a", "b", "c"][: draw(st.integers(2, 3))]
    counts = draw(st.lists(st.integers(0, 12), min_size=n_areas * len(ages), max_size=n_areas * len(ages)))
    rows = [(a, g) for (a, g), k in zip([(a, g) for a in areas for g in ages], counts) for _ in range(k)]
    if not rows:
        rows = [(areas[0], ages[0])]
    d = pd.DataFrame(rows, columns=["area", "age"])
    d["sex"] = draw(st.lists(st.sampled_from(["k", "m"]), min_size=len(d), max_size=len(d)))
    return d, {"area": kommun}


@settings(max_examples=30, deadline=None)
@given(microdata(), st.integers(2, 5), st.booleans())
def test_protected_tables_are_safe_and_true(sample, min_count, linked):
    d, h = sample
    assume(len(d) >= 3 * min_count)  # a table of a handful of persons cannot be published safely at all
    t1 = segstat.tabulate(d, by=["area", "age"], hierarchies=h)
    tables = [t1, segstat.tabulate(d, by=["sex", "age"])] if linked else [t1]
    p = segstat.protect(tables, min_count=min_count)
    report = segstat.audit(p)
    assert report.safe, report.to_frame()
    f = p.to_frame(table=0)
    pub = f["status"] == "published"
    # published values are the true counts, so every fully published equation adds up
    assert (f.loc[pub, "count"].to_numpy() == t1.cells.loc[pub.to_numpy(), "count"].to_numpy()).all()
    # primaries are exactly the small non-zero cells
    small = (t1.cells["count"] > 0) & (t1.cells["count"] < min_count)
    assert ((f["status"] == "primary").to_numpy() == small.to_numpy()).all()


@settings(max_examples=30, deadline=None)
@given(microdata(), st.integers(2, 5), st.sampled_from([None, 1.0]))
def test_pruning_keeps_the_table_safe_and_never_hides_more(sample, min_count, protection):
    d, h = sample
    assume(len(d) >= 3 * min_count)
    t = segstat.tabulate(d, by=["area", "age"], hierarchies=h)
    greedy = segstat.protect(t, min_count=min_count, protection=protection, method="greedy")
    pruned = segstat.protect(t, min_count=min_count, protection=protection, method="pruned")
    assert segstat.audit(pruned).safe
    assert pruned.hidden_total <= greedy.hidden_total
    g, p = greedy.to_frame()["status"].to_numpy(), pruned.to_frame()["status"].to_numpy()
    # pruning only publishes secondary cells again; it never suppresses a cell greedy published
    assert not ((p != "published") & (g == "published")).any()
    assert ((p == "primary") == (g == "primary")).all()


@st.composite
def three_way(draw):
    n_areas = draw(st.integers(2, 5))
    n_kommun = draw(st.integers(1, min(2, n_areas)))
    areas = [f"r{i}" for i in range(n_areas)]
    ages = ["a", "b", "c"][: draw(st.integers(2, 3))]
    keys = [(a, s, g) for a in areas for s in ("k", "m") for g in ages]
    counts = draw(st.lists(st.integers(0, 9), min_size=len(keys), max_size=len(keys)))
    rows = [k for k, n in zip(keys, counts) for _ in range(n)] or [keys[0]]
    d = pd.DataFrame(rows, columns=["area", "sex", "age"])
    return d, {"area": {a: f"K{i % n_kommun}" for i, a in enumerate(areas)}}


@settings(max_examples=30, deadline=None)
@given(three_way(), st.integers(2, 5), st.sampled_from([None, 1.0]))
def test_cube_patterns_are_safe_by_lp_and_their_certificates_lie_inside_the_intruders_interval(
        sample, min_count, protection):
    d, h = sample
    assume(len(d) >= 3 * min_count)
    t = segstat.tabulate(d, by=["area", "sex", "age"], hierarchies=h)
    p = segstat.protect(t, min_count=min_count, protection=protection, method="cube")
    exact = segstat.audit(p, exact=True)
    assert exact.safe, exact.to_frame()
    assert "group_disclosure" not in set(exact.to_frame()["verdict"])
    certified = segstat.audit(p).to_frame()
    e = exact.to_frame()
    assert (certified["lower"] >= e["lower"] - 1e-7).all() and (certified["upper"] <= e["upper"] + 1e-7).all()


@settings(max_examples=30, deadline=None)
@given(microdata(), st.integers(2, 5))
def test_intervals_from_shared_lp_points_lie_inside_the_exact_ones(sample, min_count):
    # linked tables take the greedy path, whose audit first looks for points of the intruder's problem that
    # show many cells safe at once; those intervals must be inner ones
    d, h = sample
    assume(len(d) >= 3 * min_count)
    tables = [segstat.tabulate(d, by=["area", "age"], hierarchies=h), segstat.tabulate(d, by=["sex", "age"])]
    p = segstat.protect(tables, min_count=min_count, protection=1)
    quick, exact = segstat.audit(p).to_frame(), segstat.audit(p, exact=True).to_frame()
    assert (quick["lower"] >= exact["lower"] - 1e-7).all() and (quick["upper"] <= exact["upper"] + 1e-7).all()
    assert (quick["verdict"] == exact["verdict"]).all()
