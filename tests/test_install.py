"""Installable as released: build the sdist and the wheel, install the wheel alone and use its bundled data."""

import importlib.util
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Runs in the installed wheel only: -S skips site-packages' .pth files, so the editable install of the working
# tree is invisible; the dependencies come from this environment's site-packages, put after the wheel on the path.
PROBE = """
import sys, pandas as pd, segstat
from segstat import datasets
print(segstat.__file__)
print(segstat.__version__)
print(sorted(datasets.verify()) == sorted(datasets.registry()["tables"]), len(datasets.registry()["tables"]))
print(len(segstat.areas("kommun", vintage=2025)), len(segstat.boundaries("deso", vintage=2025)))
pts = pd.DataFrame({"x": [319_680.6, 262_560.0], "y": [6_400_329.5, 6_649_444.0]})  # Göteborg, Oslo
import warnings
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    out = segstat.locate(pts, vintage=2025)
print(out["deso"].iloc[0], out["status"].tolist())
"""


def _missing_build_tools():
    """Why the wheel cannot be built offline here, or None. The build runs without isolation (no download of a
    build backend), so this environment must hold build and setuptools>=77, as the test extra does."""
    missing = [m for m in ("build", "setuptools") if importlib.util.find_spec(m) is None]
    if missing:
        return f"building offline needs {', '.join(missing)}: pip install -e '.[test]'"
    import setuptools

    if int(setuptools.__version__.split(".")[0]) < 77:
        return f"building offline needs setuptools>=77, this environment has {setuptools.__version__}"
    return None


@pytest.mark.slow
def test_the_built_wheel_installs_alone_and_ships_the_data(tmp_path):
    reason = _missing_build_tools()
    if reason:
        pytest.skip(reason)
    dist = tmp_path / "dist"
    # sdist first, then the wheel built from the unpacked sdist: proves the sdist is complete, offline
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1
    names = zipfile.ZipFile(wheels[0]).namelist()
    for f in ("segstat/py.typed", "segstat/data/registry.json", "segstat/data/boundaries/sweden_outline.npz",
              "segstat/data/boundaries/kommun_generalised.npz", "segstat/data/boundaries/lan_generalised.npz"):
        assert f in names, f
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", "--target",
                    str(target), str(wheels[0])], check=True, capture_output=True, text=True)
    site = [sysconfig.get_paths()[k] for k in ("purelib", "platlib")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), *dict.fromkeys(site)])}
    run = subprocess.run([sys.executable, "-S", "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert Path(lines[0]).is_relative_to(target)  # the wheel's segstat, not the working tree
    assert lines[1] == "0.1.0.dev0"
    assert lines[2].startswith("True")                # every bundled file is there with its recorded sha256
    assert lines[3] == "290 584"
    assert lines[4] == "1480C2650 ['placed', 'outside_sweden']"
