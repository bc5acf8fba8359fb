"""download_boundaries against a local WFS-shaped HTTP server (no network)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import shapely

import segstat
from segstat.errors import DataIntegrityError, DownloadError


def _features():
    """All 3,363 RegSO 2025 codes: the real Göteborgsregionen polygons, small squares for the rest."""
    real = segstat.boundaries("regso", vintage=2025)
    geom = dict(zip(real.codes, real.polygons))
    feats = []
    for i, code in enumerate(segstat.areas("regso", vintage=2025)["code"]):
        g = geom.get(code, shapely.box(500_000 + (i % 60) * 1000, 6_900_000 + (i // 60) * 1000,
                                       500_000 + (i % 60) * 1000 + 900, 6_900_000 + (i // 60) * 1000 + 900))
        feats.append({"type": "Feature", "properties": {"regsokod": code, "kommunkod": code[:4]},
                      "geometry": json.loads(shapely.to_geojson(g))})
    return feats


FEATURES = _features()


class WFS:
    def __init__(self, features, fail_first=0, drop=0):
        self.features, self.fail_first, self.drop, self.requests = features, fail_first, drop, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
                outer.requests.append(q)
                if len(outer.requests) <= outer.fail_first:
                    self.send_response(503)
                    self.end_headers()
                    return
                start, count = int(q["startIndex"]), int(q["count"])
                feats = outer.features[: len(outer.features) - outer.drop]
                body = json.dumps({"type": "FeatureCollection", "numberMatched": len(feats),
                                   "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}},
                                   "features": feats[start:start + count]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/geoserver/stat/wfs"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def wfs():
    servers = []

    def start(**kw):
        s = WFS(FEATURES, **kw)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


def test_paged_download_is_verified_cached_and_reused(wfs, tmp_path):
    server = wfs()
    b = segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path, page_size=1000)
    assert len(b) == 3363 and b.crs == "EPSG:3006"
    assert [int(r["startIndex"]) for r in server.requests] == [0, 1000, 2000, 3000]
    assert server.requests[0]["typeNames"] == "stat:RegSO_2025"
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["stat_RegSO_2025.geojson", "stat_RegSO_2025.json"]
    meta = json.loads((tmp_path / "stat_RegSO_2025.json").read_text())
    assert meta["features"] == 3363 and len(meta["sha256"]) == 64
    n = len(server.requests)
    again = segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)
    assert len(server.requests) == n and len(again) == 3363  # served from the cache


def test_corrupted_cache_is_detected_and_fetched_again(wfs, tmp_path):
    server = wfs()
    segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)
    path = tmp_path / "stat_RegSO_2025.geojson"
    path.write_bytes(path.read_bytes()[:-100])  # truncated
    n = len(server.requests)
    b = segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)
    assert len(server.requests) > n and len(b) == 3363


def test_server_errors_are_retried(wfs, tmp_path):
    server = wfs(fail_first=2)
    b = segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path, backoff=0.01)
    assert len(b) == 3363


def test_wrong_feature_count_is_refused_and_nothing_is_cached(wfs, tmp_path):
    server = wfs(drop=1)
    with pytest.raises(DataIntegrityError, match="3362 features.*3363"):
        segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)
    assert not any(tmp_path.iterdir())


def test_closed_network_names_the_cache_and_the_alternative(tmp_path):
    with pytest.raises(DownloadError, match=r"(?s)closed network.*path=.*stat_DeSO_2025.geojson"):
        segstat.download_boundaries("deso", vintage=2025, url="http://127.0.0.1:9/wfs", cache=tmp_path,
                                    retries=1, backoff=0.01, timeout=2)


def test_cache_dir_honours_the_environment(monkeypatch, tmp_path):
    from segstat.geography.download import cache_dir
    monkeypatch.setenv("SEGSTAT_DATA_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
