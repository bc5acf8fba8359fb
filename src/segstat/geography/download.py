"""Download DeSO/RegSO boundaries from SCB's open WFS, verified and cached."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from .._validation import check_level
from ..errors import DataIntegrityError, DownloadError, InputValueError
from .boundaries import Boundaries, _from_arrays
from .._vintage import require_vintage
from .registry import _known, vintage_label

__all__ = ["WFS_URL", "cache_dir", "download_boundaries"]

#: SCB's open WFS (GeoServer)
WFS_URL = "https://geodata.scb.se/geoserver/stat/wfs"
LAYERS = {("deso", 2025): "stat:DeSO_2025", ("regso", 2025): "stat:RegSO_2025",
          ("deso", 2018): "stat:DeSO_2018", ("regso", 2018): "stat:RegSO_2020"}
_CODE_FIELD = {"deso": "desokod", "regso": "regsokod"}


def cache_dir() -> Path:
    """Where downloads are kept: ``$SEGSTAT_DATA_DIR``, else the platform's cache directory."""
    env = os.environ.get("SEGSTAT_DATA_DIR")
    if env:
        return Path(env)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "segstat" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "segstat"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "segstat"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _get(url: str, timeout: float, retries: int, backoff: float) -> dict[str, Any]:
    last: Exception | None = None
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - https/http only, checked
                return json.loads(r.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError) as exc:
            last = exc
            if attempt < retries:
                time.sleep(backoff * 2**attempt)
    raise DownloadError(str(last))


def _verify(doc: dict[str, Any], level: str, v: int, source: str) -> Boundaries:
    from . import _io

    geoms, attrs, crs = _io.geojson_features(doc)
    expected = len(_known(level, v))
    if len(geoms) != expected:
        raise DataIntegrityError(f"{source}: {len(geoms)} features, but {vintage_label(level, v)} has {expected}.")
    if crs and "3006" not in str(crs):
        raise DataIntegrityError(f"{source}: CRS {crs!r}, expected EPSG:3006 (SWEREF 99 TM).")
    field = _CODE_FIELD[level]
    if field not in attrs.columns:
        raise DataIntegrityError(f"{source}: no {field!r} property in the features.")
    b = _from_arrays(level, v, attrs[field].astype(str).to_numpy(), geoms, source)
    if set(b.codes) != set(_known(level, v)):
        raise DataIntegrityError(f"{source}: the codes do not match {vintage_label(level, v)}.")
    return b


def download_boundaries(
    level: str = "deso",
    *,
    vintage: int | None = None,
    url: str = WFS_URL,
    cache: str | Path | None = None,
    page_size: int = 1000,
    timeout: float = 60.0,
    retries: int = 3,
    backoff: float = 1.0,
    force: bool = False,
) -> Boundaries:
    """Fetch the national DeSO or RegSO polygons from SCB's WFS, verify and cache them.

    Parameters
    ----------
    level : {"deso", "regso"}
    vintage : {2018, 2020, 2025}
        Required.
        Layers ``stat:DeSO_2025``, ``stat:RegSO_2025``, ``stat:DeSO_2018``,
        ``stat:RegSO_2020``.
    url : str
        The WFS endpoint (SCB's by default).
    cache : str or Path, optional
        Cache directory; default :func:`cache_dir` (``$SEGSTAT_DATA_DIR`` or
        the platform cache).
    page_size : int, default 1000
        Features per request (``count``/``startIndex`` paging).
    timeout : float, default 60
        Seconds per request.
    retries : int, default 3
        Retries per page, with exponential backoff starting at ``backoff``
        seconds.
    force : bool, default False
        Download again even if a verified file is cached.

    Returns
    -------
    Boundaries

    Raises
    ------
    DownloadError
        The server could not be reached (the message names the cache path
        and how to use a downloaded file instead).
    DataIntegrityError
        The data failed verification: feature count (5,984 DeSO 2018, 6,160
        DeSO 2025, 3,363 RegSO), codes of the vintage, CRS, valid polygons.

    Notes
    -----
    The file is written atomically (temporary file, then rename) as GeoJSON
    with a sidecar recording its sha256; a cached file whose checksum no
    longer matches is fetched again.
    """
    level = check_level(level, ("deso", "regso"))
    v = require_vintage(vintage, f"download_boundaries({level!r})")
    if not isinstance(page_size, int) or page_size < 1:
        raise InputValueError(f"page_size={page_size!r} must be a positive integer.")
    layer = LAYERS[(level, v)]
    folder = Path(cache) if cache is not None else cache_dir()
    target = folder / f"{layer.replace(':', '_')}.geojson"
    sidecar = target.with_suffix(".json")
    if target.exists() and sidecar.exists() and not force:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if meta.get("sha256") == _sha256(target):
            return _verify(json.loads(target.read_text(encoding="utf-8")), level, v, str(target))
        # corrupted or changed since download: fetch again below

    features: list[dict[str, Any]] = []
    crs = None
    start = 0
    while True:
        query = urllib.parse.urlencode({
            "service": "WFS", "version": "2.0.0", "request": "GetFeature", "typeNames": layer,
            "outputFormat": "application/json", "srsName": "EPSG:3006", "count": page_size,
            "startIndex": start, "sortBy": _CODE_FIELD[level]})
        try:
            page = _get(f"{url}?{query}", timeout, retries, backoff)
        except DownloadError as exc:
            raise DownloadError(
                f"could not download {layer} from {url} ({exc}). On a closed network, download the "
                f"{vintage_label(level, v)} GeoPackage from SCB's website elsewhere and use "
                f"segstat.boundaries({level!r}, vintage={vintage}, path=...), or place a verified download at "
                f"{target}."
            ) from exc
        batch = page.get("features") or []
        crs = crs or page.get("crs")
        features.extend(batch)
        start += len(batch)
        matched = page.get("numberMatched")
        if len(batch) < page_size or (isinstance(matched, int) and start >= matched) or not batch:
            break
    doc = {"type": "FeatureCollection", "crs": crs or {"type": "name", "properties": {"name": "EPSG:3006"}},
           "features": features}
    result = _verify(doc, level, v, f"{url} {layer}")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=".geojson")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(doc, f)
        digest = _sha256(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    meta = {"layer": layer, "url": url, "features": len(features), "sha256": digest,
            "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "licence": "CC0-1.0 (SCB)"}
    tmp_meta = sidecar.with_suffix(".json.tmp")
    tmp_meta.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    os.replace(tmp_meta, sidecar)
    return result
