"""audit: intruder intervals by hand, group disclosure, and refusal of bad input."""

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
