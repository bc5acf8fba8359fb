"""Sphinx configuration for segstat. Builds offline: no intersphinx, no remote assets."""

import os
import sys

sys.path.insert(0, os.path.abspath("../src"))
import segstat  # noqa: E402

project = "segstat"
author = "segstat developers"
copyright = "2026, segstat developers; bundled data: Statistics Sweden (SCB), CC0"
release = segstat.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax copied into _static: formulas render without a network
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",  # runs examples/*.py at build time: their output and figures on each page
]
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "gallery",
    "filename_pattern": r"/\d\d_",  # run every numbered example (not only plot_*.py)
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    "show_signature": False,
    "plot_gallery": "True",
}
autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_validation_checks: set[str] = set()
numpydoc_xref_param_type = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_theme = "furo"  # maintained, offline (no web fonts or CDN), long code lines scroll
html_static_path = ["_static"]
html_css_files = ["segstat.css"]
html_title = f"segstat {release}"
suppress_warnings = ["config.cache", "myst.header"]
exclude_patterns += ["gallery/*.ipynb", "gallery/*.py", "gallery/*.zip", "gallery/*.md5", "gallery/*.codeobj.json"]
nitpicky = False
