"""The Sphinx site builds offline with warnings as errors (what `make docs` runs)."""

import importlib.util
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
    if shutil.which("chromium"):  # the front page loads in a browser without console errors
        console, _ = load_in_chromium(tmp_path / "index.html", tmp_path)
        assert console == []
        assert rendered_dom(methods, tmp_path).count("<mjx-container") > 50
