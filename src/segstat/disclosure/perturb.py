"""The cell-key method and unbiased random rounding.

Cell-key method (ABS: Thompson, Broadfoot & Elazar 2013; SCB's method for
population statistics from reference year 2025): every record carries a
random key in [0, 1); a cell's key is the sum of its records' keys modulo 1,
so the same set of persons always gets the same key, in every table. The key
picks the noise from a perturbation table: for a cell of size i, noise d in
[-D, D] has probability p_i(d), with mean 0 and variance V, chosen to have
maximal entropy (Giessing 2016).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validation import check_rng, check_scalar, examples
from ..errors import InputTypeError, InputValueError
from ._table import Table

__all__ = ["PerturbedTable", "RoundedTable", "perturb", "perturbation_table", "random_round", "record_keys"]

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser (Steele, Lea & Flood 2014), vectorised on uint64."""
    with np.errstate(over="ignore"):
        z = (x + np.uint64(0x9E3779B97F4A7C15)) & _MASK
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _MASK
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _MASK
        return z ^ (z >> np.uint64(31))


def record_keys(ids: Any, *, seed: int) -> np.ndarray:
    """Per-record keys in [0, 1) from stable record ids and a secret seed.

    The key of a record depends only on its id and the seed, never on row
    order, chunking or engine (pandas or Dask), so tables built from the same
    persons get the same cell keys and the same noise.

    Parameters
    ----------
    ids : array-like of int or str
        A stable, unique id per record (person number, pseudonymised id).
        A repeated id is refused (two records would share a key). An id
        gives the same key whether it is read as a number or as text:
        ``12``, ``12.0`` and ``"12"`` are one id (text with leading zeros,
        ``"012"``, stays text and is another id).
    seed : int
        Secret of the producing agency; keep it with the microdata, never
        publish it. An integer in [-2**63, 2**64): larger seeds are refused
        rather than cut to 64 bits.

    Returns
    -------
    numpy.ndarray
        Floats in [0, 1), multiples of 2**-32 (exact integer sums in cells).

    Examples
    --------
    >>> import segstat
    >>> k = segstat.record_keys([101, 102, 103], seed=2025)
    >>> bool(((0 <= k) & (k < 1)).all()), bool((k == segstat.record_keys([101, 102, 103], seed=2025)).all())
    (True, True)
    """
    check_scalar("seed", seed, "int", must="an integer secret", error=InputTypeError)
    if not -(2**63) <= int(seed) < 2**64:
        raise InputValueError(f"seed={seed!r} does not fit in 64 bits (-2**63 <= seed < 2**64); the keys use 64 "
                              f"bits of it, so two such seeds could give the same keys. Use a 64-bit secret, e.g. "
                              f"secrets.randbits(63).")
    if isinstance(ids, (np.ndarray, pd.DataFrame)) and np.ndim(ids) != 1:
        raise InputValueError(f"ids must be one id per record (1-D), got shape {np.shape(ids)}.")
    values = pd.Series(ids)
    if values.isna().any():
        raise InputValueError(f"ids has {int(values.isna().sum())} missing value(s); every record needs an id.")
    if pd.api.types.is_bool_dtype(values):
        raise InputValueError("ids are booleans (True/False); every record needs its own id (an integer or text).")
    values = _whole_ids(values)
    dup = values.duplicated(keep=False).to_numpy()
    if dup.any():
        raise InputValueError(f"ids repeat: {examples(pd.unique(values[dup]).tolist())} ({int(dup.sum())} records); "
                              f"every record needs its own id, or two records share a key and their noise. Keep one "
                              f"row per person (or make the ids unique) before making keys.")
    if pd.api.types.is_integer_dtype(values):
        base = values.to_numpy().astype(np.int64).view(np.uint64)
    else:
        is_int = np.fromiter((isinstance(v, int) for v in values.tolist()), dtype=bool, count=len(values))
        base = np.empty(len(values), dtype=np.uint64)
        if is_int.any():
            base[is_int] = np.array(values[is_int].tolist(), dtype=np.int64).view(np.uint64)
        codes, uniques = pd.factorize(values[~is_int].astype(str))
        hashed = np.array([int.from_bytes(hashlib.blake2b(u.encode(), digest_size=8).digest(), "little")
                           for u in uniques], dtype=np.uint64)
        base[~is_int] = hashed[codes]
    s = _splitmix64(np.array([int(seed) & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))[0]
    h = _splitmix64(base ^ s)
    return (h >> np.uint64(32)).astype(np.float64) / 2.0**32


def _whole_ids(values: pd.Series) -> pd.Series:
    """Numeric ids as int64 whatever their storage: pandas turns an int column into floats after a merge
    that adds a missing value, and an id must give the same key either way (the same person, the same noise
    in every table). Text ids stay text."""
    if pd.api.types.is_float_dtype(values) or (values.dtype == object and values.map(
            lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))).all()):
        v = values.to_numpy(dtype=float)
        if not (np.isfinite(v).all() and (v == np.round(v)).all() and (np.abs(v) < 2**53).all()):
            bad = values[~(np.isfinite(v) & (v == np.round(v)))]
            raise InputValueError(f"ids must be whole numbers or text; got {examples(bad.tolist(), 3)}. Use the "
                                  f"person's id as stored (an integer or a string).")
        return pd.Series(v.astype(np.int64), index=values.index)
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        return _canonical_ids(values)
    return values


_INT_TEXT = re.compile(r"^-?(0|[1-9][0-9]{0,18})$")


def _canonical_ids(values: pd.Series) -> pd.Series:
    """Ids as one kind: text that is an integer written canonically ("12", not "012" or " 12") is that integer,
    so a column read as numbers in one job and as text in another gives the same keys. If every id is then an
    integer the result is int64; otherwise an object Series of int and str (each keyed as its kind)."""
    def canon(v: Any) -> Any:
        if isinstance(v, (bool, np.bool_)):
            raise InputValueError(f"ids must be whole numbers or text, got the boolean {v!r}.")
        if isinstance(v, (int, np.integer)):
            return int(v)
        if isinstance(v, (float, np.floating)) and float(v).is_integer() and abs(v) < 2**53:
            return int(v)
        s = str(v)
        if _INT_TEXT.match(s) and -(2**63) <= int(s) < 2**63:
            return int(s)
        return s
    canon_values = [canon(v) for v in values.tolist()]
    if all(isinstance(v, int) and -(2**63) <= v < 2**63 for v in canon_values):
        return pd.Series(np.array(canon_values, dtype=np.int64), index=values.index)
    return pd.Series([v if isinstance(v, int) and -(2**63) <= v < 2**63 else str(v) for v in canon_values],
                     index=values.index, dtype=object)


_NEAR_LIMIT = 0.9


def _max_entropy(support: np.ndarray, variance: float) -> np.ndarray:
    """Probabilities on ``support`` with mean 0 and the given variance, maximising entropy.

    The solution has the form p_d ∝ exp(a d + b d²). (a, b) minimise the convex dual
    log Σ exp(a d + b d²) − b·V, whose gradient is (E d, E d² − V) and Hessian the covariance of
    (d, d²); damped Newton steps converge from (0, 0) for any V strictly inside the support's range.
    """
    d = support.astype(float)
    feats = np.stack([d, d * d])
    target = np.array([0.0, variance])

    def dual(ab: np.ndarray) -> tuple[float, np.ndarray]:
        z = ab @ feats
        zmax = z.max()
        w = np.exp(z - zmax)
        return float(np.log(w.sum()) + zmax - ab @ target), w / w.sum()

    ab = np.zeros(2)
    f, p = dual(ab)
    for _ in range(200):
        mean = feats @ p
        grad = mean - target
        if np.abs(grad).max() < 1e-12:
            return p
        centred = feats - mean[:, None]
        hess = (centred * p) @ centred.T + 1e-14 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-12:
            f_new, p_new = dual(ab - t * step)
            if f_new <= f - 1e-4 * t * grad @ step + 1e-13 * max(1.0, abs(f)):  # rounding-tolerant Armijo
                break
            t /= 2
        ab, f, p = ab - t * step, f_new, p_new
    raise InputValueError(f"no distribution on {support.min()}..{support.max()} with mean 0 and variance "
                          f"{variance}; choose a smaller variance.")


#: the largest noise bound D accepted: the table has about D² rows, and noise of +-100 already hides any count
#: an agency would publish
_MAX_NOISE = 100


def perturbation_table(max_noise: int = 2, noise_variance: float = 1.0) -> pd.DataFrame:
    """The perturbation table: for each original value i, the noise distribution.

    Rows i = 0 .. max_noise + 1; the last row applies to every larger value.
    Zeros stay zero; values never become negative. Where mean 0 and variance
    V are impossible (small i cannot go far down), the row keeps mean 0 with
    the largest variance possible on its support. Rows whose variance is
    within 10 % of their support's limit mix the maximum-entropy law at 90 %
    of the limit with the two-point law on the support's ends, so mean and
    variance stay exact.

    Parameters
    ----------
    max_noise : int, default 2
        D: the absolute noise is at most D.
    noise_variance : float, default 1.0
        V: noise variance for values large enough (V < D² is required).

    Returns
    -------
    pandas.DataFrame
        ``i``, ``noise``, ``p``, ``lower``, ``upper`` (the cumulative interval of
        [0, 1) that selects this noise) and ``row_variance``.

    Examples
    --------
    >>> import segstat
    >>> pt = segstat.disclosure.perturb.perturbation_table(max_noise=1, noise_variance=0.5)
    >>> pt[pt["i"] == 2][["noise", "p"]].round(6).values.tolist()
    [[-1.0, 0.25], [0.0, 0.5], [1.0, 0.25]]
    """
    check_scalar("max_noise", max_noise, "int", low=1, high=_MAX_NOISE,
                 must=f"a whole number from 1 to {_MAX_NOISE} (the largest noise D; agencies use 2 to 5)")
    check_scalar("noise_variance", noise_variance, "real", low=0, high=max_noise**2, low_open=True, high_open=True,
                 must=f"in (0, D²) = (0, {max_noise ** 2}); the variance of noise bounded by D cannot reach D²")
    rows = [{"i": 0, "noise": 0, "p": 1.0}]
    for i in range(1, max_noise + 2):
        support = np.arange(max(-i, -max_noise), max_noise + 1)
        lo, hi = support.min(), support.max()
        reachable = -lo * hi  # largest variance with mean 0 on [lo, hi], only by the two-point law on {lo, hi}
        v = min(noise_variance, reachable)
        if v <= _NEAR_LIMIT * reachable:
            p = _max_entropy(support, v)
        else:
            # near the limit the max-entropy root is numerically out of reach: mix the max-entropy row at
            # 90 % of the limit with the two-point law, weighted so the variance is exactly v (mean stays 0)
            two_point = np.where(support == lo, hi / (hi - lo), 0.0) + np.where(support == hi, -lo / (hi - lo), 0.0)
            w = (v - _NEAR_LIMIT * reachable) / ((1 - _NEAR_LIMIT) * reachable)
            p = (1 - w) * _max_entropy(support, _NEAR_LIMIT * reachable) + w * two_point
        p = np.clip(p, 0.0, None)  # a mixed row can end at -1e-17 by rounding; a probability is never below 0
        p = p / p.sum()
        rows += [{"i": i, "noise": int(d), "p": float(q)} for d, q in zip(support, p)]
    pt = pd.DataFrame(rows)
    pt["upper"] = pt.groupby("i")["p"].cumsum()
    pt["lower"] = pt["upper"] - pt["p"]
    pt.loc[pt.groupby("i")["upper"].idxmax(), "upper"] = 1.0
    pt["row_variance"] = pt.groupby("i").apply(lambda g: float((g["p"] * g["noise"] ** 2).sum()),
                                                include_groups=False).reindex(pt["i"]).to_numpy()
    return pt[["i", "noise", "p", "lower", "upper", "row_variance"]]


@dataclass(frozen=True, eq=False)
class PerturbedTable:
    """A table after the cell-key method.

    ``to_frame()`` gives the dimension columns and the perturbed ``count``;
    the noise is kept for the producer (``to_frame(show_noise=True)``).
    """

    table: Table
    values: np.ndarray
    noise: np.ndarray
    ptable: pd.DataFrame
    max_noise: int
    noise_variance: float

    def to_frame(self, *, show_noise: bool = False) -> pd.DataFrame:
        dims = [d.name for d in self.table.dims]
        f = self.table.cells[dims].copy()
        f["count"] = self.values
        if show_noise:
            f["original"] = self.table.cells["count"].to_numpy()
            f["noise"] = self.noise
        return f

    def method_note(self, lang: Literal["sv", "en"] = "sv") -> str:
        if lang == "sv":
            return (f"Tabellen är skyddad med cell-key-metoden: värden större än noll har fått ett litet "
                    f"slumpmässigt tillägg eller avdrag (högst ±{self.max_noise}, varians {self.noise_variance:g}). "
                    f"Samma celler får samma värde i alla tabeller; delar summerar inte alltid till totalen.")
        return (f"The table is protected by the cell-key method: values above zero carry a small random "
                f"perturbation (at most ±{self.max_noise}, variance {self.noise_variance:g}). The same cell has the same "
                f"value in every table; parts do not always add up to totals.")

    def __repr__(self) -> str:
        changed = int((self.noise != 0).sum())
        return f"PerturbedTable({len(self.values)} cells, {changed} changed, |noise| <= {self.max_noise})"


def perturb(table: Table, *, max_noise: int = 2, noise_variance: float = 1.0,
            ptable: pd.DataFrame | None = None) -> PerturbedTable:
    """Perturb every cell of a frequency table with the cell-key method.

    Parameters
    ----------
    table : Table
        From :func:`segstat.tabulate` with ``record_key=`` (a column of
        :func:`record_keys`), so that cells carry cell keys.
    max_noise : int, default 2
        Largest absolute noise D.
    noise_variance : float, default 1.0
        Noise variance V for values of at least D + 1.
    ptable : DataFrame, optional
        A perturbation table of your own (columns ``i``, ``noise``, ``p`` as
        :func:`perturbation_table`; checked: a row for every i up to the last,
        zeros kept, no count made negative, rows summing to 1). ``max_noise``
        and ``noise_variance`` are then read off it, for the method note.

    Returns
    -------
    PerturbedTable

    Notes
    -----
    For a cell with count n and key k, the row r = min(n, D + 1) of the
    table is used and the noise is the d with lower_r(d) <= k < upper_r(d).
    Inner cells and margins are perturbed alike (each from its own key), so
    margins are not the sums of the perturbed parts; the expected noise is 0.

    References
    ----------
    Thompson, G., Broadfoot, S. & Elazar, D. (2013). Methodology for the
    automatic confidentialisation of statistical outputs from remote servers at
    the Australian Bureau of Statistics. UNECE work session on SDC.
    Giessing, S. (2016). Computational issues in the design of transition
    probabilities and disclosure risk estimation for additive noise. PSD 2016.
    SCB: https://www.scb.se/FAQ-CKM

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"g": ["a"] * 30 + ["b"] * 3, "id": range(33)})
    >>> d["key"] = segstat.record_keys(d["id"], seed=7)
    >>> p = segstat.perturb(segstat.tabulate(d, by="g", record_key="key"))
    >>> bool((abs(p.noise) <= 2).all())
    True
    """
    if not isinstance(table, Table):
        raise InputTypeError("perturb() takes a Table from segstat.tabulate().")
    if table.kind != "frequency":
        raise InputValueError("perturb() handles frequency tables; magnitude tables are not supported yet.")
    if "cell_key" not in table.cells:
        raise InputValueError("the table has no cell keys: tabulate with record_key= a column made by "
                              "segstat.record_keys(ids, seed=...).")
    if ptable is None:
        pt = perturbation_table(max_noise, noise_variance)
    else:
        pt = _check_ptable(ptable)
        max_noise = int(pt["noise"].abs().max())
        noise_variance = float(pt.loc[pt["i"] == pt["i"].max(), "row_variance"].iloc[0])
    top = int(pt["i"].max())
    n = table.cells["count"].to_numpy(np.int64)
    k = table.cells["cell_key"].to_numpy(float)
    row = np.minimum(n, top)
    noise = np.zeros(len(n), dtype=np.int64)
    for i, g in pt.groupby("i"):
        sel = row == i
        if not sel.any():
            continue
        pos = np.searchsorted(g["upper"].to_numpy(), k[sel], side="right")
        noise[sel] = g["noise"].to_numpy()[np.minimum(pos, len(g) - 1)]
    values = n + noise
    return PerturbedTable(table, values, noise, pt, int(max_noise), float(noise_variance))


def _check_ptable(ptable: Any) -> pd.DataFrame:
    """A perturbation table of the caller's: columns ``i``, ``noise``, ``p`` (``lower``/``upper`` are recomputed
    from ``p``), rows i = 0 .. top without gaps, zeros kept, no value made negative, probabilities summing to 1."""
    if not isinstance(ptable, pd.DataFrame) or not {"i", "noise", "p"} <= set(ptable.columns):
        raise InputValueError("ptable must be a DataFrame with columns i, noise and p (one row per original value i "
                              "and noise), as segstat.disclosure.perturb.perturbation_table() returns.")
    pt = ptable[["i", "noise", "p"]].copy()
    try:
        pt = pt.astype({"i": np.int64, "noise": np.int64, "p": float})
    except (TypeError, ValueError) as exc:
        raise InputValueError(f"ptable: i and noise must be whole numbers and p a probability ({exc}).") from None
    pt = pt.sort_values(["i", "noise"], kind="stable").reset_index(drop=True)
    rows = np.unique(pt["i"])
    if rows[0] != 0 or not np.array_equal(rows, np.arange(rows[-1] + 1)):
        raise InputValueError(f"ptable must have a row for every i from 0 to its largest (the last row serving all "
                              f"larger values); it has i = {examples(rows.tolist(), 8)}.")
    if ((pt["i"] == 0) & (pt["noise"] != 0) & (pt["p"] > 0)).any():
        raise InputValueError("ptable perturbs zeros (row i = 0 has noise other than 0): an empty cell would be "
                              "published as a count. Give row 0 only noise 0.")
    negative = pt[(pt["i"] + pt["noise"] < 0) & (pt["p"] > 0)]
    if len(negative):
        raise InputValueError(f"ptable makes counts negative: i = {examples(negative['i'].unique().tolist())} with "
                              f"noise {examples(negative['noise'].unique().tolist())}.")
    if (pt["p"] < 0).any() or not np.allclose(pt.groupby("i")["p"].sum(), 1.0, atol=1e-9):
        raise InputValueError("ptable probabilities must be >= 0 and sum to 1 in every row i.")
    pt["upper"] = pt.groupby("i")["p"].cumsum()
    pt["lower"] = pt["upper"] - pt["p"]
    pt.loc[pt.groupby("i")["upper"].idxmax(), "upper"] = 1.0
    pt["row_variance"] = (pt["p"] * pt["noise"] ** 2).groupby(pt["i"]).transform("sum")
    return pt[["i", "noise", "p", "lower", "upper", "row_variance"]]


@dataclass(frozen=True, eq=False)
class RoundedTable:
    """A table after unbiased random rounding (the counterpart of :class:`PerturbedTable`).

    ``to_frame()`` gives the dimension columns and the rounded ``count``;
    ``to_frame(show_original=True)`` adds the original counts for the producer.
    """

    table: Table
    values: np.ndarray
    base: int
    by_cell_key: bool

    def to_frame(self, *, show_original: bool = False) -> pd.DataFrame:
        f = self.table.cells[[d.name for d in self.table.dims]].copy()
        f["count"] = self.values
        if show_original:
            f["original"] = self.table.cells["count"].to_numpy()
        return f

    def method_note(self, lang: Literal["sv", "en"] = "sv") -> str:
        if lang == "sv":
            note = (f"Tabellen är skyddad med slumpmässig avrundning till multiplar av {self.base}: varje värde "
                    f"avrundas uppåt eller nedåt så att det i genomsnitt blir rätt; delar summerar inte alltid "
                    f"till totalen.")
            return note + (" Samma cell avrundas lika i alla tabeller." if self.by_cell_key else "")
        note = (f"The table is protected by unbiased random rounding to multiples of {self.base}: every value is "
                f"rounded up or down so that it is right on average; parts do not always add up to totals.")
        return note + (" The same cell rounds the same way in every table." if self.by_cell_key else "")

    def __repr__(self) -> str:
        changed = int((self.values != self.table.cells["count"].to_numpy()).sum())
        return f"RoundedTable({len(self.values)} cells, {changed} changed, base {self.base})"


def random_round(table: Table, *, base: int = 3, rng: Any = None, use_cell_key: bool = True) -> RoundedTable:
    """Unbiased random rounding of every cell to a multiple of ``base``.

    A count x = q·b + r (0 <= r < b) becomes (q+1)·b with probability r/b and
    q·b otherwise, so its expected value is x; zeros and multiples of b stay.
    Cells are rounded independently: margins are not the sums of rounded parts.

    Parameters
    ----------
    table : Table
    base : {3, 5} (any integer >= 2), default 3
    rng : int, Generator or None
        Randomness when the table has no cell keys (or ``use_cell_key=False``).
    use_cell_key : bool, default True
        With cell keys, round up when key < r/b: the same cell rounds the same
        way in every table.

    Returns
    -------
    RoundedTable
        As :func:`perturb` returns a :class:`PerturbedTable`: ``to_frame()``
        gives the dimension columns and the rounded ``count``, ``values`` the
        rounded counts, ``method_note(lang)`` the note for the publication.

    References
    ----------
    Hundepool, A. et al. (2024). Handbook on Statistical Disclosure Control,
    2nd ed., section on rounding.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> t = segstat.tabulate(pd.DataFrame({"g": ["a"] * 9 + ["b"] * 4}), by="g")
    >>> r = segstat.random_round(t, base=3, rng=1).to_frame()
    >>> r["count"].tolist()[0], r["count"].tolist()[1] in (3, 6)
    (9, True)
    """
    if not isinstance(table, Table):
        raise InputTypeError("random_round() takes a Table from segstat.tabulate().")
    check_scalar("base", base, "int", low=2, high=2**31, must="an integer from 2 to 2**31 (usually 3 or 5)")
    if table.kind != "frequency":
        raise InputValueError("random_round() handles frequency tables.")
    x = table.cells["count"].to_numpy(np.int64)
    q, r = np.divmod(x, base)
    by_cell_key = use_cell_key and "cell_key" in table.cells
    if by_cell_key:
        u = table.cells["cell_key"].to_numpy(float)
    else:
        u = check_rng(rng).random(len(x))
    up = u < r / base
    return RoundedTable(table, (q + up) * base, int(base), bool(by_cell_key))
