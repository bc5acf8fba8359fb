#!/usr/bin/env python
"""Peer side of bench_national.py: pytauargus (tau-Argus) MOD on the same national DeSO table.

Run in the peer venv (segstat is not imported); the table comes from bench_national.py:

    .venv/bin/python benchmarks/bench_national.py sex --fraction 0.03 --write-counts sex.csv
    peer-venv/bin/python benchmarks/peer_national_tauargus.py sex.csv [--suppress "MOD(1)"] [--cap 600]

The counts are expanded to one row per person, the hierarchy län > kommun > RegSO > DeSO is written as a
tau-Argus .hrc file, and the frequency rule is FREQ(3, 30) (minimum frequency 3, as segstat's
min_count=3). The engine runs in a child process killed after ``--cap`` seconds; times with
time.perf_counter.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import tempfile
import time


def _run(path: str, suppress: str, out: mp.Queue) -> None:
    os.setpgrp()  # its own process group, so that the cap stops the engine's processes too
    import numpy as np
    import pandas as pd
    import pytauargus
    from pytauargus.hrc import write_hrc

    c = pd.read_csv(path, dtype=str)
    kind = [k for k in c.columns if k not in ("deso", "age", "n", "regso", "kommun", "lan")][0]
    rep = c["n"].astype(int).to_numpy()
    df = pd.DataFrame({k: np.repeat(c[k].to_numpy(), rep) for k in c.columns if k != "n"})
    df["one"] = 1
    work = tempfile.mkdtemp(prefix="peer_national_")
    os.chdir(work)
    hrc = write_hrc(df, ["deso", "regso", "kommun", "lan"], hrc_filename=os.path.join(work, "deso.hrc"))
    by = ["deso", "age", kind]
    t0 = time.perf_counter()
    res = pytauargus.protect(df[by + ["one"]], by, "one", safety_rules="FREQ(3,30)", suppress=suppress,
                             hrc={"deso": hrc}, workdir=work)
    t1 = time.perf_counter()
    rows = res.tables[0].rows
    status = [str(r["status"]) for r in rows]
    leaves = set(df["deso"]) | set(df["age"]) | set(df[kind])
    inner = [all(str(r[v]) in leaves for v in by) for r in rows]
    hidden = sum(float(r["one"]) for r, s, i in zip(rows, status, inner) if i and s not in ("S", "safe"))
    hidden_all = sum(float(r["one"]) for r, s in zip(rows, status) if s not in ("S", "safe"))
    out.put({"table": " x ".join(by), "suppress": suppress, "seconds": round(t1 - t0, 1), "cells": len(rows),
             "status": {s: status.count(s) for s in sorted(set(status))}, "persons_hidden_inner": hidden,
             "persons_hidden_all": hidden_all})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("counts")
    ap.add_argument("--suppress", default="MOD(1)")
    ap.add_argument("--cap", type=float, default=600.0, help="seconds before the engine is stopped")
    args = ap.parse_args()
    q: mp.Queue = mp.Queue()
    p = mp.Process(target=_run, args=(os.path.abspath(args.counts), args.suppress, q))
    t0 = time.perf_counter()
    p.start()
    p.join(args.cap)
    if p.is_alive():
        os.killpg(p.pid, signal.SIGKILL)  # the child and the engine it started
        p.join()
        print(json.dumps({"counts": args.counts, "suppress": args.suppress,
                          "result": f"no result within {args.cap:.0f} s (stopped)"}), flush=True)
        return
    print(json.dumps({**q.get(), "wall_s": round(time.perf_counter() - t0, 1)}), flush=True)


if __name__ == "__main__":
    main()
