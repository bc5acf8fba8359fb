"""segstat.report on a user's own results: the page (both languages), the workbook read back, the item protocol."""

import base64
import re
import warnings
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.errors import InputTypeError, InputValueError
from segstat.publish import Item, register_kind

from _browser import load_in_chromium, needs_chromium, rendered_dom

openpyxl = pytest.importorskip("openpyxl")
pytest.importorskip("matplotlib")


def _own_results():
    """A user's own counts: 5 områdestyper, and a kommun x age table with a few small cells."""
    counts = pd.DataFrame({"omradestyp": [1, 2, 3, 4, 5], "cases": [30, 20, 10, 8, 5],
                           "persons": [1000, 1500, 1200, 1300, 1400]})
    counts.attrs["segstat.provenance"] = {"source": "Försäkringskassan", "label": "Sjukpenning",
                                          "updated": "2025-03-01T08:00:00"}
    r = segstat.rates(counts, events="cases", population="persons", by="omradestyp")
    d = segstat.disparity(counts, events="cases", population="persons", subgroup="omradestyp",
                          order=[1, 2, 3, 4, 5])
    seg = segstat.dissimilarity(pd.DataFrame({"k": ["a", "a", "b", "b"], "g": [5, 1, 3, 3], "tot": [10] * 4}),
                                group="g", total="tot", by="k")
    # 1401: 2 persons aged 0-4 (primary), the rest large
    ages = ["0-4 år"] * 2 + ["5-9 år"] * 40 + ["0-4 år"] * 30 + ["5-9 år"] * 31 + ["0-4 år"] * 25 + ["5-9 år"] * 20
    kommun = ["1401"] * 42 + ["1402"] * 61 + ["1480"] * 45
    table = segstat.tabulate(pd.DataFrame({"kommun": kommun, "age": ages}), by=["kommun", "age"], vintage=2025)
    protected = segstat.protect(table, min_count=5)
    return {"Skyddad tabell": protected, "Sjukpenning": r, "Skillnader": d, "Segregation": seg}, protected, counts


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    items, protected, counts = _own_results()
    out = {}
    for lang in ("sv", "en"):
        out[lang] = segstat.report(items, out=tmp_path_factory.mktemp(lang), title="Sjukpenning 2024", lang=lang,
                                   max_rows=6, sources=["Egna beräkningar"])
    return out, protected


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs, self.headings, self._h, self.rows = [], [], None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.srcs.append(a["src"])
        if tag in ("link", "script") and (a.get("href") or a.get("src")):
            self.srcs.append(a.get("href") or a.get("src"))
        if tag in ("h1", "h2", "th"):
            self._h = tag
            self.headings.append("")

    def handle_endtag(self, tag):
        if tag == self._h:
            self._h = None

    def handle_data(self, data):
        if self._h:
            self.headings[-1] += data


def _page(files):
    p = _Page()
    p.feed(files.html.read_text(encoding="utf-8"))
    return p


def test_the_swedish_page_is_self_contained_and_says_everything_in_swedish(reports):
    files = reports[0]["sv"]
    text = files.html.read_text(encoding="utf-8")
    p = _page(files)
    # two figures (rates, segregation), both embedded PNGs that decode; nothing remote
    assert len(p.srcs) == 2 and all(s.startswith("data:image/png;base64,") for s in p.srcs)
    assert all(base64.b64decode(s.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n" for s in p.srcs)
    assert "http" not in text.replace("http-equiv", "")
    assert "<html lang='sv'>" in text
    for heading in ("Innehåll", "antal per 1\u00a0000", "nedre gräns", "skattning", "jämförelse", "områdestyp"):
        assert heading in p.headings, heading
    for english in ("Contents", "lower limit", "estimate", "comparison", "Source", "rate per"):
        assert english not in p.headings, english
    # comparisons and units stated, abbreviations explained
    assert "typ 5 jämfört med typ 1" in text and "typ 5 jämfört med genomsnittet" in text
    assert "PAR, populationsattributabel risk" in text and "SII, lutningsindex för ojämlikhet" in text
    assert "skillnad i antal per 1\u00a0000" in text
    # rates with a decimal comma
    assert "<td class=\"num\">30,00</td>" in text and "<td class=\"num\">1\u00a0000</td>" in text
    # the footer: version, sources (given and from attrs, with the date), protection rule
    assert f"segstat {segstat.__version__}" in text
    assert "Egna beräkningar" in text and "Försäkringskassan, Sjukpenning, uppdaterad 2025-03-01" in text
    assert "celler med färre än 5 personer" in text


def test_the_english_page_is_in_english(reports):
    files = reports[0]["en"]
    text = files.html.read_text(encoding="utf-8")
    p = _page(files)
    for heading in ("Contents", "rate per 1,000", "lower limit", "estimate", "comparison"):
        assert heading in p.headings, heading
    assert "Innehåll" not in text and "jämfört" not in text and "nedre gräns" not in text
    assert "type 5 compared with type 1" in text and "PAR, population attributable risk" in text
    assert "cells with fewer than 5 persons" in text


def test_a_long_table_is_summarised_with_a_note_and_complete_in_the_workbook(reports):
    files, protected = reports[0]["sv"], reports[1]
    text = files.html.read_text(encoding="utf-8")
    n = len(protected.status)  # 3 kommuner + län + riket, each with 2 ages + total: 5 x 3 = 15 cells
    assert n == 15
    assert (f"Tabellen har {n} rader; här visas 6 (summorna för de översta nivåerna först). Hela tabellen finns i "
            f"arbetsboken report.xlsx, bladet \"Skyddad tabell\".") in text
    # the six shown are the margins: riket, län and the three kommun totals over all ages, and one more
    section = text.split("<h2>Skyddad tabell</h2>")[1].split("</table>")[0]
    assert section.count("<tr") == 1 + 6
    assert "riket" in section and "län" in section
    wb = openpyxl.load_workbook(files.excel)
    assert wb["Skyddad tabell"].max_row == 1 + n


def test_the_workbook_is_numeric_with_dots_only_where_suppressed(reports):
    files, protected = reports[0]["sv"], reports[1]
    wb = openpyxl.load_workbook(files.excel)
    assert wb.sheetnames == ["LÄSMIG", "Skyddad tabell", "Sjukpenning", "Skillnader", "Segregation"]
    ws = wb["Skyddad tabell"]
    head = [c.value for c in ws[1]]
    assert head == ["kommun", "ålder", "kommun, nivå", "ålder, nivå", "antal", "status", "regel"]
    assert ws.freeze_panes == "A2"
    frame = protected.to_frame()
    status = frame["status"].astype(str).tolist()
    counts = [c.value for c in ws["E"][1:]]
    for s, v, true in zip(status, counts, protected.tables[0].cells["count"]):
        if s == "published":
            assert isinstance(v, int) and v == true
        else:
            assert v == ".."
    assert status.count("primary") == 1 and status.count("secondary") >= 3
    assert all(c.number_format == "#,##0" for c in ws["E"][1:] if isinstance(c.value, int))
    assert ws.column_dimensions["A"].width >= 8
    # rates: numbers, rounded to the two decimals shown, with that format
    ws = wb["Sjukpenning"]
    assert [c.value for c in ws[1]][:4] == ["områdestyp", "händelser", "befolkning", "antal per 1\u00a0000"]
    row = [c for c in ws[2]]
    assert row[1].value == 30 and row[2].value == 1000 and row[3].value == 30.0 and row[4].value == 20.24
    assert row[3].number_format == "#,##0.00"
    # an undefined value (RII of a line crossing zero) is an empty cell, not ".."
    ws = wb["Skillnader"]
    values = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    rii = next(v for v in values if v[0] == "RII")
    assert rii[1] is None and rii[8] == "ej definierat: den skattade linjen går under 0 inom rangerna 0–1; redovisa SII"
    assert not any(v == ".." for r in values for v in r)
    d = next(v for v in values if v[0] == "D")
    assert d[1] == pytest.approx(5 / 1.4 - 30, abs=0.005) and d[7] == "typ 5 jämfört med typ 1"
    # README: the method notes and the provenance
    readme = " ".join(str(c.value) for r in wb["LÄSMIG"].iter_rows() for c in r if c.value)
    assert "PAR, populationsattributabel risk" in readme and "Försäkringskassan" in readme
    assert "celler med färre än 5 personer" in readme


def test_to_frame_keeps_the_level_columns():
    _, protected, _ = _own_results()
    f = protected.to_frame()
    assert {"kommun_level", "age_level"} <= set(f.columns)
    total = f[(f["kommun"] == "Total") & (f["age"] == "Total")]
    assert len(total) == 1 and total["count"].iloc[0] == 148


def test_the_item_protocol_lets_other_results_join(tmp_path):
    followup = pd.DataFrame({"period": [2020, 2021], "andel": [0.25, 0.5]})
    followup.attrs["segstat.kind"] = "test-followup"
    register_kind("test-followup", lambda f, title, lang: Item("table", title, f, decimals={"andel": 2},
                                                               notes=("uppföljning",)))

    class Targeting:
        def to_report_item(self, title, lang):
            return Item("table", title, pd.DataFrame({"x": [1]}), notes=(f"mål ({lang})",))

    files = segstat.report([("Uppföljning", followup), ("Mål", Targeting())], out=tmp_path, title="T")
    text = files.html.read_text(encoding="utf-8")
    assert "uppföljning" in text and "mål (sv)" in text and "0,50" in text
    followup.attrs["segstat.kind"] = "nobody-knows"
    with pytest.raises(InputTypeError, match="nobody-knows.*register_kind"):
        segstat.report({"U": followup}, out=tmp_path, title="T")


def test_bad_arguments_are_named(tmp_path):
    items = {"t": pd.DataFrame({"a": [1]})}
    with pytest.raises(InputValueError, match="lang='de'.*lang=\"sv\""):
        segstat.report(items, out=tmp_path, title="T", lang="de")
    with pytest.raises(InputValueError, match="max_rows=0"):
        segstat.report(items, out=tmp_path, title="T", max_rows=0)
    with pytest.raises(InputTypeError, match="'x' is a set"):
        segstat.report({"x": {1}}, out=tmp_path, title="T")
    with pytest.raises(InputValueError, match="items is empty"):
        segstat.report({}, out=tmp_path, title="T")
    (tmp_path / "f").write_text("")
    with pytest.raises(InputValueError, match="is a file"):
        segstat.report(items, out=tmp_path / "f", title="T")


def test_the_rates_chart_starts_at_zero_and_colours_omradestyp():
    from segstat.publish.figures import TYPE_COLOURS, rates_chart

    r = segstat.rates(pd.DataFrame({"omradestyp": [1, 2], "e": [50, 40], "p": [1000, 1000]}), events="e",
                      population="p", by="omradestyp")
    fig = rates_chart(r, ["omradestyp"], per=1000, title="t", lang="sv", level=95)
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 0 and ax.get_ylabel() == "Antal per 1\u00a0000"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["typ 1", "typ 2"]
    # no type is white or grey: every colour has a clear hue
    from matplotlib.colors import to_rgb

    for c in TYPE_COLOURS.values():
        rgb = np.array(to_rgb(c))
        assert rgb.max() - rgb.min() > 0.3, c


@pytest.mark.parametrize(("lang", "mark"), [("sv", ","), ("en", ".")])
def test_figure_ticks_use_the_reports_decimal_mark(lang, mark):
    from segstat.publish.figures import estimate_chart

    f = pd.DataFrame({"kommun": ["a", "b"], "estimate": [0.12, 0.31], "lower": [0.1, 0.25], "upper": [0.15, 0.36]})
    fig = estimate_chart(f, ["kommun"], title="t", lang=lang, level=95)
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    decimals = [t for t in ticks if t not in ("0", "−0")]
    assert decimals and all(mark in t and {".", ","} - {mark} & set(t) == set() for t in decimals), ticks


def test_maps_name_every_legend_entry_hatch_suppressed_areas_and_have_an_inset():
    import shapely

    from segstat.publish.figures import GOTEBORG_CENTRE, omradestyp_map, value_map

    polys = np.array([shapely.box(300_000 + 10_000 * i, 6_390_000, 309_000 + 10_000 * i, 6_399_000) for i in range(3)])
    fig = omradestyp_map(["a", "b", "c"], polys, [1, 3, 5], year=2023, lang="sv")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "1 Områden med stora socioekonomiska utmaningar" and len(labels) == 5
    assert len(fig.axes[0].child_axes) == 1  # the inset of central Göteborg
    assert tuple(fig.axes[0].child_axes[0].get_xlim()) == GOTEBORG_CENTRE[::2]
    fig = value_map(polys, [1.0, np.nan, 3.0], [False, True, False], label="per 1 000", title="t", lang="en")
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Suppressed (..)"]
    assert legend.legend_handles[0].get_hatch() == "////"
    hatched = [c for c in fig.axes[0].collections if c.get_hatch()]  # one collection of the suppressed areas
    assert len(hatched) == 1 and len(hatched[0].get_paths()) == 1


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_report_loads_in_headless_chromium_with_every_image(reports, lang, tmp_path):
    files = reports[0][lang]
    console, shot = load_in_chromium(files.html, tmp_path)
    assert console == []
    assert shot.stat().st_size > 30_000
    # a copy with a probe script: every image decoded (complete, with a width)
    probe = tmp_path / "probe.html"
    text = files.html.read_text(encoding="utf-8")
    probe.write_text(text.replace("</body>", "<script>window.addEventListener('load', () => {"
                                  "const im = [...document.images]; document.body.dataset.loaded = "
                                  "im.filter(i => i.complete && i.naturalWidth > 0).length + '/' + im.length;});"
                                  "</script></body>"), encoding="utf-8")
    dom = rendered_dom(probe, tmp_path)
    assert re.search(r'data-loaded="2/2"', dom), dom[:300]
