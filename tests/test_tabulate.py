"""tabulate: area hierarchies from the registry, cell keys, magnitude cells, bad hierarchies."""

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.errors import CodeError, InputValueError


def _persons():
    # two RegSO in Upplands Väsby (0114); record keys chosen so sums are exact in binary
    return pd.DataFrame({"regso": ["0114R001"] * 3 + ["0114R002"] * 2, "sex": [1, 2, 1, 1, 2],
                         "k": [0.5, 0.75, 0.5, 0.25, 0.5]})


def test_area_column_gets_regso_kommun_lan_riket_margins():
    t = segstat.tabulate(_persons(), by=["regso", "sex"], vintage=2018, record_key="k")
    c = t.cells.set_index(["regso", "sex"])
    # every RegSO of kommun 0114 is a cell (zeros for the empty ones)
    n_regso = int((segstat.areas("regso", vintage=2018)["kommun"] == "0114").sum())
    assert len(t.cells) == (n_regso + 3) * 3
    assert c.loc[("0114R001", "Total"), "count"] == 3 and c.loc[("0114R002", 2), "count"] == 1
    assert c.loc[("0114", 1), "count"] == 3 and c.loc[("01", "Total"), "count"] == 5
    assert c.loc[("Total", "Total"), "regso_level"] == "riket"
    assert c.loc[("0114", "Total"), "regso_level"] == "kommun"


def test_cell_key_is_the_sum_of_record_keys_mod_1_for_cells_and_margins():
    c = segstat.tabulate(_persons(), by=["regso", "sex"], vintage=2018, record_key="k").cells
    c = c.set_index(["regso", "sex"])["cell_key"]
    assert c[("0114R001", 1)] == pytest.approx(0.0)      # 0.5 + 0.5 = 1.0
    assert c[("0114R001", "Total")] == pytest.approx(0.75)  # 0.5 + 0.75 + 0.5 = 1.75
    assert c[("0114R002", "Total")] == pytest.approx(0.75)  # 0.25 + 0.5
    assert c[("Total", "Total")] == pytest.approx(0.5)   # 2.5 mod 1


def test_magnitude_cells_keep_contributors_and_largest_values():
    d = pd.DataFrame({"g": list("aaabb"), "sek": [100.0, 1.0, 7.0, 10.0, 30.0]})
    c = segstat.tabulate(d, by="g", value="sek", top=2).cells.set_index("g")
    assert c.loc["a", "value"] == 108 and c.loc["a", "n_contributors"] == 3
    assert (c.loc["a", "top1"], c.loc["a", "top2"]) == (100, 7)
    assert (c.loc["Total", "top1"], c.loc["Total", "top2"]) == (100, 30)
    assert c.loc["Total", "value"] == 148


def test_declared_hierarchy_adds_intermediate_margins():
    d = pd.DataFrame({"age": ["0-4", "5-19", "5-19", "65+"]})
    h = {"age": {"0-4": "0-19", "5-19": "0-19", "20-64": "20+", "65+": "20+"}}
    c = segstat.tabulate(d, by="age", hierarchies=h).cells.set_index("age")["count"]
    assert c["0-19"] == 3 and c["20+"] == 1 and c["20-64"] == 0 and c["Total"] == 4


def test_does_not_mutate_input():
    d = _persons()
    before = d.copy()
    segstat.tabulate(d, by=["regso", "sex"], vintage=2018, record_key="k")
    pd.testing.assert_frame_equal(d, before)


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(by=["sex"], hierarchies={"sex": {1: "a", 2: "b", "a": "b", "b": "a"}}), InputValueError, "cycle"),
    (dict(by=["sex"], hierarchies={"sex": {1: "a"}}), InputValueError, "not leaves"),
    (dict(by=["sex"], hierarchies={"age": {1: "a"}}), InputValueError, "not in by"),
    (dict(by=[]), InputValueError, "empty"),
])
def test_bad_hierarchies(kwargs, err, msg):
    with pytest.raises(err, match=msg):
        segstat.tabulate(_persons(), **kwargs)


def test_bad_values_and_codes():
    with pytest.raises(CodeError, match="9999X"):
        segstat.tabulate(pd.DataFrame({"regso": ["9999X"]}), by=["regso"], vintage=2018)
    with pytest.raises(InputValueError, match="negative"):
        segstat.tabulate(pd.DataFrame({"g": ["a"], "v": [-1.0]}), by="g", value="v")
    with pytest.raises(InputValueError, match="NaN"):
        segstat.tabulate(pd.DataFrame({"g": ["a"], "v": [np.nan]}), by="g", value="v")
    with pytest.raises(InputValueError, match="missing"):
        segstat.tabulate(pd.DataFrame({"g": ["a", None]}), by="g")


def test_vintage_per_column_makes_any_column_an_area_column():
    d = pd.DataFrame({"deso": ["0114C1060", "0114C1060", "0114A0010"],
                      "deso_2025": ["0114C1061", "0114C1062", "0114A0010"], "n": [1, 1, 1]})
    t = segstat.tabulate(d, by=["deso", "deso_2025"], vintage={"deso": 2018, "deso_2025": 2025})
    d18, d25 = t.dims
    assert "0114C1060" in d18.leaves and "0114C1060" not in d25.leaves and "0114C1061" in d25.leaves
    assert d25.nodes[-1] == "Total" and "0114" in d25.nodes  # kommun margin of the 2025 hierarchy
    with pytest.raises(InputValueError, match="not in by"):
        segstat.tabulate(d, by=["deso"], vintage={"deso_2018": 2018})
    with pytest.raises(InputValueError, match="column 'deso' holds area codes"):
        segstat.tabulate(d, by=["deso", "deso_2025"], vintage={"deso_2025": 2025})
    with pytest.raises(CodeError, match="column 'n' is given a vintage but does not hold area codes"):
        segstat.tabulate(d, by=["deso", "n"], vintage={"deso": 2018, "n": 2018})


def test_unknown_area_code_error_names_the_column_and_a_fix_tabulate_has():
    from segstat.errors import UnknownCodeError

    d = pd.DataFrame({"regso": ["0114R001", "0114R999"], "age": ["a", "b"]})
    with pytest.raises(UnknownCodeError, match="column 'regso'.*'0114R999'.*remove their rows") as e:
        segstat.tabulate(d, by=["regso", "age"], vintage=2025)
    assert "coerce" not in str(e.value)


def test_area_hierarchy_is_data_every_area_of_the_kommuner_present():
    from segstat.geography.registry import area_hierarchy

    h = area_hierarchy("regso", 2018, codes=["0114R001"])
    regso = segstat.areas("regso", vintage=2018)
    in_0114 = sorted(regso.loc[regso["kommun"] == "0114", "code"].astype(str))
    # leaves first (every RegSO of Upplands Väsby, in code order), then the kommun, then the län
    assert h["code"].tolist() == [*in_0114, "0114", "01"]
    assert h["level"].tolist() == ["regso"] * len(in_0114) + ["kommun", "lan"]
    assert h["parent"].tolist()[: len(in_0114)] == ["0114"] * len(in_0114)
    assert h["parent"].iloc[-2] == "01" and pd.isna(h["parent"].iloc[-1])
    assert h.attrs == {"segstat.vintage": 2018, "segstat.top_level": "riket"}
    # a selection of län is not the whole country
    lan = area_hierarchy("lan", 2025, codes=["01", "14"])
    assert lan["code"].tolist() == ["01", "14"] and lan.attrs["segstat.top_level"] == "total"
    with pytest.raises(segstat.errors.UnknownCodeError, match="0114R999"):
        area_hierarchy("regso", 2018, codes=["0114R999"])


def test_hierarchy_passed_in_gives_the_table_vintage_gives():
    from segstat.geography.registry import area_hierarchy

    by_vintage = segstat.tabulate(_persons(), by=["regso", "sex"], vintage=2018, record_key="k")
    passed = segstat.tabulate(_persons(), by=["regso", "sex"], record_key="k",
                              hierarchies={"regso": area_hierarchy("regso", 2018, codes=["0114R001"])})
    pd.testing.assert_frame_equal(by_vintage.cells, passed.cells)
    # and protect, which only sees the hierarchy, suppresses the same cells
    a = segstat.protect(by_vintage, min_count=2).to_frame()
    b = segstat.protect(passed, min_count=2).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_hierarchy_frame_needs_its_columns():
    bad = pd.DataFrame({"code": ["0114R001"], "parent": [None]})
    with pytest.raises(InputValueError, match="lacks columns \\['level'\\]"):
        segstat.tabulate(_persons(), by=["regso"], hierarchies={"regso": bad})
