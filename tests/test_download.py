"""download_boundaries against a local WFS-shaped HTTP server (no network)."""

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
import shapely

import segstat
from segstat.errors import CacheWarning, DataIntegrityError, DownloadError, InputValueError


def _features():
    """All 3,363 RegSO 2025 codes: the real Göteborgsregionen polygons, and for the rest small squares in a
    grid at a point of their kommun (so the geometry checks pass: in Sweden, in the kommun, no overlaps)."""
    from segstat.geography.outlines import national_outlines

    real = segstat.boundaries("regso", vintage=2025)
    geom = dict(zip(real.codes, real.polygons))
    k = national_outlines("kommun")
    anchor = dict(zip(k["code"].astype(str), shapely.point_on_surface(k["geometry"].to_numpy())))
    feats, n_in = [], {}
    for code in segstat.areas("regso", vintage=2025)["code"]:
        n = n_in[code[:4]] = n_in.get(code[:4], -1) + 1
        x, y = anchor[code[:4]].x + (n % 12) * 100, anchor[code[:4]].y + (n // 12) * 100
        g = geom.get(code, shapely.box(x, y, x + 50, y + 50))
        feats.append({"type": "Feature", "properties": {"regsokod": code, "kommunkod": code[:4]},
                      "geometry": json.loads(shapely.to_geojson(g))})
    return feats
FEATURES = _features()


_ENCODED: dict[int, tuple[dict, str]] = {}


def _encoded(feature: dict) -> str:
    """json.dumps(feature), remembered for the very same object (tests that alter a feature make a new one)."""
    hit = _ENCODED.get(id(feature))
    if hit is None or hit[0] is not feature:
        hit = _ENCODED[id(feature)] = (feature, json.dumps(feature))
    return hit[1]


class WFS:
    def __init__(self, features, fail_first=0, drop=0, hostile=None, crs=True):
        self.features, self.fail_first, self.drop, self.requests = features, fail_first, drop, []
        self.hostile, self.crs = hostile, crs
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
                doc: dict = {"type": "FeatureCollection", "numberMatched": len(feats)}
                if outer.crs:
                    doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3006"}}
                doc["features"] = []
                # the same JSON as json.dumps(doc with its features), each feature encoded once per test session
                head = json.dumps(doc)[:-2]  # without the closing "]}"
                body = (head + ", ".join(_encoded(f) for f in feats[start:start + count]) + "]}").encode()
                length = None
                if outer.hostile is not None:
                    body, length = outer.hostile(len(outer.requests), start, count, body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass

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

    def start(features=None, **kw):
        s = WFS(FEATURES if features is None else features, **kw)
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


# ---------------------------------------------------------------- a hostile server (issue 17)


def _moved(features, move):
    """The features with every geometry passed through ``move`` (a function of a shapely geometry)."""
    out = []
    for f in features:
        g = move(shapely.from_geojson(json.dumps(f["geometry"])))
        out.append({**f, "geometry": json.loads(shapely.to_geojson(g))})
    return out


def test_polygons_shifted_50_km_are_refused_and_not_cached(wfs, tmp_path):
    shifted = _moved(FEATURES, lambda g: shapely.transform(g, lambda c: c + [50_000, 0]))
    server = wfs(features=shifted)
    with pytest.raises(DataIntegrityError, match="km from their kommun"):
        segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)
    assert not any(tmp_path.iterdir())


def test_codes_rotated_among_polygons_are_refused(wfs, tmp_path):
    geoms = [f["geometry"] for f in FEATURES]
    rotated = [{**f, "geometry": geoms[(i + 1) % len(geoms)]} for i, f in enumerate(FEATURES)]
    server = wfs(features=rotated)
    with pytest.raises(DataIntegrityError, match="codes are attached to the wrong polygons"):
        segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)


def test_lon_lat_without_crs_member_is_refused(wfs, tmp_path):
    from pyproj import Transformer

    t = Transformer.from_crs(3006, 4326, always_xy=True)
    lonlat = _moved(FEATURES, lambda g: shapely.transform(g, lambda c: np.column_stack(t.transform(c[:, 0], c[:, 1]))))
    server = wfs(features=lonlat, crs=False)
    with pytest.raises(DataIntegrityError, match="look like longitude/latitude"):
        segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)


def test_overlapping_polygons_are_refused(wfs, tmp_path):
    feats = list(FEATURES)
    # the second RegSO of Göteborg's region gets its neighbour's polygon grown by 100 m: they overlap
    i = next(n for n, f in enumerate(feats) if f["properties"]["regsokod"].startswith("1480"))
    grown = shapely.buffer(shapely.from_geojson(json.dumps(feats[i]["geometry"])), 100)
    feats[i + 1] = {**feats[i + 1], "geometry": json.loads(shapely.to_geojson(grown))}
    server = wfs(features=feats)
    with pytest.raises(DataIntegrityError, match="overlap by more than 0.1%"):
        segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)


def test_truncated_body_is_retried(wfs, tmp_path):
    # the first response promises more bytes than it sends (the connection closes): retried, then served
    server = wfs(hostile=lambda n, start, count, body: (body[:1000], len(body)) if n == 1 else (body, None))
    b = segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path, backoff=0.01)
    assert len(b) == 3363 and len(server.requests) == 5


def test_always_truncated_body_gives_a_download_error(wfs, tmp_path):
    server = wfs(hostile=lambda n, start, count, body: (body[:1000], len(body)))
    with pytest.raises(DownloadError, match="truncated response"):
        segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path, retries=1,
                                    backoff=0.01)


def test_binary_body_gives_a_download_error(wfs, tmp_path):
    server = wfs(hostile=lambda n, start, count, body: (bytes(range(256)) * 4, None))
    with pytest.raises(DownloadError, match="not UTF-8 text"):
        segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path, retries=1,
                                    backoff=0.01)


def test_endless_identical_pages_stop_with_a_clear_error(wfs, tmp_path):
    # a full page on every request and no numberMatched: the same page twice is detected
    page = json.dumps({"type": "FeatureCollection", "features": FEATURES[:1000]}).encode()
    server = wfs(hostile=lambda n, start, count, body: (page, None))
    with pytest.raises(DataIntegrityError, match="same page again"):
        segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)
    assert len(server.requests) == 2


def test_endless_new_pages_stop_after_the_pages_the_layer_needs(wfs, tmp_path):
    # a full page of fresh features on every request: stopped after ceil(3363 / 1000) + 1 = 5 pages
    def endless(n, start, count, body):
        feats = [{**f, "properties": {**f["properties"], "n": n}} for f in FEATURES[:count]]
        return json.dumps({"type": "FeatureCollection", "features": feats}).encode(), None

    server = wfs(hostile=endless)
    with pytest.raises(DataIntegrityError, match="still more features after 5 pages"):
        segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)
    assert len(server.requests) == 5


def test_oversized_response_is_refused(wfs, tmp_path, monkeypatch):
    from segstat.geography import download

    monkeypatch.setattr(download, "MAX_RESPONSE_BYTES", 10_000)
    monkeypatch.setattr(download._get, "__defaults__", (10_000,))
    server = wfs()
    with pytest.raises(DownloadError, match="larger than 10,000 bytes"):
        segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)
    assert len(server.requests) == 1  # not retried


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/wfs", "/tmp/wfs"])
def test_urls_other_than_http_are_refused(url, tmp_path):
    with pytest.raises(InputValueError, match="only http and https"):
        segstat.download_boundaries("regso", vintage=2025, url=url, cache=tmp_path)


def test_corrupt_sidecar_is_fetched_again(wfs, tmp_path):
    server = wfs()
    segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)
    (tmp_path / "stat_RegSO_2025.json").write_bytes(b"\x00{not json")
    n = len(server.requests)
    b = segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)
    assert len(server.requests) > n and len(b) == 3363
    assert json.loads((tmp_path / "stat_RegSO_2025.json").read_text())["features"] == 3363


def test_symlink_at_temporary_names_is_not_followed(wfs, tmp_path):
    # links planted at every name the old code used for temporary files: the targets stay untouched
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in ("stat_RegSO_2025.json.tmp", "stat_RegSO_2025.tmp", ".download-x.geojson"):
        (cache / name).symlink_to(victim)
    server = wfs()
    b = segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=cache)
    assert len(b) == 3363 and victim.read_text() == "keep me"
    assert json.loads((cache / "stat_RegSO_2025.json").read_text())["features"] == 3363


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_read_only_cache_returns_the_download_with_a_warning(wfs, tmp_path):
    cache = tmp_path / "ro"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        server = wfs()
        with pytest.warns(CacheWarning, match="could not be cached"):
            b = segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=cache)
        assert len(b) == 3363 and not any(cache.iterdir())
    finally:
        cache.chmod(0o755)


def test_unwritable_cache_returns_the_download_with_a_warning(wfs, tmp_path, monkeypatch):
    # the same as a read-only directory for any user (root ignores permissions): writing fails with an OS error
    from segstat.geography import download

    def refuse(folder, suffix, write):
        raise PermissionError(13, "Permission denied", str(folder))

    monkeypatch.setattr(download, "_write_new", refuse)
    server = wfs()
    with pytest.warns(CacheWarning, match="Permission denied"):
        b = segstat.download_boundaries("regso", vintage=2025, url=server.url, cache=tmp_path)
    assert len(b) == 3363 and not any(tmp_path.iterdir())
