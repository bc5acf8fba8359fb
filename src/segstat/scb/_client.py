"""HTTP to PxWebApi 2: pacing, retries, GET or POST, and the response cache.

Everything that talks to the network is here; the rest of ``segstat.scb``
works on parsed documents. ``requests`` is imported on the first request.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections import deque
from pathlib import Path
from typing import Any

from ..errors import DataIntegrityError, DownloadError, InputValueError, SegstatWarning
from ._cache import CORRUPT, Cache, cache_key

#: SCB's production service
DEFAULT_URL = "https://statistikdatabasen.scb.se/api/v2"
#: longer GET URLs are answered with 404 by the service; such requests go as POST
MAX_URL_LENGTH = 2000
#: attempts after the first for 429 and 5xx answers and dropped connections
RETRIES = 5
#: first wait after a 5xx answer (seconds), doubled on each retry
BACKOFF = 1.0
#: how long /config, metadata, code lists and table lists are reused without asking again (seconds)
METADATA_MAX_AGE = 24 * 3600
TIMEOUT = 120.0

# indirection so tests can make waiting instantaneous
_sleep = time.sleep
_clock = time.monotonic


class _Pacer:
    """At most ``calls`` requests in any ``window`` seconds (a sliding window)."""

    def __init__(self, calls: int, window: float) -> None:
        self.calls, self.window = max(int(calls), 1), float(window)
        self.times: deque[float] = deque()

    def wait(self) -> None:
        now = _clock()
        while self.times and now - self.times[0] >= self.window:
            self.times.popleft()
        if len(self.times) >= self.calls:
            delay = self.window - (now - self.times[0])
            if delay > 0:
                _sleep(delay)
            self.times.popleft()
        self.times.append(_clock())

    def done(self) -> None:
        """Count the last call from when its answer came: the service saw it later than it was sent."""
        if self.times:
            self.times[-1] = _clock()


#: one pacer per service: the limit is the service's, shared by every call in this process
_PACERS: dict[str, _Pacer] = {}


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _data_dir() -> Path:
    from ..geography.download import cache_dir

    return cache_dir()


class Client:
    """A connection to one PxWebApi 2 service, with its cache and pacing.

    Parameters
    ----------
    base_url : str, optional
        Root of the API (``.../api/v2``). Default ``$SEGSTAT_SCB_URL``, else SCB's service.
    offline : bool, optional
        Answer from the cache only. Default: ``$SEGSTAT_OFFLINE`` set to 1/true/yes.
    """

    def __init__(self, base_url: str | None = None, *, offline: bool | None = None) -> None:
        url = base_url or os.environ.get("SEGSTAT_SCB_URL") or DEFAULT_URL
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise InputValueError(f"base_url={url!r} must be an http(s) URL such as {DEFAULT_URL!r}.")
        self.base_url = url.rstrip("/")
        self.offline = _truthy(os.environ.get("SEGSTAT_OFFLINE")) if offline is None else bool(offline)
        self.cache = Cache(_data_dir() / "scb")
        self._session: Any = None
        self._config: dict[str, Any] | None = None

    # ------------------------------------------------------------ config and pacing
    def config(self) -> dict[str, Any]:
        """The service's ``/config`` (limits, languages, licence, source reference)."""
        if self._config is None:
            self._config = self.get_json("/config", {}, key={"kind": "config", "url": self.base_url},
                                         what="the service's /config", max_age=METADATA_MAX_AGE)
        return self._config

    def max_cells(self) -> int:
        return int(self.config().get("maxDataCells", 150_000))

    def _pacer(self) -> _Pacer:
        pacer = _PACERS.get(self.base_url)
        cfg = self._config or {}
        calls, window = int(cfg.get("maxCallsPerTimeWindow", 30)), float(cfg.get("timeWindow", 10))
        if pacer is None or (pacer.calls, pacer.window) != (calls, window):
            old = pacer
            pacer = _PACERS[self.base_url] = _Pacer(calls, window)
            if old is not None:  # calls made before /config was read count against the window too
                pacer.times.extend(old.times)
        return pacer

    # ------------------------------------------------------------ cached JSON documents
    def get_json(self, path: str, params: dict[str, Any], *, key: dict[str, Any], what: str,
                 max_age: float | None = METADATA_MAX_AGE, body: dict[str, Any] | None = None,
                 refresh: bool = False, parse: Any = None) -> Any:
        """A JSON document from the cache (verified) or the service (then cached).

        ``what`` names the request in messages (offline misses, failures). ``parse``
        (document -> result) runs before anything is cached, so an answer it refuses
        is never stored; its result is returned.
        """
        parse = parse or (lambda doc: doc)
        k = cache_key(**key)
        data, reason = self.cache.read(k, max_age=None if self.offline else max_age)
        if data is not None and not refresh:
            try:
                doc = json.loads(data)
            except ValueError:
                reason = CORRUPT
            else:
                return parse(doc)
        if self.offline:
            if reason == CORRUPT:
                raise DataIntegrityError(
                    f"the cached answer to {what} is corrupt (checksum mismatch) and SEGSTAT_OFFLINE/offline=True "
                    f"forbids fetching it again; delete {self.cache.root / (k + '.meta.json')} and fetch it on a "
                    f"connected machine.")
            raise DownloadError(
                f"offline (SEGSTAT_OFFLINE=1 or offline=True) and {what} is not in the cache "
                f"({self.cache.root}): fetch it once on a connected machine with the same arguments and copy the "
                f"cache directory here.")
        if reason == CORRUPT:
            warnings.warn(f"the cached answer to {what} failed its checksum; fetching it again.",
                          SegstatWarning, stacklevel=3)
        raw = self.request(path, params, body=body, what=what)
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise DownloadError(
                f"{what}: the service's answer is not complete JSON ({len(raw):,} bytes; {exc}). "
                f"The response was truncated or garbled; nothing was cached. Try again.") from exc
        result = parse(doc)
        self.cache.write(k, raw, request=dict(key, path=path, url=self.base_url))
        return result

    # ------------------------------------------------------------ HTTP
    def _requests(self) -> Any:
        from .._optional import import_optional

        return import_optional("requests", purpose="Fetching tables from SCB (segstat.scb)")

    def url_for(self, path: str, params: dict[str, Any]) -> str:
        """The full GET URL of a request (to decide GET or POST)."""
        requests = self._requests()
        return requests.Request("GET", self.base_url + path, params=params).prepare().url

    def request(self, path: str, params: dict[str, Any], *, body: dict[str, Any] | None = None,
                what: str) -> bytes:
        """Make one request (POST when ``body`` is given), paced and retried; the raw bytes."""
        requests = self._requests()
        if self._session is None:
            self._session = requests.Session()
            self._session.headers["User-Agent"] = "segstat (https://pypi.org/project/segstat)"
        url = self.base_url + path
        if path != "/config":
            self.config()  # the limits are known before the first other request
        attempt = 0
        while True:
            self._pacer().wait()
            try:
                if body is None:
                    r = self._session.get(url, params=params, timeout=TIMEOUT)
                else:
                    r = self._session.post(url, params=params, json=body, timeout=TIMEOUT)
                content = r.content
            except requests.RequestException as exc:
                self._pacer().done()
                if attempt < RETRIES:
                    _sleep(BACKOFF * 2 ** attempt)
                    attempt += 1
                    continue
                raise DownloadError(f"{what}: could not reach {url} ({exc}). Check the network or base_url=/"
                                    f"SEGSTAT_SCB_URL; on a closed network use the cache (offline=True).") from exc
            self._pacer().done()
            if r.status_code == 429 and attempt < RETRIES:
                _sleep(_retry_after(r.headers.get("Retry-After"), self._pacer().window))
                attempt += 1
                continue
            if r.status_code >= 500 and attempt < RETRIES and (content or r.status_code != 500):
                _sleep(BACKOFF * 2 ** attempt)
                attempt += 1
                continue
            if r.status_code != 200:
                raise DownloadError(_explain(r.status_code, content, what, url, body is not None))
            expected = r.headers.get("Content-Length")
            if expected is not None and expected.isdigit() and int(expected) != len(content):
                raise DownloadError(f"{what}: the answer was cut off ({len(content):,} of {int(expected):,} "
                                    f"bytes); nothing was cached. Try again.")
            return content


def _retry_after(value: str | None, default: float) -> float:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date)."""
    if value:
        try:
            return max(float(value), 0.0)
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
            except (TypeError, ValueError):
                pass
    return default


def _explain(status: int, content: bytes, what: str, url: str, post: bool) -> str:
    detail = ""
    try:
        doc = json.loads(content)
        if isinstance(doc, dict):
            detail = " ".join(str(doc[k]) for k in ("title", "detail") if doc.get(k))
    except ValueError:
        detail = content[:200].decode("utf-8", "replace").strip()
    msg = f"{what}: SCB answered HTTP {status}" + (f" ({detail})" if detail else "")
    if status == 404:
        return msg + f" for {url}: the table or path does not exist (search with segstat.scb.tables(query=...))."
    if status == 429:
        return msg + ": too many requests even after waiting as the service asked; try again later."
    if status >= 500 and not content:
        return msg + " with an empty body, which the service gives for a malformed selection (for example a " \
                     "value code given twice)."
    return msg + "."
