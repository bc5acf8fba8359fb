"""On-disk cache of SCB responses: atomic writes, sha256 verified on every read.

Each entry is two files in ``<data dir>/scb/``: ``<key>.json`` (the response
bytes exactly as received) and ``<key>.meta.json`` (sha256, size, when it was
written and what request it answers). The meta file is written last, so an
entry without it is incomplete and ignored. Copying the directory to another
machine moves the cache (closed networks).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

#: why an entry could not be used: absent, or present but failing verification
MISSING, CORRUPT = "missing", "corrupt"


def cache_key(**parts: Any) -> str:
    """A stable key (sha256 hex) of the request's identifying parts."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Cache:
    """The response cache under ``root`` (normally ``$SEGSTAT_DATA_DIR/scb``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.root / f"{key}.json", self.root / f"{key}.meta.json"

    def read(self, key: str, *, max_age: float | None = None) -> tuple[bytes | None, str | None]:
        """The verified bytes of an entry, or ``(None, reason)`` (``MISSING`` or ``CORRUPT``).

        An entry older than ``max_age`` seconds counts as missing.
        """
        data_path, meta_path = self._paths(key)
        if not meta_path.exists():
            return None, MISSING
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            data = data_path.read_bytes()
        except (OSError, ValueError):
            return None, CORRUPT
        if len(data) != meta.get("size") or hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            return None, CORRUPT
        if max_age is not None and time.time() - float(meta.get("written", 0)) > max_age:
            return None, MISSING
        return data, None

    def write(self, key: str, data: bytes, *, request: dict[str, Any]) -> None:
        """Store ``data`` atomically with its checksum and a description of the request."""
        self.root.mkdir(parents=True, exist_ok=True)
        data_path, meta_path = self._paths(key)
        meta = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "written": time.time(),
                "request": request}
        _atomic_write(data_path, data)
        _atomic_write(meta_path, json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))
