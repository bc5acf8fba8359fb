"""The compiled cube search (numba) chooses exactly the cells the numpy code chooses."""

import re

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


def _compare(t, monkeypatch, **kw):
    compiled = segstat.protect(t, min_count=3, method="cube", **kw)
    assert _cubes._kernels() is not None
    with monkeypatch.context() as m:
        m.setattr(_cubes, "_kernel_state", {"loaded": True, "module": None})
        plain = segstat.protect(t, min_count=3, method="cube", **kw)
    np.testing.assert_array_equal(compiled.status, plain.status)
    assert abs(compiled.certificates - plain.certificates).sum() == 0
    assert segstat.audit(compiled).safe
    return compiled


def test_compiled_candidates_match_with_many_siblings_and_deep_margins(monkeypatch):
    # a flat variable of 60 categories (more than twice the moves kept: the siblings are chosen on the line)
    # crossed with a three-level area hierarchy whose margins are small enough to be primary cells too
    rng = np.random.default_rng(5)
    n = 700
    areas = [f"a{i:02d}" for i in range(30)]
    d = pd.DataFrame({"area": rng.choice(areas, n), "job": rng.choice([f"j{i:02d}" for i in range(60)], n)})
    h = {"area": {a: f"R{i // 5}" for i, a in enumerate(areas)}}
    t = segstat.tabulate(d, by=["area", "job"], hierarchies=h)
    p = _compare(t, monkeypatch)
    margins = p.to_frame()
    assert ((margins["job"] == "Total") & (margins["status"] != "published")).any()


def test_compiled_candidates_match_in_one_and_four_dimensions_and_with_kept_cells(monkeypatch):
    rng = np.random.default_rng(9)
    n = 400
    d = pd.DataFrame({"a": rng.choice(list("abcdef"), n), "b": rng.choice(list("xy"), n),
                      "c": rng.choice(list("pqr"), n), "e": rng.choice(list("uvw"), n)})
    _compare(segstat.tabulate(d.iloc[:40], by=["a"]), monkeypatch)
    t = segstat.tabulate(d, by=["a", "b", "c", "e"])
    assert (_compare(t, monkeypatch).status == "secondary").any()
    two = segstat.tabulate(d, by=["a", "c"], hierarchies={"a": {"a": "A", "b": "A", "c": "B", "d": "B", "e": "C",
                                                                  "f": "C"}})
    _compare(two, monkeypatch, keep="total")
    _compare(two, monkeypatch, keep="margins")


def test_a_search_that_would_not_fit_in_memory_is_refused_up_front(monkeypatch):
    from segstat.errors import ResourceLimitError

    t = _table(4)
    plain = segstat.protect(t, min_count=3, method="cube")  # small: no estimate made
    n_primary = int((plain.status == "primary").sum())
    monkeypatch.setattr(_cubes, "_ESTIMATE_FROM", 10)
    monkeypatch.setattr(_cubes, "_ESTIMATE_SAMPLE", 8)
    monkeypatch.setattr(_cubes, "_available_memory", lambda: 4096)
    with pytest.raises(ResourceLimitError, match=rf"its {n_primary:,} primary cells .* but 4.0 KiB is free") as e:
        segstat.protect(t, min_count=3, method="cube")
    each = float(re.search(r"about ([\d.]+) KiB each", str(e.value)).group(1)) * 1024
    fits = int(re.search(r"About (\d+) primary cells fit", str(e.value)).group(1))
    assert fits == pytest.approx(4096 / each, abs=1) and fits < n_primary
    # with room to spare the estimate changes nothing: the sample's candidates are the cells' own
    monkeypatch.setattr(_cubes, "_available_memory", lambda: 8 * 2**30)
    np.testing.assert_array_equal(segstat.protect(t, min_count=3, method="cube").status, plain.status)
    monkeypatch.setattr(_cubes, "_available_memory", lambda: None)  # not Linux: no estimate
    np.testing.assert_array_equal(segstat.protect(t, min_count=3, method="cube").status, plain.status)
