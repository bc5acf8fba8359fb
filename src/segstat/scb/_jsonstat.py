"""json-stat2 documents of PxWebApi 2: table metadata and data, parsed.

A json-stat2 dataset lists its dimensions in ``id`` with their sizes in
``size``; ``value`` holds the cells in row-major order of ``id`` (the last
dimension varies fastest). Each dimension's ``category.index`` gives the
position of each code and ``category.label`` its label. PxWebApi adds
``extension.noteMandatory`` (table notes), ``dimension[..].extension``
(``elimination``, ``codelists``, ``noteMandatory``) and ``role`` (time, metric).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DownloadError

#: suffixes of Statistikdatabasen's region codes, by the vintage they belong to
_SUFFIX = re.compile(r"_(DeSO|RegSO)(2018|2020|2025)$")
_DESO = re.compile(r"^\d{4}[ABC]\d{4}$")
_REGSO = re.compile(r"^\d{4}R\d{3}$")
#: notes that announce cell-key perturbation (SCB's wording in Swedish and English)
_CKM = re.compile(r"cell key|\bCKM\b|slumpmässig osäkerhet|random uncertainty", re.IGNORECASE)


def code_vintage(code: str) -> int | None:
    """2025, 2018 or None (a code of no DeSO/RegSO vintage: riket, län, kommun, other variables)."""
    m = _SUFFIX.search(code)
    if m:
        return 2025 if m.group(2) == "2025" else 2018
    if _DESO.match(code) or _REGSO.match(code):
        return 2018
    return None


def normalise_code(code: str) -> str:
    """segstat's form of a region code: Statistikdatabasen's vintage suffix removed."""
    return _SUFFIX.sub("", code)


def _ordered_codes(dim: dict[str, Any]) -> list[str]:
    index = dim.get("category", {}).get("index")
    if index is None:
        return list(dim.get("category", {}).get("label", {}))
    if isinstance(index, list):
        return [str(c) for c in index]
    return [str(c) for c, _ in sorted(index.items(), key=lambda kv: kv[1])]


@dataclass(frozen=True)
class Variable:
    """One variable (dimension) of a table."""

    id: str
    label: str
    codes: tuple[str, ...]
    labels: dict[str, str] = field(repr=False)
    elimination: bool
    role: str | None  # "time", "metric" or None
    codelists: tuple[tuple[str, str], ...]  # (id, label)


def variables(doc: dict[str, Any]) -> list[Variable]:
    """The variables of a json-stat2 document, in ``id`` order."""
    roles = {v: r for r, vs in (doc.get("role") or {}).items() for v in vs}
    out = []
    for vid in doc["id"]:
        dim = doc["dimension"][vid]
        ext = dim.get("extension") or {}
        codes = _ordered_codes(dim)
        labels = {str(k): str(v) for k, v in (dim.get("category", {}).get("label") or {}).items()}
        out.append(Variable(
            id=vid, label=str(dim.get("label", vid)), codes=tuple(codes), labels=labels,
            elimination=bool(ext.get("elimination", False)), role=roles.get(vid),
            codelists=tuple((str(c["id"]), str(c.get("label", ""))) for c in ext.get("codelists") or []),
        ))
    return out


def _note_list(notes: Any, mandatory: dict[str, Any] | None) -> list[tuple[str, bool]]:
    if isinstance(notes, str):
        notes = [notes]
    mandatory = mandatory or {}
    return [(str(t), bool(mandatory.get(str(i), False))) for i, t in enumerate(notes or [])]


def notes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every note of a document: the table's, each variable's and each value's, mandatory ones flagged."""
    out = [{"variable": None, "code": None, "text": t, "mandatory": m}
           for t, m in _note_list(doc.get("note"), (doc.get("extension") or {}).get("noteMandatory"))]
    for vid in doc.get("id", []):
        dim = doc["dimension"][vid]
        ext = dim.get("extension") or {}
        out += [{"variable": vid, "code": None, "text": t, "mandatory": m}
                for t, m in _note_list(dim.get("note"), ext.get("noteMandatory"))]
        cat = dim.get("category") or {}
        cat_mandatory = ext.get("categoryNoteMandatory") or {}
        for code, texts in (cat.get("note") or {}).items():
            out += [{"variable": vid, "code": str(code), "text": t, "mandatory": m}
                    for t, m in _note_list(texts, cat_mandatory.get(code))]
    return out


def is_ckm(note_list: list[dict[str, Any]]) -> bool:
    """Whether the notes say the figures are cell-key perturbed."""
    return any(_CKM.search(n["text"]) for n in note_list)


def data_columns(doc: dict[str, Any], what: str) -> tuple[list[str], list[np.ndarray], list[list[str]],
                                                             np.ndarray]:
    """The cells of a json-stat2 dataset as position arrays.

    Returns the dimension ids, for each dimension the position (int32) of
    every cell's code, the codes in position order, and the values (float64,
    NaN for missing). A document whose ``value`` does not have the product of
    ``size`` cells is refused (a truncated or garbled answer).
    """
    try:
        ids = list(doc["id"])
        size = [int(s) for s in doc["size"]]
        values = doc["value"]
    except (KeyError, TypeError) as exc:
        raise DownloadError(f"{what}: the answer is not a json-stat2 dataset (missing {exc}).") from exc
    n = int(np.prod(size, dtype=np.int64)) if size else 1
    if isinstance(values, dict):  # sparse form: {"position": value}
        dense = np.full(n, np.nan)
        for pos, v in values.items():
            dense[int(pos)] = np.nan if v is None else float(v)
        arr = dense
    else:
        if len(values) != n:
            raise DownloadError(
                f"{what}: the answer has {len(values):,} values but its dimensions {dict(zip(ids, size))} make "
                f"{n:,} cells; the response is truncated or inconsistent and is refused (nothing cached).")
        arr = np.array([np.nan if v is None else v for v in values], dtype=float) if None in values \
            else np.asarray(values, dtype=float)
    codes = [_ordered_codes(doc["dimension"][v]) for v in ids]
    for v, s, c in zip(ids, size, codes):
        if len(c) != s:
            raise DownloadError(f"{what}: dimension {v!r} lists {len(c)} codes but its size is {s}; refused.")
    positions = []
    for i, s in enumerate(size):
        inner = int(np.prod(size[i + 1:], dtype=np.int64))
        outer = int(np.prod(size[:i], dtype=np.int64))
        positions.append(np.tile(np.repeat(np.arange(s, dtype=np.int32), inner), outer))
    return ids, positions, codes, arr


def status_column(doc: dict[str, Any], n: int) -> np.ndarray:
    """The status symbol of each cell (json-stat2 ``status``: one for all, a list or ``{position: symbol}``)."""
    out = np.full(n, None, dtype=object)
    status = doc.get("status")
    if isinstance(status, str):
        out[:] = status
    elif isinstance(status, list):
        out[: len(status)] = status[:n]
    elif isinstance(status, dict):
        for pos, symbol in status.items():
            if 0 <= int(pos) < n:
                out[int(pos)] = symbol
    return out


def labels_of(doc: dict[str, Any], vid: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in (doc["dimension"][vid].get("category", {}).get("label") or {}).items()}


def table_frame(pages: list[dict[str, Any]]) -> pd.DataFrame:
    """The ``tables`` of ``/tables`` pages as one frame."""
    rows = []
    for page in pages:
        for t in page.get("tables", []):
            path = t.get("paths") or [[]]
            rows.append({
                "id": t.get("id"), "label": t.get("label"),
                "first_period": t.get("firstPeriod"), "last_period": t.get("lastPeriod"),
                "updated": t.get("updated"), "discontinued": bool(t.get("discontinued") or False),
                "time_unit": t.get("timeUnit"), "variables": list(t.get("variableNames") or []),
                "path": " / ".join(p.get("label", "") for p in path[0]) if path else "",
            })
    cols = ["id", "label", "first_period", "last_period", "updated", "discontinued", "time_unit", "variables",
            "path"]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("id", "label", "first_period", "last_period", "time_unit", "path"):
        out[c] = out[c].astype("string")
    out["updated"] = pd.to_datetime(out["updated"], utc=True)
    out["discontinued"] = out["discontinued"].astype(bool)
    return out
