"""segstat.scb against a local stand-in of SCB's PxWebApi 2 (tests/_scb_server.py), no network."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("requests")

import _scb_server as S

from segstat import scb
from segstat.errors import (
    DataIntegrityError,
    DownloadError,
    InputValueError,
    SegstatWarning,
    UnknownCodeError,
    VintageError,
)
from segstat.scb import _client
from segstat.scb._jsonstat import data_columns
from segstat.scb._selection import Pick, split

DATA = Path(__file__).parent / "data" / "scb_api"
RECORDED = json.loads((DATA / "TAB6471_data.json").read_text(encoding="utf-8"))
N_DESO25, N_REGSO25, N_REGSO20, N_DESO18 = 6160, 3363 + 0, 3363, 5984


def _recorded_selection() -> dict[str, list[str]]:
    idx = {v: RECORDED["dimension"][v]["category"]["index"] for v in RECORDED["id"]}
    return {v: sorted(i, key=i.get) for v, i in idx.items()}


@pytest.fixture
def sleeps(monkeypatch):
    """Waiting is recorded, not done (the tests stay fast)."""
    waited: list[float] = []
    monkeypatch.setattr(_client, "_sleep", waited.append)
    return waited


@pytest.fixture
def service():
    return S.Service()


@pytest.fixture
def url(service, tmp_path, monkeypatch, sleeps):
    monkeypatch.setenv("SEGSTAT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SEGSTAT_OFFLINE", raising=False)
    monkeypatch.delenv("SEGSTAT_SCB_URL", raising=False)
    with S.serve(service) as base:
        yield base


POP = {"Tid": ["2025"], "Alder": ["totalt"], "Kon": ["1+2"]}


# ---------------------------------------------------------------- parsing the recorded responses
def test_recorded_tab6471_parses_to_its_exact_values():
    _, positions, codes, values = data_columns(RECORDED, "recorded")
    assert values.tolist() == RECORDED["value"]  # 2,772 values, exactly, in order
    assert [len(c) for c in codes] == [21, 11, 3, 1, 4]
    # row-major: the last dimension (Tid) varies fastest, the first (Region) slowest
    assert codes[0][positions[0][4 * 3 * 11]] == "03" and codes[4][positions[4][1]] == "2026M02"


def test_get_of_the_recorded_selection_returns_the_recorded_values(url, service):
    df = scb.get("TAB6471", _recorded_selection(), base_url=url)
    assert df["value"].tolist() == RECORDED["value"]
    assert list(df.columns) == ["Region", "Region_label", "Alder", "Alder_label", "Kon", "Kon_label",
                                "ContentsCode", "ContentsCode_label", "Tid", "Tid_label", "value", "status"]
    assert df["status"].isna().all()
    assert str(df["Region"].dtype) == "string" and df.loc[0, "Region"] == "01"
    assert df.loc[0, "Region_label"] == "Stockholms län"
    assert "segstat.vintage" not in df.attrs  # län codes belong to no DeSO/RegSO vintage
    assert len(service.data_requests()) == 1 and service.data_requests()[0]["method"] == "GET"


def test_split_requests_reassemble_in_the_right_order(url, service):
    service.config["maxDataCells"] = 1000  # 2,772 cells: Region (21) split into 3 pieces of 7 (924 cells each)
    df = scb.get("TAB6471", _recorded_selection(), base_url=url, progress=True)
    assert df["value"].tolist() == RECORDED["value"]
    sizes = [len(r["query"]["valuecodes[Region]"][0].split(",")) for r in service.data_requests()]
    assert sizes == [7, 7, 7]


# ---------------------------------------------------------------- limits
def test_split_takes_the_fewest_requests_the_cell_limit_allows():
    picks = [Pick("Region", tuple(f"r{i}" for i in range(6160))), Pick("Kon", ("1", "2")),
             Pick("Alder", tuple(S.AGES)), Pick("Tid", ("2025",))]
    parts = split(picks, 150_000)
    assert len(parts) == 2  # 209,440 cells
    assert [math.prod(len(p.codes) for p in part) for part in parts] == [104_720, 104_720]
    # one region already exceeds the limit: the next largest dimension is split too
    assert len(split([Pick("A", tuple(map(str, range(10)))), Pick("B", tuple(map(str, range(400))))], 150)) == 27
    wide = [Pick("A", tuple(map(str, range(20)))), Pick("B", tuple(map(str, range(10))))]
    parts = split(wide, 5)  # 200 cells, 5 per request: 40 requests of one A and five B codes each
    assert len(parts) == 40 and {(len(p[0].codes), len(p[1].codes)) for p in parts} == {(1, 5)}
    assert sorted((a, b) for p in parts for a in p[0].codes for b in p[1].codes) == sorted(
        (a, b) for a in map(str, range(20)) for b in map(str, range(10)))


def test_deso_population_of_the_issue_takes_two_requests(url, service):
    df = scb.get("TAB6574", {"Tid": ["2025"], "Kon": ["1", "2"], "Alder": S.AGES}, level="deso", vintage=2025,
                 base_url=url)
    data = service.data_requests()
    assert len(data) == 2 and all(r["method"] == "POST" for r in data)  # 6,160 codes do not fit a GET URL
    assert [len(r["body"]["selection"][0]["valueCodes"]) for r in data] == [3080, 3080]
    assert all(r["body"]["selection"][0]["codelist"] == "vs_DeSO2025" for r in data)
    assert len(df) == 209_440 and df["Region"].nunique() == N_DESO25
    assert not df["Region"].str.contains("_").any() and df.attrs["segstat.vintage"] == 2025
    # a cell far into the second request: restate the stand-in's formula
    cube = service.cubes["TAB6574"]
    regions = cube.var("Region")["codes"]
    row = df[(df["Region"] == "2584C1020") & (df["Alder"] == "80-") & (df["Kon"] == "2")]
    expect = S.population_value(regions.index("2584C1020_DeSO2025"), 17, 2, 1)
    assert row["value"].tolist() == [expect]


def test_stand_in_enforces_the_limits_the_client_avoids(url, service):
    import requests

    data = f"{url}/tables/TAB6574/data"
    too_many = {"selection": [{"variableCode": "Region", "codelist": "vs_DeSO2025", "valueCodes": ["*"]},
                              {"variableCode": "Alder", "valueCodes": ["*"]}, {"variableCode": "Kon",
                                                                               "valueCodes": ["*"]}]}
    assert requests.post(data, json=too_many).status_code == 400
    r = requests.get(data, params={"valuecodes[Region]": "01,01", "valuecodes[Tid]": "2025"})
    assert (r.status_code, r.content) == (500, b"")
    assert requests.get(data, params={"valuecodes[Region]": ",".join(["0114"] * 500)}).status_code == 404
    default = requests.get(f"{url}/tables/TAB6471/data").json()  # no selection: the service's default
    assert default["value"] == RECORDED["value"]


def test_duplicated_codes_are_sent_once(url, service):
    df = scb.get("TAB6574", {"Region": ["01", "0114", "01"], **POP}, base_url=url)
    assert df["Region"].tolist() == ["01", "0114"]
    assert service.data_requests()[0]["query"]["valuecodes[Region]"] == ["01,0114"]


def test_a_500_with_empty_body_is_explained(url, service):
    service.forced.extend([(200, {}, json.dumps(service.cubes["TAB6574"].metadata()).encode()), (500, {}, b"")])
    with pytest.raises(DownloadError, match="value code given twice"):
        scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=url)


def test_long_selection_goes_as_post_short_as_get(url, service):
    kommun = [c for c in service.cubes["TAB6574"].var("Region")["codes"] if len(c) == 4]
    scb.get("TAB6574", {"Region": kommun, **POP}, base_url=url)
    scb.get("TAB6574", {"Region": kommun[:5], **POP}, base_url=url)
    first, second = service.data_requests()
    assert first["method"] == "POST" and second["method"] == "GET" and second["url_length"] <= 2000


def test_429_waits_as_retry_after_says(url, service, sleeps):
    scb.metadata("TAB6574", base_url=url)
    service.forced.append((429, {"Retry-After": "7"}, b""))
    df = scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=url)
    assert 7.0 in sleeps and len(df) == 1


def test_5xx_is_retried_with_growing_pauses(url, service, sleeps):
    scb.metadata("TAB6574", base_url=url)
    service.forced.extend([(503, {}, b"busy"), (502, {}, b"busy")])
    df = scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=url)
    assert sleeps == [1.0, 2.0] and len(df) == 1


def test_calls_are_paced_to_the_window(tmp_path, monkeypatch):
    """Real time: 3 calls per second allowed; 6 calls take over a second and none is refused."""
    import time

    monkeypatch.setenv("SEGSTAT_DATA_DIR", str(tmp_path))
    service = S.Service(calls=3, window=1, enforce_rate=True)
    with S.serve(service) as base:
        start = time.monotonic()
        scb.tables(base_url=base)  # /config + 3 pages
        scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=base)  # metadata + data
        elapsed = time.monotonic() - start
    assert len(service.log) == 6 and service.rejected_429 == 0 and elapsed >= 1.0


# ---------------------------------------------------------------- tables, metadata, vintages
def test_tables_pages_through_the_list(url, service):
    t = scb.tables(base_url=url)
    recorded = json.loads((DATA / "tables.json").read_text(encoding="utf-8"))["tables"]
    # the 20 recorded tables and the stand-in's table of områdestyp, in pages of 7: 3 requests
    assert t["id"].tolist() == [r["id"] for r in recorded] + [S.OMRADESTYP_TABLE]
    assert [r["query"]["pageNumber"] for r in service.log if r["path"].endswith("/tables")] == [["1"], ["2"], ["3"]]
    assert t.loc[0, "label"].startswith("Antal pågående anställningar") and t.loc[0, "first_period"] == "2015M04"
    assert t.loc[0, "path"] == "Arbetsmarknad / Anställningar / Anställningar"
    assert str(t["updated"].dt.tz) == "UTC"


def test_metadata_lists_both_vintages_code_lists_and_mandatory_notes(url):
    m = scb.metadata("TAB6574", base_url=url)
    assert m.codelists["codelist"].tolist() == ["vs_DeSO2018", "vs_RegSO2020", "vs_DeSO2025", "vs_RegSO2025"]
    assert m.time_variable == "Tid" and m.contents_variable == "ContentsCode" and m.ckm
    assert m.notes["mandatory"].tolist() == [True, False]
    rec = scb.metadata("tab6471", base_url=url)
    assert rec.id == "TAB6471" and rec.updated == "2026-06-08T06:00:00Z"
    assert rec.notes["mandatory"].all() and len(rec.notes) == 5
    assert rec.notes.loc[4, "variable"] == "Alder"
    assert len(rec.to_frame()) == 312 + 134 + 3 + 1 + 16


@pytest.mark.parametrize(("vintage", "codelist", "n", "example"),
                         [(2025, "vs_RegSO2025", None, "0114R010"), (2018, "vs_RegSO2020", N_REGSO20, "0114R001")])
def test_level_and_vintage_pick_the_code_list_and_all_its_areas(url, service, vintage, codelist, n, example):
    df = scb.get("TAB6574", POP, level="regso", vintage=vintage, base_url=url)
    expected = len(service.codelists[codelist]["values"])
    (req,) = service.data_requests()
    assert req["body"]["selection"][0]["codelist"] == codelist
    assert len(req["body"]["selection"][0]["valueCodes"]) == expected == len(df)
    assert n is None or n == expected
    assert example in set(df["Region"]) and df.attrs["segstat.vintage"] == vintage


def test_a_mixed_vintage_table_is_never_returned_mixed(url, service):
    with pytest.raises(VintageError, match="DeSO 2018 / RegSO 2020 codes.*DeSO 2025 / RegSO 2025 codes"):
        scb.get("TAB6574", POP, base_url=url)
    assert service.data_requests() == []
    df = scb.get("TAB6574", POP, vintage=2018, base_url=url)
    assert len(df) == 1 + 21 + 290 + N_DESO18 + N_REGSO20  # riket, län, kommun and the 2018 series only
    assert df.attrs["segstat.vintage"] == 2018
    df25 = scb.get("TAB6574", POP, vintage=2025, base_url=url)
    assert len(df25) == 1 + 21 + 290 + N_DESO25 + len(service.codelists["vs_RegSO2025"]["values"])
    assert df25["Region"].isin(["0114A0010", "0114R010"]).sum() == 2
    with pytest.raises(VintageError, match="level='deso' needs vintage=2018"):
        scb.get("TAB6574", POP, level="deso", base_url=url)


def test_2025_codes_may_be_given_without_suffix(url, service):
    df = scb.get("TAB6574", {"Region": ["0114A0010", "0114R010"], **POP}, vintage=2025, base_url=url)
    assert df["Region"].tolist() == ["0114A0010", "0114R010"] and df.attrs["segstat.vintage"] == 2025
    asked = service.data_requests()[0]["query"]["valuecodes[Region]"]
    assert asked == ["0114A0010_DeSO2025,0114R010_RegSO2025"]
    # 0114A0010 is also a DeSO 2018 code; 2523R011 exists only in 2025: without vintage= that mixes the series
    with pytest.raises(VintageError, match=r"mixes DeSO 2018 / RegSO 2020 codes \(1\) and DeSO 2025 / RegSO 2025 "
                                           r"codes \(1\)"):
        scb.get("TAB6574", {"Region": ["0114A0010", "2523R011"], **POP}, base_url=url)


def test_ckm_note_and_provenance_travel_with_the_result(url):
    df = scb.get("TAB6471", {"Region": ["01"], "Alder": ["0"], "Tid": ["2026M04"]}, base_url=url)
    p = df.attrs["segstat.provenance"]
    assert p["ckm"] and "published total" in p["ckm_caveat"]
    assert p["table"] == "TAB6471" and p["updated"] == "2026-06-08T06:00:00Z" and p["source"] == "Källa: SCB"
    assert len(p["notes"]) == 5 and all(n["mandatory"] for n in p["notes"])
    assert "Cell Key Method" in p["notes"][0]["text"]
    assert p["query"]["selection"][2] == {"variableCode": "Kon", "valueCodes": ["TotSa", "1", "2"]}
    assert p["requests"][0]["method"] == "GET"
    assert df["Kon"].tolist() == ["TotSa", "1", "2"]  # left out = all values, not the service's default


# ---------------------------------------------------------------- errors
def test_clear_errors_name_the_nearest_valid_value(url):
    with pytest.raises(DownloadError, match=r"HTTP 404.*tables\(query="):
        scb.get("TAB9999", base_url=url)
    with pytest.raises(InputValueError, match="no variable 'Regoin'. Did you mean 'Region'"):
        scb.get("TAB6471", {"Regoin": ["01"]}, base_url=url)
    with pytest.raises(UnknownCodeError, match="no value '2026M13'.*Did you mean '2026M03'"):
        scb.get("TAB6471", {"Region": ["01"], "Tid": ["2026M13"]}, base_url=url)
    with pytest.raises(InputValueError, match="no code list 'vs_RegSO205'. Did you mean 'vs_RegSO2025'"):
        scb.get("TAB6574", POP, codelist="vs_RegSO205", base_url=url)
    with pytest.raises(InputValueError, match="lang='de'"):
        scb.get("TAB6574", POP, lang="de", base_url=url)


def test_an_empty_region_selection_is_refused(url, service):
    with pytest.raises(InputValueError, match="eliminated: Region, Kon"):
        scb.get("TAB6574", {"Region": [], "Kon": [], "Tid": ["2025"]}, base_url=url)
    assert service.data_requests() == []


# ---------------------------------------------------------------- cache and offline
def test_cache_hit_makes_no_request(url, service):
    first = scb.get("TAB6574", {"Region": ["01", "0114"], **POP}, base_url=url)
    n = len(service.log)
    again = scb.get("TAB6574", {"Region": ["01", "0114"], **POP}, base_url=url)
    assert len(service.log) == n
    assert again.equals(first) and again.attrs == first.attrs


def test_a_new_updated_time_fetches_the_data_again(url, service):
    first = scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=url)
    service.cubes["TAB6574"].updated = "2026-09-01T06:00:00Z"  # SCB republished the table
    n = len(service.data_requests())
    assert scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=url).equals(first)  # metadata reused: no request
    assert len(service.data_requests()) == n
    again = scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=url, refresh=True)
    assert len(service.data_requests()) == n + 1
    assert again.attrs["segstat.provenance"]["updated"] == "2026-09-01T06:00:00Z"


def test_offline_answers_from_cache_and_names_the_missing_request(url, service, monkeypatch):
    first = scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=url)
    n = len(service.log)
    monkeypatch.setenv("SEGSTAT_OFFLINE", "1")
    assert scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=url).equals(first)
    with pytest.raises(DownloadError, match=r"offline.*table TAB6574, 1 cells \(Region: 1, Alder: 1, Kon: 1"):
        scb.get("TAB6574", {"Region": ["03"], **POP}, base_url=url)
    with pytest.raises(DownloadError, match="offline.*metadata of table TAB6471"):
        scb.get("TAB6471", offline=True, base_url=url)
    assert len(service.log) == n


def test_corrupt_cache_entry_is_detected_and_fetched_again(url, service, tmp_path, monkeypatch):
    first = scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=url)
    for meta in (tmp_path / "scb").glob("*.meta.json"):
        if json.loads(meta.read_text())["request"]["kind"] == "data":
            data = meta.with_name(meta.name.replace(".meta.json", ".json"))
            raw = data.read_bytes()
            data.write_bytes(raw.replace(b'"value": [', b'"value": [9'))  # 1 becomes 91: same JSON shape
            assert data.read_bytes() != raw
    n = len(service.data_requests())
    monkeypatch.setenv("SEGSTAT_OFFLINE", "1")
    with pytest.raises(DataIntegrityError, match="corrupt"):
        scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=url)
    monkeypatch.delenv("SEGSTAT_OFFLINE")
    with pytest.warns(SegstatWarning, match="failed its checksum"):
        again = scb.get("TAB6574", {"Region": ["01"], **POP}, base_url=url)
    assert len(service.data_requests()) == n + 1 and again.equals(first)


@pytest.mark.parametrize("how", ["bytes", "values"])
def test_a_truncated_response_is_refused_and_not_cached(url, service, how):
    scb.metadata("TAB6574", base_url=url)
    service.truncate = how
    with pytest.raises(DownloadError, match="truncated"):
        scb.get("TAB6574", {"Region": ["01", "03"], **POP}, base_url=url)
    df = scb.get("TAB6574", {"Region": ["01", "03"], **POP}, base_url=url)  # fetched again: nothing was cached
    assert len(df) == 2 and len(service.data_requests()) == 2


def test_base_url_from_the_environment(url, service, monkeypatch):
    monkeypatch.setenv("SEGSTAT_SCB_URL", url)
    assert len(scb.get("TAB6574", {"Region": ["01"], **POP})) == 1
    with pytest.raises(InputValueError, match="base_url='ftp://x'"):
        scb.get("TAB6574", base_url="ftp://x")


def test_importing_segstat_scb_does_not_import_requests():
    code = "import sys, segstat, segstat.scb; print('requests' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_values_are_nan_where_scb_publishes_none_and_the_symbol_is_kept(url, service):
    from segstat.scb._jsonstat import status_column

    doc = json.loads(json.dumps(RECORDED))
    doc["value"][5] = None
    doc["status"] = {"5": ".."}
    values = data_columns(doc, "x")[3]
    assert np.isnan(values[5]) and values[4] == RECORDED["value"][4]
    assert status_column(doc, len(values))[5] == ".." and status_column(doc, len(values))[4] is None
    service.blank.add(("TAB6574", "0114"))
    df = scb.get("TAB6574", {"Region": ["01", "0114"], **POP}, base_url=url)
    assert df["status"].tolist()[1] == ".." and pd.isna(df["status"].tolist()[0])
    assert np.isnan(df["value"].tolist()[1]) and df["value"].tolist()[0] == S.population_value(1, 0, 0, 1)
    with pytest.raises(DataIntegrityError, match="publishes no figure for 1 cell"):  # never a silent 0
        scb.population("kommun", year=2025, base_url=url)


# ---------------------------------------------------------------- refreshing bundled data
def test_population_from_scb_takes_published_totals(url, service):
    regions = service.cubes["TAB6574"].var("Region")["codes"]
    df = scb.population("kommun", year=2025, base_url=url)
    assert list(df.columns) == ["kommun", "population"] and len(df) == 290 and str(df["population"].dtype) == "int64"
    # the published total (age 'totalt', sex '1+2'), never a re-added sum of perturbed parts
    assert df.loc[df["kommun"] == "0114", "population"].item() == S.population_value(regions.index("0114"), 0, 0, 1)
    assert df.attrs["segstat.provenance"]["ckm"]
    riket = scb.population("riket", year=2025, by="sex", base_url=url)
    assert riket.to_dict("list") == {"riket": ["00", "00"], "sex": ["män", "kvinnor"],
                                     "population": [S.population_value(0, 0, 1, 1), S.population_value(0, 0, 2, 1)]}


def test_population_from_scb_by_age_and_sex_for_deso_2025(url, service, monkeypatch):
    import segstat

    monkeypatch.setenv("SEGSTAT_SCB_URL", url)
    df = segstat.population("deso", year=2024, by=["age", "sex"], vintage=2025, source="scb")
    assert list(df.columns) == ["deso", "age", "sex", "population"] and len(df) == N_DESO25 * 17 * 2
    assert len(service.data_requests()) == 2 and df.attrs["segstat.vintage"] == 2025
    assert df["age"].cat.categories[0] == "0-4 år" and df["age"].cat.ordered
    regions = service.cubes["TAB6574"].var("Region")["codes"]
    row = df[(df["deso"] == "0114A0010") & (df["age"] == "80+ år") & (df["sex"] == "kvinnor")]
    assert row["population"].item() == S.population_value(regions.index("0114A0010_DeSO2025"), 17, 2, 0)
    with pytest.raises(InputValueError, match="year=2019: table TAB6574 has the years 2024-2025"):
        segstat.population("deso", year=2019, vintage=2025, source="scb")
    with pytest.raises(VintageError, match="needs vintage=2018"):
        scb.population("regso", year=2025)
    with pytest.raises(InputValueError, match="source='scb'"):
        segstat.population("deso", year=2025)


def test_omradestyp_of_a_later_year_matches_the_bundled_types(url, service):
    import segstat

    for year in (2022, 2023):
        got = scb.omradestyp(year, base_url=url)  # found by search; regions matched by name as in 000005QX
        bundled = segstat.omradestyp(got["regso"], year=year, vintage=2018)
        assert len(got) == 3363 and got["omradestyp"].astype(int).tolist() == bundled.astype(int).tolist()
    assert got.attrs["segstat.vintage"] == 2018
    assert got.set_index("regso").loc["0114R001", "omradestyp"] == 4  # Upplands Väsby (Bollstanäs)
    with pytest.raises(InputValueError, match="year=2024: table TAB9905 has områdestyp for 2022, 2023"):
        scb.omradestyp(2024, base_url=url)


# ---------------------------------------------------------------- command line
@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_cli_get_writes_the_table(url, tmp_path, capsys, suffix):
    import pandas as pd

    from segstat.cli import main

    out = tmp_path / f"pop{suffix}"
    code = main(["scb", "get", "TAB6574", "--select", "Region=01,0114", "--select", "Tid=2025", "--select",
                 "Alder=totalt", "--select", "Kon=1+2", "--base-url", url, "--out", str(out)])
    assert code == 0 and "Cell Key Method" in capsys.readouterr().err
    read = {".csv": lambda p: pd.read_csv(p, dtype=str), ".parquet": pd.read_parquet,
            ".xlsx": lambda p: pd.read_excel(p, dtype=str)}[suffix]
    df = read(out)
    assert df["Region"].tolist() == ["01", "0114"] and df["Tid"].astype(str).tolist() == ["2025", "2025"]


def test_cli_tables_metadata_and_errors(url, tmp_path, capsys):
    from segstat.cli import main

    assert main(["scb", "tables", "--base-url", url, "--out", str(tmp_path / "t.csv")]) == 0
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").count("\n") == 22  # header + 21 tables
    assert main(["scb", "metadata", "TAB6471", "--base-url", url]) == 0
    printed = capsys.readouterr().out
    assert "Region (region): 312 värden; kodlistor: vs_CKM01Riket" in printed and "[obligatorisk] fotnot" in printed
    assert main(["scb", "get", "TAB6471", "--select", "Regoin=01", "--base-url", url]) == 2
    assert "Did you mean 'Region'" in capsys.readouterr().err


def test_expressions_are_expanded_against_the_metadata(url, service):
    df = scb.get("TAB6471", {"Region": ["01*"], "Alder": ["RANGE(0, 1)"], "Kon": ["BOTTOM(1)"],
                             "Tid": ["TOP(2)"]}, base_url=url)
    assert list(dict.fromkeys(df["Region"])) == ["01", "0114", "0115", "0117", "0120", "0123", "0125", "0126",
                                                 "0127", "0128", "0136", "0138", "0139", "0140", "0160", "0162",
                                                 "0163", "0180", "0181", "0182", "0183", "0184", "0186", "0187",
                                                 "0188", "0191", "0192"]
    assert list(dict.fromkeys(df["Alder"])) == ["0", "TotSA", "-4", "0-9", "1"]  # table order from 0 to 1
    assert set(df["Kon"]) == {"TotSa"} and list(dict.fromkeys(df["Tid"])) == ["2026M03", "2026M04"]
    sent = service.data_requests()[0]["query"]
    assert sent["valuecodes[Tid]"] == ["2026M03,2026M04"]  # explicit codes: the cells are known before asking
    with pytest.raises(UnknownCodeError, match="pattern '99\\*' matches no value code"):
        scb.get("TAB6471", {"Region": ["99*"]}, base_url=url)
