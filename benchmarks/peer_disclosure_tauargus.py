#!/usr/bin/env python
"""Peer side of bench_disclosure.py: pytauargus (tau-Argus engine) MOD suppression on the same workload.

Run in the peer venv (segstat is not imported):

    peer-venv/bin/python benchmarks/peer_disclosure_tauargus.py [--suppress "MOD(1)"] [--save-pattern mod.csv]

Tables: RegSO(län > kommun > RegSO) x age and RegSO x sex x age from
``make_microdata(1_000_000)``, frequency rule FREQ(5, 30) (minimum frequency 5,
tau-Argus's usual 30 % safety range), the response a column of ones. Times
with time.perf_counter; scratch files go to a temporary directory.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _workloads  # noqa: E402


def main():
    import pytauargus
    from pytauargus.hrc import write_hrc

    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=float, default=1e6)
    ap.add_argument("--suppress", default="MOD(1)")
    ap.add_argument("--geography", choices=["synthetic", "real"], default="synthetic",
                    help="real: SCB's RegSO 2020 > kommun > län with real populations (_workloads.real_geography)")
    ap.add_argument("--tables", default="regso,age;regso,sex,age")
    ap.add_argument("--save-pattern", default=None,
                    help="write the first table's cells and statuses to this CSV (for audit_peer_pattern.py)")
    args = ap.parse_args()
    df, _ = _workloads.make_microdata(
        int(args.rows), geo=_workloads.real_geography() if args.geography == "real" else None)
    df = df.astype({"regso": str, "kommun": str, "lan": str, "sex": str, "age": str})
    df["one"] = 1
    if args.save_pattern:
        args.save_pattern = os.path.abspath(args.save_pattern)
    work = tempfile.mkdtemp(prefix="peer_tauargus_")
    os.chdir(work)  # the engine also writes its logs and scratch files to the working directory
    hrc = write_hrc(df, ["regso", "kommun", "lan"], hrc_filename=os.path.join(work, "regso.hrc"))
    for spec in args.tables.split(";"):
        by = spec.split(",")
        t0 = time.perf_counter()
        res = pytauargus.protect(df[by + ["one"]], by, "one", safety_rules="FREQ(5,30)", suppress=args.suppress,
                                 hrc={"regso": hrc}, workdir=work)
        t1 = time.perf_counter()
        rows = res.tables[0].rows
        status = [str(r["status"]) for r in rows]
        leaves = set(df["regso"]) | set(df["sex"]) | set(df["age"])
        inner = [all(str(r[v]) in leaves for v in by) for r in rows]
        hidden = sum(float(r["one"]) for r, s, i in zip(rows, status, inner) if i and s not in ("S", "safe"))
        counts = {s: status.count(s) for s in sorted(set(status))}
        hidden_all = sum(float(r["one"]) for r, s in zip(rows, status) if s not in ("S", "safe"))
        if args.save_pattern and spec == args.tables.split(";")[0]:
            import csv

            with open(args.save_pattern, "w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(by + ["count", "status"])
                for r, st in zip(rows, status):
                    w.writerow([str(r[v]) for v in by] + [r["one"], st])
        print(json.dumps({"table": " x ".join(by), "suppress": args.suppress, "seconds": round(t1 - t0, 3),
                          "cells": len(rows), "status": counts, "persons_hidden_inner": hidden,
                          "persons_hidden_all": hidden_all,
                          "example_row": {k: str(v) for k, v in rows[0].items()}}), flush=True)


if __name__ == "__main__":
    main()
