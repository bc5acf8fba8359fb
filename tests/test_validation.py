"""check_scalar: the one check of scalar arguments (bool is never a count)."""

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat._validation import check_scalar
from segstat.errors import InputTypeError, InputValueError


@pytest.mark.parametrize("value", [True, False, np.bool_(True), 2.0, "3", None, float("nan")])
def test_an_integer_is_an_integer_and_not_a_bool(value):
    with pytest.raises(InputValueError, match="n="):
        check_scalar("n", value, "int", low=0)


@pytest.mark.parametrize("value", [True, np.bool_(False), float("inf"), float("nan"), "1", 0.0])
def test_a_real_is_finite_and_not_a_bool(value):
    with pytest.raises(InputValueError, match="per="):
        check_scalar("per", value, "real", low=0, low_open=True)


def test_accepted_values_come_back_as_python_numbers():
    assert check_scalar("n", np.int64(3), "int", low=1) == 3 and type(check_scalar("n", np.int64(3), "int")) is int
    assert check_scalar("x", 2, "real", low=0, high=2) == 2.0
    assert check_scalar("x", None, "int", allow_none=True) is None


def test_range_ends_and_message():
    with pytest.raises(InputValueError, match=r"^x=2 must be a finite number >= 0 and < 2\.$"):
        check_scalar("x", 2, "real", low=0, high=2, high_open=True)
    with pytest.raises(InputTypeError, match="an integer secret"):
        check_scalar("seed", 1.5, "int", must="an integer secret", error=InputTypeError)


def test_public_functions_refuse_a_bool_for_a_count():
    t = segstat.tabulate(pd.DataFrame({"a": list("xxy")}), by="a")
    with pytest.raises(InputValueError, match="min_count=True must be a positive integer"):
        segstat.protect(t, min_count=True)
    with pytest.raises(InputValueError, match="max_rounds=True"):
        segstat.protect(t, max_rounds=True)
    with pytest.raises(InputValueError, match="base=True"):
        segstat.random_round(t, base=True)
    with pytest.raises(InputValueError, match="chunk_size=True"):
        segstat.locate(pd.DataFrame({"x": [1.0], "y": [1.0]}), vintage=2025, chunk_size=True)
