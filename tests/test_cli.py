"""The segstat command line: each subcommand's success and failure paths."""

import math
import subprocess
import sys

import pandas as pd
import pytest

import segstat

from segstat.cli import main


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_locate_success_and_wrong_crs(tmp_path, capsys):
    src = tmp_path / "p.csv"
    pd.DataFrame({"lon": [11.9733], "lat": [57.7089]}).to_csv(src, index=False)
    code, out, _ = _run(["locate", str(src), str(tmp_path / "o.csv"), "--vintage", "2025", "--x", "lon", "--y", "lat",
                         "--crs", "EPSG:4326"], capsys)
    assert code == 0 and "1 of 1 rows placed" in out
    res = pd.read_csv(tmp_path / "o.csv", dtype=str)
    assert res.loc[0, "deso"] == "1480C2650" and res.loc[0, "status"] == "placed"
    code, _, err = _run(["locate", str(src), str(tmp_path / "bad.csv"), "--vintage", "2025", "--x", "lon", "--y", "lat"], capsys)
    assert code == 2 and err.count("\n") == 1 and "outside Sweden" in err and "crs" in err
    assert not (tmp_path / "bad.csv").exists() and not list(tmp_path.glob(".bad.csv*"))


def test_locate_missing_file_and_column(tmp_path, capsys):
    code, _, err = _run(["locate", str(tmp_path / "none.csv"), str(tmp_path / "o.csv"), "--vintage", "2025"], capsys)
    assert code == 2 and "does not exist" in err
    src = tmp_path / "p.csv"
    pd.DataFrame({"a": [1.0]}).to_csv(src, index=False)
    code, _, err = _run(["locate", str(src), str(tmp_path / "o.csv"), "--vintage", "2025"], capsys)
    assert code == 2 and "--x x" in err
    empty = tmp_path / "e.csv"
    empty.write_text("")
    code, _, err = _run(["locate", str(empty), str(tmp_path / "o.csv"), "--vintage", "2025"], capsys)
    assert code == 2 and "empty" in err


def test_classify_official_and_computed(tmp_path, capsys):
    src = tmp_path / "a.csv"
    pd.DataFrame({"regso": ["0114R001", "1480R001"]}).to_csv(src, index=False)
    code, out, _ = _run(["classify", str(src), str(tmp_path / "o.csv"), "--vintage", "2018", "--year", "2023"], capsys)
    assert code == 0
    assert pd.read_csv(tmp_path / "o.csv")["omradestyp_2023"].tolist() == [4, 2]
    ind = tmp_path / "i.csv"
    pd.DataFrame({"v1": [10.0, 20, 30, 40, 50], "v2": [5.0, 6, 7, 8, 9], "v3": [1.0, 2, 3, 4, 5]}).to_csv(ind, index=False)
    code, out, _ = _run(["classify", str(ind), str(tmp_path / "t.csv"), "--indicators", "v1", "v2", "v3",
                         "--unit", "percent"], capsys)
    assert code == 0 and "ClassifiedAreas" in out
    code, _, err = _run(["classify", str(ind), str(tmp_path / "t2.csv"), "--indicators", "v1", "v2", "v3",
                         "--unit", "proportion"], capsys)
    assert code == 2 and "--unit percent" in err


def test_protect_success_and_bad_column(tmp_path, capsys):
    src = tmp_path / "m.csv"
    rows = [("a", "x")] * 1 + [("a", "y")] * 5 + [("a", "z")] * 6 + [("b", "x")] * 7 + [("b", "y")] * 8 + [("b", "z")] * 9
    pd.DataFrame(rows, columns=["row", "col"]).to_csv(src, index=False)
    code, out, _ = _run(["protect", str(src), str(tmp_path / "t.csv"), "--by", "row", "col", "--min-count", "3"], capsys)
    assert code == 0 and "1 primary and 3 secondary" in out and "audit passed" in out
    t = pd.read_csv(tmp_path / "t.csv", dtype=str)
    assert (t.loc[t["status"] != "published", "count"] == "..").all()
    code, _, err = _run(["protect", str(src), str(tmp_path / "t2.csv"), "--by", "rows"], capsys)
    assert code == 2 and "--by rows" in err
    # greedy partners at one person of protection: the same rectangle (ax is 1, so its partners must hold >= 1)
    code, out, _ = _run(["protect", str(src), str(tmp_path / "t3.csv"), "--by", "row", "col", "--min-count", "3",
                         "--protection", "1", "--method", "greedy"], capsys)
    assert code == 0 and "1 primary and 3 secondary" in out


def test_measure_subcommands(tmp_path, capsys):
    src = tmp_path / "c.csv"
    pd.DataFrame({"omradestyp": [1, 2, 3, 4, 5], "cases": [60, 40, 60, 70, 20],
                  "persons": [1500, 1200, 2500, 3500, 1500]}).to_csv(src, index=False)
    code, out, _ = _run(["measure", "disparity", str(src), str(tmp_path / "d.csv"), "--events", "cases",
                         "--population", "persons"], capsys)
    assert code == 0 and "D" in pd.read_csv(tmp_path / "d.csv")["measure"].tolist()
    code, _, _ = _run(["measure", "disparity", str(src), str(tmp_path / "dl.csv"), "--events", "cases",
                       "--population", "persons", "--regression", "logistic"], capsys)
    rii = pd.read_csv(tmp_path / "dl.csv").set_index("measure").loc["RII"]
    expected = segstat.disparity(pd.read_csv(src).assign(omradestyp=lambda f: pd.Categorical(f["omradestyp"], ordered=True)),
                                 events="cases", population="persons", regression="logistic", rng=1).set_index("measure")
    assert code == 0 and rii["estimate"] == pytest.approx(expected.loc["RII", "estimate"], rel=1e-12)
    assert "logistic" in rii["method"]
    # one set of measures per year: type 5 vs type 1, 20/1500 vs 60/1500 per 1000 in 2022, doubled in 2023
    years = pd.concat([pd.read_csv(src).assign(year=2022), pd.read_csv(src).assign(year=2023, cases=lambda f: f.cases * 2)])
    years.to_csv(tmp_path / "y.csv", index=False)
    code, _, _ = _run(["measure", "disparity", str(tmp_path / "y.csv"), str(tmp_path / "dy.csv"), "--events", "cases",
                       "--population", "persons", "--by", "year"], capsys)
    d = pd.read_csv(tmp_path / "dy.csv").query("measure == 'D'").set_index("year")["estimate"]
    assert code == 0 and d.to_dict() == pytest.approx({2022: (20 - 60) / 1.5, 2023: 2 * (20 - 60) / 1.5})
    code, _, _ = _run(["measure", "rates", str(src), str(tmp_path / "r.csv"), "--events", "cases",
                       "--population", "persons", "--by", "omradestyp"], capsys)
    assert code == 0 and len(pd.read_csv(tmp_path / "r.csv")) == 5
    seg = tmp_path / "s.csv"
    pd.DataFrame({"kommun": ["0180"] * 3, "foreign": [10, 20, 70], "total": [100] * 3}).to_csv(seg, index=False)
    code, _, _ = _run(["measure", "dissimilarity", str(seg), str(tmp_path / "x.csv"), "--group", "foreign",
                       "--total", "total", "--by", "kommun"], capsys)
    assert code == 0 and pd.read_csv(tmp_path / "x.csv")["estimate"].iloc[0] == pytest.approx(0.55)
    code, _, err = _run(["measure", "dissimilarity", str(seg), str(tmp_path / "y.csv"), "--group", "foreign",
                         "--total", "nope"], capsys)
    assert code == 2 and "--total nope" in err
    with pytest.raises(SystemExit):
        main(["measure", "rates", str(src), str(tmp_path / "z.csv")])


def test_help_has_examples_and_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "segstat", "protect", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "example: segstat protect" in out.stdout
    for cmd in ("locate", "classify", "measure", "demo"):
        h = subprocess.run([sys.executable, "-m", "segstat", cmd, "--help"], capture_output=True, text=True)
        assert "example" in h.stdout


@pytest.mark.slow
def test_measure_multigroup_ojamlikhetsindex_and_test(tmp_path, capsys):
    src = tmp_path / "g.csv"
    d = pd.DataFrame({"kommun": ["0180"] * 3 + ["1480"] * 3, "a": [30, 10, 5, 8, 8, 20], "b": [10, 30, 5, 4, 16, 20],
                      "c": [5, 5, 40, 10, 10, 10]})
    d["t"] = d["a"] + d["b"] + d["c"]
    d.to_csv(src, index=False)
    code, out, _ = _run(["measure", "multigroup_dissimilarity", str(src), str(tmp_path / "m.csv"),
                         "--groups", "a", "b", "c", "--by", "kommun", "--test"], capsys)
    assert code == 0 and "2 row(s)" in out
    m = pd.read_csv(tmp_path / "m.csv", dtype={"kommun": str}).set_index("kommun")
    expected = segstat.multigroup_dissimilarity(d, groups=["a", "b", "c"], by="kommun").set_index("kommun")
    assert m["estimate"].to_dict() == pytest.approx(expected["estimate"].to_dict(), abs=1e-12)
    test = segstat.segregation_test(d, groups=["a", "b", "c"], index="multigroup_dissimilarity", by="kommun", rng=1)
    assert m["p_value"].to_dict() == test.set_index("kommun")["p_value"].to_dict()
    code, _, _ = _run(["measure", "ojamlikhetsindex", str(src), str(tmp_path / "o.csv"), "--lowest", "a",
                       "--highest", "b", "--by", "kommun"], capsys)
    o = pd.read_csv(tmp_path / "o.csv", dtype={"kommun": str}).set_index("kommun")["estimate"]
    assert code == 0 and o["0180"] == pytest.approx(100 * 0.5 * (abs(30 / 45 - 10 / 45) + abs(10 / 45 - 30 / 45)))
    # one national value with a p-value column
    code, _, _ = _run(["measure", "dissimilarity", str(src), str(tmp_path / "n.csv"), "--group", "a", "--total", "t",
                       "--test"], capsys)
    n = pd.read_csv(tmp_path / "n.csv")
    national = segstat.segregation_test(d, group="a", total="t", rng=1)
    assert code == 0 and len(n) == 1 and n["p_value"].iloc[0] == national["p_value"].item()
    assert n["estimate"].iloc[0] == pytest.approx(national["estimate"].item(), abs=1e-12)
    for args, msg in ((["multigroup_entropy"], "needs --groups"), (["ojamlikhetsindex", "--lowest", "a"], "--highest"),
                      (["rates", "--events", "a", "--population", "t", "--test"], "--test is not available")):
        with pytest.raises(SystemExit):
            main(["measure", args[0], str(src), str(tmp_path / "e.csv"), *args[1:]])
        assert msg in capsys.readouterr().err


def test_excel_style_swedish_csv_and_codes_keep_their_zeros(tmp_path, capsys):
    # Swedish Excel: semicolons, decimal commas, Windows-1252; a code column under any name keeps its zeros
    src = tmp_path / "excel.csv"
    src.write_bytes("Kommun;kön;vikt\n0114;m;1,5\n0114;k;2,25\n0180;k;3\n".encode("cp1252"))
    from segstat.cli import _read

    frame = _read(str(src))
    assert frame["Kommun"].tolist() == ["0114", "0114", "0180"] and frame["kön"].tolist() == ["m", "k", "k"]
    assert frame["vikt"].tolist() == [1.5, 2.25, 3.0]
    # kommun and län codes of Västra Götaland have no leading zero to show they are codes: read as text by name
    vg = tmp_path / "vg.csv"
    vg.write_text("kommun,lan,n\n1480,14,3\n1481,14,4\n", encoding="utf-8")
    frame = _read(str(vg))
    assert frame["kommun"].tolist() == ["1480", "1481"] and frame["lan"].tolist() == ["14", "14"]
    assert frame["n"].tolist() == [3, 4]
    code, _, _ = _run(["protect", str(src), str(tmp_path / "t.csv"), "--by", "Kommun", "kön", "--vintage", "2018"],
                      capsys)
    # the output is in the input's dialect: ';' and Windows-1252, so Swedish Excel opens it as it opened the input
    out = pd.read_csv(tmp_path / "t.csv", dtype=str, sep=";", encoding="cp1252")
    assert code == 0 and "0114" in out["Kommun"].tolist() and "kön" in out.columns


def test_measure_disparity_orders_omradestyp_whatever_the_column_is_called(tmp_path, capsys):
    from segstat.classify import LABELS_SV

    counts = pd.DataFrame({"typ": [1, 2, 3, 4, 5], "cases": [60, 40, 60, 70, 20],
                           "persons": [1500, 1200, 2500, 3500, 1500]})
    expected = (20 / 1500 - 60 / 1500) * 1000
    for name, frame in (("omradestyp_2023", counts.rename(columns={"typ": "omradestyp_2023"})),
                        ("omradestyp", counts.assign(typ=counts.typ.map(LABELS_SV)).rename(columns={"typ": "omradestyp"}))):
        src = tmp_path / f"{name}.csv"
        frame.to_csv(src, index=False)
        code, _, _ = _run(["measure", "disparity", str(src), str(tmp_path / "o.csv"), "--events", "cases",
                           "--population", "persons", "--subgroup", name], capsys)
        d = pd.read_csv(tmp_path / "o.csv").set_index("measure")
        assert code == 0 and d.loc["D", "estimate"] == pytest.approx(expected)
        assert pd.notna(d.loc["SII", "estimate"])
    # any other groups with --order
    src = tmp_path / "lan.csv"
    counts.assign(typ=list("abcde")).to_csv(src, index=False)
    code, _, _ = _run(["measure", "disparity", str(src), str(tmp_path / "o.csv"), "--events", "cases",
                       "--population", "persons", "--subgroup", "typ", "--order", "a", "b", "c", "d", "e"], capsys)
    assert code == 0 and pd.read_csv(tmp_path / "o.csv").set_index("measure").loc["D", "estimate"] == pytest.approx(expected)


def test_cli_locate_refuses_clashing_columns_and_a_run_that_places_nothing(tmp_path, capsys):
    src = tmp_path / "p.csv"
    pd.DataFrame({"x": [319_500.0], "y": [6_399_500.0], "kommun": ["1480"]}).to_csv(src, index=False)
    code, _, err = _run(["locate", str(src), str(tmp_path / "o.csv"), "--vintage", "2025"], capsys)
    assert code == 2 and "already has column(s) 'kommun'" in err
    far = tmp_path / "far.csv"
    pd.DataFrame({"x": [674_000.0, float("nan")], "y": [6_580_000.0, float("nan")]}).to_csv(far, index=False)
    code, _, err = _run(["locate", str(far), str(tmp_path / "o2.csv"), "--vintage", "2025"], capsys)
    assert code == 2 and "none of the 2 rows was placed" in err and not (tmp_path / "o2.csv").exists()


def test_cli_classify_coerce_and_demo_into_a_file(tmp_path, capsys):
    src = tmp_path / "r.csv"
    pd.DataFrame({"regso": ["0114R001", None]}).to_csv(src, index=False)
    code, _, _ = _run(["classify", str(src), str(tmp_path / "o.csv"), "--vintage", "2018", "--year", "2022"], capsys)
    assert code == 2
    code, _, _ = _run(["classify", str(src), str(tmp_path / "o.csv"), "--vintage", "2018", "--year", "2022", "--errors", "coerce"], capsys)
    out = pd.read_csv(tmp_path / "o.csv")
    assert code == 0 and out["omradestyp_2022"].tolist()[0] == 4 and pd.isna(out["omradestyp_2022"].tolist()[1])
    (tmp_path / "afile").write_text("x")
    code, _, err = _run(["demo", "--out", str(tmp_path / "afile"), "--quiet"], capsys)
    assert code == 2 and "is a file" in err


def test_follow_up_and_effect_commands(tmp_path, capsys):
    rows = []
    for i, a in enumerate(["A", "B", "C", "D", "E", "F"]):
        for y in (2021, 2022, 2023):
            rows.append((a, y, 10 + i + (y - 2021) * (-3 if i < 2 else 1), 1000, int(i < 2 and y >= 2022), 1 + i % 2,
                         1 if i < 2 else 2))
    src = tmp_path / "panel.csv"
    pd.DataFrame(rows, columns=["area", "year", "cases", "persons", "insats", "typ", "grp"]).to_csv(src, index=False)
    code, out, err = _run(["follow-up", str(src), str(tmp_path / "r.csv"), "--events", "cases", "--population",
                           "persons", "--area", "area", "--period", "year", "--subgroup", "typ",
                           "--baseline", "2021"], capsys)
    assert code == 0, err
    rates = pd.read_csv(tmp_path / "r.csv")
    # type 1 = A, C, E in 2021: (10 + 12 + 14) / 3000
    assert rates.loc[0, "rate"] == pytest.approx(12.0)
    assert (tmp_path / "r_gap_change.csv").exists() and (tmp_path / "r_decomposition.csv").exists()
    # --noise-variance widens the intervals: type 1 in 2021 sums 3 rows, c = 3 * 900 / 3000^2 = 0.0003
    code, out, err = _run(["follow-up", str(src), str(tmp_path / "w.csv"), "--events", "cases", "--population",
                           "persons", "--area", "area", "--period", "year", "--subgroup", "typ",
                           "--baseline", "2021", "--noise-variance", "900"], capsys)
    assert code == 0, err
    wide = pd.read_csv(tmp_path / "w.csv")
    z = 1.959963984540054
    assert wide.loc[0, "upper"] == pytest.approx(
        12 * math.exp(math.sqrt(math.log(rates.loc[0, "upper"] / 12) ** 2 + z**2 * 0.0003)), rel=1e-6)
    code, out, err = _run(["effect", str(src), str(tmp_path / "e.csv"), "--events", "cases", "--population",
                           "persons", "--area", "area", "--period", "year", "--treated", "insats",
                           "--comparison", "never_treated"], capsys)
    assert code == 0, err
    overall = pd.read_csv(tmp_path / "e_overall.csv")
    assert overall.loc[0, "treated_areas"] == 2 and overall.loc[0, "comparison_areas"] == 4
    # a treated area of a type with no untreated area: a one-line error, exit 2
    code, out, err = _run(["effect", str(src), str(tmp_path / "e.csv"), "--events", "cases", "--population",
                           "persons", "--area", "area", "--period", "year", "--treated", "insats",
                           "--subgroup", "grp"], capsys)
    assert code == 2 and "no comparison area of their type" in err


# ---------------------------------------------------------------- issue 17: no data loss, no tracebacks


def _micro(tmp_path):
    src = tmp_path / "micro.csv"
    pd.DataFrame({"row": list("aabbb"), "col": list("xyxyx")}).to_csv(src, index=False)
    return src


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink"])
def test_cli_never_writes_over_its_input(tmp_path, capsys, spelling):
    src = _micro(tmp_path)
    before = src.read_bytes()
    out = {"same": src, "dotted": tmp_path / "." / "micro.csv", "symlink": tmp_path / "link.csv"}[spelling]
    if spelling == "symlink":
        out.symlink_to(src)
    code, _, err = _run(["protect", str(src), str(out), "--by", "row", "col"], capsys)
    assert code == 2 and "is the input file" in err and "never writes over its input" in err
    assert src.read_bytes() == before


def test_cli_directory_as_input_or_output_is_one_line(tmp_path, capsys):
    src = _micro(tmp_path)
    code, _, err = _run(["protect", str(tmp_path), str(tmp_path / "t.csv"), "--by", "row"], capsys)
    assert code == 2 and "is a directory" in err and len(err.strip().splitlines()) == 1
    code, _, err = _run(["protect", str(src), str(tmp_path), "--by", "row"], capsys)
    assert code == 2 and "is a directory; give a file name" in err and len(err.strip().splitlines()) == 1


@pytest.mark.skipif(sys.platform == "win32" or __import__("os").geteuid() == 0, reason="POSIX permissions, not root")
def test_cli_unreadable_input_and_read_only_output_directory(tmp_path, capsys):
    src = _micro(tmp_path)
    src.chmod(0o000)
    try:
        code, _, err = _run(["protect", str(src), str(tmp_path / "t.csv"), "--by", "row"], capsys)
        assert code == 1 and "Permission denied" in err and len(err.strip().splitlines()) == 1
    finally:
        src.chmod(0o644)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code, _, err = _run(["protect", str(src), str(ro / "t.csv"), "--by", "row"], capsys)
        assert code == 1 and "Permission denied" in err
    finally:
        ro.chmod(0o755)


def test_cli_os_errors_are_one_line_with_exit_1(tmp_path, capsys, monkeypatch):
    # the same paths as a read-only directory for any user (root ignores permissions): the OS refuses the write
    import tempfile as tf

    src = _micro(tmp_path)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "out"))

    monkeypatch.setattr(tf, "mkstemp", refuse)
    code, _, err = _run(["protect", str(src), str(tmp_path / "out" / "t.csv"), "--by", "row"], capsys)
    assert code == 1 and err.strip() == f"segstat protect: error: Permission denied: {tmp_path / 'out'}"
    assert not (tmp_path / "out" / "t.csv").exists()


def test_cli_failed_write_leaves_the_old_output_and_no_temporary_file(tmp_path, capsys, monkeypatch):
    src = _micro(tmp_path)
    out = tmp_path / "t.csv"
    out.write_text("old\n")

    def broken(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    code, _, err = _run(["protect", str(src), str(out), "--by", "row"], capsys)
    assert code == 1 and "No space left on device" in err
    assert out.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["micro.csv", "t.csv"]
