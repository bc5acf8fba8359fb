"""Public functions of :mod:`segstat.scb`: tables, metadata, get."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputValueError
from . import _jsonstat as js
from ._client import MAX_URL_LENGTH, Client
from ._selection import Pick, cells, region_variable, resolve, split

#: /tables page size asked for (the service may answer with smaller pages; the paging follows it)
PAGE_SIZE = 1000
CKM_CAVEAT = ("The figures are cell-key perturbed (SCB's Cell Key Method, from reference year 2025 for all "
              "population statistics): a published total is not the sum of its published parts. Use the published "
              "total; do not re-add parts to replace it.")


def _table_id(table: Any) -> str:
    if not isinstance(table, str) or not table.strip():
        raise InputValueError(f"table={table!r} must be a Statistikdatabasen table id such as 'TAB6574'.")
    t = table.strip()
    return t.upper() if t.lower().startswith("tab") else t


def _lang(lang: str) -> str:
    if lang not in ("sv", "en"):
        raise InputValueError(f"lang={lang!r}: use 'sv' (Swedish, default) or 'en' (English).")
    return lang


def tables(query: str | None = None, *, updated_since: _dt.date | str | None = None,
           include_discontinued: bool = False, lang: str = "sv", base_url: str | None = None,
           offline: bool | None = None) -> pd.DataFrame:
    """Tables of Statistikdatabasen, paged through to the end.

    Parameters
    ----------
    query : str, optional
        Search words (the service's table search), e.g. ``"folkmängd DeSO"``.
    updated_since : date or ISO date string, optional
        Only tables updated on or after this day.
    include_discontinued : bool, default False
        Also list tables SCB no longer updates.
    lang : {"sv", "en"}, default "sv"
    base_url, offline
        Service and cache use; see :func:`get`.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``label``, ``first_period``, ``last_period``, ``updated`` (UTC),
        ``discontinued``, ``time_unit``, ``variables`` (list of names), ``path``
        (the subject folders, ``" / "``-joined).
    """
    client = Client(base_url, offline=offline)
    params: dict[str, Any] = {"lang": _lang(lang), "pageSize": PAGE_SIZE}
    since = None
    if query:
        params["query"] = query
    if include_discontinued:
        params["includeDiscontinued"] = "true"
    if updated_since is not None:
        since = pd.Timestamp(updated_since)
        since = since.tz_localize("UTC") if since.tzinfo is None else since.tz_convert("UTC")
        days = (pd.Timestamp.now(tz="UTC").normalize() - since.normalize()).days + 1
        params["pastDays"] = max(days, 1)
    pages, number, total = [], 1, 1
    while number <= total:
        p = dict(params, pageNumber=number)
        doc = client.get_json("/tables", p, key={"kind": "tables", **p}, what=f"the table list (page {number})")
        pages.append(doc)
        total = int((doc.get("page") or {}).get("totalPages", 1))
        number += 1
    out = js.table_frame(pages)
    if since is not None:
        out = out[out["updated"] >= since].reset_index(drop=True)
    return out


@dataclass(frozen=True)
class TableMetadata:
    """What a table holds: its variables, their values and code lists, its notes.

    ``variables``: one row per variable (``variable``, ``label``, ``role``
    — ``"time"``, ``"contents"`` or ``None`` —, ``elimination``, ``n_values``);
    ``values``: one row per value (``variable``, ``code``, ``label``);
    ``codelists``: alternative value sets (``variable``, ``codelist``, ``label``),
    e.g. ``vs_DeSO2025``; ``notes``: every note with ``mandatory`` flagged.
    """

    id: str
    label: str
    updated: str | None
    variables: pd.DataFrame = field(repr=False)
    values: pd.DataFrame = field(repr=False)
    codelists: pd.DataFrame = field(repr=False)
    notes: pd.DataFrame = field(repr=False)
    time_variable: str | None
    contents_variable: str | None
    ckm: bool
    raw: dict[str, Any] = field(repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """The values table (one row per variable value)."""
        return self.values.copy()

    def __repr__(self) -> str:
        vs = ", ".join(f"{r.variable}[{r.n_values}]" for r in self.variables.itertuples())
        return (f"TableMetadata({self.id}: {self.label!r}, updated {self.updated}, variables {vs}, "
                f"{len(self.codelists)} code lists, {len(self.notes)} notes{', CKM' if self.ckm else ''})")


def _metadata_doc(client: Client, table: str, lang: str, refresh: bool = False) -> dict[str, Any]:
    return client.get_json(f"/tables/{table}/metadata", {"lang": lang},
                           key={"kind": "metadata", "table": table, "lang": lang},
                           what=f"the metadata of table {table}", refresh=refresh)


def metadata(table: str, *, lang: str = "sv", base_url: str | None = None,
             offline: bool | None = None) -> TableMetadata:
    """The variables, values, code lists and notes of a table.

    Examples
    --------
    A table's region variable offers the DeSO/RegSO code lists of both
    vintages (``vs_DeSO2018``, ``vs_RegSO2020``, ``vs_DeSO2025``,
    ``vs_RegSO2025``), which :func:`get` picks from ``level=`` and ``vintage=``.
    """
    table, lang = _table_id(table), _lang(lang)
    doc = _metadata_doc(Client(base_url, offline=offline), table, lang)
    return _to_metadata(table, doc)


def _to_metadata(table: str, doc: dict[str, Any]) -> TableMetadata:
    vs = js.variables(doc)
    role_name = {"time": "time", "metric": "contents"}
    variables = pd.DataFrame({"variable": [v.id for v in vs], "label": [v.label for v in vs],
                              "role": [role_name.get(v.role or "") for v in vs],
                              "elimination": [v.elimination for v in vs], "n_values": [len(v.codes) for v in vs]})
    values = pd.DataFrame([(v.id, c, v.labels.get(c, c)) for v in vs for c in v.codes],
                          columns=["variable", "code", "label"]).astype("string")
    codelists = pd.DataFrame([(v.id, c, lab) for v in vs for c, lab in v.codelists],
                             columns=["variable", "codelist", "label"]).astype("string")
    note_list = js.notes(doc)
    notes = pd.DataFrame(note_list, columns=["variable", "code", "text", "mandatory"])
    return TableMetadata(
        id=table, label=str(doc.get("label", "")), updated=doc.get("updated"), variables=variables, values=values,
        codelists=codelists, notes=notes, time_variable=next((v.id for v in vs if v.role == "time"), None),
        contents_variable=next((v.id for v in vs if v.role == "metric"), None), ckm=js.is_ckm(note_list), raw=doc)


def _codelist_codes(client: Client, lang: str) -> Any:
    def fetch(codelist: str) -> list[str]:
        doc = client.get_json(f"/codeLists/{codelist}", {"lang": lang},
                              key={"kind": "codelist", "codelist": codelist, "lang": lang},
                              what=f"code list {codelist}")
        return [str(v["code"]) for v in doc.get("values", [])]
    return fetch


def _query(table: str, picks: list[Pick], lang: str, client: Client) -> tuple[str, dict[str, Any],
                                                                                dict[str, Any] | None]:
    """Path, query parameters and body (None: a GET) of one data request."""
    path = f"/tables/{table}/data"
    params: dict[str, Any] = {"lang": lang, "outputFormat": "json-stat2"}
    get_params = dict(params)
    for p in picks:
        get_params[f"valuecodes[{p.variable}]"] = ",".join(p.codes)
        if p.codelist:
            get_params[f"codelist[{p.variable}]"] = p.codelist
    if len(client.url_for(path, get_params)) <= MAX_URL_LENGTH:  # longer GET URLs get 404
        return path, get_params, None
    return path, params, {"selection": [p.body() for p in picks]}


def get(
    table: str,
    selection: Mapping[str, Any] | None = None,
    *,
    codelist: str | Mapping[str, str] | None = None,
    level: str | None = None,
    vintage: int | None = None,
    lang: str = "sv",
    progress: bool = False,
    refresh: bool = False,
    base_url: str | None = None,
    offline: bool | None = None,
) -> pd.DataFrame:
    """A table of Statistikdatabasen as a tidy frame, within the service's limits.

    Parameters
    ----------
    table : str
        Table id, e.g. ``"TAB6574"`` (population by DeSO/RegSO, age and sex).
    selection : dict, optional
        ``{variable: codes}``. Codes are strings; the service's expressions
        ``"*"``, ``"TOP(n)"`` (the last n values, e.g. the latest years),
        ``"BOTTOM(n)"`` (the first n), ``"FROM(x)"``, ``"TO(x)"``,
        ``"RANGE(a,b)"`` and ``*``/``?`` patterns are expanded here against the
        metadata, so the cells are counted before anything is asked. A variable left out gets all its values (never the
        service's default selection); an empty list eliminates it (the
        service sums over it), which is refused for the region variable.
        Duplicated codes are sent once. Region codes of 2025 may be given
        with or without the ``_DeSO2025``/``_RegSO2025`` suffix.
    codelist : str or dict, optional
        A code list of the region variable (``"vs_RegSO2025"``), or
        ``{variable: codelist}``.
    level : {"deso", "regso", "kommun", "lan"}, optional
        Pick the region code list (DeSO/RegSO, with ``vintage``) or the
        kommun/län codes of the region variable, without knowing SCB's ids.
    vintage : {2018, 2025}, optional
        DeSO 2018 / RegSO 2020 or DeSO 2025 / RegSO 2025. Needed with
        ``level="deso"``/``"regso"`` and when the selected region codes mix
        both series (such a table is never returned mixed: ask once per
        vintage). ``None`` takes it from the codes.
    lang : {"sv", "en"}, default "sv"
        Language of labels and notes.
    progress : bool, default False
        Show a progress bar over the requests (``progress`` extra).
    refresh : bool, default False
        Ask the service for the table's metadata now instead of reusing it
        for up to a day; a new ``updated`` time makes the data be fetched again.
    base_url : str, optional
        Root of the API; default ``$SEGSTAT_SCB_URL``, else SCB's service.
    offline : bool, optional
        Answer from the cache only (default ``$SEGSTAT_OFFLINE``).

    Returns
    -------
    pandas.DataFrame
        One column per variable with its codes (``string``; region codes
        without vintage suffix), one ``<variable>_label`` column per variable
        (categorical), ``value`` (float64, NaN where SCB publishes no
        figure) and ``status`` (SCB's symbol for the cell, such as ``".."``,
        else ``<NA>``). ``df.attrs["segstat.vintage"]`` holds the DeSO/RegSO vintage
        of the region codes (absent when there are none);
        ``df.attrs["segstat.provenance"]`` the table id, label, ``updated``,
        the exact requests, the source and licence, every note (mandatory
        flagged) and ``ckm`` (whether SCB perturbed the figures).

    Notes
    -----
    The selection is split into requests of at most ``maxDataCells`` cells
    (from ``/config``), splitting the largest variable first into equal
    pieces: 6,160 DeSO × 2 sexes × 17 age bands × 1 year = 209,440 cells is 2
    requests at 150,000 cells. Requests are paced to the service's
    ``maxCallsPerTimeWindow``/``timeWindow``; a 429 answer is retried after its
    ``Retry-After``, a 5xx answer after a growing pause. A request whose GET
    URL would pass 2,000 characters is sent as POST. Each answer is cached
    (``$SEGSTAT_DATA_DIR/scb``) under the table, selection, language and the
    table's ``updated`` time, with a sha256 checked on every read.

    With cell-key perturbed figures (``ckm``), a published total is not the
    sum of its parts: keep the published total, never re-add parts.
    """
    table, lang = _table_id(table), _lang(lang)
    client = Client(base_url, offline=offline)
    doc = _metadata_doc(client, table, lang, refresh=refresh and not client.offline)
    variables = js.variables(doc)
    picks, found_vintage = resolve(table, variables, selection, codelist=codelist, level=level, vintage=vintage,
                                   codelist_codes=_codelist_codes(client, lang))
    updated = doc.get("updated")
    requests_ = split(picks, client.max_cells())
    bar = None
    if progress and len(requests_) > 1:
        from .._optional import import_optional

        bar = import_optional("tqdm.auto", purpose="progress=True").tqdm(total=len(requests_), desc=table,
                                                                         unit="request")
    parts, queries = [], []
    for chunk in requests_:
        path, params, body = _query(table, chunk, lang, client)
        sel = [p.body() for p in chunk]
        queries.append({"method": "POST" if body else "GET", "path": path, "params": params, "body": body})
        what = f"table {table}, {cells(chunk):,} cells ({', '.join(f'{p.variable}: {len(p.codes)}' for p in chunk)})"
        parts.append(client.get_json(
            path, params, body=body, max_age=None, what=what, parse=lambda d, c=chunk, w=what: _part(d, c, w),
            key={"kind": "data", "table": table, "selection": sel, "lang": lang, "updated": updated}))
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    out = _assemble(parts, picks, variables)
    region = region_variable(variables)
    note_list = js.notes(doc)
    ckm = js.is_ckm(note_list)
    cfg = client.config()
    source = next((s.get("text") for s in cfg.get("sourceReferences", []) if s.get("language") == lang),
                  doc.get("source"))
    out.attrs["segstat.provenance"] = {
        "table": table, "label": doc.get("label"), "updated": updated, "source": source, "url": client.base_url,
        "license": cfg.get("license"), "lang": lang, "cells": len(out), "requests": queries,
        "query": json.loads(json.dumps({"selection": [p.body() for p in picks]})),
        "notes": note_list, "ckm": ckm, "ckm_caveat": CKM_CAVEAT if ckm else None,
        "region_variable": region.id if region else None,
    }
    if found_vintage is not None:
        out.attrs["segstat.vintage"] = int(found_vintage)
    return out


def _part(doc: dict[str, Any], chunk: list[Pick], what: str) -> dict[str, Any]:
    ids, positions, codes, values = js.data_columns(doc, what)
    asked = [p.variable for p in chunk]
    if ids != asked:
        raise InputValueError(f"{what}: the service answered with variables {ids}, asked for {asked}; refused.")
    for p, got in zip(chunk, codes):
        extra = set(got) - set(p.codes)
        if extra:
            raise InputValueError(f"{what}: the service answered with {p.variable} codes that were not asked for "
                                  f"({', '.join(sorted(extra)[:3])}); refused.")
    labels = {v: js.labels_of(doc, v) for v in ids}
    return {"positions": positions, "codes": codes, "values": values, "labels": labels,
            "status": js.status_column(doc, len(values))}


def _assemble(parts: list[dict[str, Any]], picks: list[Pick], variables: list[js.Variable]) -> pd.DataFrame:
    """One frame from the parts, each variable as codes (string) and labels (categorical)."""
    columns: dict[str, Any] = {}
    label_columns: dict[str, Any] = {}
    for i, p in enumerate(picks):
        cats = list(p.codes)
        where = {c: k for k, c in enumerate(cats)}
        labels: dict[str, str] = {}
        pos = []
        for part in parts:
            local = np.array([where[c] for c in part["codes"][i]], dtype=np.int32)
            pos.append(local[part["positions"][i]])
            labels.update(part["labels"][p.variable])
        idx = np.concatenate(pos) if pos else np.empty(0, dtype=np.int32)
        plain = [js.normalise_code(c) for c in cats]
        columns[p.variable] = pd.array(np.asarray(plain, dtype=object)[idx], dtype="string")
        label_list = [labels.get(c, c) for c in cats]
        label_columns[f"{p.variable}_label"] = pd.Categorical.from_codes(
            idx, categories=pd.Index(list(dict.fromkeys(label_list))).astype(object)) if len(
            set(label_list)) == len(label_list) else pd.Categorical(np.asarray(label_list, dtype=object)[idx])
    values = np.concatenate([part["values"] for part in parts]) if parts else np.empty(0)
    frame = pd.DataFrame({**columns, **label_columns})
    frame["value"] = values
    status = np.concatenate([part["status"] for part in parts]) if parts else np.empty(0, dtype=object)
    frame["status"] = pd.array(status, dtype="string")
    order = [c for p in picks for c in (p.variable, f"{p.variable}_label")]
    return frame[[*order, "value", "status"]]
