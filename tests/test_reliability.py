"""Issue 17: inputs that used to give a silent wrong answer now give a correct result or a segstat error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.errors import InputTypeError, InputValueError, SegstatError

# ---------------------------------------------------------------- integer overflow: exact or refused


def test_rates_refuses_totals_beyond_exact_sums():
    # the example: int64 sums of 2**61 x 2 and 2**62 x 2 wrapped to a rate of -500
    d = pd.DataFrame({"e": [2**61, 2**61], "p": [2**62, 2**62]})
    with pytest.raises(InputValueError, match=r"2\*\*53 = 9,007,199,254,740,992"):
        segstat.rates(d, events="e", population="p", ci=None)


@pytest.mark.parametrize("dtype", ["uint64", "int64", "float64"])
def test_rates_refuses_large_counts_of_any_dtype(dtype):
    d = pd.DataFrame({"e": np.array([1, 1], dtype=dtype), "p": np.array([2**62, 2**62], dtype=dtype)})
    with pytest.raises(InputValueError, match="'p' sums to about 9.223e\\+18"):
        segstat.rates(d, events="e", population="p", ci=None)


def test_totals_beyond_the_float_range_are_refused_without_a_warning():
    import warnings

    d = pd.DataFrame({"g": [1e308, 1e308, 0.0], "t": [1e308, 1e308, 5.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the overflowing sum used to warn before the error
        with pytest.raises(InputValueError, match="'e' sums to about inf"):
            segstat.rates(d.rename(columns={"g": "e", "t": "p"}), events="e", population="p", ci=None)
        with pytest.raises(InputValueError, match="'g' sums to inf, beyond 1e"):
            segstat.dissimilarity(d, group="g", total="t")


def test_rates_just_below_the_limit_are_exact():
    # totals 2**51 + 2 and 2**52 + 4: below 2**53, summed exactly; the rate is 1000 / 2
    half = 2**50 + 1
    d = pd.DataFrame({"e": [half, half], "p": [2 * half, 2 * half]})
    r = segstat.rates(d, events="e", population="p", ci=None)
    assert r["events"].iloc[0] == 2 * half and r["rate"].iloc[0] == 500.0


def test_standardize_and_crosswalk_refuse_overflowing_counts():
    d = pd.DataFrame({"g": ["a", "a"], "age": ["0-4 år", "5-9 år"], "e": [1, 1], "n": [2**62, 2**62]})
    with pytest.raises(InputValueError, match="2\\*\\*53"):
        segstat.standardize(d, events="e", population="n", strata="age", by="g",
                            standard=pd.Series({"0-4 år": 1.0, "5-9 år": 1.0}))
    codes = segstat.areas("deso", vintage=2018)["code"].astype(str).iloc[:2].tolist()
    c = pd.DataFrame({"deso": codes, "n": np.array([2**63, 2**63], dtype="uint64")})
    with pytest.raises(InputValueError, match="2\\*\\*53"):
        segstat.crosswalk(c, area="deso", counts="n", from_vintage=2018, to_vintage=2018)


# ---------------------------------------------------------------- values that are not what they look like


def test_classify_areas_refuses_a_dataframe_instead_of_classifying_its_labels():
    df = pd.DataFrame({0: [1.0, 2.0, 3.0, 4.0], 1: [5.0, 6.0, 7.0, 9.0]})
    with pytest.raises(InputTypeError, match=r"pass one of them, e.g. index=df\[0\]"):
        segstat.classify_areas(df)


def test_classify_areas_dict_classifies_its_values_not_its_keys():
    # values 1, 2, 5: mu = 8/3, sd = sqrt(13/3) = 2.0817; 1 and 2 lie in [mu - sd, mu) -> type 4,
    # 5 >= mu + sd = 4.75 -> type 2. The keys (10, 20, 30) would give 5, 3, 1... never 4, 4, 2
    r = segstat.classify_areas({10: 1.0, 20: 2.0, 30: 5.0})
    assert r.types.tolist() == [4, 4, 2]
    assert r.types.index.tolist() == [10, 20, 30]


@pytest.mark.parametrize("bad", [[True, False, True], np.array([True, False, True])])
def test_classify_areas_refuses_booleans(bad):
    with pytest.raises(InputTypeError, match="booleans"):
        segstat.classify_areas(bad)
    with pytest.raises(InputTypeError, match="weights holds booleans"):
        segstat.classify_areas([1.0, 2.0, 3.0], weights=bad)


@pytest.mark.parametrize("min_count", [True, np.True_, 2.5, 0])
def test_protect_refuses_min_count_that_is_not_a_positive_integer(min_count):
    t = segstat.tabulate(pd.DataFrame({"a": list("xxy"), "b": list("uvu")}), by=["a", "b"])
    with pytest.raises(InputValueError, match="min_count="):
        segstat.protect(t, min_count=min_count)


def _three_types():
    return pd.DataFrame({"t": [1, 2, 3], "e": [10, 20, 30], "p": [1000, 1000, 1000]})


@pytest.mark.parametrize("n", [1, 2, 39])
def test_disparity_simulation_needs_a_replicate_in_each_tail(n):
    with pytest.raises(InputValueError, match="at least 40"):
        segstat.disparity(_three_types(), subgroup="t", events="e", population="p", ci="simulation",
                          n_resamples=n, rng=1)


def test_disparity_simulation_at_the_minimum_contains_the_estimate_for_d():
    r = segstat.disparity(_three_types(), subgroup="t", events="e", population="p", ci="simulation",
                          n_resamples=40, rng=1, measures=["D"]).iloc[0]
    assert r["estimate"] == pytest.approx(20.0) and r["lower"] <= 20.0 <= r["upper"]


def test_decompose_change_gives_nan_not_inf_for_events_without_population():
    ch = pd.DataFrame({"y": [1, 1, 2, 2], "a": ["x", "z", "x", "z"], "k": [1, 2, 1, 2], "e": [1, 2, 3, 4],
                       "p": [10, 0, 10, 10]})
    r = segstat.decompose_change(ch, period="y", area="a", subgroup="k", events="e", population="p", start=1,
                                 end=2)
    assert not np.isinf(r.to_numpy(float)).any()
    assert np.isnan(r.loc[2, "rate_start"]) and np.isnan(r.loc[2, "change"])
    assert r.loc[1, "rate_start"] == 100.0 and r.loc[2, "rate_end"] == 400.0


def test_tabulate_top_must_be_positive():
    d = pd.DataFrame({"a": list("xxy"), "v": [1.0, 2.0, 3.0]})
    with pytest.raises(InputValueError, match="top=0 must be an integer from 1 to 100"):
        segstat.tabulate(d, by=["a"], value="v", top=0)
    with pytest.raises(InputValueError, match="top=True"):
        segstat.tabulate(d, by=["a"], value="v", top=True)
    assert segstat.tabulate(d, by=["a"], value="v", top=1).cells["top1"].tolist() == [2.0, 3.0, 3.0]


def test_disparity_refuses_rates_too_large_for_floating_point():
    # a population of 2e-160 gives a rate of 1.5e163 and a variance that overflowed with a RuntimeWarning
    d = pd.DataFrame({"t": [1, 2, 3], "e": [3, 5, 2], "p": [2e-160, 200.0, 80.0]})
    with pytest.raises(InputValueError,
                       match=r"group\(s\) 1 \(events 3.0 over population 2e-160\) are too large for floating point"):
        segstat.disparity(d, subgroup="t", events="e", population="p", measures=["D"])


# ---------------------------------------------------------------- a group that is nearly everyone: no cancellation


def _decimal_indices(x: list[int], t: list[int], b: float = 0.5) -> dict[str, float]:
    """The single-group indices in 50-digit decimal arithmetic (an independent computation)."""
    from decimal import Decimal, getcontext

    getcontext().prec = 50
    xs, ts = [Decimal(v) for v in x], [Decimal(v) for v in t]
    ys = [ti - xi for xi, ti in zip(xs, ts)]
    X, Y, T = sum(xs), sum(ys), sum(ts)
    P, Q = X / T, Y / T
    p = [xi / ti for xi, ti in zip(xs, ts)]
    q = [yi / ti for yi, ti in zip(ys, ts)]

    def xlnx(v: Decimal) -> Decimal:
        return v * v.ln() if v > 0 else Decimal(0)

    E = -(xlnx(P) + xlnx(Q))
    ent = [-(xlnx(a) + xlnx(c)) for a, c in zip(p, q)]
    pairs = sum(ti * tj * abs(pi - pj) for ti, pi in zip(ts, p) for tj, pj in zip(ts, p))
    s = sum(ci ** Decimal(1 - b) * pi ** Decimal(b) * ti for ci, pi, ti in zip(q, p, ts)) / X
    return {"dissimilarity": float(sum(abs(xi / X - yi / Y) for xi, yi in zip(xs, ys)) / 2),
            "gini": float(pairs / (2 * T * T * P * Q)),
            "entropy": float(sum(ti * (E - e) for ti, e in zip(ts, ent)) / (E * T)),
            "atkinson": float(1 - P / Q * abs(s) ** (1 / Decimal(1 - b)))}


@pytest.mark.parametrize("big", [2**52, 2**53, 2**62, 10**17])
def test_single_group_indices_are_exact_when_the_group_is_nearly_everyone(big):
    # one area where the group is everyone, holding nearly all persons: 1 - P is about 160 / big. Formulas
    # with 1 - P (or with T - X from rounded sums) lost it: D was 0.6 % off at 2**53, NaN at 2**62
    x, t = [big, 40, 5, 25], [big, 80, 90, 60]
    d = pd.DataFrame({"g": x, "t": t})
    expected = _decimal_indices(x, t)
    got = {"dissimilarity": segstat.dissimilarity(d, group="g", total="t"),
           "gini": segstat.gini(d, group="g", total="t"),
           "entropy": segstat.entropy(d, group="g", total="t"),
           "atkinson": segstat.atkinson(d, group="g", total="t", b=0.5)}
    for name, r in got.items():
        assert r["estimate"].iloc[0] == pytest.approx(expected[name], rel=1e-9), name


# ---------------------------------------------------------------- keywords that size the work: bounded, the limit named


_GROUPS = pd.DataFrame({"g": [10, 40, 5, 25], "t": [100, 80, 90, 60], "h": [20, 10, 30, 5]})


@pytest.mark.parametrize("call", [
    lambda n: segstat.dissimilarity(_GROUPS, group="g", total="t", ci="bootstrap", n_resamples=n, rng=1),
    lambda n: segstat.multigroup_entropy(_GROUPS, groups=["g", "h"], ci="bootstrap", n_resamples=n, rng=1),
    lambda n: segstat.segregation_test(_GROUPS, group="g", total="t", n_resamples=n, rng=1),
    lambda n: segstat.disparity(pd.DataFrame({"t": [1, 2], "e": [1, 2], "p": [10, 20]}), subgroup="t", events="e",
                                population="p", measures=["D"], ci="simulation", n_resamples=n, rng=1),
], ids=["dissimilarity", "multigroup_entropy", "segregation_test", "disparity"])
@pytest.mark.parametrize("n", [2**64, 2**63 - 1, 10_000_001])
def test_replicate_counts_beyond_ten_million_are_refused_at_once(call, n):
    # 2**64 bootstrap replicates used to build a list of 2**54 blocks until the machine ran out of memory
    with pytest.raises(InputValueError, match="from 1 to 10,000,000"):
        call(n)


def test_rank_areas_says_how_many_replicates_fit():
    d = pd.DataFrame({"a": [f"A{i}" for i in range(200)], "e": np.arange(200) % 7, "p": np.full(200, 1000)})
    smoothed = segstat.smooth_rates(d, events="e", population="p", area="a")
    with pytest.raises(InputValueError, match="at most 671,088 replicates fit for that many areas"):
        segstat.rank_areas(smoothed, top=10, n_resamples=1_000_000, rng=1)  # 2**27 // 200 = 671,088
    assert len(segstat.rank_areas(smoothed, top=10, n_resamples=2000, rng=1)) == 200


@pytest.mark.parametrize("d", [2**64, 2**63 - 1, 10**9, 101])
def test_perturb_noise_bound_is_refused_beyond_100(d):
    table = segstat.tabulate(pd.DataFrame({"r": list("aab"), "k": segstat.record_keys(range(3), seed=1)}),
                             by=["r"], record_key="k")
    with pytest.raises(InputValueError, match="max_noise=.* must be a whole number from 1 to 100"):
        segstat.perturb(table, max_noise=d, noise_variance=1.0)


# ---------------------------------------------------------------- record keys


def test_record_keys_refuse_repeated_ids():
    with pytest.raises(InputValueError, match="ids repeat: 1 \\(2 records\\)"):
        segstat.record_keys([1, 1, 2], seed=3)
    with pytest.raises(InputValueError, match="ids repeat"):
        segstat.record_keys(["a", "b", "a"], seed=3)
    with pytest.raises(InputValueError, match="ids repeat"):  # the same id read once as number, once as text
        segstat.record_keys([12, "12"], seed=3)


def test_record_keys_same_id_as_number_or_text_gets_the_same_key():
    as_int = segstat.record_keys([12, 7], seed=3)
    assert (segstat.record_keys(["12", "7"], seed=3) == as_int).all()
    assert (segstat.record_keys(pd.Series(["12", "7"], dtype="string"), seed=3) == as_int).all()
    assert (segstat.record_keys([12.0, 7.0], seed=3) == as_int).all()
    mixed = segstat.record_keys([12, "abc"], seed=3)
    assert mixed[0] == as_int[0] and mixed[1] == segstat.record_keys(["abc"], seed=3)[0]
    # "012" is text with a leading zero: another id than 12
    assert segstat.record_keys(["012"], seed=3)[0] != as_int[0]


@pytest.mark.parametrize("seed", [2**64, 2**64 + 3, -(2**63) - 1])
def test_record_keys_refuse_seeds_beyond_64_bits(seed):
    with pytest.raises(InputValueError, match="does not fit in 64 bits"):
        segstat.record_keys([1], seed=seed)
    assert 0 <= segstat.record_keys([1], seed=2**64 - 1)[0] < 1


def test_record_keys_refuse_boolean_ids():
    with pytest.raises(InputValueError, match="booleans"):
        segstat.record_keys([True, False], seed=1)


def test_every_error_here_is_a_segstat_error():
    assert issubclass(InputValueError, SegstatError) and issubclass(InputTypeError, SegstatError)


# ---------------------------------------------------------------- bundled data verified when first loaded


@pytest.fixture
def tampered(tmp_path, monkeypatch):
    """A copy of the bundled data directory that a test may damage; the loaders read it instead."""
    import shutil
    from importlib import resources

    from segstat import _data

    root = tmp_path / "data"
    shutil.copytree(str(resources.files("segstat").joinpath("data")), root)
    monkeypatch.setattr(_data, "data_path", lambda relative: root.joinpath(*relative.split("/")))
    _data._read.cache_clear()
    yield root
    _data._read.cache_clear()


def test_bundled_csv_edited_without_changing_rows_is_refused(tampered):
    from segstat._data import load_table
    from segstat.errors import DataIntegrityError

    p = tampered / "codes" / "lan.csv"
    text = p.read_text(encoding="utf-8-sig")
    p.write_text(text.replace("Stockholms", "Stockholm", 1), encoding="utf-8")  # same rows, one name changed
    assert len(text.splitlines()) == len(p.read_text(encoding="utf-8").splitlines())
    with pytest.raises(DataIntegrityError, match="'lan' \\(codes/lan.csv\\) has sha256 .* reinstall"):
        load_table("lan")


def test_bundled_garbage_csv_and_truncated_npz_give_data_integrity_errors(tampered, monkeypatch):
    from segstat import _data
    from segstat.errors import DataIntegrityError

    p = tampered / "codes" / "lan.csv"
    p.write_bytes(bytes(range(256)) * 8)
    info = dict(_data.table_info("lan"))
    import hashlib

    # even with a matching checksum (a registry rebuilt from damaged files) the reader says what is wrong
    info["sha256"] = hashlib.sha256(p.read_bytes()).hexdigest()
    real_info = _data.table_info
    monkeypatch.setattr(_data, "table_info", lambda name: info if name == "lan" else real_info(name))
    with pytest.raises(DataIntegrityError, match="cannot be read as CSV"):
        _data.load_table("lan")
    z = tampered / "boundaries" / "sweden_outline.npz"
    z.write_bytes(z.read_bytes()[:500])
    with pytest.raises(DataIntegrityError, match="sweden_outline.*sha256"):
        _data.load_npz("sweden_outline")
    info_z = dict(real_info("sweden_outline"), sha256=hashlib.sha256(z.read_bytes()).hexdigest())
    monkeypatch.setattr(_data, "table_info", lambda name: info_z if name == "sweden_outline" else real_info(name))
    with pytest.raises(DataIntegrityError, match="cannot be read as an .npz archive"):
        _data.load_npz("sweden_outline")


# ---------------------------------------------------------------- polars DataFrames (a stand-in: polars may be absent)


def _fake_polars(convert):
    """A class named DataFrame in a module named polars, like polars' own, whose to_pandas() is ``convert``."""
    cls = type("DataFrame", (), {"__module__": "polars.dataframe.frame", "to_pandas": lambda self: convert()})
    return cls()


def test_polars_dataframe_is_converted_once_at_the_boundary():
    d = pd.DataFrame({"typ": [1, 5], "cases": [10, 0], "pop": [1000, 2000]})
    calls = []

    def convert():
        calls.append(1)
        return d.copy()

    r = segstat.rates(_fake_polars(convert), events="cases", population="pop", by="typ")
    assert r["rate"].tolist() == [10.0, 0.0] and calls == [1]
    g = pd.DataFrame({"g": [10, 40, 5], "t": [100, 80, 90]})
    assert (segstat.dissimilarity(_fake_polars(g.copy), group="g", total="t")["estimate"].iloc[0]
            == segstat.dissimilarity(g, group="g", total="t")["estimate"].iloc[0])
    micro = pd.DataFrame({"a": list("xxy")})
    assert segstat.tabulate(_fake_polars(micro.copy), by=["a"]).cells["count"].tolist() == [2, 1, 3]


def test_polars_without_pyarrow_says_what_to_do():
    def convert():
        raise ModuleNotFoundError("pa.Table requires 'pyarrow' module to be installed")

    with pytest.raises(InputTypeError, match="polars.DataFrame .* call data.to_pandas\\(\\) yourself"):
        segstat.rates(_fake_polars(convert), events="e", population="p")


def test_polars_lazyframe_and_other_frames_are_named():
    lazy = type("LazyFrame", (), {"__module__": "polars.lazyframe.frame"})()
    with pytest.raises(InputTypeError, match="polars.LazyFrame: collect it first"):
        segstat.rates(lazy, events="e", population="p")
    other = type("DataFrame", (), {"__module__": "otherlib.frame"})()
    with pytest.raises(InputTypeError, match="got otherlib.DataFrame"):
        segstat.rates(other, events="e", population="p")
