"""HTML of the barometer's pages: the page shell, a chart block (chart, text alternative, data table, CSV link)."""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path
from typing import Any

import pandas as pd

from ._text import TEXT, fmt

CSS = """
:root { --ink: #1f1f1f; --muted: #555; --line: #c8c8c8; --focus: #1d4ed8; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0;
       line-height: 1.45; }
a { color: #0b4ea2; } a:focus, summary:focus, .chart:focus { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .3rem; }
header { background: #12355b; color: #fff; padding: .8rem 1.5rem; }
header a { color: #fff; } header .site { font-size: 1.2rem; font-weight: 700; text-decoration: none; }
nav ul { list-style: none; margin: .4rem 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 1.2rem; }
main { max-width: 66rem; margin: 1rem auto; padding: 0 1.5rem; }
.banner { background: #fff3cd; border: 1px solid #b58a00; padding: .5rem 1rem; font-weight: 600; }
figure { margin: 1.5rem 0; border-top: 1px solid var(--line); padding-top: .5rem; }
figcaption, .note { font-size: .9rem; color: var(--muted); }
table { border-collapse: collapse; font-size: .88rem; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .2rem .5rem; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f2f2f2; text-align: left; }
.swatch { display: inline-block; width: .9rem; height: .9rem; border: 1px solid #555; vertical-align: middle; }
ul.cols { columns: 3 14rem; }
footer { max-width: 66rem; margin: 2rem auto; padding: 1rem 1.5rem; border-top: 1px solid var(--line);
         font-size: .85rem; color: var(--muted); }
"""


def _json(obj: Any) -> str:
    """A figure as a JavaScript literal (NaN stays NaN, which Plotly draws as a gap), safe inside <script>."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


class Page:
    """One page: blocks of HTML, written with the shell (navigation, banner, footer) around them."""

    def __init__(self, path: str, title: str, *, site: dict[str, Any]) -> None:
        self.path, self.title, self.site = path, title, site
        self.blocks: list[str] = []
        self.charts = 0
        depth = path.count("/")
        self.root = "../" * depth

    def add(self, block: str) -> None:
        self.blocks.append(block)

    def heading(self, text: str, level: int = 2) -> None:
        self.add(f"<h{level}>{html.escape(text)}</h{level}>")

    def paragraph(self, text: str, cls: str = "") -> None:
        self.add(f"<p{f' class={cls!r}' if cls else ''}>{html.escape(text)}</p>")

    def chart(self, figure: dict, *, alt: str, caption: str, table: pd.DataFrame, csv: str | None,
              table_frame: pd.DataFrame | None = None) -> None:
        """A chart with its text alternative, its data table (in a <details>) and the CSV link."""
        t = TEXT[self.site["lang"]]
        self.charts += 1
        cid = f"chart{self.charts}"
        link = (f' <a href="{self.root}{csv}" download>{html.escape(t["download"])}</a>' if csv else "")
        self.add(
            f'<figure aria-labelledby="{cid}-cap"><div id="{cid}" class="chart" role="img" tabindex="0" '
            f'aria-label="{html.escape(alt)}"></div>'
            f'<figcaption id="{cid}-cap">{html.escape(caption)}{link}</figcaption>'
            f'<p class="note"><span class="visually">{html.escape(t["text_alt"])}:</span> {html.escape(alt)}</p>'
            f"<details><summary>{html.escape(t['data_table'])}</summary>"
            f"{table_html(table if table_frame is None else table_frame)}</details></figure>"
            f'<script>Plotly.newPlot("{cid}",{_json(figure["data"])},{_json(self._layout(figure))},'
            f'{{"displaylogo":false,"responsive":true}});</script>'
        )

    def _layout(self, figure: dict) -> dict:
        """The figure's layout with the page language's number separators (Plotly's ``separators``: decimal
        mark, then thousands): a decimal comma and a narrow no-break space in Swedish, as in the tables."""
        layout = dict(figure["layout"])
        layout.setdefault("separators", ",\u202f" if self.site["lang"] == "sv" else ".,")
        return layout

    def write(self, root: Path) -> None:
        t = TEXT[self.site["lang"]]
        r = self.root
        nav = "".join(f'<li><a href="{r}{href}">{html.escape(t[key])}</a></li>' for key, href in self.site["nav"])
        banner = f'<p class="banner" role="note">{html.escape(t["synthetic"])}</p>' if self.site["synthetic"] else ""
        doc = (
            f'<!DOCTYPE html>\n<html lang="{self.site["lang"]}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(self.title)} – {html.escape(self.site['title'])}</title>"
            f'<link rel="stylesheet" href="{r}assets/style.css">'
            f'<script src="{r}assets/plotly.min.js"></script></head><body>'
            f'<a class="skip" href="#main">{html.escape(t["skip"])}</a>'
            f'<header><a class="site" href="{r}index.html">{html.escape(self.site["title"])}</a>'
            f'<nav aria-label="{html.escape(self.site["title"])}"><ul>{nav}</ul></nav></header>'
            f'<main id="main" tabindex="-1">{banner}<h1>{html.escape(self.title)}</h1>{"".join(self.blocks)}</main>'
            f'<footer>{self.site["footer"]}</footer></body></html>\n'
        )
        target = root / self.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(doc, encoding="utf-8")


def _rows(frame: pd.DataFrame) -> list[tuple]:
    """The rows of a frame as tuples of Python values (column by column: far faster than itertuples)."""
    return list(zip(*(frame[c].tolist() for c in frame.columns)))


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and v != v)


def table_html(frame: pd.DataFrame, links: dict[str, str] | None = None) -> str:
    """A data table; floats as the page shows them (``attrs["digits"]`` decimals, 1 by default), missing as '..';
    ``links`` maps a cell text to a URL."""
    lang = frame.attrs.get("lang", "sv")
    digits = int(frame.attrs.get("digits", 1))
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in frame.columns)
    rows = []
    for rec in _rows(frame):
        cells = []
        for v in rec:
            if _missing(v):
                cells.append('<td class="n">..</td>')
            elif isinstance(v, (float, int)) and not isinstance(v, bool):
                cells.append(f'<td class="n">{fmt(v, lang, 0 if isinstance(v, int) else digits)}</td>')
            else:
                s = str(v)
                cell = html.escape(s)
                if links and s in links:
                    cell = f'<a href="{links[s]}">{cell}</a>'
                cells.append(f"<td>{cell}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def write_csv(frame: pd.DataFrame, root: Path, name: str) -> str:
    """Write the data behind a view (suppressed and missing values as '..'); return its site path."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow([str(c) for c in frame.columns])
        out.writerows([".." if _missing(v) else v for v in row] for row in _rows(frame))
    return name
