"""protect(..., keep=): cells that stay published, information loss over all cells, the progress bar."""

from __future__ import annotations

import pandas as pd
import pytest

import segstat
from segstat.errors import DisclosureRiskError, InputTypeError, InputValueError


def _table(counts: list[list[int]], rows: str = "abc", hierarchies=None) -> segstat.Table:
    names = list(rows) if isinstance(rows, str) else rows
    persons = [(r, c) for i, r in enumerate(names) for j, c in enumerate("xyz") for _ in range(counts[i][j])]
    return segstat.tabulate(pd.DataFrame(persons, columns=["row", "col"]), by=["row", "col"],
                            hierarchies=hierarchies)


def _hidden(p) -> set[tuple[str, str, str]]:
    f = p.to_frame()
    f = f[f["status"] != "published"]
    return {(str(r), str(c), str(s)) for r, c, s in zip(f["row"], f["col"], f["status"])}


# Hand-worked 3 x 3 with margins, min_count 3, protection 1. Inner cells (row total last):
#        x  y  z | T
#   a    5  0  5 | 10
#   b    1  8  0 |  9      (b, x) = 1 is the only primary cell
#   c    5  8  0 | 13
#   T   11 16  5 | 32
# Greedy partners pick the cheap row and column totals ((a,T) = 10 and (b,T) = 9 beside 8 in row b, whose
# follow-up partner in column y would cost 8 more): 24 persons in inner cells, 64 in all cells.
# With every margin kept, (b, x) can only rise along a cycle of inner cells. Row b: +1 at x needs -1 at y
# ((b, z) = 0 cannot fall). Column x: -1 at a (5) or c (5); column y then +1 at a or c. Through row a the
# cycle hides (a,x) 5, (a,y) 0, (b,y) 8 = 13 more persons; through row c, 5 + 8 + 8 = 21; longer cycles
# through column z need a fall in (b,z) or (c,z) = 0. So the cheapest pattern hides {(a,x), (a,y), (b,y)}:
# 14 persons with (b, x), none of them in a margin; (b, x) can rise by min(8, 5) = 5 >= 1.
HAND = [[5, 0, 5], [1, 8, 0], [5, 8, 0]]
CYCLE = {("a", "x", "secondary"), ("a", "y", "secondary"), ("b", "x", "primary"), ("b", "y", "secondary")}


def test_the_cheap_partner_is_a_total_without_keep():
    p = segstat.protect(_table(HAND), min_count=3, protection=1, method="pruned")
    assert (p.hidden_total, p.hidden_all) == (24, 64)
    assert {("a", "Total", "secondary"), ("b", "Total", "secondary")} <= _hidden(p)


@pytest.mark.parametrize("method", ["cube", "lp"])
def test_keep_margins_gives_the_hand_worked_cycle(method):
    p = segstat.protect(_table(HAND), min_count=3, protection=1, method=method, keep="margins")
    assert _hidden(p) == CYCLE
    assert (p.hidden_total, p.hidden_all) == (14, 14)
    assert p.rules["keep"] == 7  # 3 row totals, 3 column totals, the grand total
    a = segstat.audit(p, exact=True)
    assert a.safe
    got = a.cells.set_index(["row", "col"])
    assert got.loc[("b", "x"), "upper"] == pytest.approx(6.0)  # 1 + min(8, 5)


@pytest.mark.parametrize("method", ["pruned", "greedy"])
def test_keep_margins_with_greedy_partners_is_safe_and_publishes_every_margin(method):
    p = segstat.protect(_table(HAND), min_count=3, protection=1, method=method, keep="margins")
    f = p.to_frame()
    margins = (f["row"] == "Total") | (f["col"] == "Total")
    assert (f.loc[margins, "status"] == "published").all()
    assert p.hidden_total == p.hidden_all
    assert segstat.audit(p, exact=True).safe


def test_keep_a_listed_cell_moves_the_pattern_to_another_partner():
    # areas r1, r2 in K1 and r3, r4 in K2; (r1, x) = 1 and (r2, x) = 0, so (K1, x) = 1 is primary too and
    # the pattern leaves kommun K1 through a margin: (K2, x) and (K2, y) by default
    hier = {"row": {"r1": "K1", "r2": "K1", "r3": "K2", "r4": "K2"}}
    t = _table([[1, 5, 5], [0, 5, 5], [4, 5, 5], [4, 5, 5]], ["r1", "r2", "r3", "r4"], hier)
    free = segstat.protect(t, min_count=3, protection=1)
    assert {("K2", "x", "secondary"), ("K2", "y", "secondary")} <= _hidden(free)
    keep = pd.DataFrame({"row": ["K2", "K2"], "col": ["x", "y"]})
    p = segstat.protect(t, min_count=3, protection=1, keep=keep)
    hidden = _hidden(p)
    assert not {("K2", "x", "secondary"), ("K2", "y", "secondary")} & hidden
    assert ("K1", "x", "primary") in hidden
    assert segstat.audit(p, exact=True).safe


def test_keep_a_primary_total_is_an_error_naming_it():
    # column x is 1, 0, 0: its total (Total, x) = 1 is itself below min_count
    t = _table([[1, 5, 5], [0, 5, 5], [0, 5, 5]])
    with pytest.raises(DisclosureRiskError, match=r"row=Total, col=x"):
        segstat.protect(t, min_count=3, protection=1, keep=pd.DataFrame({"row": ["Total"], "col": ["x"]}))


def test_keep_levels_of_an_area_hierarchy(monkeypatch):
    # kommun totals: every cell with the area at kommun level and the other dimension at its total
    df = pd.DataFrame({"deso": ["0114A0010"] * 6 + ["0114C1010"] * 2 + ["0115A0010"] * 7,
                       "sex": list("mmmkkk") + list("mk") + list("mmmmkkk")})
    df.attrs["segstat.vintage"] = 2018
    t = segstat.tabulate(df, by=["deso", "sex"], vintage=2018)
    p = segstat.protect(t, min_count=3, keep=["kommun", "total"])
    f = p.to_frame()
    kept = f[((f["deso_level"] if "deso_level" in f else t.cells["deso_level"]).isin(["kommun", "riket"]))
             & (f["sex"] == "Total")]
    assert len(kept) == 3 and (kept["status"] == "published").all()
    assert p.rules["keep"] >= 3
    assert segstat.audit(p, exact=True).safe


@pytest.mark.parametrize("keep, error, match", [
    ("kommune", InputValueError, r"keep='kommune'.*'margins'"),
    (3, InputTypeError, r"keep=3"),
    (pd.DataFrame({"row": ["q"], "col": ["x"]}), InputValueError, r"not in table 0"),
    (pd.DataFrame({"row": ["a"]}), InputValueError, r"\['col'\]"),
])
def test_bad_keep_is_a_clear_error(keep, error, match):
    with pytest.raises(error, match=match):
        segstat.protect(_table(HAND), min_count=3, keep=keep)


def test_progress_bar(capsys):
    pytest.importorskip("tqdm")
    p = segstat.protect(_table(HAND), min_count=3, protection=1, progress=True)
    assert p.n_suppressed["primary"] == 1
    assert "protect" in capsys.readouterr().err
    with pytest.raises(InputTypeError, match="progress='yes'"):
        segstat.protect(_table(HAND), min_count=3, progress="yes")


def test_hidden_all_counts_margins():
    p = segstat.protect(_table(HAND), min_count=3, protection=1, method="pruned")
    f = p.to_frame()
    t = p.tables[0].cells["count"].to_numpy()
    assert p.hidden_all == float(t[f["status"].to_numpy() != "published"].sum())
    assert "in all cells" in repr(p)


def test_keep_in_linked_tables_keeps_the_twins():
    # table 1 (row) holds the same persons as table 0's row totals: keeping (1, a) and (1, b) keeps
    # (0, a, Total) and (0, b, Total) as well, 4 cells in all
    persons = [(r, c) for i, r in enumerate("abc") for j, c in enumerate("xyz") for _ in range(HAND[i][j])]
    d = pd.DataFrame(persons, columns=["row", "col"])
    tables = [segstat.tabulate(d, by=["row", "col"]), segstat.tabulate(d, by=["row"])]
    p = segstat.protect(tables, min_count=3, protection=1, keep=pd.DataFrame({"table": [1, 1], "row": ["a", "b"]}))
    assert p.rules["keep"] == 4
    f = p.to_frame()
    assert (f.loc[f["col"].isna() | (f["col"] == "Total"), "status"] == "published").all()
    assert segstat.audit(p, exact=True).safe
    with pytest.raises(InputValueError, match="'table' column"):
        segstat.protect(tables, min_count=3, keep=pd.DataFrame({"row": ["a"]}))


def test_twins_are_rows_with_the_same_columns():
    from scipy import sparse

    from segstat.disclosure._greedy import _twins

    # rows 0, 2 and 4 hold columns {1, 3}; rows 1 and 5 are empty; row 3 holds {1}
    M = sparse.csr_matrix(([1, 1, 1, 1, 1, 1, 1], ([0, 0, 2, 2, 3, 4, 4], [1, 3, 1, 3, 1, 1, 3])), shape=(6, 4))
    assert [g.tolist() for g in _twins(M)] == [[0, 2, 4], [1, 5]]
