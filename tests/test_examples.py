"""Every example in examples/ runs (offline) so that the gallery never rots."""

import runpy
import warnings
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip()


README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.skipif(not README.is_file(), reason="README.md is not part of an installed package")
def test_readme_quick_start_runs_as_written():
    # the README's Python block is what a new user copies first; a review found it calling columns that
    # locate() does not return, so it runs here, and its results are checked where the comments promise them
    text = README.read_text(encoding="utf-8")
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(block, str(README), "exec"), namespace)
    assert len(namespace["placed"]) == 20_000 and (namespace["placed"]["status"] == "placed").all()
    assert namespace["segstat"].audit(namespace["safe"]).safe
    assert namespace["counts"]["persons"].sum() == 20_000
