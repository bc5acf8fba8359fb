"""Bundled data: provenance registry, checksums and the 2022-12-31 population."""

import hashlib
import json

import pandas as pd
import pytest

import segstat
from segstat._data import data_path, load_table, registry
from segstat.errors import InputValueError, VintageError


def test_every_registered_table_matches_its_sha256_and_row_count():
    tables = registry()["tables"]
    assert {"kommun_lan", "lan", "deso2018_regso2020", "deso2025_regso2025", "deso_changes",
            "deso2018_age", "deso2018_foreignborn", "omradestyp"} <= set(tables)
    for name, info in tables.items():
        raw = data_path(info["file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == info["sha256"], name
        for key in ("source", "date", "licence", "rows", "description"):
            assert info[key], (name, key)
        if info["file"].endswith(".csv") and "raw" not in name:
            assert len(load_table(name)) == info["rows"], name
    assert segstat.datasets.verify()


def test_registered_row_counts_are_scb_s():
    t = registry()["tables"]
    assert (t["kommun_lan"]["rows"], t["lan"]["rows"]) == (290, 21)
    assert (t["deso2018_regso2020"]["rows"], t["deso2025_regso2025"]["rows"]) == (5984, 6160)
    assert t["deso_changes"]["rows"] == 1234


def test_population_total_is_swedens_2022_population():
    assert int(segstat.population("riket", vintage=2018)["population"].iloc[0]) == 10_521_556
    for level, n in (("deso", 5984), ("regso", 3363), ("kommun", 290), ("lan", 21)):
        p = segstat.population(level, vintage=2018)
        assert len(p) == n and p["population"].sum() == 10_521_556


def test_population_by_background_matches_scb_totals():
    p = segstat.population("riket", by="background", vintage=2018)
    assert p.set_index("background")["population"].to_dict() == {"swedish": 7_694_434, "foreign": 2_827_122}


def test_population_by_age_has_17_ordered_bands_adding_to_the_total():
    p = segstat.population("kommun", by="age", vintage=2018)
    assert len(p) == 290 * 17
    assert p["age"].cat.ordered and p["age"].cat.categories[0] == "0-4 år"
    tot = segstat.population("kommun", vintage=2018).set_index("kommun")["population"]
    assert (p.groupby("kommun")["population"].sum() == tot).all()


def test_population_by_education_covers_ages_25_to_64():
    p = segstat.population("deso", by="education", vintage=2018)
    assert len(p) == 5984 * 5
    assert p["education"].cat.ordered and list(p["education"].cat.categories) == [
        "förgymnasial", "gymnasial", "eftergymnasial <3 år", "eftergymnasial 3+ år", "uppgift saknas"]
    # the first row of SCB's table: 48, 188, 65, 119 and 12 persons in DeSO 0114A0010
    first = p[p["deso"] == "0114A0010"]["population"].tolist()
    assert first == [48, 188, 65, 119, 12]
    # every DeSO's education total equals its persons aged 25-64 in the separate age table
    age = segstat.population("deso", by="age", vintage=2018)
    first_year = age["age"].astype(str).str.split("-").str[0].astype(int)
    working = age[(first_year >= 25) & (first_year < 65)].groupby("deso")["population"].sum()
    assert (p.groupby("deso")["population"].sum() == working).all()
    assert int(p["population"].sum()) == 5_356_989


def test_population_of_a_known_deso_matches_the_scb_row():
    p = segstat.population("deso", vintage=2018).set_index("deso")
    assert p.loc["0114A0010", "population"] == 863 and p.loc["0114C1010", "population"] == 1562


def test_population_regso_is_sum_of_its_deso():
    d = segstat.population("deso", vintage=2018)
    d["regso"] = segstat.to_level(d["deso"], "regso", vintage=2018)
    expected = d.groupby("regso")["population"].sum()
    got = segstat.population("regso", vintage=2018).set_index("regso")["population"]
    assert (got == expected.reindex(got.index)).all()


def test_population_bad_arguments():
    with pytest.raises(VintageError, match="crosswalk"):
        segstat.population("deso", vintage=2025)
    with pytest.raises(InputValueError, match="by="):
        segstat.population("deso", by="sex", vintage=2018)


def test_info_lists_provenance():
    info = segstat.datasets.info()
    assert info.loc["deso_changes", "date"] == "2025-09-19"
    assert (info["licence"] == "CC0-1.0").all()
    assert json.loads(data_path("registry.json").read_text(encoding="utf-8"))["tables"]
    assert isinstance(info, pd.DataFrame)
