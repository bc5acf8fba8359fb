"""Primary and secondary cell suppression, verified by the intruder's linear program."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._validation import check_choice, check_scalar, close_matches
from ..errors import DisclosureRiskError, InputTypeError, InputValueError
from ._cubes import CubeSuppressor, certificate_matrix
from ._greedy import _prune, _Suppressor
from ._intruder import _group_disclosure, _unsafe
from ._lpsuppress import lp_secondary
from ._model import Model, build_model
from ._table import Table

__all__ = ["ProtectedTables", "protect"]


@dataclass(frozen=True, eq=False)
class ProtectedTables:
    """Tables after disclosure control.

    Attributes
    ----------
    tables : tuple of Table
    status : numpy.ndarray
        Per cell of all tables (in order): ``published``, ``primary`` or ``secondary``.
    rule : numpy.ndarray
        The primary rule that fired (``min_count``, ``zero``, ``dominance``,
        ``p_percent``) or ``""``.
    required : numpy.ndarray
        Upper protection level of each primary cell: the intruder's upper
        bound must reach value + level.
    lower, upper : numpy.ndarray
        Reserved for the intruder's bounds; :func:`segstat.audit` computes them.
    rules : dict
        The options used.
    """

    tables: tuple[Table, ...]
    status: np.ndarray
    rule: np.ndarray
    required: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    rules: dict[str, Any]
    model: Model = field(repr=False)
    rounds: int = 0
    #: changes of the finest cells that keep every published cell (see ``segstat.disclosure._cubes``)
    certificates: Any = field(default=None, repr=False)

    def _slice(self, k: int) -> slice:
        off = self.model.offsets
        return slice(int(off[k]), int(off[k]) + len(self.tables[k].cells))

    def to_frame(self, table: int | None = None, *, symbol: str | None = None) -> pd.DataFrame:
        """Cells with their ``<dim>_level`` columns, the published value (``<NA>`` or ``symbol`` where
        suppressed), status and rule.

        Parameters
        ----------
        table : int, optional
            Which of several linked tables; all (with a ``table`` column) by default.
        symbol : str, optional
            Write this instead of ``<NA>`` in suppressed cells (e.g. ``".."``,
            as Statistikdatabasen does); the value column becomes text.
        """
        ks = range(len(self.tables)) if table is None else [table]
        frames = []
        for k in ks:
            t, sl = self.tables[k], self._slice(k)
            dims = [d.name for d in t.dims]
            col = "value" if t.kind == "magnitude" else "count"
            levels = [f"{d}_level" for d in dims if f"{d}_level" in t.cells]
            f = t.cells[[*dims, *levels]].copy()  # the level columns say which cells are margins
            vals = pd.array(t.cells[col].to_numpy(), dtype="Float64" if t.kind == "magnitude" else "Int64")
            hidden = self.status[sl] != "published"
            vals[hidden] = pd.NA
            f[col] = vals
            if symbol is not None:
                f[col] = f[col].astype(object).where(~hidden, symbol).astype(str)
            f["status"] = pd.Categorical(self.status[sl], categories=["published", "primary", "secondary"])
            f["rule"] = self.rule[sl]
            if table is None and len(self.tables) > 1:
                f.insert(0, "table", k)
            frames.append(f)
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)

    @property
    def n_suppressed(self) -> dict[str, int]:
        return {"primary": int((self.status == "primary").sum()), "secondary": int((self.status == "secondary").sum())}

    @property
    def hidden_total(self) -> float:
        """Persons (or value) in suppressed inner cells of all tables: the information loss."""
        total = 0.0
        for k, t in enumerate(self.tables):
            sl = self._slice(k)
            leaf = np.ones(len(t.cells), dtype=bool)
            idx = t.node_index()
            for a, d in enumerate(t.dims):
                leaf &= idx[:, a] < d.n_leaves
            col = "value" if t.kind == "magnitude" else "count"
            total += float(t.cells[col].to_numpy(float)[leaf & (self.status[sl] != "published")].sum())
        return total

    @property
    def hidden_all(self) -> float:
        """Persons (or value) in all suppressed cells of all tables, inner cells and margins: the information
        loss counted over every cell, so that a pattern hiding totals is not favoured."""
        return float(self.model.values[self.status != "published"].sum())

    def method_note(self, lang: Literal["sv", "en"] = "sv") -> str:
        """A short note on the protection, for a publication footnote."""
        r = self.rules
        prim = []
        if lang == "sv":
            prim.append(f"celler med färre än {r['min_count']} personer")
            if r.get("dominance"):
                n, k = r["dominance"]
                prim.append(f"celler där de {n} största bidragen utgör mer än {k} % av värdet")
            if r.get("p_percent"):
                prim.append(f"celler där bidrag kan skattas närmare än {r['p_percent']} %")
            return ("Värden markerade med '..' är undertryckta för att skydda enskilda personer: "
                    + ", ".join(prim) + ", samt ytterligare celler så att de inte kan räknas fram ur "
                    "summor och andra tabeller. Skyddet är kontrollerat (segstat): varje undertryckt cell kan "
                    "anta andra värden som stämmer med alla publicerade värden.")
        prim.append(f"cells with fewer than {r['min_count']} persons")
        if r.get("dominance"):
            n, k = r["dominance"]
            prim.append(f"cells where the {n} largest contributions exceed {k} % of the value")
        if r.get("p_percent"):
            prim.append(f"cells where a contribution could be estimated within {r['p_percent']} %")
        return ("Values shown as '..' are suppressed to protect individuals: " + ", ".join(prim)
                + ", and further cells so that they cannot be derived from totals or other tables. The protection "
                "was verified (segstat): every suppressed cell can take other values consistent with everything "
                "published.")

    def __repr__(self) -> str:
        n = self.n_suppressed
        return (f"ProtectedTables({len(self.tables)} table(s), {len(self.status)} cells: {n['primary']} primary, "
                f"{n['secondary']} secondary suppressed; hidden {self.hidden_total:,.0f} in inner cells, "
                f"{self.hidden_all:,.0f} in all cells; audit passed)")


def _cell_labels(model: Model, cells: np.ndarray) -> str:
    """'regso=0114R001, age=65+' for each cell id (which table's cell it is comes from the offsets)."""
    out = []
    for c in cells:
        k = int(np.searchsorted(model.offsets, c, side="right") - 1)
        t = model.tables[k]
        row = t.cells.iloc[int(c - model.offsets[k])]
        out.append(", ".join(f"{col}={row[col]}" for col in t.by))
    return "; ".join(out)


def _primary(model: Model, min_count: int, dominance: Any, p_percent: Any, zeros: str
             ) -> tuple[np.ndarray, np.ndarray]:
    rule = np.full(model.n_cells, "", dtype=object)
    for k, t in enumerate(model.tables):
        c = t.cells
        sl = slice(int(model.offsets[k]), int(model.offsets[k]) + len(c))
        n = c["count"].to_numpy()
        r = np.full(len(c), "", dtype=object)
        r[(n > 0) & (n < min_count)] = "min_count"
        if zeros == "protect":
            r[n == 0] = "zero"
        if t.kind == "magnitude":
            v = c["value"].to_numpy(float)
            if dominance is not None:
                dn, dk = dominance
                cols = [f"top{j}" for j in range(1, dn + 1)]
                missing = [col for col in cols if col not in c.columns]
                if missing:
                    raise InputValueError(f"dominance=({dn}, {dk}) needs the {dn} largest contributions; "
                                          f"tabulate with top={dn}.")
                topn = c[cols].to_numpy(float).sum(axis=1)
                r[(r == "") & (v > 0) & (topn > dk / 100 * v)] = "dominance"
            if p_percent is not None:
                x1, x2 = c["top1"].to_numpy(float), c["top2"].to_numpy(float)
                r[(r == "") & (v > 0) & (v - x1 - x2 < p_percent / 100 * x1)] = "p_percent"
        rule[sl] = r
    return rule != "", rule


def _required(model: Model, rule: np.ndarray, min_count: int, p_percent: Any, protection: Any) -> np.ndarray:
    """Upper protection level of every primary cell: the intruder's upper bound must reach value + level."""
    req = np.zeros(model.n_cells)
    prim = rule != ""
    if protection is not None:
        req[prim] = float(protection)
        return req
    freq = rule == "min_count"
    req[freq] = np.maximum(min_count - model.values[freq], 1.0)
    req[rule == "zero"] = float(min_count)
    mag = np.isin(rule, ["dominance", "p_percent"])
    if mag.any():
        top1 = np.concatenate([t.cells["top1"].to_numpy(float) if "top1" in t.cells else np.zeros(len(t.cells))
                               for t in model.tables])
        share = (p_percent if p_percent is not None else 10) / 100
        req[mag] = share * top1[mag]
    return req


def protect(
    tables: Table | list[Table],
    *,
    min_count: int = 3,
    dominance: tuple[int, float] | None = None,
    p_percent: float | None = None,
    zeros: Literal["publish", "protect"] = "publish",
    method: Literal["auto", "cube", "lp", "greedy", "pruned"] = "auto",
    protection: float | None = None,
    max_rounds: int | None = None,
    keep: str | list[str] | pd.DataFrame | None = None,
    progress: bool = False,
) -> ProtectedTables:
    """Protect one table or several linked tables by primary and secondary cell suppression.

    Parameters
    ----------
    tables : Table or list of Table
        From :func:`segstat.tabulate`. Several tables made from the **same**
        DataFrame (RegSO x age, områdestyp x age, DeSO ...) are protected
        jointly: no cell of one can be derived from the others.
    min_count : int, default 3
        Minimum frequency rule: cells with 0 < n < min_count are primary
        suppressed (n = persons, or contributors in magnitude tables).
    dominance : (n, k), optional
        (n, k) dominance rule for magnitude tables: the n largest contributions
        exceed k % of the cell value (e.g. ``(1, 85)``; tabulate with ``top >= n``).
    p_percent : float, optional
        p %-rule for magnitude tables: the second largest contributor could
        estimate the largest within p % (value − x1 − x2 < p/100 · x1).
    zeros : {"publish", "protect"}, default "publish"
        Zeros are published by default; ``"protect"`` treats them as sensitive.
    method : {"auto", "cube", "lp", "greedy", "pruned"}, default "auto"
        ``"cube"`` (one table only): every primary cell gets the cheapest cube
        of suppressed cells along which the table can move without changing a
        published cell (see Notes); safe by construction and kept as
        certificates. ``"lp"``: every primary cell, dearest first, gets the
        cells a linear program changes when it makes the cell grow by its
        protection level at least cost (Fischetti & Salazar-González 2000);
        it needs no hierarchy, so it suits linked tables whose areas cut
        across each other (RegSO and områdestyp). ``"greedy"``: greedy
        partners, steps (1)-(3) in the Notes. ``"pruned"``: that pattern, then
        step (4), which publishes again secondary cells the pattern does not
        need. ``"auto"``: ``"cube"`` for one table of two or more variables;
        ``"lp"`` (then pruning) for linked tables up to 5,000 cells in all;
        otherwise ``"pruned"`` up to 20,000 cells, ``"greedy"`` above.
    protection : float, optional
        Upper protection level of every primary cell: the largest value an
        intruder can derive must be at least value + protection. By default
        ``min_count - value`` (at least 1) for the frequency rule, so an
        intruder cannot tell that a cell is below the threshold; ``min_count``
        for protected zeros; ``p/100 * x1`` (p = 10 without ``p_percent``) for
        dominance and p % cells, the usual upper protection level of the p %-rule.
    max_rounds : int, optional
        Upper bound on audit-and-repair rounds; by default none. The repair
        ends anyway: every round suppresses at least one more cell.
    keep : str, list of str or DataFrame, optional
        Cells that must stay published: never chosen for secondary
        suppression. ``"total"`` is the grand total of every table,
        ``"margins"`` every cell with a dimension at its total; a level name of
        a dimension (``"kommun"``, ``"lan"``, ``"regso"`` ...) keeps every cell
        at that level whose other dimensions are at their total (all kommun
        totals); a list combines them; a DataFrame lists cells by
        the tables' ``by`` columns (with a ``table`` column for linked tables),
        margins labelled ``"Total"``. A kept cell that is itself primary, or
        that no pattern can leave published, raises DisclosureRiskError naming
        it. Cells with exactly the same persons as a kept cell (in a linked
        table) are kept with it.
    progress : bool, default False
        Show a progress bar over the primary cells (``progress`` extra, tqdm).

    Returns
    -------
    ProtectedTables
        With ``to_frame()``, ``method_note()`` and the intruder's bounds.

    Raises
    ------
    DisclosureRiskError
        The pattern could not be made safe (never returned unsafe), or a
        ``keep`` request cannot be met.

    Notes
    -----
    Every published cell is a sum of finest cells (the cross-classification
    of all tables' variables). The intruder knows all published cells of all
    tables and that counts are non-negative; the bounds of a suppressed cell are
    the minimum and maximum of its value over that polytope, solved with HiGHS.

    Cubes (one table): a move along one variable is +1 at a category, keeps
    every parent equal to the sum of its children, and is -1 on a sibling (of
    the category or an ancestor) or +1 up to the total; the outer product of
    one move per variable changes the table without changing any margin
    equation. If all its cells are suppressed, the intruder cannot tell the
    table from the table moved by t, for every t keeping inner cells
    non-negative. Each primary cell gets the cheapest such cube (persons not
    yet suppressed) that can raise it by its protection level; the cell whose
    cheapest cube is dearest goes first. Published zeros that would reveal a
    group get a cube of their own; each cube is chosen again with all others
    in place (kept if cheaper than the cells only it uses); then secondary
    cells are published again, the largest first, where every cube using them
    can be replaced by one inside the pattern. The cubes are kept as
    certificates, which the audit checks against the published cells (never
    trusts) before using them.

    Greedy partners (linked tables, one variable): (1) in every additivity
    equation (a margin and its children along one variable) that holds exactly
    one suppressed cell, the cheapest published cell that can absorb the required width is suppressed
    too (cost = persons or value, so the loss in information is what is
    minimised, plus, looking one step ahead, the cheapest partner each
    equation the cell would be alone in will need); (2) the intruder's LP is
    solved for every suppressed cell; a primary cell whose interval is narrower than required, a secondary
    cell that is determined exactly, and group disclosure (a row of published
    zeros but one suppressed cell) get a further partner; (3) repeat until the
    audit passes; (4) with ``method="pruned"``, secondary cells are taken out
    again, the largest first, wherever every equation they belong to keeps
    zero or at least two suppressed cells; the thinner pattern is audited and
    cells it exposed get their pruned partners back (if that is not enough,
    the pattern of step 3 is kept). With ``method="auto"`` step (4) runs for
    linked tables of up to 20,000 cells in all, and after ``method="lp"`` up to
    that size.

    References
    ----------
    Hundepool, A. et al. (2024). Handbook on Statistical Disclosure Control,
    2nd ed., ESSnet (ch. 4: the hypercube method of Repsilber, GHMITER);
    de Wolf, P.-P. (2002) HiTaS; Fischetti, M. & Salazar, J.-J. (2001) Solving
    the cell suppression problem on tabular data with linear constraints,
    Management Science 47(7); Fischetti, M. & Salazar-González, J.-J. (2000)
    Models and algorithms for optimizing cell suppression in tabular data with
    linear constraints, JASA 95, 916-928 (``method="lp"``).

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"row": list("aaaaabbbbbbb"), "col": list("xyzzzxxyyzzz")})
    >>> p = segstat.protect(segstat.tabulate(d, by=["row", "col"]), min_count=2, protection=1)
    >>> p.to_frame(symbol="..")[["row", "col", "count", "status"]].head(4).values.tolist()
    [['a', 'x', '..', 'primary'], ['a', 'y', '..', 'primary'], ['a', 'z', '3', 'published'], ['a', 'Total', '5', 'published']]
    """
    tables = _check_arguments(tables, min_count, dominance, p_percent, zeros, method, max_rounds)
    check_scalar("protection", protection, "real", low=0, low_open=True, allow_none=True, must="a positive number or None")
    model = build_model(tables)
    primary, rule = _primary(model, int(min_count), dominance, p_percent, zeros)
    _refuse_structural_zeros(model, primary)
    required = _required(model, rule, int(min_count), p_percent, protection)
    strategy = _choose(method, tables, model)
    suppressed = primary.copy()
    sup = _Suppressor(model, required)
    kept = _kept_cells(model, keep, sup.twins)
    _refuse_kept_primary(model, kept, primary)
    sup.keep = kept
    bar = _progress_bar(progress, int(primary.sum()), strategy)
    try:
        certificates = strategy.secondary(model, primary, required, suppressed, kept, bar)
        if bar is not None:
            bar.set_description("protect: audit and repair")
        rounds = _repair(model, sup, suppressed, primary, required, certificates, max_rounds)
        if strategy.prunes(model):
            suppressed = _prune(model, suppressed, primary, required, sup)
    finally:
        if bar is not None:
            bar.close()
    if (suppressed & kept).any():
        raise DisclosureRiskError(f"keep={keep!r}: no safe pattern leaves these cell(s) published: "
                                  f"{_cell_labels(model, np.flatnonzero(suppressed & kept)[:5])}. Keep fewer cells.")
    lo = hi = np.full(model.n_cells, np.nan)
    status = np.where(primary, "primary", np.where(suppressed, "secondary", "published")).astype(object)
    rules = {"min_count": int(min_count), "dominance": dominance, "p_percent": p_percent, "zeros": zeros,
             "protection": protection if protection is not None else "default", "method": strategy.note,
             "keep": int(kept.sum())}
    return ProtectedTables(tuple(tables), status, rule, required, lo, hi, rules, model, rounds, certificates)


def _check_arguments(tables: Any, min_count: Any, dominance: Any, p_percent: Any, zeros: Any, method: Any,
                     max_rounds: Any) -> list[Table]:
    """protect()'s arguments checked; the tables as a list."""
    if isinstance(tables, Table):
        tables = [tables]
    elif not isinstance(tables, (list, tuple)):
        raise InputTypeError("tables must be a Table from segstat.tabulate() or a list of them.")
    check_scalar("min_count", min_count, "int", low=1, must="a positive integer")
    check_choice("zeros", zeros, ("publish", "protect"))
    check_choice("method", method, ("auto", *_STRATEGIES))
    check_scalar("max_rounds", max_rounds, "int", low=1, allow_none=True,
                 must="a positive integer or None (until safe)")
    if dominance is not None:
        must = "(n, k) with n >= 1 and 0 < k <= 100, e.g. (1, 85)"
        if not (isinstance(dominance, tuple) and len(dominance) == 2):
            raise InputValueError(f"dominance={dominance!r} must be {must}.")
        check_scalar("dominance", dominance[0], "int", low=1, must=f"{must} (n={dominance[0]!r})")
        check_scalar("dominance", dominance[1], "real", low=0, low_open=True, high=100,
                     must=f"{must} (k={dominance[1]!r})")
    check_scalar("p_percent", p_percent, "real", low=0, low_open=True, high=100, allow_none=True,
                 must="a number in (0, 100]")
    if (dominance is not None or p_percent is not None) and any(t.kind != "magnitude" for t in tables):
        raise InputValueError("dominance and p_percent apply to magnitude tables (tabulate with value=).")
    if method == "cube" and len(tables) > 1:
        raise InputValueError("method='cube' protects one table; protect linked tables with method='pruned' or "
                              "'greedy' (or leave method='auto').")
    return list(tables)


def _kept_cells(model: Model, keep: Any, twins: list[np.ndarray]) -> np.ndarray:
    """The cells ``keep`` names, as a mask over all cells (with every cell of the same persons as a kept one)."""
    kept = np.zeros(model.n_cells, dtype=bool)
    if keep is None:
        return kept
    if isinstance(keep, pd.DataFrame):
        kept |= _kept_listed(model, keep)
    else:
        words = [keep] if isinstance(keep, str) else keep
        if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
            raise InputTypeError(f"keep={keep!r} must be 'total', a level name (such as 'kommun'), a list of them, "
                                 f"or a DataFrame of cells.")
        levels = sorted({lv for t in model.tables for d in t.dims for lv in d.level} | {"total", "margins"})
        for w in words:
            if w not in levels:
                near = close_matches(w, levels)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise InputValueError(f"keep={w!r} is not a level of these tables{hint}; use one of {levels}.")
        for k, t in enumerate(model.tables):
            idx = t.node_index()
            at_total = idx == np.array([len(d.nodes) - 1 for d in t.dims])
            mask = np.zeros(len(t.cells), dtype=bool)
            if "total" in words:
                mask |= at_total.all(axis=1)
            if "margins" in words:
                mask |= at_total.any(axis=1)
            for a, d in enumerate(t.dims):
                at_level = np.isin(np.asarray(d.level, dtype=object)[idx[:, a]],
                                   [w for w in words if w not in ("total", "margins")])
                others = np.delete(at_total, a, axis=1).all(axis=1)
                mask |= at_level & others
            kept[int(model.offsets[k]):int(model.offsets[k]) + len(t.cells)] = mask
    for g in twins:  # a twin has the same persons: publishing one publishes the other
        if kept[g].any():
            kept[g] = True
    return kept


def _kept_listed(model: Model, keep: pd.DataFrame) -> np.ndarray:
    """The cells a DataFrame of ``keep`` lists; every row must name a cell."""
    kept = np.zeros(model.n_cells, dtype=bool)
    linked = len(model.tables) > 1
    if linked and "table" not in keep.columns:
        raise InputValueError("keep= as a DataFrame for linked tables needs a 'table' column (0, 1, ...) beside "
                              "the cell labels.")
    for k, t in enumerate(model.tables):
        rows = keep[keep["table"] == k] if linked else keep
        if not len(rows):
            continue
        missing = [c for c in t.by if c not in rows.columns]
        if missing:
            raise InputValueError(f"keep= lists cells of table {k} without the column(s) {missing}; give every "
                                  f"'by' column ({list(t.by)}), 'Total' for a margin.")
        labels = t.cells[list(t.by)].astype(str).apply(tuple, axis=1)
        pos = pd.Series(np.arange(len(t.cells)), index=pd.Index(labels))
        wanted = rows[list(t.by)].astype(str).apply(tuple, axis=1)
        unknown = [w for w in wanted if w not in pos.index]
        if unknown:
            raise InputValueError(f"keep= names {len(unknown)} cell(s) not in table {k}, e.g. "
                                  f"{dict(zip(t.by, unknown[0]))}; margins are labelled 'Total'.")
        kept[int(model.offsets[k]) + pos[list(wanted)].to_numpy()] = True
    return kept


def _refuse_kept_primary(model: Model, kept: np.ndarray, primary: np.ndarray) -> None:
    """A kept cell that is itself sensitive cannot be published."""
    both = np.flatnonzero(kept & primary)
    if len(both):
        raise DisclosureRiskError(
            f"keep: {len(both)} kept cell(s) are primary (sensitive themselves), so they cannot stay published: "
            f"{_cell_labels(model, both[:5])}. Take them out of keep=, or tabulate coarser categories.")


def _progress_bar(progress: Any, n_primary: int, strategy: Any) -> Any:
    """A tqdm bar over the primary cells (the cube method counts each twice: candidates, then cubes)."""
    if progress is not True and progress is not False:
        raise InputTypeError(f"progress={progress!r} must be True or False.")
    if not progress:
        return None
    from .._optional import import_optional

    tqdm = import_optional("tqdm.auto", purpose="progress=True").tqdm
    total = 2 * n_primary if isinstance(strategy, _Cubes) else None
    return tqdm(total=total, desc="protect: secondary cells", unit="cell")


def _refuse_structural_zeros(model: Model, primary: np.ndarray) -> None:
    """A protected zero with no finest cell behind it is empty by structure (see _model._finest_cells):
    everyone knows it is 0, so no suppression can give it an interval."""
    empty = primary & (np.diff(model.M.indptr) == 0)
    if empty.any():
        labels = _cell_labels(model, np.flatnonzero(empty)[:3])
        raise DisclosureRiskError(
            f"zeros='protect': {int(empty.sum())} zero cell(s) are empty by structure in these linked tables, so "
            f"no suppression can protect them (e.g. {labels}). They belong to combinations the data cannot have, "
            f"or to areas nobody in the data lives in whose class (such as områdestyp) the data do not give. "
            f"Protect zeros in each table on its own, or leave zeros='publish'.")


#: method="auto" prunes tables up to this many cells (all linked tables together)
_PRUNE_AUTO_CELLS = 20_000
_LP_AUTO_CELLS = 5_000


@dataclass(frozen=True)
class _Strategy:
    """A method of secondary suppression: a first pattern (before the common audit-and-repair loop) and
    whether the repaired pattern is pruned. The base class adds nothing (greedy partners come from the
    repair loop itself)."""

    note: str
    prune: bool = False

    def secondary(self, model: Model, primary: np.ndarray, required: np.ndarray,
                  suppressed: np.ndarray, kept: np.ndarray, bar: Any = None) -> Any:
        """Suppress more cells in place, never a ``kept`` one; return certificates of safety, or None."""
        return None

    def prunes(self, model: Model) -> bool:
        return self.prune


@dataclass(frozen=True)
class _Cubes(_Strategy):
    def secondary(self, model: Model, primary: np.ndarray, required: np.ndarray,
                  suppressed: np.ndarray, kept: np.ndarray, bar: Any = None) -> Any:
        cubes = CubeSuppressor.for_table(model, required)
        cubes.keep, cubes.any_kept = kept, bool(kept.any())
        cubes.run(np.flatnonzero(primary), suppressed, bar)
        cubes.repair_groups(suppressed)
        cubes.improve(suppressed, primary)
        cubes.prune(suppressed, primary)
        cubes.repair_groups(suppressed)
        return certificate_matrix(cubes.certificates(), model.M.shape[1])


@dataclass(frozen=True)
class _LinearProgram(_Strategy):
    def secondary(self, model: Model, primary: np.ndarray, required: np.ndarray,
                  suppressed: np.ndarray, kept: np.ndarray, bar: Any = None) -> Any:
        lp_secondary(model, primary, required, suppressed, kept)
        return None

    def prunes(self, model: Model) -> bool:
        return model.n_cells <= _PRUNE_AUTO_CELLS


_STRATEGIES: dict[str, _Strategy] = {
    "cube": _Cubes("cubes + certificates + LP audit"),
    "lp": _LinearProgram("one LP per primary cell + LP audit"),
    "greedy": _Strategy("greedy partners + LP audit"),
    "pruned": _Strategy("greedy partners + LP audit + pruning", prune=True),
}


def _choose(method: str, tables: list[Table], model: Model) -> _Strategy:
    """The strategy of ``method``; for "auto" cubes for one table of two or more variables (along a single
    variable the greedy partners often need no secondary cell at all where the small cells protect each
    other, a cube pairs two cells only), the LP for small linked tables, else greedy partners."""
    if method == "auto":
        if len(tables) == 1 and len(tables[0].dims) > 1:
            method = "cube"
        elif len(tables) > 1 and model.n_cells <= _LP_AUTO_CELLS:
            method = "lp"
        else:
            method = "pruned" if model.n_cells <= _PRUNE_AUTO_CELLS else "greedy"
    return _STRATEGIES[method]


def _repair(model: Model, sup: _Suppressor, suppressed: np.ndarray, primary: np.ndarray, required: np.ndarray,
            certificates: Any, max_rounds: int | None) -> int:
    """Audit and repair until safe: a cube pattern leaves no suppressed cell alone in an equation; primary
    cells without a cube wide enough, and any pattern of the other methods, get partners here and are checked
    by LP. Returns the number of repair rounds."""
    rounds = 0
    verified = np.zeros(model.n_cells, dtype=bool)   # safe cells stay safe: more suppression only widens
    while True:
        sup.close(suppressed)
        todo = np.flatnonzero(suppressed & ~verified)
        bad = _unsafe(model, suppressed, primary, required, todo, certificates)
        verified[todo] = True
        verified[bad] = False
        bad = np.union1d(bad, _group_disclosure(model, suppressed))
        if len(bad) == 0:
            return rounds
        rounds += 1
        if max_rounds is not None and rounds > max_rounds:
            raise DisclosureRiskError(f"{len(bad)} suppressed cell(s) remain unsafe after max_rounds={max_rounds} "
                                      f"rounds of repair; leave max_rounds=None to repair until safe (every round "
                                      f"suppresses at least one more cell, so it ends).")
        progress = False
        for c in bad:
            progress |= sup.widen(int(c), suppressed)
        if not progress:
            why = " that keep= allows" if sup.keep.any() else ""
            raise DisclosureRiskError(f"{len(bad)} suppressed cell(s) cannot be protected: no published cell left "
                                      f"to suppress with them{why} ({_cell_labels(model, bad[:3])}).")
