"""segstat.barometer: the static site from protected results (hand-made small result: Ale kommun, 2 periods)."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import segstat
from segstat.barometer._demo import demo_results
from segstat.classify import MOVED_2025_WARNING
from segstat.errors import ColumnError, DisclosureRiskError, InputTypeError, InputValueError, VintageError

pytest.importorskip("plotly")

ALE = [f"1440R{i:03d}" for i in range(1, 14)]


def _records() -> pd.DataFrame:
    """Persons of Ale's 13 RegSO in 2023 and 2024: RegSO i has 1000 + 100 i persons and 10 + i events
    (2024: 12 + i), except 1440R002 in 2024, which has 2 events (below min_count=3: suppressed)."""
    rows = []
    for i, code in enumerate(ALE):
        for period in ("2023", "2024"):
            n, e = 1000 + 100 * i, 10 + i + (2 if period == "2024" else 0)
            if code == "1440R002" and period == "2024":
                e = 2
            rows.append(pd.DataFrame({"regso": code, "period": period, "outcome": [1] * e + [0] * (n - e)}))
    rec = pd.concat(rows, ignore_index=True)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=MOVED_2025_WARNING)
        types = segstat.omradestyp(pd.Series(ALE, dtype="string"), year=2023, vintage=2025)
    rec["omradestyp"] = rec["regso"].map(dict(zip(ALE, types.astype(int))))
    rec.attrs["segstat.vintage"] = 2025
    return rec


@pytest.fixture(scope="module")
def small():
    rec = _records()
    res = demo_results(rec, outcome="outcome", min_count=3)
    res["segregation"] = pd.DataFrame({"kommun": ["1440"], "estimate": [0.25], "lower": [0.2], "upper": [0.31],
                                       "index": ["D"]})
    return rec, res


@pytest.fixture(scope="module")
def site(small, tmp_path_factory):
    out = tmp_path_factory.mktemp("barometer") / "site"
    page = segstat.barometer(small[1], out=out, title="Sjukpenning i Ale", indicator="Sjukpenning",
                             denominator="invånare 16–64 år", data_source="Testregistret")
    return out, page


def test_area_rates_are_the_protected_counts_over_the_population_with_garwood_intervals(small):
    areas = small[1]["areas"].set_index(["area", "period"])
    r = areas.loc[("1440R003", "2023")]  # i = 2: 12 events of 1 200 persons
    assert (r["events"], r["population"], r["rate"]) == (12.0, 1200.0, 10.0)
    assert r["lower"] == pytest.approx(stats.chi2.ppf(0.025, 24) / 2 / 1.2, rel=1e-9)  # Garwood, per 1 000
    assert r["upper"] == pytest.approx(stats.chi2.ppf(0.975, 26) / 2 / 1.2, rel=1e-9)
    hidden = areas.loc[("1440R002", "2024")]
    assert bool(hidden["suppressed"]) and np.isnan(hidden["events"]) and np.isnan(hidden["rate"])
    assert areas["suppressed"].sum() >= 2  # the primary cell and at least one secondary partner
    assert areas.loc[areas["suppressed"], ["events", "rate", "lower", "upper"]].isna().all().all()
    assert set(areas.index.get_level_values("area")) == set(ALE) | {"1440", "14"}


def test_site_has_every_view_and_one_copy_of_plotly(site):
    out, page = site
    assert page == out / "index.html"
    for name in ("index.html", "map.html", "compare.html", "kommun/index.html", "kommun/1440.html", "lan/index.html",
                 "lan/14.html", "data/panel.csv", "data/gap.csv", "data/regso.csv", "data/compare.csv",
                 "data/kommun/1440_by_type.csv", "data/kommun/1440_segregation.csv", "assets/plotly.min.js"):
        assert (out / name).is_file(), name
    assert len(list(out.rglob("plotly*.js"))) == 1
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<script src="assets/plotly.min.js">' in index and len(index) < 200_000  # linked, not inlined
    kommun = (out / "kommun" / "1440.html").read_text(encoding="utf-8")
    assert '<script src="../assets/plotly.min.js">' in kommun and 'href="../data/kommun/1440_by_type.csv"' in kommun


def test_every_chart_has_a_text_alternative_a_table_and_a_csv_link(site):
    out, _ = site
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        charts = text.count('class="chart"')
        assert text.count('role="img"') == charts and text.count("<details>") == charts
        assert text.count("Ladda ned data (CSV)") >= charts, page
        assert '<html lang="sv">' in text and 'class="skip" href="#main"' in text


def test_pages_reference_nothing_outside_the_site(site):
    out, _ = site
    for page in out.rglob("*.html"):
        for ref in re.findall(r'(?:src|href)="([^"]+)"', page.read_text(encoding="utf-8")):
            assert "://" not in ref and not ref.startswith("/"), (page, ref)
            assert (page.parent / ref.split("#")[0]).resolve().is_relative_to(out.resolve()), (page, ref)


def _traces(page) -> list[dict]:
    text = page.read_text(encoding="utf-8")
    return [t for m in re.finditer(r'Plotly\.newPlot\("chart\d+",(\[.*?\]),\{"title"', text)
            for t in json.loads(m.group(1))]


def test_map_hover_shows_name_code_type_and_dots_for_a_suppressed_regso(site):
    out, _ = site
    traces = _traces(out / "map.html")
    hover = [t["text"] for t in traces if "1440R002" in str(t.get("text"))]
    assert len(hover) == 2  # the map by type and the map by the indicator
    assert hover[0] == ("<b>Alvhem-Hålanda</b><br>Kod: 1440R002<br>Områdestyp: 4 Goda socioekonomiska "
                        "förutsättningar<br>Sjukpenning: .. per 1\u202f000 invånare 16–64 år<br>95 % "
                        "konfidensintervall: ..")
    shown = [t["text"] for t in traces if "1440R003" in str(t.get("text"))][0]  # 2024: 14 events of 1 200
    assert "Sjukpenning: 11,7 per" in shown and "konfidensintervall: 6,4–19,6" in shown
    marked = [t for t in traces if "1440R002" in str(t.get("text")) and "fillpattern" in t]
    assert len(marked) == 1 and marked[0]["name"].startswith("Undertryckt")


def test_kommun_page_sums_only_published_regso(site, small):
    out, _ = site
    traces = {t.get("type"): t for t in _traces(out / "kommun" / "1440.html") if t.get("type") == "bar"}
    assert traces  # bar charts exist
    rows = pd.read_csv(out / "data" / "kommun" / "1440_by_type.csv", na_values="..")
    by = dict(zip(rows.iloc[:, 0].str[0].astype(int), rows.iloc[:, 1]))
    # type 5 is 1440R012 alone (i = 11): 12 + 11 events of 2 100 persons in 2024, if published
    areas = small[1]["areas"].set_index(["area", "period"])
    if not areas.loc[("1440R012", "2024"), "suppressed"]:
        assert by[5] == pytest.approx(23 / 2100 * 1000)
    assert np.isnan(by[1]) and np.isnan(by[3])  # no RegSO of these types in Ale
    # type 4 includes the suppressed 1440R002: its sum would reveal the cell, so it is ".."
    assert np.isnan(by[4])
    counts = pd.read_csv(out / "data" / "kommun" / "1440_regso_per_type.csv")
    assert counts.iloc[:, 1].tolist() == [0, 1, 0, 11, 1]


def test_gap_is_heat_difference_of_the_extreme_types(site, small):
    out, _ = site
    gap = pd.read_csv(out / "data" / "gap.csv", dtype={"period": str}).set_index("period")
    panel = small[1]["panel"].assign(omradestyp=lambda d: d["omradestyp"].astype(int)).set_index(
        ["omradestyp", "period"])
    expected = panel.loc[(5, "2023"), "rate"] - panel.loc[(2, "2023"), "rate"]
    assert gap.loc["2023", "estimate"] == pytest.approx(expected)
    assert gap.loc["2023", "lower"] < expected < gap.loc["2023", "upper"]


def test_english_site(small, tmp_path):
    segstat.barometer(small[1], out=tmp_path / "en", title="Sickness benefit in Ale", lang="en")
    text = (tmp_path / "en" / "kommun" / "1440.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in text and "Municipalities" in text and "Ale municipality" in text
    assert "Download the data (CSV)" in text and "Ladda ned" not in text


def test_refuses_unprotected_or_inconsistent_inputs(small, tmp_path):
    res = small[1]
    out = tmp_path / "x"
    with pytest.raises(DisclosureRiskError, match="without results\\['counts'\\]"):
        segstat.barometer({"panel": res["panel"], "areas": res["areas"]}, out=out, title="t")
    plain = res["counts"].to_frame().drop(columns="status")
    with pytest.raises(DisclosureRiskError, match="not been through disclosure control"):
        segstat.barometer({**res, "counts": plain}, out=out, title="t")
    leaked = res["areas"].copy()
    row = (leaked["area"] == "1440R002") & (leaked["period"] == "2024")
    leaked.loc[row, ["events", "rate", "lower", "upper", "suppressed"]] = [2.0, 1.8, 0.2, 6.6, False]
    with pytest.raises(DisclosureRiskError, match="disclosure control suppressed"):
        segstat.barometer({**res, "areas": leaked}, out=out, title="t")
    with pytest.raises(VintageError, match="vintage=2018 contradicts"):
        segstat.barometer(res, out=out, title="t", vintage=2018)
    with pytest.raises(InputValueError, match="unknown keys \\['pannel'\\]"):
        segstat.barometer({"pannel": res["panel"]}, out=out, title="t")
    bad = res["panel"].assign(omradestyp=6)
    with pytest.raises(InputValueError, match="områdestyp is 1, 2, 3, 4 or 5"):
        segstat.barometer({"panel": bad}, out=out, title="t")
    with pytest.raises(ColumnError, match="lacks the columns \\['rate'"):
        segstat.barometer({"panel": res["panel"].drop(columns=["rate"])}, out=out, title="t")
    with pytest.raises(InputTypeError, match="area codes are text"):
        segstat.barometer({**res, "areas": res["areas"].assign(area=1440)}, out=out, title="t")
    assert not out.exists()  # nothing half-written


def test_panel_alone_builds_a_start_page(small, tmp_path):
    page = segstat.barometer({"panel": small[1]["panel"]}, out=tmp_path / "p", title="t", synthetic=True)
    assert "SYNTETISKA DATA" in page.read_text(encoding="utf-8")


def test_barometer_is_the_same_object_however_imported():
    import segstat.barometer._site  # noqa: F401  (binds segstat.barometer to the subpackage)
    from segstat.barometer import barometer

    assert barometer is segstat.barometer and callable(segstat.barometer)
    import inspect

    assert list(inspect.signature(segstat.barometer).parameters)[:4] == ["results", "out", "title", "lang"]


def _write_results(res, folder):
    """The CSV files a description names: panel, areas and the protected counts (".." where suppressed)."""
    res["panel"].to_csv(folder / "panel.csv", index=False)
    res["areas"].to_csv(folder / "areas.csv", index=False)
    res["counts"].to_frame(symbol="..").to_csv(folder / "counts.csv", index=False)


def test_cli_builds_from_a_toml_description(small, tmp_path):
    from segstat.cli import main

    _write_results(small[1], tmp_path)
    (tmp_path / "b.toml").write_text('title = "Sjukpenning"\nvintage = 2025\nout = "site"\n[results]\n'
                                     'panel = "panel.csv"\nareas = "areas.csv"\ncounts = "counts.csv"\n',
                                     encoding="utf-8")
    assert main(["barometer", str(tmp_path / "b.toml")]) == 0
    assert (tmp_path / "site" / "kommun" / "1440.html").is_file()
    (tmp_path / "c.toml").write_text('title = "x"\n[results]\npanel = "panel.csv"\nareas = "areas.csv"\n'
                                     'counts = "panel.csv"\nvintage = 2025\n', encoding="utf-8")
    assert main(["barometer", str(tmp_path / "c.toml"), "--out", str(tmp_path / "s2")]) == 2


def test_cli_builds_the_same_site_from_a_yaml_description(small, tmp_path):
    pytest.importorskip("yaml")
    from segstat.cli import main

    _write_results(small[1], tmp_path)
    (tmp_path / "b.toml").write_text('title = "Sjukpenning"\nvintage = 2025\nout = "site_t"\n[results]\n'
                                     'panel = "panel.csv"\nareas = "areas.csv"\ncounts = "counts.csv"\n',
                                     encoding="utf-8")
    (tmp_path / "b.yaml").write_text("title: Sjukpenning\nvintage: 2025\nout: site_y\nresults:\n  panel: panel.csv\n"
                                     "  areas: areas.csv\n  counts: counts.csv\n", encoding="utf-8")
    assert main(["barometer", str(tmp_path / "b.toml")]) == 0
    assert main(["barometer", str(tmp_path / "b.yaml")]) == 0
    for page in ("index.html", "kommun/1440.html"):
        assert (tmp_path / "site_t" / page).read_text("utf-8") == (tmp_path / "site_y" / page).read_text("utf-8")
    # YAML 1.1 reads an unquoted "no" as false: the setting is refused by name, not used as another value
    (tmp_path / "c.yaml").write_text("title: x\nlang: no\nresults:\n  panel: panel.csv\n", encoding="utf-8")
    assert main(["barometer", str(tmp_path / "c.yaml"), "--out", str(tmp_path / "s3")]) == 2


def test_regso_without_an_official_type_is_reported_and_shown_as_dots():
    from segstat.barometer._aggregate import regso_frame
    from segstat.barometer._text import type_label
    from segstat.errors import CoercedWarning

    areas = pd.DataFrame({"area": ["2523R011", "2523R001"], "level": "regso", "period": "2024"})
    with pytest.warns(CoercedWarning, match="2523R011"):
        f = regso_frame(areas, 2025, 2023)
    assert np.isnan(f.loc[0, "omradestyp"]) and type_label(f.loc[0, "omradestyp"], "sv") == ".."
    assert f.loc[1, "omradestyp"] in (1, 2, 3, 4, 5) and f.loc[1, "kommun"] == "2523"


def _effect(regression: str) -> segstat.followup.effect.Effect:
    """segstat.effect on a tiny panel: areas A-F of one type, 2019-2023; A, B, C start their effort in 2022 (event
    times -3 … 1), when their events drop by 6."""
    rows = []
    for i, a in enumerate("ABCDEF"):
        for j, y in enumerate(range(2019, 2024)):
            ev = 20 + 3 * i + 2 * j - (6 if a in "ABC" and y >= 2022 else 0) + (i * j) % 3
            rows.append({"regso": a, "year": y, "e": ev, "n": 1000 + 50 * i, "t": int(a in "ABC"), "typ": 1})
    return segstat.effect(pd.DataFrame(rows), events="e", population="n", area="regso", period="year", treated="t",
                          start=2022, subgroup="typ", regression=regression)


def _figures(page) -> list[tuple[list[dict], dict]]:
    """Every chart of a page as (traces, layout), decoded from its Plotly.newPlot call."""
    text = page.read_text(encoding="utf-8")
    dec = json.JSONDecoder()
    out = []
    for m in re.finditer(r'Plotly\.newPlot\("chart\d+",', text):
        data, end = dec.raw_decode(text, m.end())
        layout, _ = dec.raw_decode(text, end + 1)
        out.append((data, layout))
    return out


def _effect_site(small, tmp_path, effects, lang="sv", name="e"):
    res = {"panel": small[1]["panel"], "effects": effects}
    page = segstat.barometer(res, out=tmp_path / name, title="Sjukpenning", lang=lang, denominator="invånare 16–64 år"
                             if lang == "sv" else "residents aged 16-64", data_source="Testregistret")
    return page, [f for f in _figures(page) if f[1]["title"]["text"].startswith(("Effekt", "Effect"))]


@pytest.mark.parametrize("regression", ["poisson", "linear"])
def test_event_study_chart_draws_the_tables_estimates_and_bounds(small, tmp_path, regression):
    """The start page draws segstat.effect's event study: every estimate and bound of the table, the leads, the
    reference (-1) and the lags as separate traces, no effect at 1 (ratio) or 0 (difference), the start at -0.5."""
    es = _effect(regression).event_study
    page, found = _effect_site(small, tmp_path, es)
    assert len(found) == 1
    traces, layout = found[0]
    assert [t["name"] for t in traces] == ["Före start", "Året före start (referens)", "Efter start"]
    assert [t["x"] for t in traces] == [[-3, -2], [-1], [0, 1]]
    drawn = {x: (y, lo, hi, up, down) for t in traces for x, y, (lo, hi), up, down in
             zip(t["x"], t["y"], t["customdata"], t["error_y"]["array"], t["error_y"]["arrayminus"])}
    for row in es.itertuples():
        y, lo, hi, up, down = drawn[int(row.event_time)]
        assert (y, lo, hi) == pytest.approx((row.estimate, row.lower, row.upper), rel=1e-12, abs=1e-15)
        assert (y + up, y - down) == pytest.approx((row.upper, row.lower), rel=1e-12, abs=1e-12)
    no_effect = 1.0 if regression == "poisson" else 0.0
    assert drawn[-1][:3] == (no_effect, no_effect, no_effect)  # segstat.effect's reference row
    line, start = layout["shapes"]
    assert (line["yref"], line["y0"], line["y1"]) == ("y", no_effect, no_effect)
    assert (start["xref"], start["x0"], start["x1"]) == ("x", -0.5, -0.5)
    lo_range, hi_range = layout["yaxis"]["range"]
    assert lo_range < min(es["lower"].min(), no_effect) and hi_range > max(es["upper"].max(), no_effect)
    assert layout["xaxis"]["title"]["text"] == "År från start (0 = första året med insats)"
    expected_y = ("Kvot (1 = ingen effekt)" if regression == "poisson"
                  else "Skillnad per 1\u202f000 invånare 16–64 år (0 = ingen effekt)")
    assert layout["yaxis"]["title"]["text"] == expected_y
    text = page.read_text(encoding="utf-8")
    # the chart's data table and CSV: the table as segstat.effect gave it, event times as whole numbers
    csv = pd.read_csv(page.parent / "data" / "effects.csv", na_values="..")
    assert csv["event_time"].tolist() == [-3, -2, -1, 0, 1]
    np.testing.assert_allclose(csv[["estimate", "lower", "upper"]], es[["estimate", "lower", "upper"]], rtol=1e-12)
    assert text.count('class="chart"') == 3 and text.count("<details>") == 3 and "Medelfel" in text
    assert "Effekt per år före och efter start, 95 % konfidensintervall." in text


def test_event_study_chart_in_english(small, tmp_path):
    page, found = _effect_site(small, tmp_path, _effect("linear").event_study, lang="en")
    (traces, layout), = found
    assert layout["title"]["text"] == "Effect by year before and after the start"
    assert layout["xaxis"]["title"]["text"] == "Years from the start (0 = first year of the effort)"
    assert layout["yaxis"]["title"]["text"] == "Difference per 1,000 residents aged 16-64 (0 = no effect)"
    assert [t["name"] for t in traces] == ["Before the start", "The year before the start (reference)",
                                           "After the start"]
    assert [a["text"] for a in layout["annotations"]] == ["No effect", "Start"]
    text = page.read_text(encoding="utf-8")
    assert "Standard error" in text and "Before the start: −3: −0.60 (−3.45 to 2.26)" in text
    assert not re.search("Effekt|Före start|Medelfel|ingen effekt", text)


def test_event_study_scale_is_read_from_column_attrs_or_reference_row(small, tmp_path):
    """A CSV round trip loses the attrs; the reference row (-1 fixed at 1 or 0) still tells the scale. A scale
    column that contradicts the attrs, or no clue at all, is refused; any other effects table stays a table."""
    es = _effect("poisson").event_study
    bare = pd.DataFrame(es.to_dict("list"))  # no attrs, as read from a CSV
    assert not bare.attrs
    _, found = _effect_site(small, tmp_path, bare, name="bare")
    assert found[0][1]["shapes"][0]["y0"] == 1.0
    _, found = _effect_site(small, tmp_path, bare[bare["event_time"] != -1].assign(scale="rate_ratio"), name="col")
    assert found[0][1]["shapes"][0]["y0"] == 1.0 and [t["x"] for t in found[0][0]] == [[-3, -2], [0, 1]]
    with pytest.raises(InputValueError, match="contradicts itself.*'scale' says 'rate_difference'.*regression"):
        _effect_site(small, tmp_path, es.assign(scale="rate_difference"), name="x1")
    with pytest.raises(InputValueError, match="add a column scale = 'rate_ratio'"):
        _effect_site(small, tmp_path, bare[bare["event_time"] != -1], name="x2")
    with pytest.raises(InputValueError, match="event times are whole numbers"):
        _effect_site(small, tmp_path, es.assign(event_time=es["event_time"] + 0.5), name="x3")
    with pytest.raises(InputValueError, match="event times \\[-1\\] more than once"):
        _effect_site(small, tmp_path, pd.concat([es, es[es["event_time"] == -1]]), name="x4")
    with pytest.raises(InputTypeError, match="results\\['effects'\\] = effect.event_study"):
        _effect_site(small, tmp_path, _effect("poisson"), name="x5")
    overall = _effect("poisson").overall  # no event time: today's table, no chart
    page, found = _effect_site(small, tmp_path, overall, name="overall")
    text = page.read_text(encoding="utf-8")
    assert not found and text.count('class="chart"') == 2 and "<th scope=\"col\">scale</th>" in text
    assert (page.parent / "data" / "effects.csv").is_file()


def test_charts_use_the_page_languages_decimal_mark(small, tmp_path):
    # Plotly's ticks and hover numbers: a decimal comma (and narrow no-break space thousands) on Swedish pages,
    # as the tables beside the charts; a decimal point on English ones
    for lang, expected in (("sv", ",\u202f"), ("en", ".,")):
        page = segstat.barometer(small[1], out=tmp_path / lang, title="Sjukpenning", lang=lang)
        figures = [f for p in page.parent.rglob("*.html") for f in _figures(p)]
        assert len(figures) > 10 and all(layout["separators"] == expected for _, layout in figures), lang
