#!/usr/bin/env python
"""Audit tau-Argus's suppression pattern with segstat's intruder LP, at segstat's protection levels.

The persons hidden by two methods only compare fairly at the same protection. This script takes the
pattern pytauargus MOD produced for RegSO x age (``peer_disclosure_tauargus.py --tables regso,age
--save-pattern mod.csv``), applies it to segstat's table of the same microdata, and reports for each
protection level how many of MOD's primary cells the intruder can pin down more narrowly than required.

    .venv/bin/python benchmarks/audit_peer_pattern.py mod.csv

Uses segstat's internal model (a benchmark, not an API).
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _workloads  # noqa: E402

import segstat  # noqa: E402
from segstat.disclosure.protect import ProtectedTables, _primary, _required, build_model  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pattern")
    ap.add_argument("--min-count", type=int, default=5)
    args = ap.parse_args()
    df, geo = _workloads.make_microdata(1_000_000)
    hier = {"regso": {**dict(zip(geo.regso, geo.kommun)), **dict(zip(geo.kommun, geo.lan))}}
    t = segstat.tabulate(df, by=["regso", "age"], hierarchies=hier)
    mod = pd.read_csv(args.pattern, dtype=str)
    cells = t.cells[["regso", "age"]].astype(str)
    joined = cells.merge(mod, on=["regso", "age"], how="left", validate="one_to_one")
    if joined["status"].isna().any():
        raise SystemExit(f"{int(joined['status'].isna().sum())} cells of segstat's table are not in the pattern")
    # tau-Argus statuses: S safe, U primary (unsafe), M secondary, E empty (a zero cell, published as zero)
    suppressed = joined["status"].isin(["U", "M"]).to_numpy()
    model = build_model(t)
    primary, rule = _primary(model, args.min_count, None, None, "publish")
    hidden = float(t.cells["count"].to_numpy()[suppressed & (t.cells["regso_level"] == "leaf").to_numpy()
                                               & (t.cells["age_level"] == "leaf").to_numpy()].sum())
    for protection in (None, 1.0):
        required = _required(model, rule, args.min_count, None, protection)
        status = np.where(primary, "primary", np.where(suppressed, "secondary", "published")).astype(object)
        p = ProtectedTables((t,), status, rule, required, np.full(len(status), np.nan), np.full(len(status), np.nan),
                            {"min_count": args.min_count, "protection": protection or "default"}, model)
        a = segstat.audit(p)
        print(json.dumps({"pattern": "pytauargus MOD", "protection": protection or "default (min_count - value)",
                          "primary_same_as_segstat": bool((primary == (joined["status"] == "U").to_numpy()).all()),
                          "suppressed": int(suppressed.sum()), "persons_hidden_inner": hidden,
                          "audit": a.counts, "safe": a.safe}), flush=True)


if __name__ == "__main__":
    main()
