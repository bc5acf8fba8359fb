"""What a report is made of: :class:`Item`, and the builders that turn results into items.

Every input of :func:`segstat.report` becomes one or more items: a protected table, a table of rates, of
disparity measures, of segregation indices, any other DataFrame, or a matplotlib figure. A result type made
elsewhere (follow-up, targeting ...) joins by either

* carrying ``attrs["segstat.kind"]`` with a kind registered by :func:`register_kind` (a builder
  ``(frame, title, lang) -> Item``), or
* having a method ``to_report_item(title, lang) -> Item``.

A DataFrame without a kind is recognised by its columns (``rate``/``events``/``population`` for rates,
``measure``/``estimate``/``unit`` for disparity, ``estimate`` for segregation indices) and otherwise shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputTypeError
from . import i18n
from .i18n import Lang


@dataclass(frozen=True)
class Item:
    """One section of a report: a table (with the published values) and/or a figure, with its notes.

    Attributes
    ----------
    kind : str
        ``"protected"``, ``"rates"``, ``"disparity"``, ``"segregation"``, ``"table"``, ``"figure"`` or a kind
        registered by :func:`register_kind`.
    title : str
    frame : pandas.DataFrame or None
        The values as published: numbers stay numbers, ``<NA>`` where a cell is suppressed or undefined.
    suppressed : numpy.ndarray or None
        Per row, whether the row's value columns are suppressed (shown as ``..``); None if nothing is.
    value_columns : tuple of str
        Columns that ``suppressed`` applies to.
    decimals : dict
        Decimals shown per float column (integers show none).
    notes : tuple of str
        Units, comparisons, explanations, method notes: shown under the table and in the workbook's README.
    figure : matplotlib Figure or None
    per : float or None
        Rate multiplier, for the units in headings.
    priority : numpy.ndarray or None
        Order in which rows are shown when the table is summarised (lower first); None: the first rows.
    protection : str or None
        The method note of the disclosure control (shown once in the footer and the README).
    row_class : numpy.ndarray or None
        Per row a CSS class of the page ("primary", "secondary" or ""), to mark suppressed cells.
    sheet : str or None
        Name of the workbook sheet (default: from the title).
    shown : str or None
        Which rows a summarised table shows, in words (default: the top levels first, with ``priority``).
    """

    kind: str
    title: str
    frame: pd.DataFrame | None = None
    suppressed: np.ndarray | None = None
    value_columns: tuple[str, ...] = ()
    decimals: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    figure: Any = None
    per: float | None = None
    priority: np.ndarray | None = None
    protection: str | None = None
    row_class: np.ndarray | None = None
    sheet: str | None = None
    shown: str | None = None


Builder = Callable[[pd.DataFrame, str, Lang], Item]
_KINDS: dict[str, Builder] = {}


def register_kind(kind: str, builder: Builder) -> None:
    """Let DataFrames with ``attrs["segstat.kind"] == kind`` be report items built by ``builder``."""
    _KINDS[kind] = builder


def _decimals(series: pd.Series) -> int:
    """Decimals for a float column: fewer for larger values (a rate per 1 000: one; an index in [0, 1]: three)."""
    x = pd.to_numeric(series, errors="coerce").astype(float).abs()
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return 1
    m = float(x.median())
    return 1 if m >= 10 else 2 if m >= 1 else 3


def _auto_decimals(frame: pd.DataFrame) -> dict[str, int]:
    return {str(c): _decimals(frame[c]) for c in frame.columns
            if pd.api.types.is_float_dtype(frame[c]) and not _is_whole(frame[c])}


def _is_whole(series: pd.Series) -> bool:
    x = pd.to_numeric(series, errors="coerce").astype(float)
    x = x[np.isfinite(x)]
    return bool(len(x)) and bool((x == np.round(x)).all())


def _per(frame: pd.DataFrame) -> float:
    per = frame.attrs.get("segstat.per")
    if per is None and {"rate", "events", "population"} <= set(frame.columns):
        ok = frame["population"].astype(float) > 0
        if ok.any():
            ratio = (frame.loc[ok, "rate"].astype(float) * frame.loc[ok, "population"].astype(float)
                     / frame.loc[ok, "events"].astype(float).where(frame.loc[ok, "events"] > 0))
            ratio = ratio[np.isfinite(ratio)]
            if len(ratio):
                per = float(10 ** round(np.log10(float(ratio.median()))))
    return float(per or 1000)


def _level(frame: pd.DataFrame) -> float:
    cl = frame.attrs.get("segstat.confidence_level", 0.95)
    return round(100 * float(cl), 1)


def _label_columns(frame: pd.DataFrame, skip: set[str]) -> list[str]:
    return [c for c in frame.columns if c not in skip and not pd.api.types.is_float_dtype(frame[c])]


def rates_item(frame: pd.DataFrame, title: str, lang: Lang) -> Item:
    per = _per(frame)
    method = frame["method"].dropna().astype(str).iloc[0] if "method" in frame and frame["method"].notna().any() else ""
    notes = [i18n.text("rates_note", lang, per=per, level=_level(frame), interval=i18n.value(method, lang) or "-")]
    fig = None
    labels = _label_columns(frame, {"events", "population", "rate", "lower", "upper", "method"})
    if 0 < len(frame) <= 30 and {"lower", "upper"} <= set(frame.columns):
        from .figures import rates_chart

        fig = rates_chart(frame, labels, per=per, title=title, lang=lang, level=_level(frame))
    f = frame.reset_index(drop=True).copy()
    if "method" in f:
        f["method"] = [i18n.value(m, lang) for m in f["method"]]
    d = _decimals(frame["rate"])
    decimals = {**_auto_decimals(frame), **{c: d for c in ("rate", "lower", "upper") if c in frame}}
    return Item("rates", title, f, decimals=decimals, notes=tuple(notes), figure=fig, per=per)


def disparity_item(frame: pd.DataFrame, title: str, lang: Lang) -> Item:
    per = _per(frame)
    f = frame.reset_index(drop=True).copy()
    subgroup = frame.attrs.get("segstat.subgroup", "omradestyp")
    if "comparison" in f:
        f["comparison"] = [_comparison(c, lang) for c in f["comparison"]]
    if "unit" in f:
        f["unit"] = [i18n.value(u, lang, per) for u in f["unit"]]
    for c in ("type", "method", "note"):
        if c in f:
            f[c] = [i18n.value(u, lang, per) for u in f[c]]
    present = [m for m in dict.fromkeys(f["measure"].astype(str))] if "measure" in f else []
    expl = [i18n.MEASURES[lang][m] for m in present if m in i18n.MEASURES[lang]]
    notes = [i18n.text("disparity_note", lang, subgroup=i18n.column(subgroup, lang))]
    if expl:
        notes.append(i18n.text("abbreviations", lang) + ": " + "; ".join(expl) + ".")
    return Item("disparity", title, f, decimals={c: 2 for c in ("estimate", "lower", "upper") if c in f},
                notes=tuple(notes), per=per)


_COMPARE = re.compile(r"^\s*(.+?)\s+(?:vs\.?|versus|compared with)\s+(.+?)\s*$")


def _comparison(c: Any, lang: Lang) -> Any:
    """"5 vs 1" -> "typ 5 jämfört med typ 1"; "1 vs overall" -> "... jämfört med genomsnittet"."""
    if not isinstance(c, str):
        return c
    m = _COMPARE.match(c)
    if not m:
        return c
    a, b = (i18n.text("typ", lang, k=s) if s.isdigit() else s for s in m.groups())
    if m.group(2).lower() in ("overall", "mean", "the overall rate", "total"):
        return i18n.text("vs_overall", lang, a=a)
    return i18n.text("compared_with", lang, a=a, b=b)


def segregation_item(frame: pd.DataFrame, title: str, lang: Lang) -> Item:
    index = frame.attrs.get("segstat.index")
    if index is None and "index" in frame and len(frame):
        index = str(frame["index"].iloc[0])
    notes = [i18n.text("segregation_note", lang, level=_level(frame))]
    if index in i18n.INDICES[lang]:
        notes.insert(0, i18n.INDICES[lang][index] + ".")
    fig = None
    labels = _label_columns(frame, {"estimate", "lower", "upper", "n_areas", "method", "p_value", "index"})
    if 0 < len(frame) <= 40 and labels:
        from .figures import estimate_chart

        fig = estimate_chart(frame, labels, title=title, lang=lang, level=_level(frame))
    f = frame.reset_index(drop=True).copy()
    for c in ("index", "method"):
        if c in f:
            f[c] = [i18n.value(u, lang) for u in f[c]]
    return Item("segregation", title, f,
                decimals={**_auto_decimals(frame), **{c: 3 for c in ("estimate", "lower", "upper") if c in frame}},
                notes=tuple(notes), figure=fig)


def table_item(frame: pd.DataFrame, title: str, lang: Lang) -> Item:
    return Item("table", title, frame.reset_index(drop=True), decimals=_auto_decimals(frame))


def protected_items(protected: Any, title: str, lang: Lang) -> list[Item]:
    """One item per table of a :class:`~segstat.disclosure.protect.ProtectedTables`, all with its method note."""
    n = len(protected.tables)
    note = protected.method_note(lang)
    items = []
    for k, t in enumerate(protected.tables):
        f = protected.to_frame(k)
        status = f["status"].astype(str).to_numpy()
        col = "value" if t.kind == "magnitude" else "count"
        dims = " × ".join(i18n.column(d.name, lang) for d in t.dims)
        sub = title if n == 1 else f"{title} ({k + 1}/{n}: {dims})"
        levels = [c for c in f.columns if c.endswith("_level")]
        # summary order: the top levels first (riket, län, kommun ... over all ages), then the rest in order
        depth = np.zeros(len(f), dtype=int)
        idx = t.node_index()
        for a, d in enumerate(t.dims):
            node_depth = np.array([0 if k == len(d.nodes) - 1 else 1 + len(d.ancestors(v))
                                   for k, v in enumerate(d.nodes)])
            depth += node_depth[idx[:, a]]
        counts = {s: int((status == s).sum()) for s in ("published", "primary", "secondary")}
        summary = i18n.text("cells_summary", lang, cells=len(f), published=counts["published"],
                            primary=counts["primary"], secondary=counts["secondary"])
        notes = [summary, i18n.text("suppressed_legend", lang)]
        kept = int(getattr(protected, "rules", {}).get("keep", 0) or 0)
        if kept:
            notes.append(i18n.text("kept_published", lang, n=f"{kept:,}".replace(",", "\u00a0" if lang == "sv" else ",")))
        if n > 1:
            notes.append(i18n.text("protected_together", lang, tables=", ".join(str(j + 1) for j in range(n))))
        for c in [*levels, *(d.name for d in t.dims)]:
            f[c] = [i18n.value(v, lang) for v in f[c]]
        f["status"] = [i18n.value(s, lang) for s in status]
        f["rule"] = [i18n.value(r, lang) if r else "" for r in f["rule"]]
        items.append(Item("protected", sub, f, suppressed=status != "published", value_columns=(col,),
                          decimals={"value": 0} if col == "value" else {}, notes=tuple(notes),
                          priority=depth, protection=note,
                          row_class=np.where(status == "published", "", status), sheet=None if n == 1 else dims))
    return items


def figure_item(fig: Any, title: str, lang: Lang) -> Item:
    return Item("figure", title, figure=fig)


def _kind_of(frame: pd.DataFrame) -> str:
    kind = frame.attrs.get("segstat.kind")
    if kind:
        return str(kind)
    cols = set(frame.columns)
    if {"rate", "events", "population"} <= cols:
        return "rates"
    if {"measure", "estimate"} <= cols and ({"unit", "type"} & cols):
        return "disparity"
    if "estimate" in cols:
        return "segregation"
    return "table"


register_kind("rates", rates_item)
register_kind("disparity", disparity_item)
register_kind("segregation", segregation_item)
register_kind("table", table_item)


def to_items(obj: Any, title: str, lang: Lang) -> list[Item]:
    """``obj`` as report items (see the module docstring for what is accepted)."""
    from ..disclosure.protect import ProtectedTables

    if isinstance(obj, Item):
        return [obj]
    if hasattr(obj, "to_report_item"):
        return [obj.to_report_item(title, lang)]
    if isinstance(obj, ProtectedTables):
        return protected_items(obj, title, lang)
    if isinstance(obj, pd.DataFrame):
        kind = _kind_of(obj)
        if kind not in _KINDS:
            raise InputTypeError(f"item {title!r} has attrs['segstat.kind']={kind!r}, which no builder is registered "
                                 f"for; known kinds: {', '.join(sorted(_KINDS))} (register one with "
                                 f"segstat.publish.register_kind).")
        return [_KINDS[kind](obj, title, lang)]
    if type(obj).__module__.startswith("matplotlib") and hasattr(obj, "savefig"):
        return [figure_item(obj, title, lang)]
    raise InputTypeError(f"item {title!r} is a {type(obj).__name__}; a report takes ProtectedTables (from "
                         f"segstat.protect), DataFrames (rates, disparity, segregation or any table), matplotlib "
                         f"figures, or objects with a to_report_item(title, lang) method.")
