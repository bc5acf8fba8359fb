"""The demo report is self-contained, marks suppressed cells and says the data are synthetic."""

from html.parser import HTMLParser

import pandas as pd
import pytest

import segstat
from segstat.demo import run_demo

from _browser import load_in_chromium, needs_chromium


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.tables, self.rows = [], 0, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if key in a:
                self.refs.append(a[key])
        if tag == "table":
            self.tables += 1
        if tag == "tr":
            self.rows.append(a.get("class"))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One run of `segstat demo` (the slowest step of the suite), shared by the command's and the library's checks:
    the summary run_demo returns is recorded on the way out of the command."""
    import contextlib
    import io

    import segstat.demo as demo_module
    from segstat.cli import main

    out = tmp_path_factory.mktemp("r") / "demo"
    seen = {}

    def recording(*args, **kwargs):
        seen["summary"] = run_demo(*args, **kwargs)
        return seen["summary"]

    mp = pytest.MonkeyPatch()
    mp.setattr(demo_module, "run_demo", recording)
    text = io.StringIO()
    try:
        with contextlib.redirect_stdout(text):
            code = main(["demo", "--out", str(out), "--n", "20000", "--rng", "3", "--quiet"])
    finally:
        mp.undo()
    return code, text.getvalue(), out, seen["summary"]


@pytest.fixture(scope="module")
def demo(demo_run):
    _, _, out, summary = demo_run
    return out, summary


def test_demo_command_writes_the_report(demo_run):
    code, text, out, _ = demo_run
    assert code == 0 and "20,000 of 20,000 records placed" in text and "audit passed" in text
    for name in ("report.html", "report.xlsx", "protected_table.csv", "method_note.txt", "barometer/index.html"):
        assert (out / name).exists(), name
    assert len(list((out / "figures").glob("*.png"))) == 4  # rates, two maps, segregation
    assert not list(out.parent.glob(".segstat-demo-*"))


@pytest.mark.slow
def test_report_is_self_contained_and_labelled(demo):
    out, summary = demo
    text = (out / "report.html").read_text(encoding="utf-8")
    p = _Links()
    p.feed(text)
    assert p.refs and all(r.startswith("data:image/png;base64,") or r.startswith("#") for r in p.refs)
    assert sum(r.startswith("data:image/png") for r in p.refs) == 4  # rates, two maps, segregation
    assert "SYNTETISKA DATA" in text and "Källa: SCB" in text
    assert "primary" in p.rows and "secondary" in p.rows
    assert p.tables >= 5 and "Värden markerade med" in text
    # both published tables are protected together, and the page says so
    assert "Tabellerna 1, 2 är skyddade tillsammans" in text


@pytest.mark.slow
def test_summary_is_consistent_with_the_files(demo):
    out, summary = demo
    assert summary["placed"] == summary["records"] == 20_000 and summary["audit_safe"]
    t = pd.read_csv(out / "protected_table.csv", dtype=str, sep=";", encoding="utf-8-sig")
    assert set(t["table"]) == {"0", "1"}  # RegSO x age group, and områdestyp
    assert (t["status"] == "primary").sum() == summary["primary"]
    assert (t["status"] == "secondary").sum() == summary["secondary"]
    assert (t["status"] == "published").sum() == summary["published"] == summary["cells"] - summary["primary"] - \
        summary["secondary"]
    assert (t.loc[t["status"] != "published", "count"] == "..").all()
    xl = pd.read_excel(out / "report.xlsx", sheet_name=None, header=None)
    assert {"LÄSMIG", "RegSO × åldersgrupp", "områdestyp"} <= set(xl)
    assert "SYNTETISKA DATA" in " ".join(map(str, xl["LÄSMIG"].to_numpy().ravel()))


def test_synthetic_register_is_seeded_and_inside_the_drawn_polygons():
    a = segstat.datasets.synthetic_register(3000, rng=5)
    b = segstat.datasets.synthetic_register(3000, rng=5)
    pd.testing.assert_frame_equal(a, b)
    assert a["pid"].is_unique and a["age"].between(0, 99).all()
    loc = segstat.locate(a, vintage=2025)
    assert (loc["status"] == "placed").all()
    kids = a["age"] < 16
    assert (a.loc[kids, "sickness_benefit"] == 0).all()
    assert "SYNTHETIC" in a.attrs["segstat_synthetic"]
    # people follow the real population: Göteborg (1480) holds its share of the region's population
    pop = segstat.population("kommun", vintage=2018).set_index("kommun")["population"]
    gr = ["1384", "1401", "1402", "1407", "1415", "1419", "1440", "1441", "1462", "1480", "1481", "1482", "1489"]
    share = pop["1480"] / pop[gr].sum()
    assert abs((loc["kommun"] == "1480").mean() - share) < 0.03



@needs_chromium
def test_report_loads_in_headless_chromium_without_console_errors(demo, tmp_path):
    out, _ = demo
    console, shot = load_in_chromium(out / "report.html", tmp_path)
    assert console == []
    assert shot.stat().st_size > 50_000  # a rendered page with charts, not a blank screen


@pytest.mark.slow
@needs_chromium
def test_demo_barometer_loads_offline_within_its_size_budget(demo, tmp_path):
    """The demo's barometer (issue 22): 13 kommuner, ~300 RegSO, 5 synthetic years, < 20 MB, no outside fetch."""
    pytest.importorskip("plotly")
    from test_barometer_browser import _check_page

    out, summary = demo
    site = out / "barometer"
    b = summary["barometer"]
    assert b["page"] == str(site / "index.html") and (b["kommuner"], b["periods"]) == (13, 5)
    assert 250 <= b["regso"] <= 320
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    assert size < 20e6, f"the county site is {size / 1e6:.1f} MB, over its 20 MB budget"
    assert "SYNTETISKA DATA" in (site / "index.html").read_text(encoding="utf-8")
    seen = _check_page(site / "map.html", site, tmp_path)
    assert seen["fills"] >= 2 * b["regso"]
    for page in ("index.html", "kommun/1480.html"):
        _check_page(site / page, site, tmp_path)
