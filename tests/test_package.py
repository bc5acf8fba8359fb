"""Packaging: light import, the public namespace, show_versions, doctests of the foundation."""

import doctest
import importlib
import io
import subprocess
import sys

import pytest

import segstat

HEAVY = ["scipy", "numba", "matplotlib", "requests", "dask", "distributed", "tqdm", "openpyxl", "pyarrow", "pyogrio",
         "geopandas", "statsmodels"]


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
                                    "segstat.geography.crosswalk", "segstat.geography.outlines", "segstat.datasets", "segstat._versions",
                                    "segstat.measures.change", "segstat.socioeconomic", "segstat.classify",
                                    "segstat.disclosure.tabulate", "segstat.disclosure.protect",
                                    "segstat.publish.report", "segstat.followup.harmonize", "segstat.followup.panel",
                                    "segstat.followup.effect"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def _type_checking_imports() -> dict[str, str]:
    """name -> module of every import in the ``if TYPE_CHECKING`` block of segstat/__init__.py."""
    import ast
    import pathlib

    tree = ast.parse(pathlib.Path(segstat.__file__).read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test))
    out = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.level == 1, ast.unparse(node)
        for alias in node.names:
            # "import x as x" is how a stub re-exports a name; anything else would hide it from type checkers
            assert alias.asname == alias.name, ast.unparse(node)
            out[alias.name] = node.module or alias.name
    return out


def test_type_checkers_see_every_public_name_where_it_is_defined():
    seen = _type_checking_imports()
    lazy = {name: module for name, module in segstat._LAZY.items()}
    assert {k: v for k, v in seen.items() if k in lazy} == lazy
    assert set(seen) - set(lazy) == {"datasets", "errors"}
    # and what they see is what users get
    for name, module in lazy.items():
        assert getattr(importlib.import_module(f"segstat.{module}"), name) is getattr(segstat, name)


def test_dir_lists_public_names_only():
    names = dir(segstat)
    for helper in ("Any", "TYPE_CHECKING", "annotations", "importlib", "_importlib", "_typing", "_LAZY"):
        assert helper not in names
    assert set(segstat.__all__) <= set(names)
    assert "protect" in names and "__version__" in names


def test_public_functions_outside_measures_have_return_annotations():
    import inspect

    missing = []
    for name, module in segstat._LAZY.items():
        obj = getattr(segstat, name)
        if module.startswith("measures") or inspect.isclass(obj):
            continue
        if inspect.signature(obj).return_annotation is inspect.Signature.empty:
            missing.append(name)
    assert missing == []
