"""The compiled cube search (numba) chooses exactly the cells the numpy code chooses."""

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.disclosure import _cubes

pytest.importorskip("numba")


def _table(seed: int, value: bool = False):
    """A sparse area x sex x age table (area hierarchy of four kommuner) with many small cells."""
    rng = np.random.default_rng(seed)
    n = 900
    d = pd.DataFrame({"area": rng.choice([f"a{i:02d}" for i in range(24)], n, p=np.r_[[3.0] * 6, [1.0] * 18] / 36),
                      "sex": rng.choice(["m", "k"], n), "age": rng.choice([f"g{i}" for i in range(9)], n)})
    d["sek"] = rng.gamma(2.0, 1000.0, n).round(1)
    h = {"area": {f"a{i:02d}": f"K{i % 4}" for i in range(24)}}
    kw = {"value": "sek"} if value else {}
    return segstat.tabulate(d, by=["area", "sex", "age"], hierarchies=h, **kw)


@pytest.mark.parametrize(("seed", "value"), [(1, False), (2, False), (3, True)])
def test_compiled_and_numpy_cube_search_suppress_the_same_cells(seed, value, monkeypatch):
    t = _table(seed, value)
    compiled = segstat.protect(t, min_count=3, method="cube")
    assert _cubes._kernels() is not None  # the compiled path ran
    monkeypatch.setattr(_cubes, "_kernel_state", {"loaded": True, "module": None})
    plain = segstat.protect(t, min_count=3, method="cube")
    assert (compiled.status == "secondary").sum() > 0
    np.testing.assert_array_equal(compiled.status, plain.status)
    assert compiled.certificates.shape == plain.certificates.shape
    assert abs(compiled.certificates - plain.certificates).sum() == 0
    assert segstat.audit(compiled).safe


def test_compiled_cost_sums_in_numpys_order():
    from segstat.disclosure import _cube_kernels

    rng = np.random.default_rng(0)
    weights = rng.random(1000) * 1e3
    suppressed = rng.random(1000) < 0.4
    keep = np.zeros(1000, dtype=bool)
    for width in (1, 7, 9, 130, 300, 1031):
        ids = rng.integers(0, 1000, (40, width)).astype(np.int32)
        cost = (weights[ids] * ~suppressed[ids]).sum(axis=1)
        c, j = _cube_kernels.best(ids, np.ones(40), suppressed, weights, keep, False, False, 1.0)
        assert c == cost.min() and j == int(np.argmin(cost))
