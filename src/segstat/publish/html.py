"""The report page: one HTML file with its figures embedded as data URIs, no script and no remote resource,
so it opens from disk, offline, in any browser."""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pandas as pd

from . import i18n
from .i18n import Lang
from .items import Item

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 62rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.note { background: #fff3cd; border: 1px solid #e0c36c; padding: .5rem 1rem; font-weight: 600; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }
th, td { border: 1px solid #ccc; padding: .2rem .5rem; }
th { background: #f2f2f2; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.primary td { background: #f4cccc; } tr.secondary td { background: #fce5cd; }
span.primary { background: #f4cccc; padding: 0 .3rem; } span.secondary { background: #fce5cd; padding: 0 .3rem; }
.small { font-size: .82rem; color: #444; } img { max-width: 100%; height: auto; }
footer { margin-top: 3rem; border-top: 1px solid #ccc; font-size: .8rem; color: #444; }
"""


def _text(s: str) -> str:
    """``s`` escaped for a text node (quotes stay quotes)."""
    return html.escape(s, quote=False)


def _anchor(k: int) -> str:
    return f"item-{k + 1}"


def _fmt(v: Any, decimals: int | None, lang: Lang) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return i18n.fmt_number(int(v), lang, 0)
    if isinstance(v, (float, np.floating)):
        return i18n.fmt_number(float(v), lang, decimals)
    return str(v)


def table_html(item: Item, lang: Lang, max_rows: int, workbook: str, sheet: str) -> str:
    frame = item.frame
    assert frame is not None  # callers pass table items only
    n = len(frame)
    order = np.arange(n)
    what = i18n.text("shown_first", lang)
    if n > max_rows and item.priority is not None:
        order = np.argsort(np.asarray(item.priority), kind="stable")
        what = item.shown or i18n.text("shown_margins", lang)
    shown = np.sort(order[:max_rows]) if n > max_rows else order
    cols = [str(c) for c in frame.columns]
    numeric = {c for c in cols if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])}
    head = "".join(f"<th>{_text(i18n.column(c, lang, item.per))}</th>" for c in cols)
    rows = []
    for i in shown:
        r = frame.iloc[int(i)]
        hidden = item.suppressed is not None and bool(item.suppressed[i])
        cells = []
        for c in cols:
            text = ".." if hidden and c in item.value_columns else _fmt(r[c], item.decimals.get(c), lang)
            cls = ' class="num"' if c in numeric or c in item.value_columns else ""
            cells.append(f"<td{cls}>{_text(text)}</td>")
        cls = f' class="{item.row_class[i]}"' if item.row_class is not None and item.row_class[i] else ""
        rows.append(f"<tr{cls}>{''.join(cells)}</tr>")
    more = ""
    if n > max_rows:
        more = "<p class='small'>" + _text(i18n.text("shown_rows", lang, n=n, shown=len(shown), what=what,
                                                           workbook=workbook, sheet=sheet)) + "</p>"
    return (f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
            f"{more}")


def page(*, title: str, lang: Lang, note: str | None, items: list[Item], images: list[str | None],
         sheets: list[str], workbook: str | None, max_rows: int, footer: list[str]) -> str:
    """The whole page; ``images[k]`` is the data URI of item k's figure (or None)."""
    toc = "".join(f"<li><a href='#{_anchor(k)}'>{_text(it.title)}</a></li>" for k, it in enumerate(items))
    body = [f"<h1>{_text(title)}</h1>"]
    if note:
        body.append(f"<p class='note'>{_text(note)}</p>")
    body.append(f"<nav><h2>{_text(i18n.text('contents', lang))}</h2><ul>{toc}</ul></nav>")
    for k, (it, img, sheet) in enumerate(zip(items, images, sheets)):
        body.append(f"<section id='{_anchor(k)}'><h2>{_text(it.title)}</h2>")
        if img is not None:
            body.append(f"<figure><img alt='{html.escape(it.title, quote=True)}' src='{img}'></figure>")
        if it.frame is not None:
            if it.kind == "protected":
                body.append(f"<p class='small'><span class='primary'>{_text(i18n.text('primary', lang))}"
                            f"</span> <span class='secondary'>{_text(i18n.text('secondary', lang))}</span></p>")
            body.append(table_html(it, lang, max_rows, workbook or "", sheet))
        for n in it.notes:
            body.append(f"<p class='small'>{_text(n)}</p>")
        if it.protection:
            body.append(f"<p class='small'>{_text(it.protection)}</p>")
        body.append("</section>")
    body.append("<footer>" + "".join(f"<p>{line}</p>" for line in footer) + "</footer>")
    return (f"<!DOCTYPE html>\n<html lang='{lang}'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_text(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def slug(text: str) -> str:
    s = re.sub(r"[^0-9A-Za-zåäöÅÄÖ]+", "_", text).strip("_").lower()
    return s[:40] or "figur"
