"""The code vintage travels with the data (issue 16, part 2).

No function that interprets area codes guesses the vintage: the caller states it, or the data carries it in
``attrs["segstat.vintage"]`` (set by every function that makes codes), and a stated vintage that contradicts the
carried one is a VintageError naming both.
"""

import json
import warnings

import pandas as pd
import pytest
import shapely

import segstat
from segstat.cli import main
from segstat.errors import VintageError

V = "segstat.vintage"
MOVED = segstat.classify.MOVED_2025_WARNING

# A point of DeSO 1480C1560 (RegSO 2025 1480R043, Göteborg), one of the RegSO whose territory changed in the 2025
# revision (SCB's DeSO change log); the bundled boundaries place it there (checked below).
GBG_MOVED = (314_506.73, 6_396_660.28)


def _vaermdoe_boundaries(tmp_path):
    """DeSO 2025 0120C1080 (in RegSO 0120R003, Värmdö) as a stand-in square around a point in Gustavsberg: the
    bundled boundaries cover Göteborgsregionen only, and the issue's example RegSO is in Stockholms län. The square
    is not SCB's polygon; it stands for it so that locate() makes the code 0120R003 as it would from SCB's file."""
    square = shapely.box(689_000, 6_577_000, 691_000, 6_579_000)
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:3006"}},
           "features": [{"type": "Feature", "properties": {"desokod": "0120C1080"},
                         "geometry": json.loads(shapely.to_geojson(square))}]}
    path = tmp_path / "deso2025_0120.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return segstat.boundaries("deso", vintage=2025, path=path)


def _people(x, y, n=4):
    return pd.DataFrame({"x": [x] * n, "y": [y] * n, "age": ["0-19", "20-64", "20-64", "65+"][:n]})


def test_chain_keeps_the_territory_change_warning_for_0120R003_without_restating_the_vintage(tmp_path):
    b = _vaermdoe_boundaries(tmp_path)
    placed = segstat.locate(_people(690_000.0, 6_578_000.0), boundaries=b, append=True)  # vintage from b
    assert placed["regso"].tolist() == ["0120R003"] * 4 and placed.attrs[V] == 2025
    with pytest.warns(segstat.errors.SegstatWarning, match=MOVED + r".*'0120R003'"):
        typed = segstat.attach_omradestyp(placed, year=2023)
    # the type SCB gave RegSO 2020 0120R003 (read as a 2025 code, with the warning), not a silent 2020 reading
    with pytest.warns(segstat.errors.SegstatWarning, match=MOVED):
        expected = segstat.omradestyp(["0120R003"], year=2023, vintage=2025).tolist()
    assert typed["omradestyp_2023"].tolist() == expected * 4
    table = segstat.tabulate(typed, by=["regso", "age"])
    assert table.vintage == 2025 and table.cells.attrs[V] == 2025
    cells = table.cells.set_index(["regso", "age"])["count"]
    assert cells[("0120R003", "20-64")] == 2 and cells[("0120", "Total")] == 4  # RegSO -> kommun from the 2025 key
    protected = segstat.protect(table, min_count=3)
    assert protected.n_suppressed["primary"] > 0  # the 1-person cells are hidden


def test_chain_on_the_bundled_goteborg_boundaries():
    people = _people(*GBG_MOVED)
    placed = segstat.locate(people, vintage=2025, append=True)
    assert placed["deso"].tolist() == ["1480C1560"] * 4 and placed["regso"].iloc[0] == "1480R043"
    assert placed[["x", "y", "age"]].equals(people)  # the input, with columns appended
    with pytest.warns(segstat.errors.SegstatWarning, match=MOVED + r".*'1480R043'"):
        typed = segstat.attach_omradestyp(placed[placed["status"] == "placed"], year=2023)  # a filter keeps attrs
    assert typed.attrs[V] == 2025
    t = segstat.tabulate(typed, by=["kommun", "age"])
    assert t.vintage == 2025 and int(t.cells["count"].iloc[-1]) == 4


def test_a_join_loses_the_vintage_and_the_error_says_how_to_keep_it():
    people = _people(*GBG_MOVED)
    joined = people.join(segstat.locate(people, vintage=2025))  # pandas drops attrs that not all inputs carry
    assert V not in joined.attrs
    with pytest.raises(VintageError, match=r"append=True") as e:
        segstat.attach_omradestyp(joined, year=2023)
    assert "vintage=2018" in str(e.value) and "vintage=2025" in str(e.value)
    with pytest.raises(VintageError, match=r"append=True"):
        segstat.tabulate(joined, by=["regso"])
    with pytest.warns(segstat.errors.SegstatWarning, match=MOVED):  # stated, it works (and still warns)
        assert segstat.attach_omradestyp(joined, year=2023, vintage=2025).attrs[V] == 2025


def test_a_stated_vintage_that_contradicts_the_data_is_an_error_naming_both():
    placed = segstat.locate(_people(*GBG_MOVED), vintage=2025, append=True)
    calls = [
        lambda: segstat.attach_omradestyp(placed, year=2023, vintage=2018),
        lambda: segstat.omradestyp(placed["regso"], year=2023, vintage=2020),
        lambda: segstat.tabulate(placed, by=["regso", "age"], vintage=2018),
        lambda: segstat.to_level(placed["deso"], "regso", vintage=2018),
    ]
    for call in calls:
        with pytest.raises(VintageError, match=r"vintage=20(18|20) contradicts the data, which carries vintage 2025"):
            call()
    pop = segstat.population("deso", vintage=2018)
    with pytest.raises(VintageError, match="from_vintage=2025 contradicts the data, which carries vintage 2018"):
        segstat.crosswalk(pop, area="deso", counts="population", from_vintage=2025, to_vintage=2018)
    # stating the same vintage as the data is fine
    assert segstat.to_level(placed["deso"], "regso", vintage=2025).tolist() == ["1480R043"] * 4


def test_every_producer_of_codes_sets_the_vintage():
    assert segstat.areas("regso", vintage=2018).attrs[V] == 2018
    assert segstat.areas("deso", vintage=2020).attrs[V] == 2018  # 2020 names the 2018 series
    assert segstat.boundaries("deso", vintage=2025).to_frame().attrs[V] == 2025
    assert segstat.population("kommun", vintage=2018).attrs[V] == 2018
    loc = segstat.locate(_people(*GBG_MOVED), vintage=2025)
    assert loc.attrs[V] == 2025 and loc.attrs["segstat_locate"].placed == 4
    regso = segstat.to_level(loc["deso"], "regso")  # read from the Series' attrs
    assert regso.tolist() == ["1480R043"] * 4 and regso.attrs[V] == 2025
    assert segstat.to_level(regso, "lan").tolist() == ["14"] * 4
    types = segstat.omradestyp(["0114R001"], year=2023, vintage=2018)
    assert types.tolist() == [4] and types.attrs[V] == 2018
    typed = segstat.attach_omradestyp(pd.DataFrame({"regso": ["0114R001"]}), year=2023, vintage=2018)
    assert typed.attrs[V] == 2018
    assert segstat.tabulate(typed, by="regso").to_frame().attrs[V] == 2018
    # crosswalk: the DeSO 2025 halves of 0114C1060 back to DeSO 2018; the result carries the target vintage
    a = segstat.areas("deso", vintage=2025)
    d = a.loc[a["code"].isin(["0114C1061", "0114C1062"]), ["code"]].rename(columns={"code": "deso"}).assign(n=[3, 4])
    assert d.attrs[V] == 2025
    moved = segstat.crosswalk(d, area="deso", counts="n", to_vintage=2018)  # from_vintage read from d
    assert moved.data.to_dict("records") == [{"deso": "0114C1060", "n": 7}] and moved.data.attrs[V] == 2018
    assert segstat.to_level(moved.data["deso"], "regso").tolist() == \
        segstat.to_level(["0114C1060"], "regso", vintage=2018).tolist()


def test_pandas_keeps_the_vintage_through_filters_assignments_and_groupby():
    placed = segstat.locate(_people(*GBG_MOVED), vintage=2025, append=True)
    assert placed[placed["age"] != "65+"].attrs[V] == 2025
    assert placed.assign(one=1).attrs[V] == 2025
    assert placed.groupby(["regso", "age"], as_index=False)["x"].sum().attrs[V] == 2025
    assert placed["regso"].attrs[V] == 2025
    # ... but not through concat/join with a frame that does not carry it: hence locate(append=True)
    assert V not in pd.concat([placed, pd.DataFrame({"x": [1.0]})], ignore_index=True).attrs


def test_functions_without_data_to_carry_it_require_the_vintage():
    required = [
        lambda: segstat.areas("deso"),
        lambda: segstat.boundaries("regso"),
        lambda: segstat.download_boundaries("deso"),  # refused before any network access
        lambda: segstat.population("deso"),
        lambda: segstat.locate(_people(*GBG_MOVED)),
        lambda: segstat.to_level(["0114C1061"], "regso"),
        lambda: segstat.omradestyp(["0114R001"], year=2023),
        lambda: segstat.attach_omradestyp(pd.DataFrame({"regso": ["0114R001"]}), year=2023),
        lambda: segstat.tabulate(pd.DataFrame({"regso": ["0114R001"]}), by="regso"),
        lambda: segstat.crosswalk(pd.DataFrame({"deso": ["0114C1061"], "n": [1]}), area="deso", counts="n",
                                  to_vintage=2018),
    ]
    for call in required:
        with pytest.raises(VintageError, match=r"2018 .*DeSO 2018 / RegSO 2020.*2025 .*DeSO 2025 / RegSO 2025"):
            call()
    with pytest.raises(VintageError, match="to_vintage is required"):
        segstat.crosswalk(segstat.population("deso", vintage=2018), area="deso", counts="population")
    # tables without area columns need no vintage and carry none
    t = segstat.tabulate(pd.DataFrame({"sex": ["k", "m"]}), by="sex")
    assert t.vintage is None and V not in t.cells.attrs


def test_locate_takes_the_vintage_from_its_boundaries_and_refuses_a_contradiction():
    b = segstat.boundaries("regso", vintage=2025)
    out = segstat.locate(_people(*GBG_MOVED, n=1), level="regso", boundaries=b)
    assert out.attrs[V] == 2025 and out["regso"].tolist() == ["1480R043"]
    with pytest.raises(segstat.errors.InputValueError, match="RegSO 2025.*vintage=2018"):
        segstat.locate(_people(*GBG_MOVED, n=1), level="regso", boundaries=b, vintage=2018)
    with pytest.raises(segstat.errors.InputValueError, match=r"already has column\(s\) 'regso'"):
        segstat.locate(_people(*GBG_MOVED, n=1).assign(regso="x"), vintage=2025, append=True)
    with pytest.raises(segstat.errors.InputTypeError, match="append='yes'"):
        segstat.locate(_people(*GBG_MOVED, n=1), vintage=2025, append="yes")


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_reads_the_vintage_from_a_parquet_file_and_asks_for_it_on_csv(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    src = tmp_path / "p.csv"
    _people(*GBG_MOVED, n=2).to_csv(src, index=False)
    code, _, err = _run(["locate", str(src), str(tmp_path / "o.parquet")], capsys)
    assert code == 2 and "--vintage" in err  # required: no default
    code, _, _ = _run(["locate", str(src), str(tmp_path / "o.parquet"), "--vintage", "2025"], capsys)
    assert code == 0 and pd.read_parquet(tmp_path / "o.parquet").attrs == {V: 2025}
    code, _, err = _run(["classify", str(tmp_path / "o.parquet"), str(tmp_path / "t.csv"), "--year", "2023"], capsys)
    assert code == 0 and "1480R043" in err and "lost or gained territory" in err  # the warning, relayed
    code, _, err = _run(["classify", str(tmp_path / "o.parquet"), str(tmp_path / "t2.csv"), "--year", "2023",
                         "--vintage", "2018"], capsys)
    assert code == 2 and "contradicts" in err
    codes = tmp_path / "codes.csv"
    pd.DataFrame({"regso": ["1480R043"], "age": ["65+"]}).to_csv(codes, index=False)  # a CSV carries no vintage
    code, _, err = _run(["classify", str(codes), str(tmp_path / "t3.csv"), "--year", "2023"], capsys)
    assert code == 2 and "--vintage 2018" in err and "--vintage 2025" in err
    code, _, err = _run(["protect", str(codes), str(tmp_path / "p.csv"), "--by", "regso", "age"], capsys)
    assert code == 2 and "--vintage" in err
    code, _, err = _run(["protect", str(tmp_path / "o.parquet"), str(tmp_path / "p.csv"), "--by", "regso", "age"],
                        capsys)
    assert code == 0  # the Parquet file carries it
