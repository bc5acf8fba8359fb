"""The workbook of a report, as Statistikdatabasen's users expect it.

Numbers are numeric cells (so SUM works), rounded to the decimals shown and formatted per column; ``..`` is
written only where a value is suppressed (an undefined value, such as a ratio of zero rates, is an empty cell);
the header row is frozen, columns are wide enough for their content, and one README sheet holds the title,
the notes of every table and the provenance.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._optional import import_optional
from . import i18n
from .i18n import Lang
from .items import Item

SUPPRESSED = ".."
_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_names(items: list[Item], lang: Lang) -> list[str]:
    """A unique sheet name (at most 31 characters, no ``[]:*?/\\``) per item; figures get none ("")."""
    used = {i18n.text("readme", lang).lower()}
    names = []
    for it in items:
        if it.frame is None:
            names.append("")
            continue
        base = _BAD.sub(" ", it.sheet or it.title).strip()[:28] or "tabell"
        name, k = base, 2
        while name.lower() in used:
            name, k = f"{base[:26]} {k}", k + 1
        used.add(name.lower())
        names.append(name)
    return names


def _number_format(decimals: int) -> str:
    return "#,##0" if decimals == 0 else "#,##0." + "0" * decimals


def _cell(v: Any, decimals: int | None) -> Any:
    """A Python value for openpyxl: numbers as int/float (rounded), missing as None, the rest as text."""
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(float(v)):
            return None
        return round(float(v), decimals) if decimals is not None else float(v)
    return str(v)


def write_workbook(path: Path, items: list[Item], sheets: list[str], *, title: str, lang: Lang,
                   readme: list[tuple[str, str]]) -> None:
    """Write ``items`` (one sheet each) and a README sheet (``readme``: (sheet, text) rows) to ``path``."""
    import_optional("openpyxl", purpose="the report's Excel workbook")
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = i18n.text("readme", lang)
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append([i18n.text("readme_sheet", lang), i18n.text("readme_content", lang)])
    for c in ws[3]:
        c.font = Font(bold=True)
    for sheet, note in readme:
        ws.append([sheet, note])
        ws.cell(ws.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(ws.max_row, 1).alignment = Alignment(vertical="top")
    ws.column_dimensions["A"].width = 32
    ws.column_dimensions["B"].width = 110
    ws.freeze_panes = "A4"

    for it, name in zip(items, sheets):
        if it.frame is None:
            continue
        frame = it.frame
        sh = wb.create_sheet(name)
        cols = [str(c) for c in frame.columns]
        sh.append([i18n.column(c, lang, it.per) for c in cols])
        for c in sh[1]:
            c.font = Font(bold=True)
        suppressed = it.suppressed if it.suppressed is not None else np.zeros(len(frame), dtype=bool)
        ints = {c for c in cols if pd.api.types.is_integer_dtype(frame[c]) or (
            pd.api.types.is_float_dtype(frame[c]) and c not in it.decimals and _whole(frame[c]))}
        formats = {c: _number_format(0) for c in ints}
        formats.update({c: _number_format(d) for c, d in it.decimals.items() if c in cols and c not in ints})
        data = [frame[c].tolist() for c in cols]
        hidden_cols = [j for j, c in enumerate(cols) if c in it.value_columns]
        for r in range(len(frame)):
            row = [_cell(data[j][r], it.decimals.get(cols[j], 0 if cols[j] in ints else None)) for j in range(len(cols))]
            if suppressed[r]:
                for j in hidden_cols:
                    row[j] = SUPPRESSED
            sh.append(row)
        for j, c in enumerate(cols, start=1):
            letter = get_column_letter(j)
            if c in formats:
                for (cell,) in sh.iter_rows(min_row=2, min_col=j, max_col=j):
                    if not isinstance(cell.value, str):
                        cell.number_format = formats[c]
            if c in it.value_columns or c in formats:
                for (cell,) in sh.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = Alignment(horizontal="right")
            width = max([len(str(sh.cell(1, j).value))] + [len(str(v)) for v in data[j - 1][:2000]])
            sh.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        sh.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _whole(series: pd.Series) -> bool:
    x = pd.to_numeric(series, errors="coerce").astype(float)
    x = x[np.isfinite(x)]
    return bool(len(x)) and bool((x == np.round(x)).all())
