"""Move counts between DeSO 2018 and DeSO 2025 with SCB's change log.

SCB's log (``deso-historiska-forandringar``, 2025-09-19) lists every DeSO that
ended, was created, shrank, grew or changed code on 2025-01-01. segstat reads
it as a bipartite graph: a 2018 code is linked to a 2025 code when the 2025
area holds territory of the 2018 area (a code present in both vintages is
linked to itself). Each connected component of that graph is a set of areas
whose joint territory is the same in both vintages, so

* a component with exactly one **target** code is an exact aggregation
  (targets receive the sum of their sources),
* a component with one source and one target passes counts through
  (unchanged code, recoded area, or boundary moved only into territorial water),
* a source linked to one target passes its counts to it whole; a source linked
  to several (its territory was divided) needs an allocation: the caller
  supplies ``weights=``.

The log is not complete: 121 DeSO are marked as grown and 28 as shrunk without
the area that gave or took the territory. segstat cannot move territory the log
does not name; such an area keeps its counts and is reported as
``unlinked_change`` (``boundary_changed`` true), never as unchanged.

Two rows of the log dated 2018-02-21 (1883A0010, 1883A0020 -> 1883A0030)
predate the DeSO 2018 key and are not part of the 2018 -> 2025 change.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._data import load_table
from .._validation import check_columns, check_counts, check_dataframe, examples
from ..errors import CrosswalkError, InputTypeError, InputValueError
from .._vintage import carry_vintage, require_vintage, resolve_vintage
from .registry import validate_codes

#: words of column names that hold non-additive statistics (their values cannot be summed): Swedish words
#: also as the start of a compound ("medianinkomst", "andelar"), English ones as a whole word or plural
_NON_ADDITIVE_PREFIX = ("median", "medel", "andel", "procent", "kvot", "genomsnitt")
_NON_ADDITIVE_WORDS = ("mean", "share", "pct", "percent", "rate", "ratio", "average", "median")
_WATER_ONLY = "Utvidgas till territorialvattengräns"
_TYPES_SEP = " | "


@dataclass(frozen=True)
class _Links:
    edges: pd.DataFrame      # old, new (unique)
    component: pd.Series     # code with "18:"/"25:" prefix -> component id
    changes: pd.DataFrame    # deso -> change types (either vintage)


@functools.lru_cache(maxsize=1)
def _links() -> _Links:
    from .registry import _areas

    old = set(_areas("deso", 2018)["code"].astype(str))
    new = set(_areas("deso", 2025)["code"].astype(str))
    log = load_table("deso_changes")
    log = log[(log["date"] == "2025-01-01") & log["from_deso"].isin(old) & log["to_deso"].isin(new)]
    same = sorted(old & new)
    edges = pd.concat(
        [pd.DataFrame({"old": same, "new": same}), log.rename(columns={"from_deso": "old", "to_deso": "new"})[["old", "new"]]],
        ignore_index=True,
    ).drop_duplicates(ignore_index=True)

    # connected components over "18:code" and "25:code" nodes, each labelled by its first node
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    nodes = [f"18:{c}" for c in sorted(old)] + [f"25:{c}" for c in sorted(new)]
    pos = {n: i for i, n in enumerate(nodes)}
    a = np.array([pos[f"18:{o}"] for o in edges["old"]], dtype=np.int64)
    b = np.array([pos[f"25:{n}"] for n in edges["new"]], dtype=np.int64)
    graph = sparse.csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(len(nodes), len(nodes)))
    _, label = connected_components(graph, directed=False)
    first = np.full(int(label.max()) + 1, len(nodes), dtype=np.int64)
    np.minimum.at(first, label, np.arange(len(nodes)))
    comp = pd.Series(first[label], index=nodes)

    types = pd.concat([log[["from_deso", "change_type"]].rename(columns={"from_deso": "deso"}),
                       log[["to_deso", "change_type"]].rename(columns={"to_deso": "deso"})])
    # SCB's type names contain "; " themselves ("Upphör; till nybildad"): joined with " | "
    changes = types.groupby("deso")["change_type"].agg(lambda s: _TYPES_SEP.join(sorted(set(s))))
    return _Links(edges=edges, component=comp, changes=changes.to_frame())


def change_log() -> pd.DataFrame:
    """SCB's DeSO change log as bundled (``from_deso, to_deso, change_type, date``)."""
    return load_table("deso_changes")


@dataclass(frozen=True)
class CrosswalkResult:
    """Counts moved to another DeSO vintage, with a report per target area.

    Attributes
    ----------
    data : pandas.DataFrame
        The moved counts: the area column (target codes), any ``by`` columns and
        the count columns.
    report : pandas.DataFrame
        One row per target area present in ``data``: ``method`` (``unchanged``,
        ``recoded``, ``aggregated``, ``allocated``, or ``unlinked_change``: the
        area kept its code, SCB's log says its boundary changed but names no
        other area, so its counts passed through whole), ``sources`` (the
        source codes, ``;``-separated), ``boundary_changed``, ``change_types``
        (SCB's change types, `` | ``-separated, each kept whole) and
        ``missing_sources`` (non-empty only with ``partial=True``).
    from_vintage, to_vintage : int
    """

    data: pd.DataFrame
    report: pd.DataFrame
    from_vintage: int
    to_vintage: int
    counts: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The moved counts (a copy)."""
        return self.data.copy()

    def __repr__(self) -> str:
        methods = self.report["method"].value_counts().to_dict() if len(self.report) else {}
        changed = int(self.report["boundary_changed"].sum()) if len(self.report) else 0
        return (f"CrosswalkResult(DeSO {self.from_vintage} -> DeSO {self.to_vintage}, {len(self.data)} rows, "
                f"methods={methods}, boundary_changed={changed})")


def _check_count_columns(data: pd.DataFrame, counts: list[str], fractional: bool) -> None:
    for c in counts:
        words = [w for w in re.split(r"[^a-zåäö]+", str(c).lower()) if w]
        hit = [p for w in words for p in _NON_ADDITIVE_PREFIX if w.startswith(p)] + \
              [x for w in words for x in _NON_ADDITIVE_WORDS if w in (x, x + "s")]
        if hit:
            raise InputValueError(
                f"counts={c!r} looks like a {hit[0]} (a share, mean, median or rate), which cannot be summed "
                f"across areas. Move the numerator and denominator counts instead and recompute it afterwards "
                f"(a column of counts whose name merely reads like one: rename it)."
            )
    check_counts(data, counts, integer=not fractional)


def crosswalk(
    data: pd.DataFrame,
    *,
    area: str,
    counts: str | list[str],
    from_vintage: int | None = None,
    to_vintage: int | None = None,
    by: str | list[str] | None = None,
    weights: pd.Series | pd.DataFrame | None = None,
    fractional: bool = False,
    partial: bool = False,
) -> CrosswalkResult:
    """Move count columns between DeSO 2018 and DeSO 2025 using SCB's change log.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per DeSO of ``from_vintage`` (and per combination of ``by``).
    area : str
        Column with DeSO codes of ``from_vintage``.
    counts : str or list of str
        Columns of counts (persons, events). Shares, means, medians and rates
        are refused: they cannot be summed.
    from_vintage : {2018, 2025}, optional
        The DeSO vintage of ``data`` (2020 is accepted for 2018). ``None``
        takes it from ``data.attrs["segstat.vintage"]``; otherwise a
        :class:`~segstat.errors.VintageError` asks for it, and a stated one
        that contradicts the data's is a :class:`~segstat.errors.VintageError`.
    to_vintage : {2018, 2025}
        Required: the DeSO vintage to move to. ``.data`` carries it in
        ``attrs["segstat.vintage"]``.
    by : str or list of str, optional
        Other columns that classify the counts (age band, year ...); counts are
        moved within each combination.
    weights : Series or DataFrame, optional
        Needed only where an area's territory was divided among several target
        areas. Either a Series indexed by **target** DeSO codes (for example the
        target-vintage population), used to share each source area's count
        among the target areas it is linked to in proportion to their weights;
        or a DataFrame with columns ``from``, ``to``, ``weight`` giving the share
        of each source code going to each target (shares of a source sum to 1).
    fractional : bool, default False
        Accept non-integer counts (for example from an earlier allocation).
    partial : bool, default False
        A target area built from several source areas needs all of them. By
        default a missing source is an error; ``partial=True`` sums what is
        there and lists the missing sources in the report (``missing_sources``).

    Returns
    -------
    CrosswalkResult
        ``.data`` with the moved counts and ``.report`` flagging, per target
        area, how it was obtained and whether its boundary changed.

    Raises
    ------
    CrosswalkError
        A move needs an allocation and no ``weights`` were given; the message
        names the codes.

    Notes
    -----
    Totals are preserved exactly: every source count is passed on in full,
    either to its single target or split by ``weights``. Moving DeSO 2025
    counts back to 2018 is exact for areas that were split in 2025 (for
    example 0114C1060 became 0114C1061 and 0114C1062), and moving 2018 counts
    forward is exact for areas that were merged.

    Examples
    --------
    >>> import pandas as pd, segstat
    >>> d = pd.DataFrame({"deso": ["0114C1061", "0114C1062"], "persons": [1200, 900]})
    >>> r = segstat.crosswalk(d, area="deso", counts="persons", from_vintage=2025, to_vintage=2018)
    >>> r.data.to_dict("records")
    [{'deso': '0114C1060', 'persons': 2100}]
    >>> r.report["method"].tolist()
    ['aggregated']
    """
    data = check_dataframe(data)
    counts = [counts] if isinstance(counts, str) else list(counts)
    by = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if not counts:
        raise InputValueError("counts is empty; name at least one count column.")
    check_columns(data, {"area": area, "counts": counts, "by": by})
    extra = [c for c in data.columns if c not in {area, *counts, *by}]
    if extra:
        raise InputValueError(
            f"data has columns that are neither the area, counts nor by: {examples(extra)}. Pass them as by= "
            f"to keep them as classifiers, or drop them before moving counts."
        )
    _check_count_columns(data, counts, fractional)
    src_v = resolve_vintage(from_vintage, data, "crosswalk()", keyword="from_vintage")
    dst_v = require_vintage(to_vintage, "crosswalk()", keyword="to_vintage")
    codes = validate_codes(data[area], "deso", src_v)
    dup = pd.DataFrame({"a": codes.to_numpy(), **{b: data[b].to_numpy() for b in by}}).duplicated(keep=False)
    if dup.any():
        raise InputValueError(
            f"{int(dup.sum())} rows repeat the same {area!r}{' and ' + ', '.join(by) if by else ''}: "
            f"{examples(codes[dup.to_numpy()].unique().tolist())}. Aggregate them first (one row per area)."
        )
    for b in by:
        if data[b].isna().any():
            rows = data.index[data[b].isna()].tolist()
            raise InputValueError(f"by column {b!r} has missing values in rows {examples(rows)}; fill them first.")

    links = _links()
    src_p, dst_p = ("18:", "25:") if src_v == 2018 else ("25:", "18:")
    e = links.edges.rename(columns={"old": "src", "new": "dst"}) if src_v == 2018 else \
        links.edges.rename(columns={"new": "src", "old": "dst"})
    if src_v == dst_v:
        e = pd.DataFrame({"src": pd.unique(codes.astype(str)), "dst": pd.unique(codes.astype(str))})
    e = e[e["src"].isin(set(codes.astype(str)))].copy()
    comp = links.component
    if src_v != dst_v:
        e["comp"] = comp.reindex(src_p + e["src"]).to_numpy()
        members = comp.groupby(comp.to_numpy()).apply(lambda s: s.index.tolist())
        n_dst = members.map(lambda m: sum(1 for n in m if n.startswith(dst_p)))
        n_src = members.map(lambda m: sum(1 for n in m if n.startswith(src_p)))
        e["n_dst"] = n_dst.reindex(e["comp"]).to_numpy()
        e["n_src"] = n_src.reindex(e["comp"]).to_numpy()
    else:
        e["comp"], e["n_dst"], e["n_src"] = np.arange(len(e)), 1, 1
    # a source linked to a single target goes there whole, even in a component with several targets; only
    # a source whose territory was divided among targets needs weights
    e["split"] = e.groupby("src")["dst"].transform("size").to_numpy() > 1
    e["share"] = np.where(e["split"], np.nan, 1.0)

    if src_v != dst_v:
        given = set(codes.astype(str))
        wanted = e.groupby("dst")["comp"].first()
        absent: dict[str, list[str]] = {}
        for dst, cid in wanted.items():
            for node in members[cid]:
                if node.startswith(src_p) and node[3:] not in given:
                    absent.setdefault(dst, []).append(node[3:])
        if absent and not partial:
            shown = ", ".join(f"{d} needs {'/'.join(m)}" for d, m in list(absent.items())[:5])
            raise CrosswalkError(
                f"{len(absent)} DeSO {dst_v} area(s) would be built from only part of their DeSO {src_v} "
                f"sources because some are not in data: {shown}. Pass every area of the region, or "
                f"partial=True to sum what is there (the report lists the missing sources)."
            )
    else:
        absent = {}

    need = e[e["share"].isna()]
    if len(need):
        if weights is None:
            srcs = sorted(need["src"].unique())
            raise CrosswalkError(
                f"{len(srcs)} DeSO {src_v} code(s) were divided among several DeSO {dst_v} areas (their "
                f"boundaries were redrawn), so their counts need an allocation: {examples(srcs)}. Pass weights= "
                f"(a Series of target-area weights such as the DeSO {dst_v} population, or a DataFrame with "
                f"columns from, to, weight)."
            )
        e.loc[need.index, "share"] = _shares(need, weights, dst_v)

    moved = (
        pd.DataFrame({"src": codes.astype(str).to_numpy(), **{b: data[b].to_numpy() for b in by},
                      **{c: data[c].to_numpy(dtype=float) for c in counts}})
        .merge(e[["src", "dst", "share"]], on="src", how="left", validate="many_to_many")
    )
    for c in counts:
        moved[c] = moved[c] * moved["share"]
    out = moved.groupby(["dst", *by], sort=True, dropna=False)[counts].sum().reset_index()
    if not fractional and (moved["share"] == 1).all():
        out[counts] = out[counts].round().astype("int64")  # whole counts moved whole stay integers
    out = out.rename(columns={"dst": area})
    out[area] = out[area].astype("string")

    report = _report(e, links, src_v, dst_v)
    report["missing_sources"] = report["code"].astype(str).map(lambda c: ";".join(absent.get(c, []))).astype("string")
    report = report[report["code"].isin(set(out[area].astype(str)))].reset_index(drop=True)
    return CrosswalkResult(data=carry_vintage(out, dst_v), report=carry_vintage(report, dst_v),
                           from_vintage=src_v, to_vintage=dst_v, counts=tuple(counts))


def _shares(need: pd.DataFrame, weights: Any, dst_v: int) -> np.ndarray:
    if isinstance(weights, pd.Series):
        w = weights.copy()
        w.index = w.index.astype(str)
        if not w.index.is_unique:
            raise CrosswalkError(f"weights repeat DeSO {dst_v} code(s) {examples(w.index[w.index.duplicated()].tolist())}; "
                                 f"give one weight per target area.")
        missing = sorted(set(need["dst"]) - set(w.index))
        if missing:
            raise CrosswalkError(
                f"weights has no value for {len(missing)} DeSO {dst_v} code(s) needed for the allocation: "
                f"{examples(missing)}. Index the weights by DeSO {dst_v} codes."
            )
        v = w.reindex(need["dst"]).to_numpy(float)
        if np.isnan(v).any() or (v < 0).any():
            raise CrosswalkError("weights must be non-negative numbers without NaN.")
        tot = pd.Series(v).groupby(need["src"].to_numpy()).transform("sum").to_numpy()
        if (tot == 0).any():
            bad = sorted(set(need["src"].to_numpy()[tot == 0]))
            raise CrosswalkError(f"the weights of the targets of {examples(bad)} are all zero; counts cannot be shared.")
        return v / tot
    if isinstance(weights, pd.DataFrame):
        check_columns(weights, {"weights": ["from", "to", "weight"]}, name="weights")
        w = weights.assign(**{"from": weights["from"].astype(str), "to": weights["to"].astype(str)})
        dup = w.duplicated(["from", "to"], keep=False)
        if dup.any():
            pairs = pd.unique(w.loc[dup, "from"] + "->" + w.loc[dup, "to"]).tolist()
            raise CrosswalkError(f"weights repeat the pairs {examples(pairs)}; give each from -> to pair once.")
        v = pd.to_numeric(w["weight"], errors="coerce").to_numpy(float)
        if np.isnan(v).any() or (v < 0).any():
            bad = (w["from"] + "->" + w["to"])[np.isnan(v) | (v < 0)].tolist()
            raise CrosswalkError(f"weights must be shares between 0 and 1 without NaN; they are not for {examples(bad)}.")
        # a pair the change log does not link would move counts into an area that holds none of the source's
        # territory (and, left out of the move, lose them): refuse it
        linked = set(zip(need["src"], need["dst"]))
        relevant = w["from"].isin(set(need["src"]))
        unlinked = [f"{a}->{b}" for a, b in zip(w.loc[relevant, "from"], w.loc[relevant, "to"]) if (a, b) not in linked]
        if unlinked:
            raise CrosswalkError(f"weights give pairs that SCB's change log does not link: {examples(unlinked)}; a "
                                 f"source's counts can only go to the DeSO {dst_v} areas holding its territory.")
        sums = w.groupby("from")["weight"].sum()
        off = sums[(sums - 1).abs() > 1e-9]
        if len(off):
            raise CrosswalkError(f"weights of each 'from' code must sum to 1; they do not for {examples(off.index.tolist())}.")
        m = need.merge(w, left_on=["src", "dst"], right_on=["from", "to"], how="left")
        if m["weight"].isna().any():
            miss = m.loc[m["weight"].isna(), ["src", "dst"]].astype(str).agg("->".join, axis=1).tolist()
            raise CrosswalkError(f"weights lack the pairs {examples(miss)}; give a weight for every linked pair.")
        return m["weight"].to_numpy(float)
    raise InputTypeError("weights must be a pandas Series indexed by target codes or a DataFrame with from, to, weight.")


def _report(e: pd.DataFrame, links: _Links, src_v: int, dst_v: int) -> pd.DataFrame:
    g = e.groupby("dst")
    rep = pd.DataFrame({
        "code": g.size().index.astype(str),
        "sources": g["src"].agg(lambda s: ";".join(sorted(s))).to_numpy(),
        "n_src": g["n_src"].first().to_numpy(),
        "exact": ~g["split"].any().to_numpy(),
    })
    if src_v == dst_v:  # nothing moves within a vintage
        rep["change_types"], rep["boundary_changed"] = "", False
    else:
        types = links.changes["change_type"]
        src_types = e.assign(t=e["src"].map(types)).groupby("dst")["t"].agg(
            lambda s: {x for v in s.dropna() for x in v.split(_TYPES_SEP)})
        dst_types = rep["code"].map(types).fillna("")
        sets = [a | {x for x in b.split(_TYPES_SEP) if x}
                for a, b in zip(src_types.reindex(rep["code"]).to_numpy(), dst_types)]
        rep["change_types"] = [_TYPES_SEP.join(sorted(t)) for t in sets]
        rep["boundary_changed"] = [any(x != _WATER_ONLY and not x.startswith("Kodändrad") for x in t) for t in sets]
    same = (rep["n_src"] == 1) & (rep["sources"] == rep["code"])
    rep["method"] = np.select(
        [~rep["exact"], same & rep["boundary_changed"], same, rep["n_src"] == 1],
        ["allocated", "unlinked_change", "unchanged", "recoded"], default="aggregated")
    rep["code"] = rep["code"].astype("string")
    return rep[["code", "method", "sources", "boundary_changed", "change_types"]]
