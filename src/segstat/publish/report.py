"""``segstat.report``: one's own results as a self-contained HTML page, an Excel workbook and figures."""

from __future__ import annotations

import datetime as _dt
import html
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._version import __version__
from ..errors import InputTypeError, InputValueError
from . import i18n
from .i18n import Lang
from .items import Item, to_items


def _esc(s: str) -> str:
    return html.escape(s, quote=False)


@dataclass(frozen=True)
class ReportFiles:
    """The files :func:`report` wrote.

    Attributes
    ----------
    html : pathlib.Path
        The page (figures embedded; opens offline from disk).
    excel : pathlib.Path or None
        The workbook (None when ``openpyxl`` is missing).
    figures : tuple of pathlib.Path
        Every figure as PNG.
    sheets : dict
        Item title -> sheet name in the workbook.
    """

    html: Path
    excel: Path | None
    figures: tuple[Path, ...]
    sheets: dict[str, str]


def _pairs(items: Any) -> list[tuple[str, Any]]:
    if isinstance(items, Mapping):
        return [(str(k), v) for k, v in items.items()]
    if isinstance(items, (pd.DataFrame, str, bytes)) or not isinstance(items, Sequence):
        items = [items]
    out = []
    for k, it in enumerate(items):
        if isinstance(it, tuple) and len(it) == 2 and isinstance(it[0], str):
            out.append((it[0], it[1]))
        else:
            attrs = getattr(it, "attrs", None)
            title = attrs.get("segstat.title") if isinstance(attrs, dict) else None
            out.append((str(title or f"{k + 1}"), it))
    return out


def _provenance(objs: list[Any], lang: Lang) -> list[str]:
    """One line per distinct data source found in ``attrs["segstat.provenance"]``."""
    lines: list[str] = []
    for obj in objs:
        attrs = getattr(obj, "attrs", None)
        p = attrs.get("segstat.provenance") if isinstance(attrs, dict) else None
        if not p:
            continue
        if isinstance(p, str):
            line = p
        else:
            parts = [str(p[k]) for k in ("source", "label") if p.get(k)]
            if p.get("table"):
                parts.append(f"{i18n.text('table_id', lang)} {p['table']}")
            if p.get("updated"):
                parts.append(f"{i18n.text('updated', lang)} {str(p['updated'])[:10]}")
            if p.get("license"):
                parts.append(str(p["license"]))
            line = ", ".join(parts)
        if line and line not in lines:
            lines.append(line)
    return lines


def report(items: Any, *, out: str | Path, title: str, lang: Lang = "sv", note: str | None = None,
           sources: Sequence[str] = (), max_rows: int = 40) -> ReportFiles:
    """Write a report of one's own results: an HTML page, an Excel workbook and the figures.

    Parameters
    ----------
    items : mapping of title to result, or sequence of results or (title, result) pairs
        Each result is a :class:`~segstat.disclosure.protect.ProtectedTables` (one section per table, with the
        suppressed cells shown as ``..`` and the method note), a DataFrame from :func:`segstat.rates`,
        :func:`segstat.disparity` or a segregation index (recognised by their columns, or by
        ``attrs["segstat.kind"]``), any other DataFrame, a matplotlib figure, or an object with a
        ``to_report_item(title, lang)`` method (see :mod:`segstat.publish.items`).
    out : str or path
        Folder to write ``report.html``, ``report.xlsx`` and ``figures/*.png`` to (created; files of the same
        names are replaced, everything is written to a temporary folder first).
    title : str
        Title of the page and the workbook.
    lang : {"sv", "en"}, default "sv"
        Language of every heading, column name, unit, note and footnote.
    note : str, optional
        A paragraph shown under the title and first in the workbook's README (e.g. "Preliminära uppgifter").
    sources : sequence of str, default ()
        Data sources to name in the footer, besides those found in the results'
        ``attrs["segstat.provenance"]`` (tables from :func:`segstat.scb.get` carry theirs).
    max_rows : int, default 40
        Tables longer than this are summarised on the page (margins of the top levels and suppressed cells first,
        with a note); the workbook always has every row.

    Returns
    -------
    ReportFiles
        Paths of the page, the workbook and the figures.

    Raises
    ------
    InputTypeError
        An item of a type the report cannot show.
    InputValueError
        ``lang`` other than "sv"/"en", ``max_rows`` < 1, ``out`` an existing file, or no items.

    Examples
    --------
    >>> import pandas as pd, segstat, tempfile
    >>> counts = pd.DataFrame({"omradestyp": [1, 2, 3], "cases": [30, 20, 10], "persons": [1000, 1000, 1000]})
    >>> r = segstat.rates(counts, events="cases", population="persons", by="omradestyp")
    >>> files = segstat.report({"Sjukpenning": r}, out=tempfile.mkdtemp(), title="Sjukpenning 2024")
    >>> files.html.name, files.excel.name
    ('report.html', 'report.xlsx')
    """
    lang = i18n.check_lang(lang)
    if not isinstance(max_rows, int) or isinstance(max_rows, bool) or max_rows < 1:
        raise InputValueError(f"max_rows={max_rows!r}: give a whole number of rows of at least 1 to show per table.")
    if isinstance(sources, str):
        raise InputTypeError(f"sources={sources!r} is one string; give a list of sources, e.g. sources=[{sources!r}].")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputValueError(f"out={str(out)!r} is a file; the report writes a folder. Give a folder name.")
    pairs = _pairs(items)
    if not pairs:
        raise InputValueError("items is empty; give at least one table, result or figure to report.")
    built: list[Item] = []
    for t, obj in pairs:
        built.extend(to_items(obj, t, lang))
    from .excel import sheet_names, write_workbook

    sheets = sheet_names(built, lang)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".segstat-report-", dir=out))
    try:
        images: list[str | None] = []
        figure_paths: list[Path] = []
        from .html import page, slug

        for k, it in enumerate(built):
            if it.figure is None:
                images.append(None)
                continue
            from .figures import data_uri, pyplot, save

            name = f"{k + 1:02d}_{slug(it.title)}.png"
            png = save(it.figure, work / "figures" / name)
            pyplot().close(it.figure)
            images.append(data_uri(png))
            figure_paths.append(out / "figures" / name)
        readme = [("", note)] if note else []
        protections = list(dict.fromkeys(it.protection for it in built if it.protection))
        for it, sheet in zip(built, sheets):
            if sheet:
                readme.append((sheet, it.title + ". " + " ".join(it.notes)))
        for p in protections:
            readme.append((i18n.text("protection", lang), p))
        found = _provenance([obj for _, obj in pairs], lang)
        all_sources = list(dict.fromkeys([*sources, *found]))
        for s in all_sources:
            readme.append((i18n.text("sources", lang), s))
        made = i18n.text("made_with", lang, version=__version__, date=_dt.date.today().isoformat())
        readme.append(("", made))
        excel_path: Path | None = work / "report.xlsx"
        try:
            write_workbook(work / "report.xlsx", built, sheets, title=title, lang=lang, readme=readme)
        except ImportError:
            excel_path = None
        footer = [_esc(made)]
        footer.append(f"<strong>{_esc(i18n.text('sources', lang))}:</strong> "
                      + ("<br>".join(_esc(x) for x in all_sources) if all_sources else _esc(i18n.text("no_sources", lang))))
        for p in protections:
            footer.append(f"<strong>{_esc(i18n.text('protection', lang))}:</strong> {_esc(p)}")
        text = page(title=title, lang=lang, note=note, items=built, images=images, sheets=sheets,
                    workbook="report.xlsx" if excel_path else None, max_rows=max_rows, footer=footer)
        (work / "report.html").write_text(text, encoding="utf-8")
        for name in ("report.html", "report.xlsx"):
            if (work / name).exists():
                os.replace(work / name, out / name)
        if figure_paths:
            (out / "figures").mkdir(exist_ok=True)
            for f in (work / "figures").iterdir():
                os.replace(f, out / "figures" / f.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return ReportFiles(html=out / "report.html", excel=out / "report.xlsx" if excel_path else None,
                       figures=tuple(figure_paths),
                       sheets={it.title: s for it, s in zip(built, sheets) if s})
