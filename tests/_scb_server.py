"""A local stand-in for SCB's PxWebApi 2, built from recorded responses (tests and benchmarks).

It answers as the live service does (README of tests/data/scb_api and PxTools/PxWebApi):
``/config``; ``/tables`` paged (the server's page size wins); ``/tables/{id}/metadata``;
``/codeLists/{id}``; ``/tables/{id}/data`` by GET (``valuecodes[VAR]``, ``codelist[VAR]``) or POST
(``{"selection": [{"variableCode", "valueCodes", "codelist"}]}``), with the service's limits: 400 above
``maxDataCells``, 429 with ``Retry-After`` above the call limit, 404 for a GET URL over 2,000
characters, 500 with an empty body for a value code given twice, the default selection when none is
given (eliminable variables dropped, the first value of the others). Every request is logged.
"""

from __future__ import annotations

import collections
import functools
import json
import math
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd

DATA = Path(__file__).parent / "data" / "scb_api"
ROOT = Path(__file__).parents[1] / "src" / "segstat" / "data" / "keys"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class Cube:
    """One table: variables (id, label, codes, labels, elimination, role, codelists) and a value rule."""

    def __init__(self, table_id: str, label: str, variables: list[dict[str, Any]], *, notes: list[str],
                 mandatory: dict[str, bool], value: Any, metadata: dict[str, Any] | None = None,
                 default: dict[str, Any] | None = None, updated: str = "2026-06-08T06:00:00Z") -> None:
        self.id, self.label, self.variables, self.notes, self.mandatory = table_id, label, variables, notes, mandatory
        self.value, self.updated, self.default = value, updated, default
        self._metadata = metadata

    def var(self, vid: str) -> dict[str, Any]:
        return next(v for v in self.variables if v["id"] == vid)

    def metadata(self) -> dict[str, Any]:
        if self._metadata is not None:
            return self._metadata
        return self.doc([(v, list(v["codes"])) for v in self.variables], values=None)

    def doc(self, dims: list[tuple[dict[str, Any], list[str]]], values: list[Any] | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": "2.0", "class": "dataset", "label": self.label, "source": "SCB", "updated": self.updated,
            "note": self.notes, "role": {"time": [v["id"] for v, _ in dims if v.get("role") == "time"],
                                         "metric": [v["id"] for v, _ in dims if v.get("role") == "metric"]},
            "id": [v["id"] for v, _ in dims], "size": [len(c) for _, c in dims], "dimension": {},
            "extension": {"noteMandatory": self.mandatory, "px": {"tableid": self.id, "decimals": 0}},
        }
        for v, codes in dims:
            labels = v.get("all_labels", v["labels"])
            out["dimension"][v["id"]] = {
                "label": v["label"],
                "category": {"index": {c: i for i, c in enumerate(codes)}, "label": {c: labels.get(c, c) for c in codes}},
                "extension": {"elimination": v.get("elimination", False), "show": "value",
                              "codelists": [{"id": c, "label": c, "type": "Valueset"} for c in v.get("codelists", [])]},
            }
        if values is not None:
            out["value"] = values
        return out


class Service:
    """State of the stand-in: tables, code lists, limits, the request log and scripted answers."""

    def __init__(self, *, max_cells: int = 150_000, calls: int = 10_000, window: int = 1, page_size: int = 7,
                 enforce_rate: bool = False) -> None:
        self.config = dict(load("config.json"), maxDataCells=max_cells, maxCallsPerTimeWindow=calls, timeWindow=window)
        self.page_size, self.enforce_rate = page_size, enforce_rate
        self.tables_list = load("tables.json")["tables"]
        self.cubes: dict[str, Cube] = {}
        self.codelists: dict[str, dict[str, Any]] = {}
        self.log: list[dict[str, Any]] = []
        self.forced: collections.deque[tuple[int, dict[str, str], bytes]] = collections.deque()
        self.truncate: str | None = None  # "bytes" (cut JSON) or "values" (value array too short), once
        self.times: collections.deque[float] = collections.deque()
        self.rejected_429 = 0
        self.blank: set[tuple[str, str]] = set()  # (table, region code): no figure published, status ".."
        self.lock = threading.Lock()
        add_tab6471(self)
        add_population_table(self)
        add_omradestyp_table(self)

    def data_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.log if r["path"].endswith("/data")]

    # ------------------------------------------------------------ answers
    def answer(self, method: str, raw_path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        entry = {"method": method, "path": path, "query": query, "url_length": len(raw_path),
                 "body": json.loads(body) if body else None}
        with self.lock:
            self.log.append(entry)
            now = time.monotonic()
            while self.times and now - self.times[0] >= self.config["timeWindow"]:
                self.times.popleft()
            if self.enforce_rate and len(self.times) >= self.config["maxCallsPerTimeWindow"]:
                self.rejected_429 += 1
                wait = self.config["timeWindow"] - (now - self.times[0])
                return 429, {"Retry-After": str(max(1, math.ceil(wait)))}, b""
            self.times.append(now)
            if self.forced:
                return self.forced.popleft()
        if len(raw_path) > 2000:
            return 404, {}, b""
        if not path.startswith("/api/v2/"):
            return 404, {}, b""
        path = path[len("/api/v2"):]
        if path == "/config":
            return self.json(self.config)
        if path.rstrip("/") == "/tables":
            return self.tables(query)
        segs = path.strip("/").split("/")
        if segs[0].lower() == "codelists" and len(segs) == 2:  # routes are case-insensitive, as ASP.NET's
            cl = self.codelists.get(segs[1])
            return self.json(cl) if cl else self.problem(404, f"Codelist {segs[1]} not found")
        if segs[0].lower() == "tables" and len(segs) == 3:
            cube = self.cubes.get(segs[1].upper())
            if cube is None:
                return self.problem(404, f"Table {segs[1]} not found")
            if segs[2] == "metadata":
                return self.json(cube.metadata())
            if segs[2] == "data":
                return self.data(cube, query, entry["body"])
        return self.problem(404, "Not found")

    def json(self, doc: Any) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "application/json; charset=utf-8"}, json.dumps(doc, ensure_ascii=False).encode()

    def problem(self, status: int, detail: str) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/problem+json"}, json.dumps(
            {"type": "about:blank", "title": "Bad request" if status == 400 else "Not found", "status": status,
             "detail": detail}).encode()

    def tables(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        rows = self.tables_list
        if query.get("query"):
            words = query["query"][0].lower().split()
            rows = [t for t in rows if all(w in t["label"].lower() for w in words)]
        size = min(int(query.get("pageSize", [self.page_size])[0]), self.page_size)
        number = int(query.get("pageNumber", ["1"])[0])
        pages = max(math.ceil(len(rows) / size), 1)
        return self.json({"language": "sv", "tables": rows[(number - 1) * size:number * size],
                          "page": {"pageNumber": number, "pageSize": size, "totalElements": len(rows),
                                   "totalPages": pages, "links": []}, "links": []})

    def data(self, cube: Cube, query: dict[str, list[str]], body: Any) -> tuple[int, dict[str, str], bytes]:
        wanted: dict[str, tuple[list[str], str | None]] = {}
        if body is not None:
            for s in body.get("selection", []):
                wanted[s["variableCode"]] = (list(s.get("valueCodes", [])), s.get("codelist"))
        else:
            lists = {k[len("codelist["):-1]: v[0] for k, v in query.items() if k.lower().startswith("codelist[")}
            for k, v in query.items():
                if k.lower().startswith("valuecodes["):
                    vid = k[len("valuecodes["):-1]
                    wanted[vid] = (v[0].split(",") if v[0] else [], lists.get(vid))
        if not wanted and cube.default is not None:
            return self.json(cube.default)
        dims = []
        for v in cube.variables:
            if v["id"] in wanted:
                codes, cl = wanted[v["id"]]
                if len(set(codes)) != len(codes):
                    return 500, {}, b""
                if cl is not None:
                    if cl not in v.get("codelists", []):
                        return self.problem(400, f"Non-existent codelist {cl}")
                    offered = [x["code"] for x in self.codelists[cl]["values"]]
                else:
                    offered = v["codes"]
                if codes == ["*"]:
                    codes = list(offered)
                bad = set(codes) - set(offered)
                if bad:
                    return self.problem(400, f"Non-existent value {min(bad)} of {v['id']}")
                dims.append((v, codes))
            elif not v.get("elimination", False):
                dims.append((v, [v["codes"][0]]))  # the default selection of a variable that cannot be eliminated
        unknown = set(wanted) - {v["id"] for v in cube.variables}
        if unknown:
            return self.problem(400, f"Non-existent variable {min(unknown)}")
        n = math.prod(len(c) for _, c in dims)
        if n > self.config["maxDataCells"]:
            return self.problem(400, f"Too many cells selected: {n} > {self.config['maxDataCells']}")
        names = [v["id"] for v, _ in dims]
        values = [cube.value(dict(zip(names, combo))) for combo in _product([c for _, c in dims])]
        doc = cube.doc(dims, values)
        if self.blank and "Region" in names:
            at = names.index("Region")
            status = {}
            for i, combo in enumerate(_product([c for _, c in dims])):
                if (cube.id, combo[at]) in self.blank:
                    values[i], status[str(i)] = None, ".."
            if status:
                doc["status"] = status
        if self.truncate == "values":
            self.truncate = None
            doc["value"] = values[:-1]
        status, headers, raw = self.json(doc)
        if self.truncate == "bytes":
            self.truncate = None
            raw = raw[: len(raw) // 2]
        return status, headers, raw


def _product(lists: list[list[str]]) -> Any:
    import itertools

    return itertools.product(*lists)


def add_tab6471(service: Service) -> None:
    """TAB6471 as recorded: metadata verbatim; the recorded cells answer with their recorded values."""
    meta, data = load("TAB6471_metadata.json"), load("TAB6471_data.json")
    ids = data["id"]
    order = [sorted(data["dimension"][v]["category"]["index"], key=data["dimension"][v]["category"]["index"].get)
             for v in ids]
    recorded: dict[tuple[str, ...], Any] = {}
    for combo, value in zip(_product(order), data["value"]):
        recorded[combo] = value

    def value(coords: dict[str, str]) -> Any:
        key = tuple(coords.get(v, "") for v in ids)
        return recorded.get(key, sum(map(ord, "".join(key))) % 1000)

    variables = []
    for vid in meta["id"]:
        d = meta["dimension"][vid]
        idx = d["category"]["index"]
        variables.append({"id": vid, "label": d["label"], "codes": sorted(idx, key=idx.get),
                          "labels": d["category"]["label"], "elimination": d["extension"].get("elimination", False),
                          "role": "time" if vid in meta["role"]["time"] else
                          ("metric" if vid in meta["role"]["metric"] else None),
                          "codelists": [c["id"] for c in d["extension"].get("codelists", [])]})
    service.cubes["TAB6471"] = Cube("TAB6471", meta["label"], variables, notes=meta["note"],
                                    mandatory=meta["extension"]["noteMandatory"], value=value, metadata=meta,
                                    default=data)


#: the population table's variables besides region (codes as in SCB's DeSO tables; figures made up)
AGES = ["-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59",
        "60-64", "65-69", "70-74", "75-79", "80-"]
SEXES = ["1", "2"]
YEARS = ["2024", "2025"]


def population_value(region_index: int, age_index: int, sex_index: int, year_index: int) -> int:
    """The made-up count of one cell of the test population table (restated by the tests)."""
    return 1 + (region_index * 31 + age_index * 7 + sex_index * 3 + year_index) % 997


def add_population_table(service: Service) -> None:
    """A DeSO/RegSO population table of both vintages (TAB6574's shape), codes from segstat's keys."""
    regions, lists = _regions()
    _add_population_table(service, regions, lists)


@functools.lru_cache(maxsize=1)
def _regions() -> tuple[list[str], dict[str, list[str]]]:
    k18 = pd.read_csv(ROOT / "deso2018_regso2020.csv", dtype=str, encoding="utf-8-sig")
    k25 = pd.read_csv(ROOT / "deso2025_regso2025.csv", dtype=str, encoding="utf-8-sig")
    kommun = sorted(set(k18["Kommun"]))
    lan = sorted({c[:2] for c in kommun})
    deso18, regso20 = sorted(set(k18["DeSO_2018"])), sorted(set(k18["RegSOkod_2020"]))
    deso25 = [f"{c}_DeSO2025" for c in sorted(set(k25["desokod"]))]
    regso25 = [f"{c}_RegSO2025" for c in sorted(set(k25["regsokod"]))]
    regions = ["00", *lan, *kommun, *deso18, *regso20, *deso25, *regso25]
    lists = {"vs_DeSO2018": deso18, "vs_RegSO2020": regso20, "vs_DeSO2025": deso25, "vs_RegSO2025": regso25}
    return regions, lists


def _add_population_table(service: Service, regions: list[str], lists: dict[str, list[str]]) -> None:
    where = {c: i for i, c in enumerate(regions)}
    for cl, codes in lists.items():
        service.codelists[cl] = {"id": cl, "label": cl, "language": "sv", "type": "Valueset",
                                 "values": [{"code": c, "label": c, "valueMap": [c]} for c in codes], "links": []}
    ages, sexes = ["totalt", *AGES], ["1+2", *SEXES]
    age_labels = {"totalt": "totalt ålder", **{a: f"{a.strip('-')} år" if not a.startswith("-") else
                                              f"0{a} år" for a in AGES}}
    age_labels["80-"] = "80+ år"
    variables = [
        {"id": "Region", "label": "region", "codes": regions, "labels": {"00": "Riket"}, "elimination": True,
         "codelists": list(lists)},
        {"id": "Alder", "label": "ålder", "codes": ages, "labels": age_labels, "elimination": True},
        {"id": "Kon", "label": "kön", "codes": sexes, "labels": {"1+2": "totalt", "1": "män", "2": "kvinnor"},
         "elimination": True},
        {"id": "ContentsCode", "label": "tabellinnehåll", "codes": ["000007Y7"], "labels": {"000007Y7": "Folkmängd"},
         "role": "metric"},
        {"id": "Tid", "label": "år", "codes": YEARS, "labels": {y: y for y in YEARS}, "role": "time"},
    ]

    def value(c: dict[str, str]) -> int:
        return population_value(where[c.get("Region", "00")], ages.index(c.get("Alder", "totalt")),
                                sexes.index(c.get("Kon", "1+2")), YEARS.index(c["Tid"]))

    ckm = load("TAB6471_metadata.json")["note"][0]
    service.cubes["TAB6574"] = Cube(
        "TAB6574", "Folkmängden per region (DeSO/RegSO), ålder och kön. År 2024-2025", variables,
        notes=[ckm, "Regionindelning enligt DeSO 2018/RegSO 2020 och DeSO 2025/RegSO 2025."],
        mandatory={"0": True}, value=value)


#: id the stand-in gives the table of områdestyp per RegSO (000005QX in the old interface; made up)
OMRADESTYP_TABLE = "TAB9905"
RAW = Path(__file__).parents[1] / "src" / "segstat" / "data" / "omradestyp"


def add_omradestyp_table(service: Service) -> None:
    """The table of områdestyp per RegSO in 000005QX's shape: regions named "Kommun (RegSO)", years 2022-2023.

    Built from segstat's bundled raw exports of 000005QX (2022 and 2023); the region codes are opaque
    (R0001 ...), so a client must match the names, as it must for that table.
    """
    import csv

    years: dict[str, dict[str, int]] = {}
    for year in ("2022", "2023"):
        with open(RAW / f"scb_000005QX_omradestyp_{year}.csv", encoding="utf-8-sig") as f:
            years[year] = {r[0]: int(r[1]) for r in csv.reader(f) if len(r) > 1 and r[1] in "12345" and r[1]}
    names = list(years["2022"])
    codes = [f"R{i:04d}" for i in range(1, len(names) + 1)]
    name_of = dict(zip(codes, names))
    variables = [
        {"id": "Region", "label": "region", "codes": codes, "labels": name_of, "elimination": False},
        {"id": "ContentsCode", "label": "tabellinnehåll", "codes": ["000005QX"], "labels": {"000005QX": "Områdestyp"},
         "role": "metric"},
        {"id": "Tid", "label": "år", "codes": ["2022", "2023"], "labels": {"2022": "2022", "2023": "2023"},
         "role": "time"},
    ]
    label = "Områdestyp efter RegSO. År 2022-2023"
    service.cubes[OMRADESTYP_TABLE] = Cube(
        OMRADESTYP_TABLE, label, variables, notes=["Områdestyp enligt SCB:s socioekonomiska indelning (SEI)."],
        mandatory={"0": False}, value=lambda c: years[c["Tid"]][name_of[c["Region"]]])
    entry = json.loads(json.dumps(service.tables_list[0]))
    entry.update(id=OMRADESTYP_TABLE, label=label, firstPeriod="2022", lastPeriod="2023",
                 variableNames=["region", "tabellinnehåll", "år"])
    service.tables_list = [*service.tables_list, entry]


class _Handler(BaseHTTPRequestHandler):
    service: Service

    def _reply(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers, raw = self.service.answer(method, self.path, body)
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        self._reply("GET")

    def do_POST(self) -> None:
        self._reply("POST")

    def log_message(self, *args: Any) -> None:
        pass


class serve:
    """``with serve(service) as base_url:`` runs the stand-in on a free local port."""

    def __init__(self, service: Service) -> None:
        handler = type("Handler", (_Handler,), {"service": service})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/api/v2"

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
