"""Packaging: light import, the public namespace, show_versions, doctests of the foundation."""

import doctest
import importlib
import io
import subprocess
import sys

import pytest

import segstat

HEAVY = ["scipy", "numba", "matplotlib", "requests", "dask", "distributed", "tqdm", "openpyxl", "pyarrow", "pyogrio",
         "geopandas"]


def test_import_segstat_loads_no_optional_or_heavy_modules():
    # what the hard dependencies load on their own (pandas loads pyarrow if installed) is not ours
    code = ("import sys, numpy, pandas; pandas.array(['a'], dtype='string'); base = set(sys.modules); "
            "import segstat; segstat.areas('kommun', vintage=2025); "
            f"print([m for m in {HEAVY!r} if m in sys.modules and m not in base])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_resolves():
    for name in segstat.__all__:
        assert getattr(segstat, name) is not None, name
    with pytest.raises(AttributeError):
        segstat.no_such_function  # noqa: B018


def test_errors_subclass_builtins():
    from segstat import errors
    assert issubclass(errors.CodeError, ValueError) and issubclass(errors.CodeError, errors.SegstatError)
    assert issubclass(errors.InputTypeError, TypeError)
    assert issubclass(errors.ColumnError, KeyError)
    assert str(errors.ColumnError("x missing")) == "x missing"


def test_show_versions_lists_dependencies_and_data():
    buf = io.StringIO()
    segstat.show_versions(file=buf)
    text = buf.getvalue()
    assert f"segstat: {segstat.__version__}" in text
    for dep in ("numpy", "pandas", "shapely", "pyproj"):
        assert f"  {dep}: " in text
    assert "deso2025_regso2025: DeSO 2025 / RegSO 2025" in text


@pytest.mark.parametrize("module", ["segstat.geography.codes", "segstat.geography.registry",
                                    "segstat.geography.crosswalk", "segstat.geography.outlines", "segstat.datasets",
                                    "segstat._versions"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
