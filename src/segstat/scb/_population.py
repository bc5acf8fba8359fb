"""Bundled data refreshed from SCB: population denominators (TAB6574) and later years' områdestyp."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..errors import DataIntegrityError, InputValueError
from ._api import _metadata_doc, _table_id, get, tables
from ._client import Client
from ._jsonstat import Variable, normalise_code, variables
from ._selection import region_variable

#: SCB's population by DeSO/RegSO, age and sex (both vintages)
POPULATION_TABLE = "TAB6574"
_TOTAL = re.compile(r"^(tot|totalt|1\+2)", re.IGNORECASE)


def _find(vs: Sequence[Variable], pattern: str) -> Variable | None:
    rx = re.compile(pattern, re.IGNORECASE)
    return next((v for v in vs if rx.match(v.id) or rx.match(v.label)), None)


def _is_total(var: Variable, code: str) -> bool:
    return bool(_TOTAL.match(code) or _TOTAL.match(var.labels.get(code, "")))


def population(
    level: str = "deso",
    *,
    year: int,
    by: str | Sequence[str] | None = None,
    vintage: int | None = None,
    table: str = POPULATION_TABLE,
    progress: bool = False,
    base_url: str | None = None,
    offline: bool | None = None,
) -> pd.DataFrame:
    """Population by area (and age band, sex) for a year, from SCB's Statistikdatabasen.

    ``segstat.population(level, year=..., source="scb")`` calls this.

    Parameters
    ----------
    level : {"deso", "regso", "kommun", "lan", "riket"}, default "deso"
    year : int
        Reference year (31 December), one of the table's years.
    by : {None, "age", "sex", ["age", "sex"]}
        Also split by SCB's age bands and/or sex. Without a split the table's
        published total is taken, never a sum of parts (from 2025 the figures
        are cell-key perturbed, so the two differ).
    vintage : {2018, 2025}
        DeSO 2018 / RegSO 2020 or DeSO 2025 / RegSO 2025; needed for DeSO and RegSO.
    table : str, default "TAB6574"
    progress, base_url, offline
        As in :func:`segstat.scb.get`.

    Returns
    -------
    pandas.DataFrame
        The level's code column (named after the level), ``age`` and/or ``sex``
        (SCB's labels, ordered as in the table) when asked, and ``population``
        (int64). ``attrs`` carry ``segstat.vintage`` and ``segstat.provenance``.
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise InputValueError(f"year={year!r} must be an integer reference year such as 2025.")
    splits = [by] if isinstance(by, str) else list(by or [])
    bad = [b for b in splits if b not in ("age", "sex")]
    if bad:
        raise InputValueError(f"by={by!r}: SCB's population table splits by 'age' and/or 'sex' (not {bad[0]!r}).")
    if level not in ("deso", "regso", "kommun", "lan", "riket"):
        raise InputValueError(f"level={level!r}: use 'deso', 'regso', 'kommun', 'lan' or 'riket'.")
    table = _table_id(table)
    doc = _metadata_doc(Client(base_url, offline=offline), table, "sv")
    vs = variables(doc)
    region, age, sex = region_variable(vs), _find(vs, r"^(alder|ålder)"), _find(vs, r"^(kon|kön)")
    time = next((v for v in vs if v.role == "time"), None)
    if region is None or time is None or ("age" in splits and age is None) or ("sex" in splits and sex is None):
        raise InputValueError(f"table {table} is not a population table by region, age and sex "
                              f"(variables: {', '.join(v.id for v in vs)}).")
    if str(year) not in time.codes:
        raise InputValueError(f"year={year}: table {table} has the years {time.codes[0]}-{time.codes[-1]}.")
    selection: dict[str, Any] = {time.id: [str(year)]}
    names = {region.id: level}
    for key, var in (("age", age), ("sex", sex)):
        if var is None:
            continue
        totals = [c for c in var.codes if _is_total(var, c)]
        if key in splits:
            selection[var.id] = [c for c in var.codes if c not in totals]
            names[var.id] = key
        elif totals:
            selection[var.id] = totals[:1]  # the published total, never the sum of perturbed parts
        else:
            selection[var.id] = []  # the service eliminates the variable (its own total)
    for v in vs:
        if v.role == "metric" and len(v.codes) > 1:
            selection[v.id] = [v.codes[0]]
    if level == "riket":  # Sweden's own published total, code 00
        selection[region.id] = [c for c in region.codes if c == "00"] or ["00"]
    df = get(table, selection, level=None if level == "riket" else level, vintage=vintage, progress=progress,
             base_url=base_url, offline=offline)
    if df["value"].isna().any():
        raise DataIntegrityError(f"table {table} publishes no figure for {int(df['value'].isna().sum())} cell(s) "
                                 f"of year {year}; use segstat.scb.get() to see them.")
    out = pd.DataFrame({new: df[old] for old, new in names.items()})
    for old, new in names.items():
        if new in ("age", "sex"):
            out[new] = df[f"{old}_label"].astype(pd.CategoricalDtype(
                list(dict.fromkeys(df[f"{old}_label"].astype(str))), ordered=new == "age"))
    out["population"] = df["value"].astype("int64")
    out.attrs = dict(df.attrs)
    return out


def omradestyp(year: int, *, table: str | None = None, base_url: str | None = None,
               offline: bool | None = None) -> pd.DataFrame:
    """SCB's official områdestyp of every RegSO for a year, from Statistikdatabasen.

    For years after the bundled ones (:func:`segstat.omradestyp_years`). The
    table (000005QX in the old interface) is found by searching for
    "områdestyp" unless ``table=`` names it. Its regions are matched to RegSO
    codes by code, or, when the table lists them as "Kommun (RegSO-namn)"
    as 000005QX does, through the bundled DeSO 2018 / RegSO 2020 key.

    Returns
    -------
    pandas.DataFrame
        ``regso`` (RegSO 2020 codes, string) and ``omradestyp`` (ordered
        categorical 1-5); ``attrs`` carry the vintage and provenance.
    """
    if table is None:
        found = tables("områdestyp", base_url=base_url, offline=offline)
        found = found[found["label"].str.contains("områdestyp", case=False) & ~found["discontinued"]]
        if len(found) != 1:
            listed = ", ".join(f"{r.id} ({r.label})" for r in found.itertuples()) or "none"
            raise InputValueError(f"searching Statistikdatabasen for 'områdestyp' gave {len(found)} tables ({listed});"
                                  f" pass table= with the id of the table of områdestyp per RegSO.")
        table = str(found["id"].iloc[0])
    table = _table_id(table)
    doc = _metadata_doc(Client(base_url, offline=offline), table, "sv")
    vs = variables(doc)
    time = next((v for v in vs if v.role == "time"), None)
    region = region_variable(vs)
    if time is None or region is None:
        raise InputValueError(f"table {table} has no region and time variable; is it the table of områdestyp?")
    if str(year) not in time.codes:
        raise InputValueError(f"year={year}: table {table} has områdestyp for {', '.join(time.codes)}.")
    df = get(table, {time.id: [str(year)]}, base_url=base_url, offline=offline)
    codes = df[region.id].astype(str)
    if not codes.str.fullmatch(r"\d{4}R\d{3}").all():
        from .._data import load_table

        key = load_table("deso2018_regso2020")
        by_label = dict(zip(key["Kommunnamn"] + " (" + key["RegSO_2020"] + ")", key["RegSOkod_2020"]))
        labels = df[f"{region.id}_label"].astype(str)
        codes = labels.map(by_label)
        missing = labels[codes.isna()]
        if len(missing):
            raise DataIntegrityError(f"{len(missing)} region(s) of table {table} match no RegSO 2020 by name, e.g. "
                                     f"{', '.join(missing.head(3))}; nothing is guessed.")
    types = df["value"]
    if types.isna().any() or not types.isin([1, 2, 3, 4, 5]).all():
        raise DataIntegrityError(f"table {table}: områdestyp of {year} must be 1-5 for every RegSO.")
    out = pd.DataFrame({"regso": pd.array(codes.map(normalise_code), dtype="string"),  # type: ignore[call-overload]
                        "omradestyp": pd.Categorical(types.astype(int), categories=[1, 2, 3, 4, 5], ordered=True)})
    out = out.sort_values("regso", ignore_index=True)
    out.attrs = dict(df.attrs, **{"segstat.vintage": 2018})
    return out
