"""Områdestyp: official types, SCB's index and types, and the change decomposition."""

import numpy as np
import pandas as pd
import pytest

import segstat
from segstat.classify import LABELS_SV
from segstat.errors import CodeError, CoercedWarning, ColumnError, InputValueError, UnknownCodeError, VintageError

REGSO_2020 = segstat.areas("regso", vintage=2020)["code"]


@pytest.mark.parametrize(("year", "counts"), [(2022, [160, 289, 855, 1770, 289]),
                                             (2023, [162, 293, 835, 1781, 292])])
def test_official_counts_per_type_match_scb(year, counts):
    t = segstat.omradestyp(REGSO_2020, year=year, vintage=2018)
    assert t.value_counts().sort_index().tolist() == counts
    assert t.cat.ordered and list(t.cat.categories) == [1, 2, 3, 4, 5]


def test_known_rows_of_the_official_table():
    # rows of SCB's export: Upplands Väsby (Bollstanäs) 4 in both years; Göteborg 1480R001 2 in 2023
    assert segstat.omradestyp(["0114R001"], year=2022, vintage=2018).tolist() == [4]
    assert segstat.omradestyp(["1480R001_RegSO2025"], year=2023, vintage=2025).tolist() == [2]


def test_a_regso_moves_at_most_one_type_between_2022_and_2023():
    a = segstat.omradestyp(REGSO_2020, year=2022, vintage=2018).astype(int)
    b = segstat.omradestyp(REGSO_2020, year=2023, vintage=2018).astype(int)
    assert (a - b).abs().max() == 1
    assert (a != b).sum() > 0


def test_labels_sv_and_en_are_ordered():
    sv = segstat.omradestyp(["0114R001"], year=2023, vintage=2018, labels="sv")
    assert sv.tolist() == [LABELS_SV[4]]
    assert list(sv.cat.categories)[0] == "Områden med stora socioekonomiska utmaningar"
    en = segstat.omradestyp(["0114R001"], year=2023, vintage=2018, labels="en")
    assert en.tolist() == ["Areas with good socioeconomic conditions"] and en.cat.ordered


def test_regso_2025_codes_new_or_ended_are_reported_not_guessed():
    with pytest.raises(UnknownCodeError, match="2523R011"):
        segstat.omradestyp(["2523R011"], year=2023, vintage=2025)
    with pytest.warns(CoercedWarning, match="2523R011"):
        t = segstat.omradestyp(["2523R011", "0114R001"], year=2023, vintage=2025, errors="coerce")
    assert t.isna().tolist() == [True, False]
    with pytest.raises(VintageError, match="2584R001"):
        segstat.omradestyp(["2584R001"], year=2023, vintage=2025)


def test_unknown_year_lists_available_years():
    with pytest.raises(InputValueError, match="available years: 2022, 2023"):
        segstat.omradestyp(["0114R001"], year=2021, vintage=2018)


def test_integer_and_unknown_codes():
    with pytest.raises(CodeError, match="'0114R001'"):
        segstat.omradestyp(["114R001"], year=2022, vintage=2018)
    with pytest.raises(UnknownCodeError, match="0114R999"):
        segstat.omradestyp(["0114R999"], year=2022, vintage=2018)


def test_attach_omradestyp_returns_new_frame():
    d = pd.DataFrame({"regso": ["0114R001", "1480R001"], "n": [5, 7]}, index=[3, 9])
    out = segstat.attach_omradestyp(d, year=2023, vintage=2018)
    assert "omradestyp_2023" not in d.columns
    assert out["omradestyp_2023"].tolist() == [4, 2] and out.index.tolist() == [3, 9]
    with pytest.raises(ColumnError, match="regso='kod'"):
        segstat.attach_omradestyp(d, regso="kod", year=2023, vintage=2018)


# ------------------------------------------------------------------ index and types

def test_index_is_the_mean_of_three_percentages():
    d = pd.DataFrame({"v1": [30.0, 6.0, 12.5], "v2": [24.0, 9.0, 10.0], "v3": [18.0, 3.0, 0.5]})
    idx = segstat.socioeconomic_index(d, low_economic_standard="v1", low_education="v2",
                                      assistance_or_unemployment="v3", unit="percent")
    assert idx.tolist() == [24.0, 6.0, 23.0 / 3]
    prop = segstat.socioeconomic_index(d / 100, low_economic_standard="v1", low_education="v2",
                                       assistance_or_unemployment="v3", unit="proportion")
    np.testing.assert_allclose(prop, idx, rtol=1e-12)


def test_percent_given_as_proportion_and_vice_versa_are_refused():
    d = pd.DataFrame({"v1": [0.30, 0.06], "v2": [0.24, 0.09], "v3": [0.18, 0.03]})
    with pytest.raises(InputValueError, match="look like proportions"):
        segstat.socioeconomic_index(d, low_economic_standard="v1", low_education="v2",
                                    assistance_or_unemployment="v3", unit="percent")
    with pytest.raises(InputValueError, match="unit='percent'"):
        segstat.socioeconomic_index(d * 100, low_economic_standard="v1", low_education="v2",
                                    assistance_or_unemployment="v3", unit="proportion")
    with pytest.raises(InputValueError, match="unit="):
        segstat.socioeconomic_index(d, low_economic_standard="v1", low_education="v2",
                                    assistance_or_unemployment="v3", unit="share")


def test_nan_and_missing_columns_are_reported():
    d = pd.DataFrame({"v1": [30.0, np.nan], "v2": [24.0, 9.0], "v3": [18.0, 3.0]}, index=["a", "b"])
    with pytest.raises(InputValueError, match=r"NaN.*'b'"):
        segstat.socioeconomic_index(d, low_economic_standard="v1", low_education="v2",
                                    assistance_or_unemployment="v3", unit="percent")
    with pytest.raises(ColumnError, match="low_education='v9'"):
        segstat.socioeconomic_index(d, low_economic_standard="v1", low_education="v9",
                                    assistance_or_unemployment="v3", unit="percent")


def test_types_on_exact_breaks_go_to_the_worse_type():
    # weights chosen so that mu = 10 and sigma = 2 exactly (ddof=0): values lie on the breaks
    r = segstat.classify_areas(pd.Series([10.0, 12.0, 8.0, 14.0, 6.0], index=list("abcde")),
                               weights=[6, 1, 1, 1, 1], ddof=0)
    assert (r.mean, r.std) == (10.0, 2.0)
    assert r.breaks == {"mu+2sd": 14.0, "mu+sd": 12.0, "mu": 10.0, "mu-sd": 8.0}
    assert r.types.to_dict() == {"a": 3, "b": 2, "c": 4, "d": 1, "e": 5}


def test_just_below_a_break_is_the_better_type():
    r = segstat.classify_areas([10.0, 12.0, 8.0, 14.0, 6.0, 14.0 - 1e-6],
                               weights=[6, 1, 1, 1, 1, 0], ddof=0)
    assert r.breaks["mu+2sd"] == 14.0 and r.types.tolist()[-1] == 2


def test_on_a_break_up_to_rounding_is_the_worse_type():
    # 0.3 is mu + sd of 0.1, 0.2, 0.3 (sd with ddof=1 is 0.1), but floating point computes mu + sd a few ulps
    # above 0.3; it must classify as 10.3 of 10.1, 10.2, 10.3 does
    assert segstat.classify_areas([0.1, 0.2, 0.3]).types.tolist() == [4, 3, 2]
    assert segstat.classify_areas([10.1, 10.2, 10.3]).types.tolist() == [4, 3, 2]
    # one ulp below a break counts as on it
    r = segstat.classify_areas([10.0, 12.0, 8.0, 14.0, 6.0, np.nextafter(14.0, 0)], weights=[6, 1, 1, 1, 1, 0], ddof=0)
    assert r.types.tolist()[-1] == 1
    # an index that is constant up to rounding has no types
    with pytest.raises(InputValueError, match="same index value"):
        segstat.classify_areas([0.1 + 0.2 - 0.1, 0.2, 0.2])


def test_weighted_equals_replicated_unweighted():
    x = [3.0, 7.0, 12.0, 20.0]
    w = [3, 1, 2, 1]
    rep = np.repeat(x, w)
    a = segstat.classify_areas(x, weights=w, ddof=1)
    b = segstat.classify_areas(rep, ddof=1)
    assert a.mean == pytest.approx(rep.mean()) and a.std == pytest.approx(rep.std(ddof=1))
    assert a.mean == pytest.approx(b.mean) and a.std == pytest.approx(b.std)


def test_weighting_changes_the_classification():
    x = [5.0, 6.0, 7.0, 8.0, 30.0]
    unweighted = segstat.classify_areas(x)
    # hand: mean 11.2, sd (ddof=1) = sqrt(((6.2^2+5.2^2+4.2^2+3.2^2+18.8^2))/4) = 10.8259
    assert unweighted.mean == pytest.approx(11.2)
    assert unweighted.std == pytest.approx(np.sqrt((6.2**2 + 5.2**2 + 4.2**2 + 3.2**2 + 18.8**2) / 4))
    assert unweighted.types.tolist() == [4, 4, 4, 4, 2]
    weighted = segstat.classify_areas(x, weights=[1, 1, 1, 1, 100])  # mu pulled toward 30
    assert weighted.mean > 29 and weighted.types.tolist()[:4] == [5, 5, 5, 5]
    assert "population-weighted" in repr(weighted)


def test_classification_bad_input():
    with pytest.raises(InputValueError, match="NaN"):
        segstat.classify_areas([1.0, np.nan, 3.0])
    with pytest.raises(InputValueError, match="same index value"):
        segstat.classify_areas([2.0, 2.0, 2.0])
    with pytest.raises(InputValueError, match="at least 2"):
        segstat.classify_areas([1.0])
    with pytest.raises(InputValueError, match="one weight per area"):
        segstat.classify_areas([1.0, 2.0], weights=[1])


# ------------------------------------------------------------------ decomposition

def _panel():
    # three areas; C moves from type 3 to type 2, the others keep their type
    return pd.DataFrame({
        "regso": ["A", "B", "C"] * 2, "year": [2022] * 3 + [2023] * 3,
        "e": [50, 20, 30, 40, 22, 45], "n": [1000, 2000, 1000, 1000, 2000, 1000],
        "typ": [2, 3, 3, 2, 3, 2],
    })


def test_decomposition_worked_example_start_reference():
    r = segstat.decompose_change(_panel(), area="regso", period="year", events="e", population="n",
                                 subgroup="typ", start=2022, end=2023)
    # type 2: start {A}: 50/1000 = 50; end {A, C}: (40+45)/2000 = 42.5; fixed {A} in 2023: 40
    assert r.loc[2, "rate_start"] == 50 and r.loc[2, "rate_end"] == 42.5
    assert r.loc[2, "within"] == -10 and r.loc[2, "reclassification"] == 2.5
    # type 3: start {B, C}: 50/3000; end {B}: 22/2000 = 11; fixed {B, C} in 2023: 67/3000
    assert r.loc[3, "rate_start"] == pytest.approx(1000 * 50 / 3000)
    assert r.loc[3, "within"] == pytest.approx(1000 * (67 - 50) / 3000)
    assert r.loc[3, "reclassification"] == pytest.approx(11 - 1000 * 67 / 3000)
    assert r.loc[2, "areas_in"] == 1 and r.loc[3, "areas_out"] == 1


@pytest.mark.parametrize("reference", ["start", "end", "average"])
def test_decomposition_is_exactly_additive(reference):
    r = segstat.decompose_change(_panel(), area="regso", period="year", events="e", population="n",
                                 subgroup="typ", start=2022, end=2023, reference=reference)
    np.testing.assert_allclose(r["within"] + r["reclassification"], r["change"], rtol=0, atol=1e-12)


def test_decomposition_end_reference_by_hand():
    r = segstat.decompose_change(_panel(), area="regso", period="year", events="e", population="n",
                                 subgroup="typ", start=2022, end=2023, reference="end")
    # type 2 end classification {A, C}: 2022 rate (50+30)/2000 = 40 -> reclass = 40 - 50, within = 42.5 - 40
    assert r.loc[2, "reclassification"] == -10 and r.loc[2, "within"] == 2.5


def test_decomposition_bad_input():
    p = _panel()
    with pytest.raises(InputValueError, match="only one of the two periods"):
        segstat.decompose_change(p.iloc[:-1], area="regso", period="year", events="e", population="n",
                                 subgroup="typ", start=2022, end=2023)
    with pytest.raises(InputValueError, match="2021"):
        segstat.decompose_change(p, area="regso", period="year", events="e", population="n",
                                 subgroup="typ", start=2021, end=2023)
    with pytest.raises(InputValueError, match="negative"):
        segstat.decompose_change(p.assign(e=-1), area="regso", period="year", events="e", population="n",
                                 subgroup="typ", start=2022, end=2023)


def test_weights_series_are_matched_by_label_not_position():
    idx = pd.Series([10.0, 20.0, 30.0, 40.0], index=list("abcd"))
    pop = pd.Series([1000, 1000, 1000, 100_000], index=list("abcd"))
    a = segstat.classify_areas(idx, weights=pop)
    b = segstat.classify_areas(idx, weights=pop[::-1])  # same populations, other order
    assert a.types.to_dict() == b.types.to_dict() == {"a": 5, "b": 5, "c": 5, "d": 3}
    # weighted mean by hand: (10 + 20 + 30) * 1000 + 40 * 100000 over 103000
    assert a.mean == pytest.approx((60_000 + 4_000_000) / 103_000)
    with pytest.raises(InputValueError, match=r"matched to the index by label.*'w'"):
        segstat.classify_areas(idx, weights=pd.Series([1, 2, 3, 4], index=list("wxyz")))
    # arrays stay positional
    assert segstat.classify_areas(idx, weights=pop.to_numpy()).types.to_dict() == a.types.to_dict()


def test_classify_bad_weights_and_infinite_index_say_what_is_wrong():
    idx = [10.0, 20.0, 30.0, 40.0]
    with pytest.raises(InputValueError, match=r"weights are infinite at 1"):
        segstat.classify_areas(idx, weights=[1, np.inf, 1, 1])
    with pytest.raises(InputValueError, match=r"weights are negative at 2"):
        segstat.classify_areas(idx, weights=[1, 1, -1, 1])
    with pytest.raises(InputValueError, match=r"weights sum to 1, not more than ddof=1.*ddof=0 for shares"):
        segstat.classify_areas(idx, weights=[0.25] * 4)
    assert segstat.classify_areas(idx, weights=[0.25] * 4, ddof=0).std == pytest.approx(np.std(idx))
    with pytest.raises(InputValueError, match=r"index is infinite at 1"):
        segstat.classify_areas([1.0, np.inf, 2.0])


def test_one_indicator_in_proportions_among_percentages_is_refused():
    ind = pd.DataFrame({"v1": [30.0, 6.0, 12.0], "v2": [24.0, 9.0, 15.0], "v3": [0.18, 0.03, 0.06]})
    kw = dict(low_economic_standard="v1", low_education="v2", assistance_or_unemployment="v3", unit="percent")
    with pytest.raises(InputValueError, match=r"assistance_or_unemployment='v3' is at most 1 everywhere.*reach 30"):
        segstat.socioeconomic_index(ind, **kw)
    assert segstat.socioeconomic_index(ind.assign(v3=ind.v3 * 100), **kw).tolist() == pytest.approx([24, 6, 11])
    assert segstat.socioeconomic_index(ind, **kw, check_range=False).tolist() == pytest.approx([18.06, 5.01, 9.02])


def test_coerced_codes_that_are_not_regso_codes_are_counted_in_a_warning():
    from segstat.errors import CodeError, CoercedWarning

    d = pd.DataFrame({"regso": ["0114R001", "0114C1010", 114, None, "garbage"]})
    with pytest.warns(CoercedWarning, match=r"3 value\(s\) are not regso codes and were set to <NA>"):
        out = segstat.attach_omradestyp(d, year=2022, vintage=2018, errors="coerce")
    assert out["omradestyp_2022"].isna().tolist() == [False, True, True, True, True] and len(out) == 5
    with pytest.raises(CodeError, match=r"These are deso codes: map them first with segstat.to_level"):
        segstat.omradestyp(["0114C1010"], year=2022, vintage=2018)
    with pytest.raises(CodeError, match=r"are numbers, not codes: 114"):
        segstat.omradestyp([114], year=2022, vintage=2018)
    with pytest.raises(InputValueError, match=r"year='2022' must be an integer year"):
        segstat.omradestyp(["0114R001"], year="2022", vintage=2018)
    assert segstat.omradestyp_years() == [2022, 2023]


def test_regso_2025_codes_that_changed_territory_are_named():
    from segstat.errors import SegstatWarning

    # DeSO 0182C1030 (Nacka, RegSO 0182R016) ended in 2025; part of it went to Tyresö's RegSO 0138R006
    with pytest.warns(SegstatWarning, match=r"2 RegSO 2025 code\(s\) lost or gained territory.*'0138R006'"):
        types = segstat.omradestyp(["0182R016", "0138R006", "0114R001"], year=2023, vintage=2025)
    assert types.tolist() == segstat.omradestyp(["0182R016", "0138R006", "0114R001"], year=2023, vintage=2018).tolist()
    from segstat.classify import _moved_in_2025
    assert len(_moved_in_2025()) == 313 and "0114R001" not in _moved_in_2025()


def test_decompose_change_keeps_the_order_of_labelled_types():
    d = pd.DataFrame({"regso": list("ABCDE") * 2, "year": [2022] * 5 + [2023] * 5,
                      "e": [10, 20, 30, 40, 50, 12, 18, 33, 41, 45], "n": [1000] * 10,
                      "typ": [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]})
    sv = d.assign(typ=d.typ.map(segstat.classify.LABELS_SV).astype(
        pd.CategoricalDtype([segstat.classify.LABELS_SV[k] for k in range(1, 6)], ordered=True)))
    kw = dict(area="regso", period="year", events="e", population="n", subgroup="typ", start=2022, end=2023)
    r = segstat.decompose_change(sv, **kw)
    assert list(r.index) == [segstat.classify.LABELS_SV[k] for k in range(1, 6)]
    assert r["rate_start"].tolist() == [10.0, 20.0, 30.0, 40.0, 50.0]
    with pytest.raises(InputValueError, match=r"per=-1 must be a positive number"):
        segstat.decompose_change(d, **kw, per=-1)
