"""``segstat scb tables|metadata|get``: Statistikdatabasen from the command line.

Kept apart from ``segstat/cli.py`` (which only calls :func:`add_parser`), so
the command line and this client can change independently.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputValueError

_FORMATS = (".csv", ".parquet", ".xlsx")


def write(frame: pd.DataFrame, path: str) -> None:
    """Write CSV, Parquet (``parquet`` extra) or Excel (``excel`` extra), atomically."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in _FORMATS:
        raise InputValueError(f"--out {path!r}: give a .csv, .parquet or .xlsx file.")
    from .._optional import import_optional

    if suffix == ".parquet":
        import_optional("pyarrow", purpose="writing Parquet")
    if suffix == ".xlsx":
        import_optional("openpyxl", purpose="writing Excel")
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=suffix)
    os.close(fd)
    flat = frame.copy()
    flat.attrs = {}
    for c in flat.columns:  # lists (table variables) as text in every format
        if flat[c].dtype == object and flat[c].map(lambda x: isinstance(x, list)).any():
            flat[c] = flat[c].map(lambda x: "; ".join(map(str, x)) if isinstance(x, list) else x)
    try:
        if suffix == ".parquet":
            flat.to_parquet(tmp, index=False)
        elif suffix == ".xlsx":
            flat.to_excel(tmp, index=False)
        else:
            flat.to_csv(tmp, index=False, encoding="utf-8")
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _selection(items: list[str] | None) -> dict[str, list[str]] | None:
    if not items:
        return None
    out: dict[str, list[str]] = {}
    for item in items:
        var, sep, codes = item.partition("=")
        if not sep or not var:
            raise InputValueError(f"--select {item!r}: write VARIABLE=code1,code2 (e.g. Tid=2025 or Region=*).")
        out.setdefault(var.strip(), []).extend(c.strip() for c in codes.split(",") if c.strip())
    return out


def _cmd(a: argparse.Namespace) -> int:
    from . import get, metadata, tables

    common: dict[str, Any] = {"lang": a.lang, "base_url": a.base_url, "offline": a.offline or None}
    if a.scb_command == "tables":
        frame = tables(a.query, updated_since=a.updated_since, include_discontinued=a.include_discontinued,
                       **common)
    elif a.scb_command == "metadata":
        m = metadata(a.table, **common)
        print(f"{m.id}: {m.label} (uppdaterad {m.updated})")
        for r in m.variables.itertuples():
            lists = ", ".join(m.codelists.loc[m.codelists["variable"] == r.variable, "codelist"])
            print(f"  {r.variable} ({r.label}): {r.n_values} värden" + (f"; kodlistor: {lists}" if lists else ""))
        for r in m.notes.itertuples():
            print(f"  {'[obligatorisk] ' if r.mandatory else ''}fotnot: {str(r.text).splitlines()[0][:150]}")
        frame = m.to_frame()
    else:
        frame = get(a.table, _selection(a.select), codelist=a.codelist, level=a.level, vintage=a.vintage,
                    progress=a.progress, **common)
        prov = frame.attrs.get("segstat.provenance", {})
        if prov.get("ckm"):
            print("OBS: uppgifterna har en liten kontrollerad slumpmässig osäkerhet (Cell Key Method): en redovisad "
                  "total är inte alltid lika med summan av sina redovisade delar.", file=sys.stderr)
    if a.out:
        write(frame, a.out)
    elif a.scb_command != "metadata":
        frame.to_csv(sys.stdout, index=False)
    return 0


def add_parser(sub: Any, formatter_class: Any = argparse.HelpFormatter) -> None:
    """Add ``scb`` with its subcommands to the ``segstat`` command line."""
    p = sub.add_parser("scb", help="tables from SCB's Statistikdatabasen (PxWebApi 2), cached",
                       formatter_class=formatter_class,
                       epilog="examples:\n  segstat scb tables --query 'folkmängd regso'\n"
                              "  segstat scb metadata TAB6574\n"
                              "  segstat scb get TAB6574 --level regso --vintage 2025 --select Tid=2025 "
                              "--out pop.parquet")
    scb = p.add_subparsers(dest="scb_command", required=True)
    parsers = {
        "tables": scb.add_parser("tables", help="list or search tables"),
        "metadata": scb.add_parser("metadata", help="variables, code lists and notes of a table"),
        "get": scb.add_parser("get", help="fetch a table within the service's limits"),
    }
    parsers["tables"].add_argument("--query", default=None, help="search words")
    parsers["tables"].add_argument("--updated-since", default=None, help="only tables updated since (YYYY-MM-DD)")
    parsers["tables"].add_argument("--include-discontinued", action="store_true")
    for name in ("metadata", "get"):
        parsers[name].add_argument("table", help="table id, e.g. TAB6574")
    g = parsers["get"]
    g.add_argument("--select", action="append", metavar="VAR=CODES",
                   help="value codes of a variable, comma-separated (repeat per variable); others: all values")
    g.add_argument("--codelist", default=None, help="code list of the region variable, e.g. vs_RegSO2025")
    g.add_argument("--level", choices=["deso", "regso", "kommun", "lan"], default=None)
    g.add_argument("--vintage", type=int, choices=[2018, 2025], default=None)
    g.add_argument("--progress", action="store_true", help="show a progress bar (progress extra)")
    for q in parsers.values():
        q.add_argument("--out", default=None, help="output file: .csv, .parquet or .xlsx (default: CSV on stdout)")
        q.add_argument("--lang", choices=["sv", "en"], default="sv")
        q.add_argument("--base-url", default=None, help="API root (default $SEGSTAT_SCB_URL or SCB's)")
        q.add_argument("--offline", action="store_true", help="answer from the cache only")
        q.set_defaults(func=_cmd)
