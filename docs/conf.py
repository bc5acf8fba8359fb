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
]
autosummary_generate = True
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_validation_checks: set[str] = set()
numpydoc_xref_param_type = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_theme = "alabaster"
html_static_path = ["_static"]
html_title = f"segstat {release}"
suppress_warnings = ["config.cache", "myst.header"]
nitpicky = False
