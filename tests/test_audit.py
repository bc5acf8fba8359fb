"""audit: intruder intervals by hand, group disclosure, and refusal of bad input."""

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.errors import InputTypeError


def _micro(cells):
    return pd.DataFrame([{"row": r, "col": c} for (r, c), n in cells.items() for _ in range(n)])


def test_intervals_of_a_protected_2x2_block_by_hand():
    d = _micro({("a", "x"): 2, ("a", "y"): 4, ("b", "x"): 5, ("b", "y"): 6})
    p = segstat.protect(segstat.tabulate(d, by=["row", "col"]), min_count=3)
    a = segstat.audit(p, exact=True)
    f = a.to_frame().set_index(["row", "col"])
    # ax = t, ay = 6 - t, bx = 7 - t, by = 4 + t, all >= 0 -> t in [0, 6]
    assert (f.loc[("a", "x"), "lower"], f.loc[("a", "x"), "upper"]) == (0.0, 6.0)
    assert (f.loc[("b", "x"), "lower"], f.loc[("b", "x"), "upper"]) == (1.0, 7.0)
    assert (f["interval"] == "exact").all()
    assert a.safe and a.counts == {"ok": 4}


def test_default_audit_agrees_with_exact_on_safety():
    d = _micro({("a", "x"): 1, ("a", "y"): 9, ("b", "x"): 8, ("b", "y"): 2, ("c", "x"): 7, ("c", "y"): 7})
    p = segstat.protect(segstat.tabulate(d, by=["row", "col"]), min_count=3)
    quick, full = segstat.audit(p).to_frame(), segstat.audit(p, exact=True).to_frame()
    assert (quick["verdict"] == full["verdict"]).all()
    # inner intervals lie inside the exact ones
    assert (quick["lower"] >= full["lower"] - 1e-9).all() and (quick["upper"] <= full["upper"] + 1e-9).all()


def test_audit_takes_only_protected_tables():
    t = segstat.tabulate(_micro({("a", "x"): 3}), by=["row", "col"])
    with pytest.raises(InputTypeError, match="protect"):
        segstat.audit(t)


def test_exact_bounds_from_the_neighbourhood_equal_the_whole_lp():
    # audit(exact=True) takes a cell's bounds from its neighbourhood when the inner LP (other unknowns at
    # their true values) and the relaxed LP (the neighbourhood's own constraints only) agree; they must then
    # be the whole component's LP bounds
    from segstat.disclosure._intruder import Attacker

    rng = np.random.default_rng(11)
    n = 300
    d = pd.DataFrame({"area": rng.choice([f"r{i}" for i in range(12)], n), "age": rng.choice(list("abcd"), n),
                      "sex": rng.choice(["k", "m"], n)})
    h = {"area": {f"r{i}": f"K{i % 4}" for i in range(12)} | {f"K{j}": f"L{j % 2}" for j in range(4)}}
    for tables in ([segstat.tabulate(d, by=["area", "sex", "age"], hierarchies=h)],
                   [segstat.tabulate(d, by=["area", "age"], hierarchies=h), segstat.tabulate(d, by=["sex", "age"])]):
        p = segstat.protect(tables, min_count=8)
        hidden = np.flatnonzero(p.status != "published")
        att = Attacker(p.model, p.status != "published")
        shortcut = np.array([att.bounds(int(c)) for c in hidden])
        whole = np.array([att._solve(int(c), ("min", "max")) for c in hidden])
        assert len(hidden) > 10
        np.testing.assert_allclose(shortcut, whole, atol=1e-7)
