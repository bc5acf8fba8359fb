"""The area registry: counts per level and vintage, parents, and to_level mappings from SCB's keys."""

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.errors import CodeError, CoercedWarning, InputValueError, UnknownCodeError, VintageError


@pytest.mark.parametrize(
    ("level", "vintage", "n"),
    [("deso", 2018, 5984), ("deso", 2025, 6160), ("regso", 2018, 3363), ("regso", 2020, 3363),
     ("regso", 2025, 3363), ("kommun", 2018, 290), ("kommun", 2025, 290), ("lan", 2025, 21)],
)
def test_area_counts_match_scb(level, vintage, n):
    a = segstat.areas(level, vintage=vintage)
    assert len(a) == n
    assert a["code"].is_unique
    assert a["code"].dtype == "string"


def test_deso_vintages_overlap_as_scb_documents():
    old = set(segstat.areas("deso", vintage=2018)["code"])
    new = set(segstat.areas("deso", vintage=2025)["code"])
    assert (len(old & new), len(old - new), len(new - old)) == (5835, 149, 325)


def test_regso_2025_change_kiruna_gallivare():
    old = set(segstat.areas("regso", vintage=2020)["code"])
    new = set(segstat.areas("regso", vintage=2025)["code"])
    assert old - new == {"2584R001"}
    assert new - old == {"2523R011"}
    r = segstat.areas("regso", vintage=2025).set_index("code")
    assert r.loc["2523R011", ["kommun", "lan"]].tolist() == ["2523", "25"]


def test_parents_are_consistent_with_code_prefixes():
    for v in (2018, 2025):
        d = segstat.areas("deso", vintage=v)
        assert (d["kommun"] == d["code"].str[:4]).all()
        assert (d["regso"].str[:4] == d["kommun"]).all()
        assert (d["lan"] == d["code"].str[:2]).all()


def test_names():
    k = segstat.areas("kommun", vintage=2025).set_index("code")
    assert k.loc["0180", "name"] == "Stockholm"
    assert k.loc["1480", "name"] == "Göteborg"
    lan = segstat.areas("lan", vintage=2025).set_index("code")
    assert lan.loc["14", "name"] == "Västra Götalands län"
    r = segstat.areas("regso", vintage=2025).set_index("code")
    assert r.loc["0114R001", "name"] == "Bollstanäs"
    assert segstat.areas("deso", vintage=2025)["name"].isna().all()  # SCB does not name DeSO


def test_to_level_known_mappings():
    assert segstat.to_level(["0114C1061"], "regso", vintage=2025).tolist() == ["0114R006"]
    assert segstat.to_level(["0114C1061", "0114C1062"], "regso", vintage=2025).tolist() == ["0114R006"] * 2
    assert segstat.to_level(["0114C1060"], "regso", vintage=2018).tolist() == ["0114R006"]
    assert segstat.to_level(["0114A0010"], "regso", vintage=2018).tolist() == ["0114R010"]
    assert segstat.to_level(["1480R001"], "lan", vintage=2025).tolist() == ["14"]
    assert segstat.to_level(["0180"], "lan", vintage=2025).tolist() == ["01"]
    assert segstat.to_level(["0114C1061_DeSO2025"], "kommun", vintage=2025).tolist() == ["0114"]


def test_to_level_keeps_index_and_alignment():
    s = pd.Series(["1480C1010", "0114C1061", "0114C1061"], index=[10, 5, 7])
    out = segstat.to_level(s, "kommun", vintage=2025)
    assert out.index.tolist() == [10, 5, 7]
    assert out.tolist() == ["1480", "0114", "0114"]


def test_to_level_matches_key_for_every_deso():
    d = segstat.areas("deso", vintage=2025)
    out = segstat.to_level(d["code"], "regso", vintage=2025)
    assert (out.to_numpy() == d["regso"].to_numpy()).all()
    assert out.nunique() == 3363


def test_to_level_unknown_codes_listed_with_close_matches():
    with pytest.raises(UnknownCodeError, match=r"0114R999.*close: 0114R009"):
        segstat.to_level(["0114R999"], "kommun", vintage=2025)


def test_to_level_coerce_gives_na_and_warning():
    with pytest.warns(CoercedWarning, match="1 RegSO 2025 code"):
        out = segstat.to_level(["0114R999", "0114R001"], "kommun", vintage=2025, errors="coerce")
    assert out.isna().tolist() == [True, False]


def test_to_level_wrong_vintage_is_named():
    with pytest.raises(VintageError, match="exist in DeSO 2025.*vintage=2025"):
        segstat.to_level(["0114C1061"], "regso", vintage=2018)


def test_to_level_mixed_vintages_are_reported():
    # 0114C1060 exists only in 2018, 0114C1061 only in 2025
    with pytest.raises(VintageError, match="mix vintages: '0114C1060' exist only in DeSO 2018"):
        segstat.to_level(["0114C1060", "0114C1061", "0114C1010"], "regso", vintage=2025)


def test_to_level_refuses_finer_target_and_mixed_levels():
    with pytest.raises(InputValueError, match="finer"):
        segstat.to_level(["0114R001"], "deso", vintage=2025)
    with pytest.raises(CodeError, match="several levels"):
        segstat.to_level(["0114R001", "0114C1061"], "kommun", vintage=2025)


def test_to_level_integer_codes_show_padded_fix():
    with pytest.raises(CodeError, match=r"114 -> '0114'"):
        segstat.to_level([114], "lan", vintage=2025)
    with pytest.raises(CodeError, match=r"'114C1061' -> '0114C1061'"):
        segstat.to_level(["114C1061"], "regso", vintage=2025)


def test_bad_vintage_and_level():
    with pytest.raises(VintageError, match="2019"):
        segstat.areas("regso", vintage=2019)
    with pytest.raises(InputValueError, match="did you mean 'regso'|Did you mean 'regso'"):
        segstat.areas("regos", vintage=2025)
    with pytest.raises(InputValueError, match="empty"):
        segstat.to_level([], "kommun", vintage=2025)


def test_areas_returns_a_copy():
    a = segstat.areas("lan", vintage=2025)
    a.loc[0, "name"] = "changed"
    assert segstat.areas("lan", vintage=2025).loc[0, "name"] != "changed"
    assert np.all(segstat.areas("lan", vintage=2025)["code"].str.len() == 2)
