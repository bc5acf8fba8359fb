"""segstat.scb vs pxwebpy against the same local stand-in of SCB's PxWebApi 2.

The stand-in (tests/_scb_server.py) answers with SCB's live limits: 150,000 cells
per request and 30 calls per 10 seconds (429 with Retry-After above them). Each
workload is run by each client against a fresh server state and a cold cache;
the server counts the requests, the cells of each data request and any 429.

    .venv/bin/python benchmarks/bench_scb.py --peer-python /path/to/peer-venv/bin/python

The peer runs in its own environment (pxwebpy is never a segstat dependency):
this script starts the server, then runs itself there with ``--impl pxwebpy --url``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
AGES = ["-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59",
        "60-64", "65-69", "70-74", "75-79", "80-"]
KOMMUN = ["0114", "0115", "0117", "0120", "0123", "0125", "0126", "0127", "0128", "0136", "0138", "0139", "0140",
          "0160", "0162", "0163", "0180", "0181", "0182", "0183", "0184", "0186", "0187", "0188", "0191", "0192",
          "0305", "0319", "0330", "0331", "0360", "0380", "0381", "0382", "0428", "0461", "0480", "0481", "0482",
          "0483"]

#: workload -> (table, selection, code list of Region)
WORKLOADS = {
    # the example: 6,160 DeSO x 17 age bands x 2 sexes x 1 year = 209,440 cells
    "deso2025_age_sex_1year": ("TAB6574", {"Region": ["*"], "Alder": AGES, "Kon": ["1", "2"],
                                           "ContentsCode": ["000007Y7"], "Tid": ["2025"]}, "vs_DeSO2025"),
    # everything for DeSO 2025: 6,160 x 18 x 3 x 1 x 2 = 665,280 cells
    "deso2025_whole": ("TAB6574", {"Region": ["*"], "Alder": ["*"], "Kon": ["*"], "ContentsCode": ["*"],
                                   "Tid": ["*"]}, "vs_DeSO2025"),
}


def run_segstat(url: str, name: str) -> dict:
    from segstat import scb

    table, sel, _ = WORKLOADS.get(name, (None, None, None))
    start = time.perf_counter()
    if name == "40_small_calls":
        cells = 0
        for k in KOMMUN:
            cells += len(scb.get("TAB6574", {"Region": [k], "Alder": ["totalt"], "Kon": ["1+2"], "Tid": ["2025"]},
                                 base_url=url))
    else:
        sel = {k: v for k, v in sel.items() if v != ["*"] and k != "Region"}
        cells = len(scb.get(table, sel, level="deso", vintage=2025, base_url=url))
    return {"seconds": time.perf_counter() - start, "cells": cells}


def run_pxwebpy(url: str, name: str) -> dict:
    from pxweb import PxApi

    start = time.perf_counter()
    api = PxApi(url, language="sv")
    if name == "40_small_calls":
        cells = 0
        for k in KOMMUN:
            cells += len(api.get_table_data("TAB6574", value_codes={"Region": [k], "Alder": ["totalt"],
                                                                   "Kon": ["1+2"], "ContentsCode": ["000007Y7"],
                                                                   "Tid": ["2025"]}))
    else:
        table, sel, codelist = WORKLOADS[name]
        cells = len(api.get_table_data(table, value_codes=sel, code_list={"Region": codelist}))
    return {"seconds": time.perf_counter() - start, "cells": cells}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--impl", choices=["segstat", "pxwebpy", "both"], default="both")
    parser.add_argument("--url", default=None, help="(internal) server URL for a peer run")
    parser.add_argument("--workload", default=None)
    parser.add_argument("--peer-python", default=None, help="python of the environment with pxwebpy 0.6")
    a = parser.parse_args()
    if a.url:  # a child run in the peer's environment
        fn = run_pxwebpy if a.impl == "pxwebpy" else run_segstat
        print(json.dumps(fn(a.url, a.workload)))
        return

    sys.path.insert(0, str(HERE.parent / "tests"))
    import _scb_server as S

    impls = ["segstat", "pxwebpy"] if a.impl == "both" else [a.impl]
    rows = []
    for name in [*WORKLOADS, "40_small_calls"]:
        for impl in [*impls, "segstat-cached"] if "segstat" in impls else impls:
            if impl == "pxwebpy" and not a.peer_python:
                continue
            service = S.Service(calls=30, window=10, enforce_rate=True, page_size=20)
            with S.serve(service) as url, tempfile.TemporaryDirectory() as cache:
                if impl.startswith("segstat"):
                    os.environ["SEGSTAT_DATA_DIR"] = cache
                    got = run_segstat(url, name)
                    if impl == "segstat-cached":  # the same calls again: answered by the verified cache
                        service.log.clear()
                        got = run_segstat(url, name)
                else:
                    out = subprocess.run([a.peer_python, __file__, "--impl", "pxwebpy", "--url", url,
                                          "--workload", name], capture_output=True, text=True, check=False)
                    if out.returncode:
                        raise SystemExit(f"pxwebpy run failed: {out.stderr[-1500:]}")
                    got = json.loads(out.stdout.strip().splitlines()[-1])
            data = service.data_requests()
            per = [_cells(r) for r in data]
            rows.append({"workload": name, "impl": impl, "requests": len(service.log), "data_requests": len(data),
                         "cells_per_data_request": f"{min(per):,}-{max(per):,}" if per else "",
                         "http_429": service.rejected_429, "cells": got["cells"], "seconds": round(got["seconds"], 2),
                         "s_per_100k_cells": round(got["seconds"] / got["cells"] * 100_000, 3)})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print()
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


def _cells(request: dict) -> int:
    import math

    if request["body"]:
        return math.prod(len(s["valueCodes"]) for s in request["body"]["selection"])
    return math.prod(len(v[0].split(",")) for k, v in request["query"].items() if k.lower().startswith("valuecodes["))


if __name__ == "__main__":
    main()
