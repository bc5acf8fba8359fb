"""One meaning of by= and rng= for every measure (segstat.measures._split), and type-stable results."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.errors import ColumnError, InputTypeError, InputValueError
from segstat.measures._split import part_seed, split_apply

AREAS = pd.DataFrame({
    "kommun": ["a"] * 4 + ["b"] * 5,
    "g": [10, 25, 40, 5, 3, 30, 12, 50, 7],
    "h": [20, 5, 10, 30, 40, 10, 20, 5, 30],
    "k": [5, 10, 5, 10, 2, 4, 6, 8, 10],
})
AREAS["t"] = AREAS["g"] + AREAS["h"] + AREAS["k"]

# (function, keyword arguments, columns of its result after the by columns); the bootstrap and test runs
# draw, so they also show that a part inside by= equals the part alone with the same rng
_SEG = ["index", "estimate", "lower", "upper", "n_areas", "method"]
CASES = [
    (segstat.dissimilarity, {"group": "g", "total": "t", "ci": "bootstrap", "n_resamples": 99}, _SEG),
    (segstat.gini, {"group": "g", "total": "t", "ci": "bootstrap", "n_resamples": 99}, _SEG),
    (segstat.entropy, {"group": "g", "total": "t"}, _SEG),
    (segstat.isolation, {"group": "g", "total": "t", "ci": "bootstrap", "n_resamples": 99}, _SEG),
    (segstat.exposure, {"group": "g", "total": "t"}, _SEG),
    (segstat.atkinson, {"group": "g", "total": "t", "ci": "bootstrap", "n_resamples": 99}, _SEG),
    (segstat.multigroup_entropy, {"groups": ["g", "h", "k"], "ci": "bootstrap", "n_resamples": 99}, _SEG),
    (segstat.multigroup_dissimilarity, {"groups": ["g", "h", "k"]}, _SEG),
    (segstat.ojamlikhetsindex, {"lowest": "g", "highest": "h", "ci": "bootstrap", "n_resamples": 99}, _SEG),
    (segstat.segregation_test, {"group": "g", "total": "t", "n_resamples": 99},
     ["index", "estimate", "p_value", "lower", "upper", "n_areas", "method"]),
    (segstat.segregation_test, {"groups": ["g", "h", "k"], "n_resamples": 99},
     ["index", "estimate", "p_value", "lower", "upper", "n_areas", "method"]),
]


def _alone_kwargs(func, kwargs):
    return {**kwargs, "by": None} if func is segstat.ojamlikhetsindex else kwargs


@pytest.mark.parametrize(("func", "kwargs", "columns"), CASES, ids=lambda v: getattr(v, "__name__", ""))
@pytest.mark.parametrize("rng", [7, "generator"])
def test_same_type_and_columns_with_and_without_by_and_a_part_equals_the_part_alone(func, kwargs, columns, rng):
    def seeded():
        return np.random.default_rng(3) if rng == "generator" else rng

    whole = func(AREAS, **_alone_kwargs(func, kwargs), rng=seeded())
    parts = func(AREAS, **kwargs, by="kommun", rng=seeded())
    assert isinstance(whole, pd.DataFrame) and isinstance(parts, pd.DataFrame)
    assert list(whole.columns) == columns and len(whole) == 1
    assert list(parts.columns) == ["kommun", *columns] and parts["kommun"].tolist() == ["a", "b"]
    for part in ("a", "b"):
        alone = func(AREAS[AREAS.kommun == part], **_alone_kwargs(func, kwargs), rng=seeded())
        inside = parts[parts.kommun == part].drop(columns="kommun").reset_index(drop=True)
        pd.testing.assert_frame_equal(inside, alone)
    if "n_resamples" in kwargs and func is not segstat.multigroup_dissimilarity:
        # the draws matter: another seed gives another interval (or p-value range)
        other = func(AREAS, **_alone_kwargs(func, kwargs), rng=8)
        assert (other[["lower", "upper"]].to_numpy() != whole[["lower", "upper"]].to_numpy()).any()


def test_disparity_and_rates_keep_their_columns_with_by():
    d = pd.DataFrame({"typ": pd.Categorical([1, 2, 3] * 2, ordered=True), "year": [2022] * 3 + [2023] * 3,
                      "e": [40, 30, 20, 50, 20, 30], "n": [1000, 1000, 2000, 1000, 1000, 1000]})
    kw = {"events": "e", "population": "n", "subgroup": "typ", "measures": ["D", "IDis"]}
    whole = segstat.disparity(d[d.year == 2023], **kw, rng=np.random.default_rng(5))
    parts = segstat.disparity(d, **kw, by="year", rng=np.random.default_rng(5))
    assert list(parts.columns) == ["year", *whole.columns]
    inside = parts[parts.year == 2023].drop(columns="year").reset_index(drop=True)
    pd.testing.assert_frame_equal(inside, whole)  # IDis is simulated: the same seed reached the part
    r = segstat.rates(d, events="e", population="n")
    rb = segstat.rates(d, events="e", population="n", by="year")
    assert isinstance(r, pd.DataFrame) and list(rb.columns) == ["year", *r.columns]


def test_part_seed_int_generator_and_none():
    assert part_seed(5) == 5 and part_seed(np.int64(5)) == 5 and part_seed(None) is None
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    assert part_seed(g1) == int(g2.integers(0, 2**63))  # one integer drawn once from the Generator
    for bad in ("1", True, 1.5):
        with pytest.raises(InputTypeError, match="rng must be None, an int seed or a numpy.random.Generator"):
            part_seed(bad)
    with pytest.raises(InputTypeError, match=r"got True \(bool\)"):
        segstat.dissimilarity(AREAS, group="g", total="t", ci="bootstrap", rng=True)


def test_split_apply_orders_parts_names_a_failing_part_and_keeps_categories():
    d = pd.DataFrame({"p": pd.Categorical(["y", "x", "y"], categories=["y", "x", "z"]), "v": [1, 2, 3]})
    seeds = []

    def one(pos, seed):
        seeds.append(seed)
        return {"total": int(d["v"].to_numpy()[pos].sum())}

    out = split_apply(d, ["p"], 4, one, ["total"])
    assert out["p"].tolist() == ["y", "x"] and out["total"].tolist() == [4, 2]  # categories' order, z absent
    assert out["p"].dtype == d["p"].dtype and seeds == [4, 4]  # every part seeded as it would be alone

    def fails(pos, seed):
        raise InputValueError("no good")

    with pytest.raises(InputValueError, match=r"in the part p='y': no good"):
        split_apply(d, ["p"], None, fails, ["total"])
    empty = split_apply(d.iloc[:0], ["p"], None, one, ["total"])
    assert list(empty.columns) == ["p", "total"] and len(empty) == 0


def test_by_is_checked_once_for_every_measure():
    bad = AREAS.assign(kommun=["a", None, "a", "a", "b", "b", "b", "b", "b"])
    with pytest.raises(InputValueError, match=r"by column 'kommun' is missing in rows 1"):
        segstat.dissimilarity(bad, group="g", total="t", by="kommun")
    with pytest.raises(InputValueError, match=r"by column 'kommun' is missing in rows 1"):
        segstat.multigroup_entropy(bad, groups=["g", "h"], by="kommun")
    with pytest.raises(ColumnError, match="by='lan'"):
        segstat.segregation_test(AREAS, group="g", total="t", by="lan")


def test_public_measures_run_under_python_OO():
    # -OO strips docstrings; the docstring templating of the two-group indices must not need them
    code = (
        "import pandas as pd, segstat\n"
        "d = pd.DataFrame({'g': [10, 20, 70], 't': [100, 100, 100], 'h': [90, 80, 30], 'k': ['a', 'a', 'b']})\n"
        "for f in (segstat.dissimilarity, segstat.gini, segstat.entropy, segstat.isolation, segstat.exposure,\n"
        "          segstat.atkinson):\n"
        "    assert f.__doc__ is None\n"
        "    f(d, group='g', total='t', by='k')\n"
        "print(round(segstat.dissimilarity(d, group='g', total='t')['estimate'].item(), 6))\n"
        "segstat.multigroup_entropy(d, groups=['g', 'h'])\n"
        "segstat.ojamlikhetsindex(d, lowest='g', highest='h', by='k')\n"
        "segstat.segregation_test(d, group='g', total='t', n_resamples=9, rng=1)\n"
        "segstat.rates(d, events='g', population='t', by='k')\n"
        "segstat.disparity(d, events='g', population='t', subgroup='k', ci=None)\n"
    )
    out = subprocess.run([sys.executable, "-OO", "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0.55"


def test_one_check_of_replicate_counts_and_confidence_levels_everywhere():
    # bool is not a count (segregation_test(n_perm=True) used to pass) nor a level
    d = pd.DataFrame({"typ": pd.Categorical([1, 2], ordered=True), "e": [4, 9], "n": [100, 100]})
    calls = [
        lambda **k: segstat.segregation_test(AREAS, group="g", total="t", **k),
        lambda **k: segstat.dissimilarity(AREAS, group="g", total="t", ci="bootstrap", **k),
        lambda **k: segstat.multigroup_entropy(AREAS, groups=["g", "h"], ci="bootstrap", **k),
        lambda **k: segstat.disparity(d, events="e", population="n", subgroup="typ", ci="simulation", **k),
    ]
    for call in calls:
        with pytest.raises(InputValueError, match=r"n_resamples=True must be a whole number from 1 to"):
            call(n_resamples=True)
    for call in calls[1:]:
        with pytest.raises(InputValueError, match=r"confidence_level=True must be strictly between 0 and 1"):
            call(confidence_level=True)
