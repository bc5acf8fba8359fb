"""crosswalk: moving counts between DeSO 2018 and DeSO 2025 with SCB's change log."""

import pandas as pd
import pytest

import segstat
from segstat.errors import ColumnError, CrosswalkError, InputValueError, VintageError


def test_split_sums_back_exactly_to_the_2018_code():
    # SCB: 0114C1060 ended on 2025-01-01, split into the new 0114C1061 and 0114C1062
    d = pd.DataFrame({"deso": ["0114C1061", "0114C1062"], "persons": [1200, 900]})
    r = segstat.crosswalk(d, area="deso", counts="persons", from_vintage=2025, to_vintage=2018)
    assert r.data.to_dict("records") == [{"deso": "0114C1060", "persons": 2100}]
    rep = r.report.iloc[0]
    assert rep["method"] == "aggregated" and rep["sources"] == "0114C1061;0114C1062"
    assert rep["boundary_changed"] and "Upphör; till nybildad" in rep["change_types"]


def test_forward_split_needs_weights_naming_the_code():
    d = pd.DataFrame({"deso": ["0114C1060"], "persons": [2100]})
    with pytest.raises(CrosswalkError, match="0114C1060.*weights="):
        segstat.crosswalk(d, area="deso", counts="persons", from_vintage=2018, to_vintage=2025)


def test_forward_split_with_target_weights_is_proportional_and_keeps_the_total():
    d = pd.DataFrame({"deso": ["0114C1060"], "persons": [2100]})
    w = pd.Series({"0114C1061": 2.0, "0114C1062": 1.0})
    r = segstat.crosswalk(d, area="deso", counts="persons", from_vintage=2018, to_vintage=2025,
                          weights=w, fractional=True)
    assert r.data.set_index("deso")["persons"].to_dict() == {"0114C1061": 1400.0, "0114C1062": 700.0}
    assert set(r.report["method"]) == {"allocated"}


def test_forward_split_with_explicit_pair_weights():
    d = pd.DataFrame({"deso": ["0114C1060"], "persons": [1000]})
    w = pd.DataFrame({"from": ["0114C1060"] * 2, "to": ["0114C1061", "0114C1062"], "weight": [0.25, 0.75]})
    r = segstat.crosswalk(d, area="deso", counts="persons", from_vintage=2018, to_vintage=2025,
                          weights=w, fractional=True)
    assert r.data["persons"].tolist() == [250.0, 750.0]
    bad = w.assign(weight=[0.5, 0.6])
    with pytest.raises(CrosswalkError, match="sum to 1"):
        segstat.crosswalk(d, area="deso", counts="persons", from_vintage=2018, to_vintage=2025, weights=bad)


def test_merge_is_exact_forward():
    # SCB: 2523C1060 and 2523C1070 ended, into the new 2523C1090 (which also took 2523C1080)
    d = pd.DataFrame({"deso": ["2523C1060", "2523C1070", "2523C1080"], "n": [5, 6, 7]})
    r = segstat.crosswalk(d, area="deso", counts="n", from_vintage=2018, to_vintage=2025)
    assert r.data.to_dict("records") == [{"deso": "2523C1090", "n": 18}]


def test_unchanged_codes_pass_through_unflagged():
    d = pd.DataFrame({"deso": ["0114A0010", "0114C1010"], "n": [863, 1562], "age": ["all", "all"]})
    r = segstat.crosswalk(d, area="deso", counts="n", by="age", from_vintage=2018, to_vintage=2025)
    assert r.data["n"].tolist() == [863, 1562]
    assert r.report["method"].tolist() == ["unchanged", "unchanged"]
    assert not r.report["boundary_changed"].any()


def test_recoded_areas():
    d = pd.DataFrame({"deso": ["0586C2010"], "n": [40]})
    r = segstat.crosswalk(d, area="deso", counts="n", from_vintage=2018, to_vintage=2025)
    assert r.data.to_dict("records") == [{"deso": "0586B2010", "n": 40}]
    assert r.report["method"].tolist() == ["recoded"]


def test_whole_country_total_is_preserved_with_weights():
    a18 = segstat.areas("deso", vintage=2018)["code"]
    pop = segstat.population("deso", vintage=2018)
    d = pd.DataFrame({"deso": a18}).merge(pop, on="deso")
    w = pd.Series(1.0, index=segstat.areas("deso", vintage=2025)["code"])
    r = segstat.crosswalk(d, area="deso", counts="population", from_vintage=2018, to_vintage=2025,
                          weights=w, fractional=True)
    assert r.data["population"].sum() == pytest.approx(10_521_556, abs=1e-6)
    assert len(r.data) == 6160
    counts = r.report["method"].value_counts()
    assert counts.sum() == 6160 and counts["recoded"] == 5
    # SCB's log marks 110 areas as grown and 20 as shrunk without naming the other area: not "unchanged"
    assert counts["unlinked_change"] == 130
    unlinked = r.report[r.report["method"] == "unlinked_change"]
    assert unlinked["boundary_changed"].all() and (unlinked["sources"] == unlinked["code"]).all()


def test_partial_sources_are_refused_or_reported():
    d = pd.DataFrame({"deso": ["0114C1061"], "n": [1200]})
    with pytest.raises(CrosswalkError, match="0114C1060 needs 0114C1062"):
        segstat.crosswalk(d, area="deso", counts="n", from_vintage=2025, to_vintage=2018)
    r = segstat.crosswalk(d, area="deso", counts="n", from_vintage=2025, to_vintage=2018, partial=True)
    assert r.report["missing_sources"].tolist() == ["0114C1062"]


def test_non_additive_columns_refused():
    d = pd.DataFrame({"deso": ["0114A0010"], "median_income": [374.7]})
    with pytest.raises(InputValueError, match="cannot be summed"):
        segstat.crosswalk(d, area="deso", counts="median_income", from_vintage=2018, to_vintage=2025)
    d = pd.DataFrame({"deso": ["0114A0010"], "andel_utrikes": [0.2]})
    with pytest.raises(InputValueError, match="share"):
        segstat.crosswalk(d, area="deso", counts="andel_utrikes", from_vintage=2018, to_vintage=2025)


@pytest.mark.parametrize(("frame", "kwargs", "err", "msg"), [
    (pd.DataFrame({"deso": ["0114A0010"], "n": [-1]}), {}, InputValueError, "negative"),
    (pd.DataFrame({"deso": ["0114A0010"], "n": [float("nan")]}), {}, InputValueError, "missing"),
    (pd.DataFrame({"deso": ["0114A0010"], "n": [1.5]}), {}, InputValueError, "whole counts"),
    (pd.DataFrame({"deso": ["0114A0010", "0114A0010"], "n": [1, 2]}), {}, InputValueError, "repeat"),
    (pd.DataFrame({"deso": ["0114A0010"], "n": [1], "x": [1]}), {}, InputValueError, "by="),
    (pd.DataFrame({"deso": ["0114A0010"], "n": [1]}), {"counts": "m"}, ColumnError, "counts='m'"),
    (pd.DataFrame({"deso": ["0114C1061"], "n": [1]}), {}, VintageError, "DeSO 2025"),
    (pd.DataFrame({"deso": [], "n": []}), {}, InputValueError, "empty"),
])
def test_bad_input(frame, kwargs, err, msg):
    args = {"area": "deso", "counts": "n", "from_vintage": 2018, "to_vintage": 2025, **kwargs}
    with pytest.raises(err, match=msg):
        segstat.crosswalk(frame, **args)


def test_input_is_not_mutated():
    d = pd.DataFrame({"deso": ["0114C1061", "0114C1062"], "n": [1, 2]})
    before = d.copy()
    segstat.crosswalk(d, area="deso", counts="n", from_vintage=2025, to_vintage=2018)
    pd.testing.assert_frame_equal(d, before)


def test_change_types_are_kept_whole_and_same_vintage_reports_no_change():
    d = pd.DataFrame({"deso": ["0114C1060"], "n": [10]})
    r = segstat.crosswalk(d, area="deso", counts="n", from_vintage=2018, to_vintage=2025,
                          weights=pd.Series({"0114C1061": 1.0, "0114C1062": 1.0}))
    assert set(r.report["change_types"]) == {"Upphör; till nybildad"}  # SCB's own name, with its "; "
    same = segstat.crosswalk(pd.DataFrame({"deso": ["0114C1061"], "n": [1]}), area="deso", counts="n",
                             from_vintage=2025, to_vintage=2025).report
    assert same[["method", "boundary_changed", "change_types"]].values.tolist() == [["unchanged", False, ""]]


def test_weights_tables_that_would_lose_or_invent_counts_are_refused():
    d = pd.DataFrame({"deso": ["0114C1060"], "n": [10]})
    kw = dict(area="deso", counts="n", from_vintage=2018, to_vintage=2025)
    table = pd.DataFrame({"from": ["0114C1060"] * 3, "to": ["0114C1061", "0114C1062", "0114C1010"],
                          "weight": [0.5, 0.25, 0.25]})
    with pytest.raises(segstat.errors.CrosswalkError, match=r"does not link: '0114C1060->0114C1010'"):
        segstat.crosswalk(d, **kw, weights=table)
    neg = pd.DataFrame({"from": ["0114C1060"] * 2, "to": ["0114C1061", "0114C1062"], "weight": [1.5, -0.5]})
    with pytest.raises(segstat.errors.CrosswalkError, match=r"between 0 and 1.*'0114C1060->0114C1062'"):
        segstat.crosswalk(d, **kw, weights=neg)
    rep = pd.DataFrame({"from": ["0114C1060"] * 3, "to": ["0114C1061", "0114C1061", "0114C1062"],
                        "weight": [0.25, 0.25, 0.5]})
    with pytest.raises(segstat.errors.CrosswalkError, match=r"repeat the pairs '0114C1060->0114C1061'"):
        segstat.crosswalk(d, **kw, weights=rep)
    with pytest.raises(segstat.errors.CrosswalkError, match=r"repeat DeSO 2025 code\(s\) '0114C1061'"):
        segstat.crosswalk(d, **kw, weights=pd.Series([1.0, 1.0, 2.0], index=["0114C1061", "0114C1061", "0114C1062"]))
    ok = segstat.crosswalk(d, **kw, weights=table.iloc[:2].assign(weight=[0.6, 0.4]))
    assert ok.data["n"].tolist() == pytest.approx([6.0, 4.0])


def test_count_columns_whose_names_only_read_like_rates_are_accepted():
    d = pd.DataFrame({"deso": ["0586C2010"], "immigration": [4], "shareholders": [2], "handel": [1]})
    r = segstat.crosswalk(d, area="deso", counts=["immigration", "shareholders", "handel"], from_vintage=2018,
                          to_vintage=2025)
    assert r.data[["immigration", "shareholders", "handel"]].values.tolist() == [[4, 2, 1]]
    for name in ("andel_utrikes", "medianinkomst", "rate", "share_foreign"):
        with pytest.raises(InputValueError, match="cannot be summed"):
            segstat.crosswalk(pd.DataFrame({"deso": ["0586C2010"], name: [1]}), area="deso", counts=name,
                              from_vintage=2018, to_vintage=2025)
