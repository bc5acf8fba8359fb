"""normalize_codes: trimming, suffixes, patterns and the leading-zero fix."""

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.errors import CodeError, InputTypeError


def test_trims_uppercases_and_strips_statistikdatabasen_suffixes():
    out = segstat.normalize_codes([" 0114c1061 ", "0114C1061_DeSO2025", "0114C1062_deso2025"], "deso")
    assert out.tolist() == ["0114C1061", "0114C1061", "0114C1062"]
    assert out.dtype == "string"
    assert segstat.normalize_codes(["0114R010_RegSO2025"], "regso").tolist() == ["0114R010"]


def test_series_index_and_name_are_kept():
    s = pd.Series(["0180", "1480"], index=["a", "b"], name="kommunkod")
    out = segstat.normalize_codes(s, "kommun")
    assert out.index.tolist() == ["a", "b"] and out.name == "kommunkod"


@pytest.mark.parametrize(("value", "level", "fix"), [
    (114, "kommun", "'0114'"), ("114", "kommun", "'0114'"), (1, "lan", "'01'"),
    ("114C1061", "deso", "'0114C1061'"), ("114R006", "regso", "'0114R006'"), (np.int64(180), "kommun", "'0180'"),
])
def test_lost_leading_zero_shows_the_fix(value, level, fix):
    with pytest.raises(CodeError, match=fix):
        segstat.normalize_codes([value], level)


def test_integer_with_right_width_is_still_refused():
    with pytest.raises(CodeError, match="numbers"):
        segstat.normalize_codes([1480], "kommun")


def test_malformed_codes_and_missing():
    with pytest.raises(CodeError, match="'0114X1061'.*looks like '0114C1061'"):
        segstat.normalize_codes(["0114X1061"], "deso")
    with pytest.raises(CodeError, match="missing"):
        segstat.normalize_codes(["0114", None], "kommun")
    out = segstat.normalize_codes(["0114", None, "abc"], "kommun", errors="coerce")
    assert out.isna().tolist() == [False, True, True]


def test_scalar_and_bad_types():
    assert segstat.normalize_codes("0114", "kommun").tolist() == ["0114"]
    with pytest.raises(InputTypeError):
        segstat.normalize_codes(object(), "kommun")


def test_code_errors_for_floats_booleans_other_levels_and_unicode_digits():
    from segstat.errors import CodeError

    with pytest.raises(CodeError, match=r"are numbers, not codes: 1\.5"):
        segstat.normalize_codes([1.5], "kommun")
    with pytest.raises(CodeError, match=r"not kommun codes: True") as e:
        segstat.normalize_codes([True], "kommun")
    assert "0001" not in str(e.value)
    with pytest.raises(CodeError, match=r"'01'.*These are lan codes") as e:
        segstat.normalize_codes(["01"], "kommun")
    assert "0001" not in str(e.value)
    with pytest.raises(CodeError, match="not kommun codes"):
        segstat.normalize_codes(["０１１４"], "kommun")  # full-width digits look like 0114 but are not a code
    with pytest.raises(CodeError, match=r"114 -> '0114'"):
        segstat.normalize_codes([114], "kommun")
