"""The barometer in headless Chromium: every page loads without console errors and fetches nothing outside the
site folder, the maps draw their features, hovering a known RegSO shows its text, suppressed areas show "..".
The demo's site (and its size budget) is checked in tests/test_report.py, on the demo built there."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import shapely

import segstat
from _browser import needs_chromium

pytest.importorskip("plotly")
pytestmark = needs_chromium

PROBE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var out = {fills: document.querySelectorAll("path.js-fill").length,
             charts: document.querySelectorAll(".chart").length,
             drawn: Array.prototype.filter.call(document.querySelectorAll(".chart"), function (gd) {
               return gd._fullLayout && gd.querySelector(".main-svg"); }).length, hover: [],
             points: Array.prototype.map.call(document.querySelectorAll(".chart"), function (gd) {
               return gd.querySelectorAll(".scatterlayer .point").length; }),
             errorbars: Array.prototype.map.call(document.querySelectorAll(".chart"), function (gd) {
               return gd.querySelectorAll(".errorbar").length; }),
             titles: Array.prototype.map.call(document.querySelectorAll(".chart"), function (gd) {
               var t = gd.querySelector(".gtitle"); return t ? t.textContent : ""; })};
  var target = %(target)s;
  if (target) {
    document.querySelectorAll(".chart").forEach(function (gd) {
      if (!gd.data || !gd.data.some(function (t) { return String(t.text).indexOf(target.code) >= 0; })) return;
      var xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
      Plotly.Fx.hover(gd, {xpx: xa.l2p(target.x), ypx: ya.l2p(target.y)}, "xy");
      gd.querySelectorAll(".hovertext").forEach(function (h) { out.hover.push(h.textContent); });
    });
  }
  out.resources = performance.getEntriesByType("resource").map(function (e) { return e.name; });
  var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
}, 300); });
</script>"""


def probe(page: Path, workdir: Path, target: dict | None = None) -> tuple[dict, list[str]]:
    """Load ``page`` (a probing copy beside it) in Chromium; return what the probe saw and the console lines."""
    copy = page.with_name(page.stem + ".probe.html")
    copy.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE % {"target": json.dumps(target)}
                                                               + "</body>"), encoding="utf-8")
    try:
        run = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             f"--user-data-dir={workdir / 'profile'}", "--window-size=1100,1500", "--enable-logging=stderr", "--v=0",
             "--virtual-time-budget=15000", "--dump-dom", copy.resolve().as_uri()],
            capture_output=True, text=True, timeout=120)
    finally:
        copy.unlink()
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert found, f"{page.name}: the page's scripts did not finish\n{run.stderr[-1500:]}"
    import html

    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    return json.loads(html.unescape(found.group(1))), console


def _check_page(page: Path, site: Path, workdir: Path, target: dict | None = None) -> dict:
    seen, console = probe(page, workdir, target)
    assert not console, f"{page}: {console}"
    for url in seen["resources"]:
        assert url.startswith(site.resolve().as_uri() + "/"), f"{page.name} fetched {url}, outside the site folder"
    assert seen["drawn"] == seen["charts"], f"{page.name}: {seen['charts']} charts, {seen['drawn']} drawn"
    return seen


def _target(code: str) -> dict:
    b = segstat.boundaries("regso", vintage=2025)
    poly = b.polygons[list(b.codes).index(code)]
    p = shapely.point_on_surface(shapely.simplify(poly, 40.0))
    return {"code": code, "x": p.x / 1000, "y": p.y / 1000}


@pytest.fixture(scope="module")
def small_site(tmp_path_factory):
    from test_barometer import _records

    from segstat.barometer._demo import demo_results

    res = demo_results(_records(), outcome="outcome", min_count=3)
    out = tmp_path_factory.mktemp("bsite") / "site"
    segstat.barometer(res, out=out, title="Sjukpenning i Ale", indicator="Sjukpenning")
    return out


def test_every_page_of_the_small_site_loads_offline_and_the_map_hovers(small_site, tmp_path):
    pages = sorted(small_site.rglob("*.html"))
    assert len(pages) == 7
    for page in pages:
        if page.name != "map.html":
            _check_page(page, small_site, tmp_path)
    # the map draws every RegSO, and hovering 1440R002 (suppressed in the latest period) shows ".."
    seen = _check_page(small_site / "map.html", small_site, tmp_path, _target("1440R002"))
    assert seen["fills"] >= 2 * 13 + 1  # 13 RegSO on two maps, Ale on the kommun map
    assert len(seen["hover"]) == 2, seen["hover"]  # one hover label on each RegSO map
    for text in seen["hover"]:
        assert "Alvhem-Hålanda" in text and "Kod: 1440R002" in text and "Områdestyp: 4 Goda" in text
    assert any("Sjukpenning: .. per 1\u202f000" in t for t in seen["hover"])


def test_start_page_with_the_event_study_chart_loads_and_draws(tmp_path):
    """segstat.effect's event study on the start page: no console error, nothing fetched outside the site, the
    chart draws its five points (leads, reference, lags) with their error bars."""
    from test_barometer import _effect, _records

    from segstat.barometer._demo import demo_results

    res = demo_results(_records(), outcome="outcome", min_count=3)
    out = tmp_path / "site"
    segstat.barometer({"panel": res["panel"], "effects": _effect("poisson").event_study}, out=out,
                      title="Sjukpenning i Ale", indicator="Sjukpenning")
    seen = _check_page(out / "index.html", out, tmp_path)
    assert seen["charts"] == seen["drawn"] == 3
    chart = seen["titles"].index("Effekt per år före och efter start")
    assert seen["points"][chart] == 5 and seen["errorbars"][chart] == 5, seen
