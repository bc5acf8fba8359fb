"""Download DeSO/RegSO boundaries from SCB's open WFS, verified and cached."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import check_level, check_scalar
from ..errors import CacheWarning, DataIntegrityError, DownloadError, InputValueError
from ._plausible import check_plausible
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


#: the largest response segstat reads (one page of features): SCB's pages of 1000 full-resolution DeSO are
#: tens of MB; a server that sends more is refused rather than read into memory without end
MAX_RESPONSE_BYTES = 512 * 2**20


def _get(url: str, timeout: float, retries: int, backoff: float,
         max_bytes: int = MAX_RESPONSE_BYTES) -> dict[str, Any]:
    """One JSON object from ``url``: a truncated body, a body that is not UTF-8 JSON or a server error is
    retried ``retries`` times with exponential backoff; a body above ``max_bytes`` is refused at once."""
    last: str = ""
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:  # noqa: S310 - https/http only, checked
                body = r.read(max_bytes + 1)
                if len(body) > max_bytes:
                    raise DownloadError(f"the response from {url} is larger than {max_bytes:,} bytes; segstat "
                                        f"stops reading there (a page of boundaries is far smaller). Check the URL.")
                length = r.headers.get("Content-Length")
                if length is not None and length.isdigit() and int(length) != len(body):
                    raise http.client.IncompleteRead(body, int(length) - len(body))
            doc = json.loads(body.decode("utf-8"))
            if not isinstance(doc, dict):
                raise ValueError(f"a JSON {type(doc).__name__}, not an object")
            return doc
        except http.client.IncompleteRead as exc:
            last = f"truncated response ({len(exc.partial)} bytes received, {exc.expected} more expected)"
        except UnicodeDecodeError:
            last = "the response is not UTF-8 text (a binary body), not GeoJSON"
        except (json.JSONDecodeError, ValueError) as exc:
            last = f"the response is not GeoJSON ({exc})"
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
            if isinstance(exc, DownloadError):
                raise
            last = str(exc)
        if attempt < retries:
            time.sleep(backoff * 2**attempt)
    raise DownloadError(last)


def _verify(doc: dict[str, Any], level: str, v: int, source: str, geometry: bool = True) -> Boundaries:
    """The features checked against the registry (count, codes, valid polygons) and, with ``geometry``,
    against Sweden's map (:func:`._plausible.check_plausible`); a cached file whose checksum matches was
    checked when it was written and skips the second part."""
    from . import _io

    geoms, attrs, crs = _io.geojson_features(doc, source)
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
    if geometry:
        check_plausible(b.codes, b.polygons, source)
    return b


def _write_new(folder: Path, suffix: str, write: Any) -> Path:
    """A new file in ``folder`` written by ``write(file)``: created exclusively under a random name
    (``tempfile.mkstemp``: O_CREAT | O_EXCL, never through a symbolic link planted at the name), removed
    again if writing fails."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            write(f)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _cached(target: Path, sidecar: Path, level: str, v: int) -> Boundaries | None:
    """The cached download if its sidecar is readable and its checksum matches; None (fetch again) if the
    sidecar or the file is missing, damaged or changed."""
    if not (target.is_file() and sidecar.is_file()):
        return None
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        if not (isinstance(meta, dict) and meta.get("sha256") == _sha256(target)):
            return None
        return _verify(json.loads(target.read_text(encoding="utf-8")), level, v, str(target), geometry=False)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, InputValueError, DataIntegrityError):
        return None


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
        DeSO 2025, 3,363 RegSO), codes of the vintage, CRS (declared
        EPSG:3006), valid polygons, and geometry where the codes say: inside
        Sweden's extent, each polygon near and not larger than its kommun
        (the code's parent), no overlaps (see
        :mod:`segstat.geography._plausible`). Also a server that does not
        page: the same page twice, or more pages than the layer needs.
    InputValueError
        ``url`` is not http(s) (a ``file://`` URL: use
        :func:`segstat.boundaries` with ``path=``).

    Warns
    -----
    CacheWarning
        The cache is not writable: the verified download is returned anyway.

    Notes
    -----
    Truncated responses, bodies that are not UTF-8 JSON and server errors
    are retried; a response above 512 MiB is refused. The file is written
    atomically as GeoJSON with a sidecar recording its sha256: both through
    temporary files created exclusively (never through a symbolic link
    planted at their name), then renamed. A cached file whose sidecar is
    damaged or whose checksum no longer matches is fetched again.
    """
    level = check_level(level, ("deso", "regso"))
    v = require_vintage(vintage, f"download_boundaries({level!r})")
    page_size = check_scalar("page_size", page_size, "int", low=1, high=100_000, must="an integer from 1 to 100000")
    timeout = check_scalar("timeout", timeout, "real", low=0, low_open=True, high=86_400,
                           must="a number of seconds, > 0 and <= 86400")
    retries = check_scalar("retries", retries, "int", low=0, high=100, must="an integer from 0 to 100")
    backoff = check_scalar("backoff", backoff, "real", low=0, high=3600, must="a number of seconds from 0 to 3600")
    if not isinstance(force, (bool, np.bool_)):
        raise InputValueError(f"force={force!r} must be True or False.")
    scheme = urllib.parse.urlsplit(str(url)).scheme.lower()
    if scheme not in ("http", "https"):
        raise InputValueError(f"url={url!r}: only http and https URLs are fetched. For a file on disk use "
                              f"segstat.boundaries({level!r}, vintage={v}, path=...).")
    layer = LAYERS[(level, v)]
    folder = Path(cache) if cache is not None else cache_dir()
    target = folder / f"{layer.replace(':', '_')}.geojson"
    sidecar = target.with_suffix(".json")
    if not force:
        cached = _cached(target, sidecar, level, v)
        if cached is not None:
            return cached
        # missing, damaged or changed since download: fetch again below

    expected = len(_known(level, v))
    max_pages = -(-expected // page_size) + 1  # one more page: the server may end with an empty one
    features: list[dict[str, Any]] = []
    seen_pages: set[str] = set()
    crs = None
    start = 0
    for _ in range(max_pages):
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
        if not isinstance(batch, list):
            raise DataIntegrityError(f"{url} {layer}: the response's 'features' is not a list.")
        fingerprint = hashlib.sha256(json.dumps(batch, sort_keys=True).encode()).hexdigest() if batch else ""
        if batch and fingerprint in seen_pages:
            raise DataIntegrityError(
                f"{url} {layer}: the server sent the same page again at startIndex={start}; it does not page "
                f"(count/startIndex). Stopped after {len(features)} features.")
        seen_pages.add(fingerprint)
        crs = crs or page.get("crs")
        features.extend(batch)
        start += len(batch)
        matched = page.get("numberMatched")
        if len(batch) < page_size or (isinstance(matched, int) and start >= matched) or not batch:
            break
    else:
        raise DataIntegrityError(
            f"{url} {layer}: still more features after {max_pages} pages of {page_size} ({len(features)} "
            f"features), but {vintage_label(level, v)} has {expected}. Stopped; the server does not page as a WFS "
            f"should.")
    doc = {"type": "FeatureCollection", "crs": crs or {"type": "name", "properties": {"name": "EPSG:3006"}},
           "features": features}
    result = _verify(doc, level, v, f"{url} {layer}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = _write_new(folder, ".geojson", lambda f: f.write(json.dumps(doc)))  # C encoder: dump() is 10x slower
        try:
            digest = _sha256(tmp)
            meta = {"layer": layer, "url": url, "features": len(features), "sha256": digest,
                    "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "licence": "CC0-1.0 (SCB)"}
            tmp_meta = _write_new(folder, ".json", lambda f: json.dump(meta, f, indent=1))
            os.replace(tmp, target)
            os.replace(tmp_meta, sidecar)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        warnings.warn(f"the verified download of {layer} could not be cached in {folder} ({exc}); it is returned "
                      f"but will be fetched again next time. Pass cache= a writable directory (or set "
                      f"SEGSTAT_DATA_DIR).", CacheWarning, stacklevel=2)
    return result
