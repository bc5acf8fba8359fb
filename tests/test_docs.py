"""The Sphinx site builds offline with warnings as errors (what `make docs` runs)."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _browser import load_in_chromium, rendered_dom

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.slow
@pytest.mark.skipif(not DOCS.is_dir(), reason="docs/ is not part of an installed package")
@pytest.mark.skipif(importlib.util.find_spec("sphinx") is None, reason="needs the docs extra")
def test_docs_build_without_warnings(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(DOCS), str(tmp_path)],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "segstat" in index
    api = (tmp_path / "api" / "foundation.html").read_text(encoding="utf-8")
    for name in ("areas", "to_level", "normalize_codes", "crosswalk", "population"):
        assert f"segstat.{name}" in api
    # formulas use the MathJax copied into the site, not a CDN: they render on a machine without a network
    methods = tmp_path / "methods" / "measures.html"
    assert 'src="../_static/mathjax/tex-chtml.js"' in methods.read_text(encoding="utf-8")
    assert (tmp_path / "_static" / "mathjax" / "tex-chtml.js").is_file()
    # the gallery ran the examples at build time: their printed output and their figures are on the pages
    gallery = tmp_path / "gallery"
    for name in ("03_omradestyp", "05_disparity", "07_report"):
        page = (gallery / f"{name}.html").read_text(encoding="utf-8")
        assert "sphx-glr-script-out" in page and f"sphx_glr_{name}_001.png" in page, name
        assert (tmp_path / "_images" / f"sphx_glr_{name}_001.png").stat().st_size > 10_000
    assert "sphx-glr-script-out" in (gallery / "04_safe_table.html").read_text(encoding="utf-8")
    assert "furo" in index  # the maintained theme
    if shutil.which("chromium") or os.environ.get("SEGSTAT_REQUIRE_BROWSER"):  # loads without console errors
        console, _ = load_in_chromium(tmp_path / "index.html", tmp_path)
        assert console == []
        console, _ = load_in_chromium(gallery / "07_report.html", tmp_path)
        assert console == []
        assert rendered_dom(methods, tmp_path).count("<mjx-container") > 50
