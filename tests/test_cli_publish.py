"""The command line as a publisher uses it: Swedish CSV in and out, file modes, age bands in order, unplaced rows,
errors in flag form, help, and `segstat report` from a TOML description."""

import argparse
import os
import stat

import pandas as pd
import pytest

from segstat.cli import build_parser, main

openpyxl = pytest.importorskip("openpyxl")


def _run(args, capsys):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def _swedish_counts(path, encoding="cp1252"):
    # as Swedish Excel saves "CSV (semikolonavgränsad)": ';', decimal comma, Windows-1252
    path.write_bytes("områdestyp;fall;personer;kön\n1;30;1000;kvinna\n2;20;1500;kvinna\n3;10;1200;män\n"
                     .encode(encoding))


def test_a_swedish_csv_round_trips_in_its_own_dialect(tmp_path, capsys):
    src = tmp_path / "in.csv"
    _swedish_counts(src)
    code, out, _ = _run(["measure", "rates", str(src), str(tmp_path / "o.csv"), "--events", "fall", "--population",
                         "personer", "--by", "kön"], capsys)
    assert code == 0
    raw = (tmp_path / "o.csv").read_bytes()
    text = raw.decode("cp1252")  # the input's encoding, so å/ä/ö read back in Excel as they were written
    assert text.splitlines()[0].startswith("kön;events;population;rate")
    # kvinna: 50 per 2500 = 20 per 1 000, written with a decimal comma
    assert "kvinna;50;2500;20,0;" in text and "män;10;1200;8,3" in text
    back = pd.read_csv(tmp_path / "o.csv", sep=";", decimal=",", encoding="cp1252")
    assert back.loc[back["kön"] == "kvinna", "rate"].iloc[0] == pytest.approx(20.0)


def test_utf8_input_is_written_with_a_byte_order_mark_for_excel(tmp_path, capsys):
    src = tmp_path / "in.csv"
    _swedish_counts(src, encoding="utf-8")
    code, _, _ = _run(["measure", "rates", str(src), str(tmp_path / "o.csv"), "--events", "fall", "--population",
                       "personer", "--by", "områdestyp"], capsys)
    raw = (tmp_path / "o.csv").read_bytes()
    assert code == 0 and raw.startswith(b"\xef\xbb\xbf") and raw[3:].decode("utf-8").startswith("områdestyp;")
    # and the output separator and decimal can be given
    code, _, _ = _run(["measure", "rates", str(src), str(tmp_path / "c.csv"), "--events", "fall", "--population",
                       "personer", "--by", "områdestyp", "--sep", ";", "--decimal", ","], capsys)
    assert "1;30;1000;30,0;" in (tmp_path / "c.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664)])
def test_output_files_get_the_mode_the_umask_gives(tmp_path, capsys, mask, mode):
    src = tmp_path / "in.csv"
    _swedish_counts(src)
    old = os.umask(mask)
    try:
        code, _, _ = _run(["measure", "rates", str(src), str(tmp_path / "o.csv"), "--events", "fall",
                           "--population", "personer"], capsys)
    finally:
        os.umask(old)
    assert code == 0 and stat.S_IMODE((tmp_path / "o.csv").stat().st_mode) == mode


def test_measure_rates_refuses_an_option_it_does_not_use(tmp_path, capsys):
    src = tmp_path / "in.csv"
    _swedish_counts(src)
    with pytest.raises(SystemExit) as exc:
        main(["measure", "rates", str(src), str(tmp_path / "o.csv"), "--events", "fall", "--population", "personer",
              "--group", "kön"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "measure rates does not use --group" in err and "--by kön" in err
    assert not (tmp_path / "o.csv").exists()


def _people(path, with_unplaced=False):
    ages = ["5-9 år", "45-49 år", "10-14 år", "0-4 år"]
    rows = [f"{k};{ages[i % 4]}" for k in ("1480", "1401") for i in range(24)]
    if with_unplaced:
        rows += [";5-9 år", ";0-4 år"]
    path.write_text("kommun;ålder\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_protect_sorts_age_bands_naturally_and_counts_published_cells(tmp_path, capsys):
    src = tmp_path / "p.csv"
    _people(src)
    code, out, _ = _run(["protect", str(src), str(tmp_path / "t.csv"), "--by", "kommun", "ålder", "--vintage", "2025",
                         "--min-count", "3"], capsys)
    t = pd.read_csv(tmp_path / "t.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert code == 0
    assert t.loc[t["kommun"] == "1480", "ålder"].tolist() == ["0-4 år", "5-9 år", "10-14 år", "45-49 år", "Total"]
    # 3 kommun-level nodes (1401, 1480, län 14) + riket = 4 area nodes x 5 age nodes, nothing small: all published
    assert "20 of 20 cells published, 0 primary and 0 secondary suppressed" in out
    code, _, _ = _run(["protect", str(src), str(tmp_path / "u.csv"), "--by", "kommun", "ålder", "--vintage", "2025",
                       "--order", "45-49 år", "10-14 år", "5-9 år", "0-4 år"], capsys)
    u = pd.read_csv(tmp_path / "u.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert u.loc[u["kommun"] == "1480", "ålder"].tolist()[:4] == ["45-49 år", "10-14 år", "5-9 år", "0-4 år"]
    code, _, err = _run(["protect", str(src), str(tmp_path / "v.csv"), "--by", "kommun", "ålder", "--vintage", "2025",
                         "--order", "0-4 år", "5-9 år"], capsys)
    assert code == 2 and "'10-14 år'" in err and "list every value" in err


def test_unplaced_rows_are_an_error_or_dropped_and_counted(tmp_path, capsys):
    src = tmp_path / "p.csv"
    _people(src, with_unplaced=True)
    code, _, err = _run(["protect", str(src), str(tmp_path / "t.csv"), "--by", "kommun", "ålder", "--vintage", "2025"],
                        capsys)
    assert code == 2 and "2 row(s) have no value in --by kommun ålder" in err and "--drop-unplaced" in err
    code, out, err = _run(["protect", str(src), str(tmp_path / "t.csv"), "--by", "kommun", "ålder", "--vintage",
                           "2025", "--drop-unplaced"], capsys)
    assert code == 0 and "2 row(s) without a value in --by kommun ålder left out" in err
    t = pd.read_csv(tmp_path / "t.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert t.loc[(t["kommun"] == "Total") & (t["ålder"] == "Total"), "count"].iloc[0] == "48"


def test_library_errors_are_spelled_as_flags(tmp_path, capsys):
    src = tmp_path / "in.csv"
    _swedish_counts(src)
    code, _, err = _run(["measure", "rates", str(src), str(tmp_path / "o.csv"), "--events", "fall", "--population",
                         "persons"], capsys)
    assert code == 2 and "--population persons" in err and "population='persons'" not in err


def _subparsers():
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_option_has_help_and_its_default_once():
    for command, sub in _subparsers():
        for a in sub._actions:
            if a.dest in ("help", "version") or isinstance(a, argparse._SubParsersAction):
                continue
            assert a.help, f"segstat {command}: {a.option_strings or a.dest} has no help"
        text = sub.format_help().split("\n\n")  # the options block(s), without the epilog's example
        text = "\n\n".join(b for b in text if b.startswith(("options:", "optional arguments:", "positional")))
        for block in text.split("\n  -")[1:]:
            assert block.count("default") <= 1, f"segstat {command}: {block}"


TOML = """
title = "Sjukpenning 2024"
sources = ["Försäkringskassan, 2025-03-01"]

[protect]
min_count = 5

[[table]]
title = "Mottagare efter kommun och ålder"
input = "people.csv"
by = ["kommun", "ålder"]
vintage = 2025
drop_unplaced = true

[[rates]]
title = "Sjukpenning per 1 000"
input = "counts.csv"
events = "fall"
population = "personer"
by = "områdestyp"
"""


def test_report_from_a_toml_description(tmp_path, capsys):
    _people(tmp_path / "people.csv", with_unplaced=True)
    _swedish_counts(tmp_path / "counts.csv")
    (tmp_path / "rapport.toml").write_text(TOML, encoding="utf-8")
    code, out, err = _run(["report", str(tmp_path / "rapport.toml"), "--out", str(tmp_path / "ut")], capsys)
    assert code == 0, err
    assert "2 row(s) without a value in kommun, ålder left out" in err
    html = (tmp_path / "ut" / "report.html").read_text(encoding="utf-8")
    assert "<h1>Sjukpenning 2024</h1>" in html and "Försäkringskassan, 2025-03-01" in html
    assert "celler med färre än 5 personer" in html and "<th>antal per 1\u00a0000</th>" in html
    wb = openpyxl.load_workbook(tmp_path / "ut" / "report.xlsx")
    assert wb.sheetnames == ["LÄSMIG", "Mottagare efter kommun och å", "Sjukpenning per 1 000"]
    ws = wb["Mottagare efter kommun och å"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows[:5]] == ["0-4 år", "5-9 år", "10-14 år", "45-49 år", "Totalt"]
    assert all(isinstance(r[4], int) for r in rows)  # 6 persons per cell: nothing suppressed
    rates = list(wb["Sjukpenning per 1 000"].iter_rows(min_row=2, values_only=True))
    assert rates[0][:4] == (1, 30, 1000, 30.0)
    # English on request
    code, _, _ = _run(["report", str(tmp_path / "rapport.toml"), "--out", str(tmp_path / "en"), "--lang", "en"], capsys)
    assert code == 0 and "cells with fewer than 5 persons" in (tmp_path / "en" / "report.html").read_text("utf-8")


def test_report_description_errors_name_the_key(tmp_path, capsys):
    (tmp_path / "r.toml").write_text('title = "T"\n[[rates]]\ninput = "c.csv"\nevent = "fall"\n', encoding="utf-8")
    code, _, err = _run(["report", str(tmp_path / "r.toml")], capsys)
    assert code == 2 and "'event' (did you mean 'events'?)" in err
    (tmp_path / "s.toml").write_text('[[frame]]\ninput = "c.csv"\n', encoding="utf-8")
    code, _, err = _run(["report", str(tmp_path / "s.toml")], capsys)
    assert code == 2 and "give the report a title" in err


def test_report_from_a_yaml_description_equals_the_toml_one(tmp_path, capsys):
    import tomllib

    yaml = pytest.importorskip("yaml")
    _people(tmp_path / "people.csv", with_unplaced=True)
    _swedish_counts(tmp_path / "counts.csv")
    (tmp_path / "rapport.toml").write_text(TOML, encoding="utf-8")
    (tmp_path / "rapport.yaml").write_text(yaml.safe_dump(tomllib.loads(TOML), allow_unicode=True), encoding="utf-8")
    for name in ("rapport.toml", "rapport.yaml"):
        code, _, err = _run(["report", str(tmp_path / name), "--out", str(tmp_path / name.replace(".", "_"))], capsys)
        assert code == 0, err
    sheets = []
    for folder in ("rapport_toml", "rapport_yaml"):
        wb = openpyxl.load_workbook(tmp_path / folder / "report.xlsx")
        sheets.append({n: list(wb[n].iter_rows(values_only=True)) for n in wb.sheetnames if n != "LÄSMIG"})
    assert sheets[0] == sheets[1] and len(sheets[0]["Sjukpenning per 1 000"]) > 1


@pytest.mark.parametrize(("name", "text", "message"), [
    ("r.yaml", "title: [unclosed\n", "is not valid YAML"),
    ("r.yml", "- title: T\n", "holds list, not a table of settings"),
    ("r.toml", "title = \n", "is not valid TOML"),
    ("missing.toml", None, "does not exist"),
])
def test_report_description_files_that_cannot_be_read_are_named(tmp_path, capsys, name, text, message):
    pytest.importorskip("yaml")
    if text is not None:
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, _, err = _run(["report", str(tmp_path / name)], capsys)
    assert code == 2 and message in err and name in err
